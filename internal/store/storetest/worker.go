package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/id"
)

// createWithStatus stores a job of the default project in the given status.
func (f *fixture) createWithStatus(t *testing.T, st extract.Status, n int) extract.Job {
	t.Helper()
	j := newJob(f.prj, at(n))
	j.Status = st
	if st == extract.StatusRunning || st.Terminal() {
		j.StartedAt = ptr(at(n))
	}
	if st.Terminal() {
		j.FinishedAt = ptr(at(n))
	}
	return f.create(t, j)
}

func testCancelJob(t *testing.T, f *fixture) {
	ctx := t.Context()
	for _, st := range []extract.Status{extract.StatusPending, extract.StatusThrottled, extract.StatusRunning} {
		t.Run(string(st), func(t *testing.T) {
			j := f.createWithStatus(t, st, 1)
			got, err := f.st.CancelJob(ctx, f.prj.ID, j.ID, at(50), f.queue.cancel)
			if err != nil {
				t.Fatalf("CancelJob: %v", err)
			}
			want := j
			want.Status, want.UpdatedAt, want.FinishedAt = extract.StatusCancelled, at(50), ptr(at(50))
			diff(t, "CancelJob", want, got)
			diff(t, "Job after CancelJob", want, f.job(t, j.ID))
			if qid := f.queue.queueID(j.ID); !slices.Contains(f.queue.cancelled, qid) {
				t.Errorf("cancel hook got %v, want queue id %d among them", f.queue.cancelled, qid)
			}
		})
	}
	for _, st := range []extract.Status{extract.StatusCompleted, extract.StatusFailed, extract.StatusCancelled} {
		t.Run("ErrConflict"+string(st), func(t *testing.T) {
			j := f.createWithStatus(t, st, 2)
			_, err := f.st.CancelJob(ctx, f.prj.ID, j.ID, at(50), f.queue.cancel)
			wantCode(t, "CancelJob(finished)", err, extract.CodeConflict,
				fmt.Sprintf("job %s is already %s and cannot be cancelled", j.ID, st))
			diff(t, "Job after a refused cancel", j, f.job(t, j.ID))
		})
	}
	t.Run("ErrHookRollsBack", func(t *testing.T) {
		j := f.createWithStatus(t, extract.StatusPending, 3)
		_, err := f.st.CancelJob(ctx, f.prj.ID, j.ID, at(50), failingHook)
		if !errors.Is(err, errHook) {
			t.Errorf("CancelJob with a failing hook = %v, want %v", err, errHook)
		}
		diff(t, "Job after a failed cancel", j, f.job(t, j.ID))
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		j := f.createWithStatus(t, extract.StatusPending, 4)
		_, err := f.st.CancelJob(ctx, f.other.ID, j.ID, at(50), f.queue.cancel)
		wantCode(t, "CancelJob(other project)", err, extract.CodeNotFound, j.ID)
		diff(t, "Job after a foreign cancel", j, f.job(t, j.ID))
		missing := id.New(id.Job)
		_, err = f.st.CancelJob(ctx, f.prj.ID, missing, at(50), f.queue.cancel)
		wantCode(t, "CancelJob(missing)", err, extract.CodeNotFound, missing)
	})
}

