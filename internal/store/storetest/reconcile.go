package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/quarrylabs/quarry/internal/extract"
)

func testFailAbandonedJobs(t *testing.T, f *fixture) {
	ctx := t.Context()
	const msg = "the queue gave up on this job"

	// The queue still holds the work of the jobs in live; the rest of the
	// unfinished jobs are abandoned.
	live := map[int64]bool{}
	var wantFailed []string
	var keep []extract.Job
	for i, st := range []extract.Status{extract.StatusPending, extract.StatusThrottled, extract.StatusRunning} {
		alive := f.createWithStatus(t, st, 10*i)
		live[f.queue.queueID(alive.ID)] = true
		keep = append(keep, alive)
		wantFailed = append(wantFailed, f.createWithStatus(t, st, 10*i+1).ID)
	}
	for i, st := range []extract.Status{extract.StatusCompleted, extract.StatusFailed, extract.StatusCancelled} {
		keep = append(keep, f.createWithStatus(t, st, 100+i)) // finished: left alone, live or not
	}
	// A job that never had a queue id has no work anywhere.
	orphan := newJob(f.prj, at(200))
	if _, _, err := f.st.CreateJob(ctx, orphan, nil); err != nil {
		t.Fatalf("CreateJob without a queue: %v", err)
	}
	wantFailed = append(wantFailed, orphan.ID)
	// Every project is walked, and a batch boundary is crossed.
	other := newJob(f.other, at(300))
	f.create(t, other)
	wantFailed = append(wantFailed, other.ID)
	for i := range 520 {
		j := f.createWithStatus(t, extract.StatusPending, 400+i)
		live[f.queue.queueID(j.ID)] = true
		if i == 0 || i == 519 {
			keep = append(keep, j)
		}
	}

	var asked []int64
	liveFunc := func(ctx context.Context, ids []int64) (map[int64]bool, error) {
		asked = append(asked, ids...)
		out := map[int64]bool{}
		for _, id := range ids {
			if live[id] {
				out[id] = true
			}
		}
		return out, nil
	}
	failed, err := f.st.FailAbandonedJobs(ctx, at(1000), msg, liveFunc)
	if err != nil {
		t.Fatalf("FailAbandonedJobs: %v", err)
	}
	slices.Sort(failed)
	slices.Sort(wantFailed)
	diff(t, "FailAbandonedJobs ids", wantFailed, failed)
	if n := len(asked); n != 3*2+1+1+520 {
		t.Errorf("live was asked about %d queue ids, want %d (every unfinished job once)", n, 3*2+1+1+520)
	}
	for _, jid := range wantFailed {
		prj := f.prj.ID
		if jid == other.ID {
			prj = f.other.ID
		}
		j, err := f.st.Job(ctx, prj, jid)
		if err != nil {
			t.Fatalf("Job(%s): %v", jid, err)
		}
		if j.Status != extract.StatusFailed || j.ErrorMessage != msg || !j.UpdatedAt.Equal(at(1000)) ||
			j.FinishedAt == nil || !j.FinishedAt.Equal(at(1000)) {
			t.Errorf("abandoned job = %s %q updated %v finished %v, want FAILED %q at %v",
				j.Status, j.ErrorMessage, j.UpdatedAt, j.FinishedAt, msg, at(1000))
		}
	}
	for _, want := range keep {
		diff(t, "job the queue still holds or that had finished", want, f.job(t, want.ID))
	}

	t.Run("AgainFailsNothing", func(t *testing.T) {
		failed, err := f.st.FailAbandonedJobs(ctx, at(2000), msg, liveFunc)
		if err != nil || len(failed) != 0 {
			t.Errorf("FailAbandonedJobs again = %v, %v; want none", failed, err)
		}
	})
	t.Run("ErrLive", func(t *testing.T) {
		j := f.createWithStatus(t, extract.StatusPending, 3000)
		_, err := f.st.FailAbandonedJobs(ctx, at(3000), msg, func(context.Context, []int64) (map[int64]bool, error) {
			return nil, errHook
		})
		if !errors.Is(err, errHook) {
			t.Errorf("FailAbandonedJobs with a failing queue = %v, want %v", err, errHook)
		}
		diff(t, "Job after a failed reconcile", j, f.job(t, j.ID))
	})
}
