package storetest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/id"
)

// planner stands in for the webhook machinery: a delivery per webhook
// subscribed to the job's event, with a payload naming the event, enqueued
// on a live transaction. fail makes Enqueue fail, to show the change rolls
// back with it.
type planner struct {
	mu   sync.Mutex
	fail bool
	n    int
}

func (p *planner) Plan(job extract.Job) ([]extract.WebhookDelivery, error) {
	event, ok := extract.EventOf(job.Status)
	if !ok {
		return nil, nil
	}
	hooks, err := extract.JobWebhooks(job)
	if err != nil {
		return nil, err
	}
	var ds []extract.WebhookDelivery
	for i, h := range hooks {
		if h.Subscribes(event) {
			ds = append(ds, extract.WebhookDelivery{
				ID: id.New(id.Delivery), Target: i, EventID: id.New(id.Event), Event: event, Status: job.Status,
				Webhook: h, Payload: json.RawMessage(fmt.Sprintf(`{"event_type":%q}`, event)), CreatedAt: job.UpdatedAt,
			})
		}
	}
	return ds, nil
}

func (p *planner) Enqueue(ctx context.Context, tx *sql.Tx, d *extract.WebhookDelivery) (int64, error) {
	if err := touch(ctx, tx); err != nil {
		return 0, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.fail {
		return 0, errHook
	}
	p.n++
	return int64(5000 + p.n), nil
}

func testWebhooks(t *testing.T, f *fixture) {
	ctx := t.Context()
	hook := extract.Webhook{URL: "https://example.com/hook", Headers: map[string]string{"X-A": "b"}, SigningSecret: "s", OutputFormat: extract.OutputJSON}

	t.Run("Saved", func(t *testing.T) {
		w := extract.SavedWebhook{ID: id.New(id.Webhook), ProjectID: f.prj.ID, Webhook: hook, CreatedAt: at(1), UpdatedAt: at(1)}
		if err := f.st.CreateWebhook(ctx, w); err != nil {
			t.Fatalf("CreateWebhook: %v", err)
		}
		wantCode(t, "CreateWebhook(same id)", f.st.CreateWebhook(ctx, w), extract.CodeConflict, "")
		got, err := f.st.Webhook(ctx, f.prj.ID, w.ID)
		if err != nil {
			t.Fatalf("Webhook: %v", err)
		}
		diff(t, "Webhook", w, got)
		_, err = f.st.Webhook(ctx, f.other.ID, w.ID)
		wantCode(t, "Webhook(other project)", err, extract.CodeNotFound, "")
		if list, err := f.st.ListWebhooks(ctx, f.other.ID); err != nil || len(list) != 0 {
			t.Errorf("ListWebhooks(other project) = %v, %v; want none", list, err)
		}

		w.Webhook.Events = []string{extract.EventSuccess}
		w.UpdatedAt = at(2)
		updated, err := f.st.UpdateWebhook(ctx, w)
		if err != nil {
			t.Fatalf("UpdateWebhook: %v", err)
		}
		diff(t, "UpdateWebhook", w, updated)
		if list, err := f.st.ListWebhooks(ctx, f.prj.ID); err != nil || len(list) != 1 {
			t.Errorf("ListWebhooks = %v, %v; want the one", list, err)
		}
		wantCode(t, "DeleteWebhook(other project)", f.st.DeleteWebhook(ctx, f.other.ID, w.ID), extract.CodeNotFound, "")
		if err := f.st.DeleteWebhook(ctx, f.prj.ID, w.ID); err != nil {
			t.Fatalf("DeleteWebhook: %v", err)
		}
		_, err = f.st.Webhook(ctx, f.prj.ID, w.ID)
		wantCode(t, "Webhook(deleted)", err, extract.CodeNotFound, "")
	})

	// The remaining subtests share the planner, so they run in order.
	p := &planner{}
	f.st.SetWebhookPlanner(p)
	hooks, _ := json.Marshal([]extract.Webhook{hook, {URL: "https://example.org/", Events: []string{extract.EventSuccess}}})
	newHooked := func(n int) extract.Job {
		j := newJob(f.prj, at(n))
		j.Webhooks = hooks
		return j
	}
	events := func(t *testing.T, jobID string) []string {
		t.Helper()
		ds, err := f.st.WebhookDeliveries(ctx, f.prj.ID, jobID)
		if err != nil {
			t.Fatalf("WebhookDeliveries: %v", err)
		}
		var out []string
		for i, d := range ds {
			if d.Seq != i+1 || d.State != extract.DeliveryPending || d.JobID != jobID {
				t.Errorf("delivery %d = seq %d, state %s, job %s", i, d.Seq, d.State, d.JobID)
			}
			out = append(out, fmt.Sprintf("%d:%s", d.Target, d.Event))
		}
		return out
	}

	t.Run("StatusChanges", func(t *testing.T) {
		j := f.create(t, newHooked(10))
		if _, res, err := f.st.StartJob(ctx, j.ID, 0, at(11)); err != nil || res != extract.StartRun {
			t.Fatalf("StartJob = %v, %v", res, err)
		}
		if ok, err := finishJob(ctx, f.st, j.ID, at(11), at(12), &extract.Outcome{Result: json.RawMessage(`{}`)}, ""); err != nil || !ok {
			t.Fatalf("finishJob = %v, %v", ok, err)
		}
		// extract.running goes only to webhooks that name it.
		diff(t, "deliveries", []string{"0:extract.pending", "0:extract.success", "1:extract.success"}, events(t, j.ID))

		c := f.create(t, newHooked(20))
		if _, err := f.st.CancelJob(ctx, f.prj.ID, c.ID, at(21), f.queue.cancel); err != nil {
			t.Fatalf("CancelJob: %v", err)
		}
		diff(t, "deliveries of a cancelled job", []string{"0:extract.pending", "0:extract.cancelled"}, events(t, c.ID))

		_, err := f.st.WebhookDeliveries(ctx, f.other.ID, j.ID)
		wantCode(t, "WebhookDeliveries(other project)", err, extract.CodeNotFound, "")
	})

	t.Run("RollsBackWithTheChange", func(t *testing.T) {
		j := f.create(t, newHooked(30))
		p.mu.Lock()
		p.fail = true
		p.mu.Unlock()
		_, err := f.st.CancelJob(ctx, f.prj.ID, j.ID, at(31), f.queue.cancel)
		p.mu.Lock()
		p.fail = false
		p.mu.Unlock()
		if !errors.Is(err, errHook) {
			t.Fatalf("CancelJob with a failing enqueue = %v, want %v", err, errHook)
		}
		if got := f.job(t, j.ID).Status; got != extract.StatusPending {
			t.Errorf("status after the failed cancel = %s, want PENDING", got)
		}
		diff(t, "deliveries after a rolled back change", []string{"0:extract.pending"}, events(t, j.ID))
	})

	t.Run("OrderAndAttempts", func(t *testing.T) {
		j := f.create(t, newHooked(40))
		if _, err := f.st.CancelJob(ctx, f.prj.ID, j.ID, at(41), f.queue.cancel); err != nil {
			t.Fatalf("CancelJob: %v", err)
		}
		ds, err := f.st.WebhookDeliveries(ctx, f.prj.ID, j.ID)
		if err != nil || len(ds) != 2 {
			t.Fatalf("WebhookDeliveries = %d, %v", len(ds), err)
		}
		first, second := ds[0], ds[1]
		if waits, err := f.st.WebhookDeliveryWaits(ctx, second); err != nil || !waits {
			t.Errorf("WebhookDeliveryWaits(second) = %v, %v; want true while the first is pending", waits, err)
		}
		if waits, err := f.st.WebhookDeliveryWaits(ctx, first); err != nil || waits {
			t.Errorf("WebhookDeliveryWaits(first) = %v, %v; want false", waits, err)
		}
		failed := extract.WebhookAttempt{At: at(42), StatusCode: 500, Error: "the receiver answered 500", Duration: 1500 * time.Microsecond}
		ok := extract.WebhookAttempt{At: at(43), StatusCode: 200, Duration: 2 * time.Millisecond}
		for _, a := range []struct {
			a     extract.WebhookAttempt
			state extract.DeliveryState
		}{{failed, extract.DeliveryPending}, {ok, extract.DeliveryDelivered}} {
			if rec, err := f.st.RecordWebhookAttempt(ctx, first.ID, a.a, a.state); err != nil || !rec {
				t.Fatalf("RecordWebhookAttempt = %v, %v", rec, err)
			}
		}
		if rec, err := f.st.RecordWebhookAttempt(ctx, first.ID, ok, extract.DeliveryDelivered); err != nil || rec {
			t.Errorf("RecordWebhookAttempt(delivered) = %v, %v; want false: it is no longer pending", rec, err)
		}
		got, err := f.st.WebhookDelivery(ctx, first.ID)
		if err != nil {
			t.Fatalf("WebhookDelivery: %v", err)
		}
		first.State, first.Attempts, first.UpdatedAt = extract.DeliveryDelivered, []extract.WebhookAttempt{failed, ok}, at(43)
		diff(t, "WebhookDelivery", first, got)
		if waits, err := f.st.WebhookDeliveryWaits(ctx, second); err != nil || waits {
			t.Errorf("WebhookDeliveryWaits(second) = %v, %v; want false once the first is delivered", waits, err)
		}

		if err := f.st.DeleteJob(ctx, f.prj.ID, j.ID, f.queue.remove); err != nil {
			t.Fatalf("DeleteJob: %v", err)
		}
		_, err = f.st.WebhookDelivery(ctx, first.ID)
		wantCode(t, "WebhookDelivery(job deleted)", err, extract.CodeNotFound, "")
	})
}