func testDeleteJob(t *testing.T, f *fixture) {
	ctx := t.Context()
	j := f.createWithStatus(t, extract.StatusCompleted, 1)
	keep := f.createWithStatus(t, extract.StatusPending, 2)

	t.Run("ErrHookRollsBack", func(t *testing.T) {
		err := f.st.DeleteJob(ctx, f.prj.ID, j.ID, failingHook)
		if !errors.Is(err, errHook) {
			t.Errorf("DeleteJob with a failing hook = %v, want %v", err, errHook)
		}
		diff(t, "Job after a failed delete", j, f.job(t, j.ID))
	})
	t.Run("ErrForeign", func(t *testing.T) {
		wantCode(t, "DeleteJob(other project)", f.st.DeleteJob(ctx, f.other.ID, j.ID, f.queue.remove), extract.CodeNotFound, j.ID)
		diff(t, "Job after a foreign delete", j, f.job(t, j.ID))
	})
	t.Run("OK", func(t *testing.T) {
		if err := f.st.DeleteJob(ctx, f.prj.ID, j.ID, f.queue.remove); err != nil {
			t.Fatalf("DeleteJob: %v", err)
		}
		_, err := f.st.Job(ctx, f.prj.ID, j.ID)
		wantCode(t, "Job(deleted)", err, extract.CodeNotFound, j.ID)
		if qid := f.queue.queueID(j.ID); !slices.Equal(f.queue.removed, []int64{qid}) {
			t.Errorf("remove hook got %v, want [%d]", f.queue.removed, qid)
		}
		got, err := f.st.ListJobs(ctx, extract.JobFilter{ProjectID: f.prj.ID}, extract.Page{Limit: 10})
		if err != nil {
			t.Fatalf("ListJobs: %v", err)
		}
		diff(t, "ListJobs after DeleteJob", []string{keep.ID}, jobIDs(got))
		wantCode(t, "DeleteJob(again)", f.st.DeleteJob(ctx, f.prj.ID, j.ID, f.queue.remove), extract.CodeNotFound, j.ID)
	})
}

