package queue

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"sync"
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
	began := time.Now()
	job, file, res, deferred, err := w.start(ctx, rj.Args.JobID, began)
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
	if n := crashes(rj.Errors); n >= MaxCrashes {
		log.ErrorContext(ctx, "job failed: its worker process died during its earlier runs; not running it again", "crashes", n)
		if err := w.finish(ctx, job, began, nil, CrashedMessage); err != nil {
			return err
		}
		return river.JobCancel(errors.New(CrashedMessage))
	}
	log.InfoContext(ctx, "job running", "project_id", job.ProjectID, "file_input", job.FileInput)
	ctx, stopWatch := w.watchCancel(ctx, job)
	defer stopWatch()
	// stopMark ends the wait to mark a deferred run RUNNING; after it, the
	// mark is either written or never will be, so the run's end is the
	// last write.
	stopMark := func() {}
	if deferred {
		stopMark = w.markLater(ctx, job.ID, began)
	}

	// A panic in a parser or engine is a bug, and running the same input
	// again would panic again: fail the job with a sentence for the user and
	// the stack in the log.
	defer func() {
		if p := recover(); p != nil {
			stopMark()
			log.ErrorContext(ctx, "job panicked", "panic", p, "stack", string(debug.Stack()))
			err = w.finish(context.WithoutCancel(ctx), job, began, nil, "internal error while extracting; the cause was logged under the job id")
		}
	}()

	out, perr := w.proc.Process(ctx, job, file)
	stopMark()
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

// start claims a job for a run beginning at began and reads its file.
//
// Without a project limit there is nothing to count, so a PENDING job
// without webhooks is not claimed with a write: one read (sent with other
// runs' reads, see Queue.reads) fetches the job and its file, and the run
// is deferred, its job marked RUNNING only if it lasts (markLater). River
// already guarantees one run at a time; the row's status is for the user,
// who for a short run sees PENDING, then the end. Any other job goes
// through StartJob, which counts, throttles and records the webhook event.
func (w *worker) start(ctx context.Context, id string, began time.Time) (job extract.Job, file *extract.File, res extract.StartResult, deferred bool, err error) {
	q := w.q
	read := false
	if q.cfg.ProjectConcurrency < 0 {
		in, err := q.reads.Do(ctx, id)
		job, file = in.Job, in.File
		switch {
		case err != nil:
			return job, nil, 0, false, err
		case job.ID == "" || job.Status.Terminal():
			return job, nil, extract.StartGone, false, nil
		case job.Status == extract.StatusPending && job.Webhooks == nil:
			return job, file, extract.StartRun, true, nil
		}
		read = true
	}
	job, res, err = q.store.StartJob(ctx, id, q.cfg.ProjectConcurrency, began)
	if err != nil || res != extract.StartRun || read {
		return job, file, res, false, err
	}
	f, err := q.store.File(ctx, job.ProjectID, job.FileInput)
	switch {
	case extract.IsNotFound(err):
		return job, nil, res, false, nil
	case err != nil:
		return job, nil, 0, false, fmt.Errorf("load file: %w", err)
	}
	return job, &f, res, false, nil
}

// markLater marks a deferred run's job RUNNING once the run has lasted
// MarkRunningAfter. The returned stop cancels a mark not yet begun and
// waits for one under way; it may be called more than once.
func (w *worker) markLater(ctx context.Context, id string, began time.Time) (stop func()) {
	q := w.q
	done := make(chan struct{})
	t := time.AfterFunc(q.cfg.MarkRunningAfter-time.Since(began), func() {
		defer close(done)
		if _, err := q.store.MarkRunning(ctx, id, began, time.Now()); err != nil && ctx.Err() == nil {
			// Only the display is late: the run goes on, and its end
			// is recorded as usual.
			q.log.WarnContext(ctx, "mark job running", "job_id", id, "err", err)
		}
	})
	return sync.OnceFunc(func() {
		if !t.Stop() {
			<-done
		}
	})
}

// watchCancel returns a context for the run of job that ends when the job
// is cancelled or deleted, seen by reading its row every PollInterval.
// River cancels a running job's context itself only when its notification
// arrives: never on SQLite, which has no LISTEN/NOTIFY and whose River
// client looks for cancels only every couple of seconds, nor on
// PostgreSQL behind a pooler (PollOnly). A run shorter than PollInterval
// costs no read. stop ends the watch; call it when the run is over.
func (w *worker) watchCancel(ctx context.Context, job extract.Job) (_ context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(w.q.cfg.PollInterval)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
			current, err := w.q.store.Job(ctx, job.ProjectID, job.ID)
			if extract.IsNotFound(err) || (err == nil && current.Status == extract.StatusCancelled) {
				cancel(errCancelled)
				return
			}
		}
	}()
	return ctx, sync.OnceFunc(func() {
		close(done)
		cancel(nil)
	})
}

// errCancelled is the cause of a run's context ended by watchCancel.
var errCancelled = errors.New("the job was cancelled or deleted while running")

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

// finish records the end of the run that began at began. A job cancelled
// or deleted meanwhile keeps that state: FinishJobs changes only RUNNING
// and PENDING rows.
func (w *worker) finish(ctx context.Context, job extract.Job, began time.Time, out *extract.Outcome, failure string) error {
	changed, err := w.q.finishes.Do(ctx, extract.Finish{JobID: job.ID, Started: began, At: time.Now(), Outcome: out, Failure: failure})
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
