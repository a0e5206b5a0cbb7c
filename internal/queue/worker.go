package queue

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"time"

	"github.com/riverqueue/river"

	"github.com/quarrylabs/quarry/internal/extract"
)

// worker runs one extraction job per River job.
type worker struct {
	river.WorkerDefaults[Args]
	q    *Queue
	proc Processor
}

// Timeout is the per-run limit; River cancels the run's context after it.
func (w *worker) Timeout(*river.Job[Args]) time.Duration { return w.q.cfg.JobTimeout }

func (w *worker) Work(ctx context.Context, rj *river.Job[Args]) (err error) {
	q := w.q
	log := q.log.With("job_id", rj.Args.JobID, "attempt", rj.Attempt)
	job, res, err := q.store.StartJob(ctx, rj.Args.JobID, q.cfg.ProjectConcurrency, time.Now())
	if err != nil {
		return fmt.Errorf("start job %s: %w", rj.Args.JobID, err)
	}
	switch res {
	case extract.StartGone:
		return nil
	case extract.StartThrottled:
		log.DebugContext(ctx, "project at its concurrency limit; job throttled")
		return river.JobSnooze(q.cfg.ThrottleDelay)
	}
	log.InfoContext(ctx, "job running", "project_id", job.ProjectID, "file_input", job.FileInput)
	began := time.Now()

	// A panic in a parser or engine is a bug, and running the same input
	// again would panic again: fail the job with a sentence for the user and
	// the stack in the log.
	defer func() {
		if p := recover(); p != nil {
			log.ErrorContext(ctx, "job panicked", "panic", p, "stack", string(debug.Stack()))
			err = w.finish(context.WithoutCancel(ctx), job, began, nil, "internal error while extracting; the cause was logged under the job id")
		}
	}()

	out, perr := w.proc.Process(ctx, job)
	switch {
	case perr == nil:
		return w.finish(ctx, job, began, &out, "")
	case ctx.Err() != nil:
		return w.interrupted(ctx, job, began, perr)
	case extract.ErrorCode(perr) != extract.CodeInternal:
		log.InfoContext(ctx, "job failed", "reason", perr)
		return w.finish(ctx, job, began, nil, extract.ErrorMessage(perr))
	case rj.Attempt >= rj.MaxAttempts:
		log.ErrorContext(ctx, "job failed on its last attempt", "err", perr)
		return w.finish(ctx, job, began, nil, "internal error while extracting; the cause was logged under the job id")
	default:
		log.WarnContext(ctx, "job run failed; it will be retried", "err", perr)
		return perr
	}
}

// interrupted handles a run whose context ended: a user's cancel (the row is
// already CANCELLED), the job timeout (the job fails), or a shutdown (the
// job goes back to PENDING and River runs it again).
func (w *worker) interrupted(ctx context.Context, job extract.Job, began time.Time, cause error) error {
	q := w.q
	bg := context.WithoutCancel(ctx)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		msg := fmt.Sprintf("the job did not finish within the job timeout of %s", q.cfg.JobTimeout)
		if err := w.finish(bg, job, began, nil, msg); err != nil {
			return err
		}
		return river.JobCancel(errors.New(msg))
	}
	current, err := q.store.Job(bg, job.ProjectID, job.ID)
	if extract.IsNotFound(err) || (err == nil && current.Status == extract.StatusCancelled) {
		q.observe(extract.StatusCancelled, time.Since(began))
		q.log.InfoContext(bg, "job cancelled while running", "job_id", job.ID)
		return river.JobCancel(cause)
	}
	// Shutting down: hand the job back so the next start runs it again.
	if err := q.store.RequeueJob(bg, job.ID, time.Now()); err != nil {
		return fmt.Errorf("requeue job %s: %w", job.ID, err)
	}
	q.log.InfoContext(bg, "job interrupted by shutdown; it will run again", "job_id", job.ID)
	return river.JobSnooze(0)
}

// finish records the run's end. A job cancelled or deleted meanwhile keeps
// that state: FinishJob changes only RUNNING rows.
func (w *worker) finish(ctx context.Context, job extract.Job, began time.Time, out *extract.Outcome, failure string) error {
	changed, err := w.q.store.FinishJob(ctx, job.ID, time.Now(), out, failure)
	if err != nil {
		return fmt.Errorf("finish job %s: %w", job.ID, err)
	}
	status := extract.StatusCompleted
	if failure != "" {
		status = extract.StatusFailed
	}
	if changed {
		w.q.observe(status, time.Since(began))
		w.q.log.InfoContext(ctx, "job finished", "job_id", job.ID, "status", status, "duration_ms", time.Since(began).Milliseconds())
	}
	return nil
}

func (q *Queue) observe(s extract.Status, d time.Duration) {
	if q.cfg.OnFinish != nil {
		q.cfg.OnFinish(s, d)
	}
}