func testStartJob(t *testing.T, f *fixture) {
	ctx := t.Context()
	start := func(t *testing.T, j extract.Job, limit, n int, want extract.StartResult) extract.Job {
		t.Helper()
		got, res, err := f.st.StartJob(ctx, j.ID, limit, at(n))
		if err != nil || res != want {
			t.Fatalf("StartJob(%s, limit %d) = %v, %v; want %v", j.ID, limit, res, err, want)
		}
		return got
	}
	a := f.createWithStatus(t, extract.StatusPending, 1)
	b := f.createWithStatus(t, extract.StatusThrottled, 2)
	c := f.createWithStatus(t, extract.StatusPending, 3)

	got := start(t, a, 2, 10, extract.StartRun)
	want := a
	want.Status, want.StartedAt, want.UpdatedAt = extract.StatusRunning, ptr(at(10)), at(10)
	diff(t, "StartJob", want, got)
	diff(t, "Job after StartJob", want, f.job(t, a.ID))
	start(t, b, 2, 11, extract.StartRun)

	// The project is full: c is throttled.
	got = start(t, c, 2, 12, extract.StartThrottled)
	want = c
	want.Status, want.UpdatedAt = extract.StatusThrottled, at(12)
	diff(t, "StartJob(throttled)", want, got)
	diff(t, "Job after StartJob(throttled)", want, f.job(t, c.ID))
	// Throttled again: nothing changes, not even UpdatedAt.
	start(t, c, 2, 13, extract.StartThrottled)
	diff(t, "Job throttled twice", want, f.job(t, c.ID))

	t.Run("OtherProjectsDoNotCount", func(t *testing.T) {
		o := f.create(t, newJob(f.other, at(4)))
		start(t, o, 1, 14, extract.StartRun)
	})

	// A slot frees up: c runs.
	if ok, err := finishJob(ctx, f.st, a.ID, at(19), at(20), &extract.Outcome{Result: json.RawMessage(`{}`)}, ""); err != nil || !ok {
		t.Fatalf("finishJob = %v, %v; want true", ok, err)
	}
	start(t, c, 2, 21, extract.StartRun)

	t.Run("Reclaim", func(t *testing.T) {
		// b's run crashed; its retry claims it again although the project
		// is at the limit, since b holds one of its slots.
		got := start(t, b, 1, 30, extract.StartRun)
		if got.Status != extract.StatusRunning || !got.StartedAt.Equal(at(30)) {
			t.Errorf("reclaimed job: status %s, started %v; want RUNNING, %v", got.Status, got.StartedAt, at(30))
		}
	})
	t.Run("Gone", func(t *testing.T) {
		start(t, a, 0, 40, extract.StartGone) // completed
		cancelled := f.createWithStatus(t, extract.StatusPending, 5)
		if _, err := f.st.CancelJob(ctx, f.prj.ID, cancelled.ID, at(41), nil); err != nil {
			t.Fatalf("CancelJob: %v", err)
		}
		start(t, cancelled, 0, 42, extract.StartGone)
		start(t, extract.Job{ID: id.New(id.Job)}, 0, 43, extract.StartGone) // deleted
	})
	t.Run("NoLimit", func(t *testing.T) {
		for i := range 5 {
			start(t, f.createWithStatus(t, extract.StatusPending, 50+i), 0, 50, extract.StartRun)
		}
	})
	t.Run("Concurrent", func(t *testing.T) {
		// Two workers race for a project's last slot: one wins.
		p := extract.Project{ID: id.New(id.Project), OrganizationID: f.org.ID, Name: "race", CreatedAt: base}
		if err := f.st.CreateProject(ctx, p); err != nil {
			t.Fatalf("CreateProject: %v", err)
		}
		const n = 6
		results := make([]extract.StartResult, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			j := f.create(t, newJob(p, at(i)))
			wg.Go(func() { _, results[i], errs[i] = f.st.StartJob(ctx, j.ID, 1, at(60)) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("StartJob: %v", err)
		}
		if runs := len(slices.DeleteFunc(results, func(r extract.StartResult) bool { return r != extract.StartRun })); runs != 1 {
			t.Errorf("%d of %d concurrent starts ran with limit 1, want 1", runs, n)
		}
	})
}

func testFinishJob(t *testing.T, f *fixture) {
	ctx := t.Context()
	outcome := &extract.Outcome{
		Result: json.RawMessage(`[{"total":1},{"total":2}]`),
		FieldMetadata: &extract.FieldMetadata{Pages: []json.RawMessage{
			json.RawMessage(`{"total":{"confidence":0.9}}`), json.RawMessage(`{"total":{"confidence":0.8}}`),
		}},
		Usage:  extract.Usage{NumPagesExtracted: 2, NumDocumentTokens: 300, NumOutputTokens: 20},
		Engine: "llm:test",
	}
	running := func(t *testing.T, n int) extract.Job {
		t.Helper()
		j := f.createWithStatus(t, extract.StatusPending, n)
		got, res, err := f.st.StartJob(ctx, j.ID, 0, at(n+1))
		if err != nil || res != extract.StartRun {
			t.Fatalf("StartJob = %v, %v", res, err)
		}
		return got
	}
	// A run's start, given to each FinishJob, is kept only by a job that
	// has no StartedAt.
	finish := func(t *testing.T, j extract.Job, n int, o *extract.Outcome, failure string, want bool) {
		t.Helper()
		ok, err := finishJob(ctx, f.st, j.ID, at(n-1), at(n), o, failure)
		if err != nil || ok != want {
			t.Fatalf("finishJob(%s) = %v, %v; want %v", j.ID, ok, err, want)
		}
	}

	t.Run("Completed", func(t *testing.T) {
		j := running(t, 1)
		finish(t, j, 10, outcome, "", true)
		want := j
		want.Status, want.Result, want.FieldMetadata, want.Usage, want.Engine = extract.StatusCompleted, outcome.Result, outcome.FieldMetadata, &outcome.Usage, outcome.Engine
		want.FinishedAt, want.UpdatedAt = ptr(at(10)), at(10)
		diff(t, "Job after FinishJob", want, f.job(t, j.ID))
		// A second run's end (at-least-once delivery) changes nothing.
		finish(t, j, 20, &extract.Outcome{Result: json.RawMessage(`[]`)}, "", false)
		finish(t, j, 20, nil, "boom", false)
		diff(t, "Job after a second FinishJob", want, f.job(t, j.ID))
	})
	t.Run("Failed", func(t *testing.T) {
		j := running(t, 2)
		finish(t, j, 10, &extract.Outcome{Usage: extract.Usage{NumPagesExtracted: 1}, Engine: "builtin"}, "The file is not a PDF.", true)
		want := j
		want.Status, want.ErrorMessage, want.Usage, want.Engine = extract.StatusFailed, "The file is not a PDF.", &extract.Usage{NumPagesExtracted: 1}, "builtin"
		want.FinishedAt, want.UpdatedAt = ptr(at(10)), at(10)
		diff(t, "Job after FinishJob(failure)", want, f.job(t, j.ID))
	})
	t.Run("FailedWithoutOutcome", func(t *testing.T) {
		j := running(t, 3)
		finish(t, j, 10, nil, "timed out", true)
		if got := f.job(t, j.ID); got.Status != extract.StatusFailed || got.ErrorMessage != "timed out" || got.Result != nil || got.Usage != nil {
			t.Errorf("Job after FinishJob(nil, failure) = %+v", got)
		}
	})
	t.Run("AfterCancel", func(t *testing.T) {
		j := running(t, 4)
		cancelled, err := f.st.CancelJob(ctx, f.prj.ID, j.ID, at(8), nil)
		if err != nil {
			t.Fatalf("CancelJob: %v", err)
		}
		finish(t, j, 10, outcome, "", false)
		diff(t, "Job finished after cancel", cancelled, f.job(t, j.ID))
	})
	t.Run("Pending", func(t *testing.T) {
		// A run that ended before it was marked RUNNING: the job goes
		// from PENDING to its end, and keeps the run's start.
		j := f.createWithStatus(t, extract.StatusPending, 5)
		finish(t, j, 10, outcome, "", true)
		want := j
		want.Status, want.Result, want.FieldMetadata, want.Usage, want.Engine = extract.StatusCompleted, outcome.Result, outcome.FieldMetadata, &outcome.Usage, outcome.Engine
		want.StartedAt, want.FinishedAt, want.UpdatedAt = ptr(at(9)), ptr(at(10)), at(10)
		diff(t, "pending Job after FinishJob", want, f.job(t, j.ID))
	})
	t.Run("NotRunning", func(t *testing.T) {
		j := f.createWithStatus(t, extract.StatusThrottled, 6)
		finish(t, j, 10, outcome, "", false)
		diff(t, "throttled Job after FinishJob", j, f.job(t, j.ID))
		finish(t, extract.Job{ID: id.New(id.Job)}, 10, outcome, "", false)
	})
}

func testFinishJobs(t *testing.T, f *fixture) {
	ctx := t.Context()
	running := f.createWithStatus(t, extract.StatusRunning, 1)
	pending := f.createWithStatus(t, extract.StatusPending, 2)
	cancelled := f.createWithStatus(t, extract.StatusCancelled, 3)
	hooked := newJob(f.prj, at(4))
	hooked.Webhooks = json.RawMessage(`[{"webhook_url":"https://example.com/hook"}]`)
	hooked = f.create(t, hooked)
	if _, res, err := f.st.StartJob(ctx, hooked.ID, 0, at(5)); err != nil || res != extract.StartRun {
		t.Fatalf("StartJob = %v, %v", res, err)
	}
	outcome := &extract.Outcome{Result: json.RawMessage(`{"total":3}`), Usage: extract.Usage{NumPagesExtracted: 1}, Engine: "builtin"}
	finishes := []extract.Finish{
		{JobID: running.ID, Started: at(9), At: at(10), Outcome: outcome},
		{JobID: pending.ID, Started: at(9), At: at(11), Failure: "The file is empty."},
		{JobID: cancelled.ID, Started: at(9), At: at(12), Outcome: outcome},
		{JobID: hooked.ID, Started: at(9), At: at(13), Outcome: outcome},
		{JobID: id.New(id.Job), Started: at(9), At: at(14), Outcome: outcome},
	}
	changed, err := f.st.FinishJobs(ctx, finishes)
	if err != nil {
		t.Fatalf("FinishJobs: %v", err)
	}
	diff(t, "FinishJobs changed", []bool{true, true, false, true, false}, changed)

	want := running
	want.Status, want.Result, want.Usage, want.Engine = extract.StatusCompleted, outcome.Result, &outcome.Usage, outcome.Engine
	want.FinishedAt, want.UpdatedAt = ptr(at(10)), at(10)
	diff(t, "running Job after FinishJobs", want, f.job(t, running.ID))
	want = pending
	want.Status, want.ErrorMessage = extract.StatusFailed, "The file is empty."
	want.StartedAt, want.FinishedAt, want.UpdatedAt = ptr(at(9)), ptr(at(11)), at(11)
	diff(t, "pending Job after FinishJobs", want, f.job(t, pending.ID))
	diff(t, "cancelled Job after FinishJobs", cancelled, f.job(t, cancelled.ID))
	if got := f.job(t, hooked.ID); got.Status != extract.StatusCompleted || !got.StartedAt.Equal(at(5)) {
		t.Errorf("Job with webhooks after FinishJobs = %s started %v, want COMPLETED started %v", got.Status, got.StartedAt, at(5))
	}
}

func testJobsToRun(t *testing.T, f *fixture) {
	ctx := t.Context()
	file := newFile(f.prj, "invoice.pdf", 1)
	file.ExternalFileID = "crm-7"
	file.ExpiresAt = ptr(at(86_400_000))
	if err := f.st.CreateFile(ctx, file); err != nil {
		t.Fatalf("CreateFile: %v", err)
	}
	j := newJob(f.prj, at(2))
	j.FileInput = file.ID
	j = f.create(t, j)
	// A job made from a parse job's output has no file.
	k := newJob(f.prj, at(4))
	k.FileInput = id.New(id.ParseJob)
	k = f.create(t, k)
	missing := id.New(id.Job)

	got, err := f.st.JobsToRun(ctx, []string{k.ID, missing, j.ID})
	if err != nil {
		t.Fatalf("JobsToRun: %v", err)
	}
	diff(t, "JobsToRun", []extract.RunInput{{Job: k}, {}, {Job: j, File: &file}}, got)

	t.Run("FileDeleted", func(t *testing.T) {
		if err := f.st.DeleteFile(ctx, f.prj.ID, file.ID); err != nil {
			t.Fatalf("DeleteFile: %v", err)
		}
		got, err := f.st.JobsToRun(ctx, []string{j.ID})
		if err != nil {
			t.Fatalf("JobsToRun: %v", err)
		}
		diff(t, "JobsToRun without the file", []extract.RunInput{{Job: j}}, got)
	})
}

func testMarkRunning(t *testing.T, f *fixture) {
	ctx := t.Context()
	mark := func(t *testing.T, j extract.Job, n int, want bool) {
		t.Helper()
		ok, err := f.st.MarkRunning(ctx, j.ID, at(n-1), at(n))
		if err != nil || ok != want {
			t.Fatalf("MarkRunning(%s) = %v, %v; want %v", j.Status, ok, err, want)
		}
	}
	j := f.createWithStatus(t, extract.StatusPending, 1)
	mark(t, j, 10, true)
	want := j
	want.Status, want.StartedAt, want.UpdatedAt = extract.StatusRunning, ptr(at(9)), at(10)
	diff(t, "Job after MarkRunning", want, f.job(t, j.ID))
	// Marked already: nothing changes.
	mark(t, want, 20, false)
	diff(t, "Job marked twice", want, f.job(t, j.ID))
	// The run ends: FinishJob keeps the start MarkRunning recorded.
	if ok, err := finishJob(ctx, f.st, j.ID, at(25), at(30), &extract.Outcome{Result: json.RawMessage(`{}`)}, ""); err != nil || !ok {
		t.Fatalf("finishJob = %v, %v", ok, err)
	}
	if got := f.job(t, j.ID); got.Status != extract.StatusCompleted || !got.StartedAt.Equal(at(9)) {
		t.Errorf("Job after FinishJob = %s started %v; want COMPLETED started %v", got.Status, got.StartedAt, at(9))
	}

	t.Run("NotPending", func(t *testing.T) {
		// A cancel that came first stands; other states are not a
		// deferred run's to change.
		for _, st := range []extract.Status{extract.StatusThrottled, extract.StatusCancelled, extract.StatusCompleted} {
			j := f.createWithStatus(t, st, 40)
			mark(t, j, 41, false)
			diff(t, fmt.Sprintf("%s Job after MarkRunning", st), j, f.job(t, j.ID))
		}
		mark(t, extract.Job{ID: id.New(id.Job)}, 41, false)
	})
	t.Run("Webhooks", func(t *testing.T) {
		// A job with webhooks is StartJob's, which records the event.
		j := newJob(f.prj, at(50))
		j.Webhooks = json.RawMessage(`[{"webhook_url":"https://example.com/hook"}]`)
		j = f.create(t, j)
		mark(t, j, 51, false)
		diff(t, "Job with webhooks after MarkRunning", j, f.job(t, j.ID))
	})
}

func testRequeueJob(t *testing.T, f *fixture) {
	ctx := t.Context()
	j := f.createWithStatus(t, extract.StatusPending, 1)
	if _, res, err := f.st.StartJob(ctx, j.ID, 0, at(2)); err != nil || res != extract.StartRun {
		t.Fatalf("StartJob = %v, %v", res, err)
	}
	if err := f.st.RequeueJob(ctx, j.ID, at(3)); err != nil {
		t.Fatalf("RequeueJob: %v", err)
	}
	want := j
	want.UpdatedAt = at(3)
	diff(t, "Job after RequeueJob", want, f.job(t, j.ID))

	t.Run("NotRunning", func(t *testing.T) {
		// Only a RUNNING job goes back: a cancelled one stays cancelled.
		for _, st := range []extract.Status{extract.StatusPending, extract.StatusCancelled, extract.StatusCompleted} {
			j := f.createWithStatus(t, st, 10)
			if err := f.st.RequeueJob(ctx, j.ID, at(11)); err != nil {
				t.Fatalf("RequeueJob(%s): %v", st, err)
			}
			diff(t, fmt.Sprintf("%s Job after RequeueJob", st), j, f.job(t, j.ID))
		}
		if err := f.st.RequeueJob(ctx, id.New(id.Job), at(11)); err != nil {
			t.Errorf("RequeueJob(missing) = %v, want nil", err)
		}
	})
}

func testCountJobsByStatus(t *testing.T, f *fixture) {
	ctx := t.Context()
	want := map[extract.Status]int64{}
	for _, st := range extract.Statuses {
		want[st] = 0
	}
	count := func(t *testing.T, what string) {
		t.Helper()
		got, err := f.st.CountJobsByStatus(ctx)
		if err != nil {
			t.Fatalf("CountJobsByStatus: %v", err)
		}
		diff(t, "CountJobsByStatus "+what, want, got)
	}
	count(t, "with no jobs")
	var jobs []extract.Job
	for i, st := range []extract.Status{extract.StatusPending, extract.StatusPending, extract.StatusPending, extract.StatusRunning, extract.StatusCompleted, extract.StatusFailed} {
		for _, p := range []extract.Project{f.prj, f.other} {
			j := newJob(p, at(i))
			j.Status = st
			jobs = append(jobs, f.create(t, j))
			want[st]++
		}
	}
	count(t, "after CreateJob")

	// Every change of status moves a job between counts.
	if _, res, err := f.st.StartJob(ctx, jobs[0].ID, 0, at(10)); err != nil || res != extract.StartRun {
		t.Fatalf("StartJob = %v, %v", res, err)
	}
	want[extract.StatusPending]--
	want[extract.StatusRunning]++
	if _, res, err := f.st.StartJob(ctx, jobs[2].ID, 1, at(10)); err != nil || res != extract.StartThrottled {
		t.Fatalf("StartJob = %v, %v", res, err)
	}
	want[extract.StatusPending]--
	want[extract.StatusThrottled]++
	if _, err := f.st.CancelJob(ctx, f.prj.ID, jobs[4].ID, at(11), nil); err != nil {
		t.Fatalf("CancelJob: %v", err)
	}
	want[extract.StatusPending]--
	want[extract.StatusCancelled]++
	if ok, err := finishJob(ctx, f.st, jobs[0].ID, at(11), at(12), nil, "failed"); err != nil || !ok {
		t.Fatalf("finishJob = %v, %v", ok, err)
	}
	want[extract.StatusRunning]--
	want[extract.StatusFailed]++
	if err := f.st.RequeueJob(ctx, jobs[6].ID, at(13)); err != nil {
		t.Fatalf("RequeueJob: %v", err)
	}
	want[extract.StatusRunning]--
	want[extract.StatusPending]++
	if err := f.st.DeleteJob(ctx, f.prj.ID, jobs[8].ID, nil); err != nil {
		t.Fatalf("DeleteJob: %v", err)
	}
	want[extract.StatusCompleted]--
	count(t, "after changes")
}
