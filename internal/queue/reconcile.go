package queue

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// maintenanceQueue runs the queue's own periodic work.
const maintenanceQueue = "maintenance"

// AbandonedMessage is the error_message of a job the reconciler fails.
const AbandonedMessage = "the job was abandoned: its runs kept ending without a result (a worker process may have crashed each time), so the server stopped retrying it; create the job again to retry"

// CrashedMessage is the error_message of a job failed because the worker
// process died during MaxCrashes of its runs.
const CrashedMessage = "the worker stopped while running this job twice (the process crashed or was killed, for instance for lack of memory); it was not retried. The document may be too large or malformed for this server: check or split it, then create the job again"

// MaxCrashes is how many runs of a job may end with their worker process
// before the job is failed instead of run again: a document that kills
// its worker (a parser's memory, a crash in a library) would otherwise take
// the process down at every start until River's attempts run out, and with
// it every other job in flight. One crash is forgiven, as a process may die
// for reasons of its own (a deploy's SIGKILL, the host).
const MaxCrashes = 2

// crashMarks start the errors River keeps on a job for a run whose process
// died: written by this package when it makes such a run's job available
// again (reclaimOrphans on SQLite, the orphan scanner on PostgreSQL), and
// by River's own rescuer for a run that looked alive past RescueAfter.
var crashMarks = []string{diedError, "Stuck job rescued by"}

// diedError is the error recorded on a job whose run's process died.
const diedError = "the worker process running this job died"

// crashes counts the runs of a job that ended with their process, from the
// errors River keeps on it. River records a run's start durably (the job
// is "running", its attempt counted) before the run begins, so a run that
// ends the process leaves its mark once the job is made available again.
func crashes(errs []rivertype.AttemptError) int {
	n := 0
	for _, e := range errs {
		for _, m := range crashMarks {
			if strings.HasPrefix(e.Error, m) {
				n++
				break
			}
		}
	}
	return n
}

// reconcileArgs is the periodic reconciler's River job.
type reconcileArgs struct{}

func (reconcileArgs) Kind() string { return "reconcile" }

func (reconcileArgs) InsertOpts() river.InsertOpts {
	// One try: the next period is the retry.
	return river.InsertOpts{Queue: maintenanceQueue, MaxAttempts: 1}
}

// reconcilePeriodically schedules the reconciler. River's periodic jobs are
// enqueued by its elected leader, so one process at a time schedules them
// however many workers share the database.
func reconcilePeriodically(every time.Duration) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(every),
		func() (river.JobArgs, *river.InsertOpts) { return reconcileArgs{}, nil },
		&river.PeriodicJobOpts{ID: "reconcile", RunOnStart: true})
}

// reconciler fails the jobs whose River work has ended without them: River
// discards work after MaxAttempts (a document that crashes its process every
// time is rescued and retried until then), and work can be deleted by hand.
// Without it such a job would stay PENDING, THROTTLED or RUNNING forever.
type reconciler struct {
	river.WorkerDefaults[reconcileArgs]
	q *Queue
}

func (r *reconciler) Work(ctx context.Context, _ *river.Job[reconcileArgs]) error {
	failed, err := r.q.store.FailAbandonedJobs(ctx, time.Now(), AbandonedMessage, r.q.live)
	for _, id := range failed {
		r.q.log.WarnContext(ctx, "job failed: its queued work was discarded or is gone", "job_id", id)
	}
	if err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	return nil
}

// liveStates are the River states of work still to be done.
var liveStates = []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
	rivertype.JobStateRunning, rivertype.JobStateScheduled,
}

// live reports which queue ids have work waiting or running; it is an
// extract.LiveFunc. River's other states (completed, cancelled, discarded)
// are final, and River never brings back deleted work, so an id that is not
// live now never will be.
func (q *Queue) live(ctx context.Context, queueIDs []int64) (map[int64]bool, error) {
	ids := make([]int64, 0, len(queueIDs))
	for _, id := range queueIDs {
		if id != 0 {
			ids = append(ids, id)
		}
	}
	out := make(map[int64]bool, len(ids))
	const chunk = 1000 // River lists at most 10,000 jobs at once
	for len(ids) > 0 {
		n := min(len(ids), chunk)
		rows, err := q.client.list(ctx, river.NewJobListParams().IDs(ids[:n]...).States(liveStates...).First(n))
		if err != nil {
			return nil, fmt.Errorf("list queued work: %w", err)
		}
		for _, row := range rows {
			out[row.ID] = true
		}
		ids = ids[n:]
	}
	return out, nil
}
