package queue

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/quarrylabs/quarry/internal/extract"
)

// WebhookQueueName is the River queue webhook deliveries run on, apart from
// extraction so that a slow receiver never holds a job back, nor a queue of
// long jobs a delivery.
const WebhookQueueName = "webhook"

// WebhookSender makes one delivery attempt. delivered is true when the
// receiver accepted it; retry says whether another attempt may succeed.
type WebhookSender interface {
	Send(ctx context.Context, d extract.WebhookDelivery) (a extract.WebhookAttempt, delivered, retry bool)
}

// WebhookConfig configures webhook delivery. Zero values take the
// documented defaults.
type WebhookConfig struct {
	// Sender makes the attempts. Without one, this process works no
	// deliveries (it may still enqueue them).
	Sender WebhookSender
	// Workers is how many deliveries run at once. Defaults to 10: they
	// wait on the network, not the CPU.
	Workers int
	// RetryBase is the wait after a first failed attempt; each further
	// failure doubles it, up to RetryMax. Defaults to 30 seconds.
	RetryBase time.Duration
	// RetryMax caps the wait between attempts. Defaults to 1 hour.
	RetryMax time.Duration
	// GiveUpAfter is how long after its event a delivery is retried.
	// Defaults to 24 hours.
	GiveUpAfter time.Duration
	// OrderDelay is how long a delivery waits before it looks again
	// whether an earlier delivery of its job to the same webhook is done:
	// one job's events reach a receiver in order. Defaults to 1 second.
	OrderDelay time.Duration
}

func (c WebhookConfig) withDefaults() WebhookConfig {
	c.Workers = cmp.Or(c.Workers, 10)
	c.RetryBase = cmp.Or(c.RetryBase, 30*time.Second)
	c.RetryMax = cmp.Or(c.RetryMax, time.Hour)
	c.GiveUpAfter = cmp.Or(c.GiveUpAfter, 24*time.Hour)
	c.OrderDelay = cmp.Or(c.OrderDelay, time.Second)
	return c
}

// backoff is the wait after the attempt-th failed attempt.
func (c WebhookConfig) backoff(attempt int) time.Duration {
	d := c.RetryBase
	for i := 1; i < attempt && d < c.RetryMax; i++ {
		d *= 2
	}
	return min(d, c.RetryMax)
}

// webhookMaxAttempts is River's bound on a delivery's attempts. It is never
// what stops one: GiveUpAfter is, and this only has to exceed the attempts
// it allows.
const webhookMaxAttempts = 1000

// WebhookArgs are a delivery's River arguments: only its id, the row
// holding the rest.
type WebhookArgs struct {
	DeliveryID string `json:"delivery_id"`
}

// Kind names the River job kind.
func (WebhookArgs) Kind() string { return "webhook" }

// EnqueueWebhook inserts the River job of a delivery inside the store's
// transaction; it is the planner's queue.
func (q *Queue) EnqueueWebhook(ctx context.Context, tx *sql.Tx, d *extract.WebhookDelivery) (int64, error) {
	res, err := q.client.insertTx(ctx, tx, WebhookArgs{DeliveryID: d.ID}, &river.InsertOpts{
		Queue:       WebhookQueueName,
		MaxAttempts: webhookMaxAttempts,
	})
	if err != nil {
		return 0, fmt.Errorf("enqueue webhook delivery %s: %w", d.ID, err)
	}
	return res.Job.ID, nil
}

// addWebhookWorker registers the delivery worker and its queue when this
// process sends webhooks.
func (q *Queue) addWebhookWorker(workers *river.Workers, rc *river.Config) error {
	q.cfg.Webhook = q.cfg.Webhook.withDefaults()
	if q.cfg.Webhook.Sender == nil {
		return nil
	}
	if err := river.AddWorkerSafely(workers, &webhookWorker{q: q, cfg: q.cfg.Webhook}); err != nil {
		return fmt.Errorf("queue: add webhook worker: %w", err)
	}
	rc.Queues[WebhookQueueName] = river.QueueConfig{MaxWorkers: q.cfg.Webhook.Workers}
	return nil
}

// webhookWorker makes one attempt per River run of a delivery. Its errors
// are River's retries; the extraction job never sees them.
type webhookWorker struct {
	river.WorkerDefaults[WebhookArgs]
	q   *Queue
	cfg WebhookConfig
}

// NextRetry spaces attempts out exponentially from RetryBase.
func (w *webhookWorker) NextRetry(rj *river.Job[WebhookArgs]) time.Time {
	return time.Now().Add(w.cfg.backoff(rj.Attempt))
}

// Timeout leaves the sender's own timeout to bound an attempt.
func (w *webhookWorker) Timeout(*river.Job[WebhookArgs]) time.Duration { return 5 * time.Minute }

func (w *webhookWorker) Work(ctx context.Context, rj *river.Job[WebhookArgs]) error {
	st, log := w.q.store, w.q.log.With("delivery_id", rj.Args.DeliveryID, "attempt", rj.Attempt)
	d, err := st.WebhookDelivery(ctx, rj.Args.DeliveryID)
	if extract.IsNotFound(err) {
		return nil // its job was deleted
	}
	if err != nil {
		return fmt.Errorf("read webhook delivery: %w", err)
	}
	if d.State != extract.DeliveryPending {
		return nil // a second run of a finished delivery
	}
	waits, err := st.WebhookDeliveryWaits(ctx, d)
	if err != nil {
		return err
	}
	if waits {
		return river.JobSnooze(w.cfg.OrderDelay)
	}
	a, delivered, retry := w.cfg.Sender.Send(ctx, d)
	if ctx.Err() != nil {
		// Shutting down or timed out by River: not the receiver's doing.
		return fmt.Errorf("webhook delivery %s interrupted: %w", d.ID, ctx.Err())
	}
	bg := context.WithoutCancel(ctx)
	state := extract.DeliveryPending
	switch {
	case delivered:
		state = extract.DeliveryDelivered
	case !retry, time.Since(d.CreatedAt)+w.cfg.backoff(rj.Attempt) > w.cfg.GiveUpAfter, rj.Attempt >= rj.MaxAttempts:
		state = extract.DeliveryFailed
	}
	if _, err := st.RecordWebhookAttempt(bg, d.ID, a, state); err != nil {
		return err
	}
	log = log.With("job_id", d.JobID, "event", d.Event, "status_code", a.StatusCode)
	switch state {
	case extract.DeliveryDelivered:
		log.DebugContext(ctx, "webhook delivered")
		return nil
	case extract.DeliveryFailed:
		log.WarnContext(ctx, "webhook delivery given up", "err", a.Error)
		return river.JobCancel(errors.New(a.Error))
	}
	log.InfoContext(ctx, "webhook attempt failed; it will be retried", "err", a.Error)
	return errors.New(a.Error)
}
