package storetest

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/id"
)

func testCreateJob(t *testing.T, f *fixture) {
	ctx := t.Context()
	j := newJob(f.prj, at(5).Add(789*time.Microsecond).In(time.FixedZone("EST", -5*3600)))
	j.ConfigurationID = id.New(id.Configuration)
	j.Webhooks = json.RawMessage(`[{"webhook_url":"https://example.com/hook","webhook_events":["extract.success"]}]`)
	j.IdempotencyKey = "key-1"
	j.RequestHash = "sha256:abc"
	// A job may arrive complete, e.g. when a store is filled from another.
	j.Status = extract.StatusCompleted
	j.Result = json.RawMessage(`{"total":12.5}`)
	j.FieldMetadata = &extract.FieldMetadata{Document: json.RawMessage(`{"total":{"confidence":0.97,"citation":[{"page":1}]}}`)}
	j.Usage = &extract.Usage{NumPagesExtracted: 2, NumDocumentTokens: 900, NumOutputTokens: 40}
	j.Engine = "builtin"
	j.StartedAt = ptr(at(6))
	j.FinishedAt = ptr(at(7))
	j.UpdatedAt = at(7)

	stored, created, err := f.st.CreateJob(ctx, j, f.queue.enqueue)
	if err != nil || !created {
		t.Fatalf("CreateJob = created %v, %v; want created", created, err)
	}
	want := j
	want.CreatedAt = at(5) // UTC, millisecond precision
	diff(t, "CreateJob", want, stored)
	diff(t, "Job", want, f.job(t, j.ID))
	if f.queue.queueID(j.ID) == 0 {
		t.Errorf("enqueue was not called for %s", j.ID)
	}

	t.Run("Minimal", func(t *testing.T) {
		// Only what the API always sets: optional fields read back empty.
		j := extract.Job{ID: id.New(id.Job), ProjectID: f.prj.ID, FileInput: id.New(id.ParseJob),
			Configuration: testConfiguration(), Status: extract.StatusThrottled, CreatedAt: at(8), UpdatedAt: at(8)}
		stored, created, err := f.st.CreateJob(ctx, j, nil)
		if err != nil || !created {
			t.Fatalf("CreateJob = created %v, %v; want created", created, err)
		}
		diff(t, "CreateJob", j, stored)
		diff(t, "Job", j, f.job(t, j.ID))
	})
	t.Run("ErrForeign", func(t *testing.T) {
		_, err := f.st.Job(ctx, f.other.ID, j.ID)
		wantCode(t, "Job(other project)", err, extract.CodeNotFound, j.ID)
		_, err = f.st.Job(ctx, f.prj.ID, id.New(id.Job))
		wantCode(t, "Job(missing)", err, extract.CodeNotFound, "not found")
	})
	t.Run("ErrEnqueueRollsBack", func(t *testing.T) {
		j := newJob(f.prj, at(9))
		_, _, err := f.st.CreateJob(ctx, j, failingEnqueue)
		if !errors.Is(err, errHook) {
			t.Errorf("CreateJob with a failing enqueue = %v, want %v", err, errHook)
		}
		_, err = f.st.Job(ctx, f.prj.ID, j.ID)
		wantCode(t, "Job(rolled back)", err, extract.CodeNotFound, j.ID)
	})
	t.Run("ErrDuplicateID", func(t *testing.T) {
		dup := newJob(f.prj, at(10))
		dup.ID = j.ID
		_, _, err := f.st.CreateJob(ctx, dup, nil)
		wantCode(t, "CreateJob(same id)", err, extract.CodeConflict, "")
	})
}

func testCreateJobs(t *testing.T, f *fixture) {
	ctx := t.Context()
	hooked := newJob(f.prj, at(2))
	hooked.Webhooks = json.RawMessage(`[{"webhook_url":"https://example.com/hook"}]`)
	other := newJob(f.other, at(3))
	other.Status = extract.StatusThrottled
	batch := []extract.Job{newJob(f.prj, at(1)), hooked, other}
	batch[0].CreatedAt = batch[0].CreatedAt.Add(456 * time.Microsecond)
	stored, err := f.st.CreateJobs(ctx, slices.Clone(batch), f.queue.enqueueMany)
	if err != nil {
		t.Fatalf("CreateJobs: %v", err)
	}
	batch[0].CreatedAt = at(1) // millisecond precision
	// In the caller's order, across projects, each as Job reads it.
	diff(t, "CreateJobs", batch, stored)
	for _, j := range batch {
		if got, err := f.st.Job(ctx, j.ProjectID, j.ID); err != nil {
			t.Errorf("Job(%s): %v", j.ID, err)
		} else {
			diff(t, "Job after CreateJobs", j, got)
		}
	}
	// Each row holds its own queue id: deleting a job removes its work.
	if err := f.st.DeleteJob(ctx, hooked.ProjectID, hooked.ID, f.queue.remove); err != nil {
		t.Fatalf("DeleteJob: %v", err)
	}
	if want := f.queue.queueID(hooked.ID); want == 0 || !slices.Contains(f.queue.removed, want) {
		t.Errorf("DeleteJob removed queue ids %v, want %d among them", f.queue.removed, want)
	}

	t.Run("AllOrNothing", func(t *testing.T) {
		fresh := newJob(f.prj, at(10))
		dup := newJob(f.prj, at(11))
		dup.ID = batch[0].ID
		_, err := f.st.CreateJobs(ctx, []extract.Job{fresh, dup}, f.queue.enqueueMany)
		wantCode(t, "CreateJobs(an id taken)", err, extract.CodeConflict, "")
		_, err = f.st.Job(ctx, f.prj.ID, fresh.ID)
		wantCode(t, "Job(rolled back with its batch)", err, extract.CodeNotFound, fresh.ID)

		failing := func(ctx context.Context, tx *sql.Tx, jobs []*extract.Job) ([]int64, error) {
			return nil, failingHook(ctx, tx, 0)
		}
		if _, err := f.st.CreateJobs(ctx, []extract.Job{fresh}, failing); !errors.Is(err, errHook) {
			t.Errorf("CreateJobs with a failing enqueue = %v, want %v", err, errHook)
		}
		_, err = f.st.Job(ctx, f.prj.ID, fresh.ID)
		wantCode(t, "Job(enqueue failed)", err, extract.CodeNotFound, fresh.ID)
	})
	t.Run("ErrIdempotencyKey", func(t *testing.T) {
		j := newJob(f.prj, at(20))
		j.IdempotencyKey = "k"
		if _, err := f.st.CreateJobs(ctx, []extract.Job{j}, nil); err == nil {
			t.Error("CreateJobs took a job with an idempotency key")
		}
	})
}

func testIdempotency(t *testing.T, f *fixture) {
	ctx := t.Context()
	first := newJob(f.prj, at(1))
	first.IdempotencyKey = "order-7"
	first.RequestHash = "h1"
	first = f.create(t, first)

	again := newJob(f.prj, at(2))
	again.IdempotencyKey = "order-7"
	again.RequestHash = "h2" // the caller compares hashes; the store returns the first job
	calls := 0
	got, created, err := f.st.CreateJob(ctx, again, func(ctx context.Context, tx *sql.Tx, job *extract.Job) (int64, error) {
		calls++
		return 1, nil
	})
	if err != nil || created {
		t.Fatalf("CreateJob(same key) = created %v, %v; want not created", created, err)
	}
	diff(t, "CreateJob(same key)", first, got)
	if calls != 0 {
		t.Errorf("enqueue called %d times for a replayed key, want 0", calls)
	}
	if _, err := f.st.Job(ctx, f.prj.ID, again.ID); !extract.IsNotFound(err) {
		t.Errorf("Job(replayed id) = %v, want not found", err)
	}

	// A key is scoped to its project.
	foreign := newJob(f.other, at(3))
	foreign.IdempotencyKey = "order-7"
	if _, created, err := f.st.CreateJob(ctx, foreign, nil); err != nil || !created {
		t.Errorf("CreateJob(same key, other project) = created %v, %v; want created", created, err)
	}
	// Jobs without a key never collide.
	for i := range 2 {
		if _, created, err := f.st.CreateJob(ctx, newJob(f.prj, at(4+i)), nil); err != nil || !created {
			t.Errorf("CreateJob(no key) = created %v, %v; want created", created, err)
		}
	}
}

func testIdempotencyConcurrent(t *testing.T, f *fixture) {
	ctx := t.Context()
	const n = 8
	var wg sync.WaitGroup
	ids := make([]string, n)
	createdCount := make([]bool, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			j := newJob(f.prj, at(i))
			j.IdempotencyKey = "burst"
			stored, created, err := f.st.CreateJob(ctx, j, f.queue.enqueue)
			ids[i], createdCount[i], errs[i] = stored.ID, created, err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent CreateJob: %v", err)
	}
	if got := len(slices.DeleteFunc(slices.Clone(createdCount), func(c bool) bool { return !c })); got != 1 {
		t.Errorf("%d of %d concurrent creates with one key reported created, want 1", got, n)
	}
	for _, got := range ids {
		if got != ids[0] {
			t.Fatalf("concurrent creates returned different jobs: %v", ids)
		}
	}
	if c, err := f.st.CountJobs(ctx, extract.JobFilter{ProjectID: f.prj.ID}); err != nil || c != 1 {
		t.Errorf("CountJobs = %d, %v; want 1", c, err)
	}
}

func testListJobsOrder(t *testing.T, f *fixture) {
	ctx := t.Context()
	// Three jobs share a millisecond; they are inserted out of id order and
	// must list by id descending.
	tied := []string{id.New(id.Job), id.New(id.Job), id.New(id.Job)}
	var want []extract.Job
	for i, jobID := range []string{tied[1], tied[0], tied[2]} {
		j := newJob(f.prj, at(100))
		j.ID = jobID
		want = append(want, f.create(t, j))
		want = append(want, f.create(t, newJob(f.prj, at(200-i*150))))
	}
	f.create(t, newJob(f.other, at(300)))
	newestFirst(want)
	got, err := f.st.ListJobs(ctx, extract.JobFilter{ProjectID: f.prj.ID}, extract.Page{Limit: 100})
	if err != nil {
		t.Fatalf("ListJobs: %v", err)
	}
	diff(t, "ListJobs", want, got)
	// Listed: the job at 200, the three tied at 100, then those at 50, -100.
	if len(got) != 6 || !slices.Equal(jobIDs(got[1:4]), []string{tied[2], tied[1], tied[0]}) {
		t.Errorf("ListJobs = %v, want the jobs tied on created_at by id descending %v", jobIDs(got), []string{tied[2], tied[1], tied[0]})
	}

	t.Run("Limit", func(t *testing.T) {
		got, err := f.st.ListJobs(ctx, extract.JobFilter{ProjectID: f.prj.ID}, extract.Page{Limit: 4})
		if err != nil {
			t.Fatalf("ListJobs: %v", err)
		}
		diff(t, "ListJobs(limit 4)", jobIDs(want[:4]), jobIDs(got))
	})
	t.Run("AfterTie", func(t *testing.T) {
		// A cursor in the middle of a tie continues within it.
		got, err := f.st.ListJobs(ctx, extract.JobFilter{ProjectID: f.prj.ID},
			extract.Page{Limit: 100, After: &extract.Cursor{CreatedAt: at(100), ID: tied[1]}})
		if err != nil {
			t.Fatalf("ListJobs: %v", err)
		}
		diff(t, "ListJobs(after tie)", jobIDs(want[3:]), jobIDs(got))
	})
	t.Run("Empty", func(t *testing.T) {
		got, err := f.st.ListJobs(ctx, extract.JobFilter{ProjectID: id.New(id.Project)}, extract.Page{Limit: 10})
		if err != nil || len(got) != 0 {
			t.Errorf("ListJobs(unknown project) = %v, %v; want none", jobIDs(got), err)
		}
	})
}

func testListJobsPaging(t *testing.T, f *fixture) {
	var want []extract.Job
	for i := range 60 {
		// Every third job shares its millisecond with the one before.
		want = append(want, f.create(t, newJob(f.prj, at(i-i/3))))
	}
	for i := range 5 {
		f.create(t, newJob(f.other, at(i)))
	}
	newestFirst(want)
	got := listAllJobs(t, f.st, extract.JobFilter{ProjectID: f.prj.ID}, 7, nil)
	diff(t, "paged ListJobs", jobIDs(want), got)
	if n, err := f.st.CountJobs(t.Context(), extract.JobFilter{ProjectID: f.prj.ID}); err != nil || n != 60 {
		t.Errorf("CountJobs = %d, %v; want 60", n, err)
	}
}

func testListJobsPagingWhileInserting(t *testing.T, f *fixture) {
	var want []extract.Job
	for i := range 60 {
		want = append(want, f.create(t, newJob(f.prj, at(i*10))))
	}
	newestFirst(want)
	var added []string
	got := listAllJobs(t, f.st, extract.JobFilter{ProjectID: f.prj.ID}, 7, func(page int) {
		// New jobs arrive while a client pages: at the top, and tied with
		// the oldest existing job.
		added = append(added, f.create(t, newJob(f.prj, at(10_000+page))).ID)
		added = append(added, f.create(t, newJob(f.prj, at(0))).ID)
	})
	seen := make(map[string]int)
	for _, jobID := range got {
		seen[jobID]++
	}
	var existing []string
	for _, jobID := range got {
		if !slices.Contains(added, jobID) {
			existing = append(existing, jobID)
		}
	}
	diff(t, "existing jobs seen while inserting", jobIDs(want), existing)
	for jobID, n := range seen {
		if n > 1 {
			t.Errorf("job %s listed %d times", jobID, n)
		}
	}
}

func testListJobsFilters(t *testing.T, f *fixture) {
	ctx := t.Context()
	cfgA, cfgB := id.New(id.Configuration), id.New(id.Configuration)
	// A file belongs to one project: the other project's jobs have files
	// of their own in the same places.
	inputs := []string{id.New(id.File), id.New(id.File), id.New(id.ParseJob), id.New(id.ParseJob)}
	otherInputs := []string{id.New(id.File), id.New(id.File), inputs[2], inputs[3]}
	statuses := extract.Statuses
	var all []extract.Job
	for i := range 48 {
		for _, p := range []extract.Project{f.prj, f.other} {
			// created_at: pairs share a millisecond, 0,0,2,2,4,4,…
			j := newJob(p, at(i-i%2))
			j.Status = statuses[i%len(statuses)]
			j.FileInput = inputs[i%len(inputs)]
			if p.ID != f.prj.ID {
				j.FileInput = otherInputs[i%len(otherInputs)]
			}
			switch i % 3 {
			case 0:
				j.ConfigurationID = cfgA
			case 1:
				j.ConfigurationID = cfgB
			}
			j = f.create(t, j)
			if p.ID == f.prj.ID {
				all = append(all, j)
			}
		}
	}
	// An upper-case prefix is not a file input of that type.
	odd := newJob(f.prj, at(20))
	odd.FileInput = "DFL-" + strings.TrimPrefix(inputs[0], "dfl-")
	all = append(all, f.create(t, odd))
	newestFirst(all)

	// match is the reference filter.
	match := func(flt extract.JobFilter, j extract.Job) bool {
		return (flt.Status == "" || j.Status == flt.Status) &&
			(flt.ConfigurationID == "" || j.ConfigurationID == flt.ConfigurationID) &&
			(flt.FileInput == "" || j.FileInput == flt.FileInput) &&
			(flt.InputType != extract.InputTypeFile || strings.HasPrefix(j.FileInput, "dfl-")) &&
			(flt.InputType != extract.InputTypeParseJob || strings.HasPrefix(j.FileInput, "pjb-")) &&
			(flt.CreatedFrom == nil || !j.CreatedAt.Before(*flt.CreatedFrom)) &&
			(flt.CreatedTo == nil || !j.CreatedAt.After(*flt.CreatedTo)) &&
			(len(flt.IDs) == 0 || slices.Contains(flt.IDs, j.ID))
	}
	someIDs := []string{all[0].ID, all[5].ID, all[6].ID, all[30].ID, id.New(id.Job)}
	tests := []struct {
		name   string
		filter extract.JobFilter
		want   int // the number of matches, to keep the table honest
	}{
		{"None", extract.JobFilter{}, 49},
		{"Status", extract.JobFilter{Status: extract.StatusCompleted}, 8},
		{"ConfigurationID", extract.JobFilter{ConfigurationID: cfgA}, 16},
		{"FileInput", extract.JobFilter{FileInput: inputs[1]}, 12},
		{"InputTypeFile", extract.JobFilter{InputType: extract.InputTypeFile}, 24},
		{"InputTypeParseJob", extract.JobFilter{InputType: extract.InputTypeParseJob}, 24},
		// Inclusive at both ends, at millisecond precision: jobs at 10 and 20.
		{"CreatedRange", extract.JobFilter{CreatedFrom: ptr(at(10)), CreatedTo: ptr(at(20))}, 13},
		{"CreatedRangeSubMillisecond", extract.JobFilter{CreatedFrom: ptr(at(10)), CreatedTo: ptr(at(20).Add(999 * time.Microsecond))}, 13},
		{"CreatedFrom", extract.JobFilter{CreatedFrom: ptr(at(40))}, 8},
		{"CreatedTo", extract.JobFilter{CreatedTo: ptr(at(3))}, 4},
		{"IDs", extract.JobFilter{IDs: someIDs}, 4},
		{"StatusAndRange", extract.JobFilter{Status: extract.StatusPending, CreatedFrom: ptr(at(6)), CreatedTo: ptr(at(36))}, 7},
		{"ConfigurationAndStatus", extract.JobFilter{ConfigurationID: cfgB, Status: extract.StatusThrottled}, 8},
		{"FileInputAndRange", extract.JobFilter{FileInput: inputs[2], CreatedTo: ptr(at(30))}, 8},
		{"InputTypeAndStatus", extract.JobFilter{InputType: extract.InputTypeParseJob, Status: extract.StatusRunning}, 4},
		{"IDsAndStatus", extract.JobFilter{IDs: someIDs, Status: all[5].Status}, 2},
		{"All", extract.JobFilter{Status: extract.StatusPending, ConfigurationID: cfgA, InputType: extract.InputTypeFile,
			FileInput: inputs[0], CreatedFrom: ptr(at(0)), CreatedTo: ptr(at(47)), IDs: jobIDs(all)}, 4},
		{"NoMatch", extract.JobFilter{Status: extract.StatusFailed, FileInput: inputs[1]}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			flt := tt.filter
			flt.ProjectID = f.prj.ID
			var want []string
			for _, j := range all {
				if match(flt, j) {
					want = append(want, j.ID)
				}
			}
			if len(want) != tt.want {
				t.Fatalf("the reference filter finds %d jobs, the table says %d", len(want), tt.want)
			}
			got, err := f.st.ListJobs(ctx, flt, extract.Page{Limit: 1000})
			if err != nil {
				t.Fatalf("ListJobs: %v", err)
			}
			diff(t, "ListJobs", want, jobIDs(got))
			// The same in pages of 3: the cursor combines with every filter.
			diff(t, "paged ListJobs", want, listAllJobs(t, f.st, flt, 3, nil))
			n, err := f.st.CountJobs(ctx, flt)
			if err != nil || n != int64(len(want)) {
				t.Errorf("CountJobs = %d, %v; want %d", n, err, len(want))
			}
		})
	}
	t.Run("ErrInputType", func(t *testing.T) {
		_, err := f.st.ListJobs(ctx, extract.JobFilter{ProjectID: f.prj.ID, InputType: "url"}, extract.Page{Limit: 10})
		wantCode(t, "ListJobs(unknown input type)", err, extract.CodeInvalid, "url")
	})
	t.Run("RandomCursor", func(t *testing.T) {
		// A cursor need not name a listed job: any (time, id) position works.
		r := rand.New(rand.NewPCG(1, 2))
		for range 20 {
			c := extract.Cursor{CreatedAt: at(r.IntN(50)), ID: all[r.IntN(len(all))].ID}
			var want []string
			for _, j := range all {
				if j.CreatedAt.Before(c.CreatedAt) || (j.CreatedAt.Equal(c.CreatedAt) && j.ID < c.ID) {
					want = append(want, j.ID)
				}
			}
			flt := extract.JobFilter{ProjectID: f.prj.ID, CreatedTo: ptr(at(30))}
			var wantTo []string
			for _, jobID := range want {
				if j := all[slices.IndexFunc(all, func(j extract.Job) bool { return j.ID == jobID })]; !j.CreatedAt.After(at(30)) {
					wantTo = append(wantTo, jobID)
				}
			}
			for _, tc := range []struct {
				filter extract.JobFilter
				want   []string
			}{{extract.JobFilter{ProjectID: f.prj.ID}, want}, {flt, wantTo}} {
				got, err := f.st.ListJobs(ctx, tc.filter, extract.Page{Limit: 1000, After: &c})
				if err != nil {
					t.Fatalf("ListJobs: %v", err)
				}
				diff(t, fmt.Sprintf("ListJobs(%+v, after %v %s)", tc.filter, c.CreatedAt, c.ID), tc.want, jobIDs(got))
			}
		}
	})
}

// testJobFiles checks that a job is created only from a file of its
// project: a missing file, or another project's, fails the create (the
// whole batch), and a parse job's id is not looked up.
func testJobFiles(t *testing.T, f *fixture) {
	ctx := t.Context()
	file := newFile(f.prj, "a.pdf", 1)
	if err := f.raw.CreateFile(ctx, file); err != nil {
		t.Fatalf("CreateFile: %v", err)
	}
	foreign := newFile(f.other, "b.pdf", 2)
	if err := f.raw.CreateFile(ctx, foreign); err != nil {
		t.Fatalf("CreateFile: %v", err)
	}
	from := func(input string, n int) extract.Job {
		j := newJob(f.prj, at(n))
		j.FileInput = input
		return j
	}
	missing := id.New(id.File)
	absent := func(t *testing.T, what string, jobs ...extract.Job) {
		t.Helper()
		for _, j := range jobs {
			if _, err := f.raw.Job(ctx, j.ProjectID, j.ID); !extract.IsNotFound(err) {
				t.Errorf("%s: job %s: %v, want not created", what, j.ID, err)
			}
		}
	}

	for _, tt := range []struct{ name, input string }{{"Missing", missing}, {"OtherProject", foreign.ID}} {
		t.Run("CreateJob"+tt.name, func(t *testing.T) {
			j := from(tt.input, 10)
			_, _, err := f.raw.CreateJob(ctx, j, f.queue.enqueue)
			wantCode(t, "CreateJob", err, extract.CodeNotFound, tt.input)
			absent(t, "CreateJob", j)
		})
		t.Run("CreateJobs"+tt.name, func(t *testing.T) {
			batch := []extract.Job{from(file.ID, 11), from(tt.input, 12), from(file.ID, 13)}
			_, err := f.raw.CreateJobs(ctx, slices.Clone(batch), f.queue.enqueueMany)
			wantCode(t, "CreateJobs", err, extract.CodeNotFound, tt.input)
			absent(t, "CreateJobs", batch...)
			_, err = f.raw.CreateJobs(ctx, slices.Clone(batch[1:2]), nil)
			wantCode(t, "CreateJobs without enqueue", err, extract.CodeNotFound, tt.input)
		})
	}
	t.Run("Found", func(t *testing.T) {
		one := from(file.ID, 20)
		if _, created, err := f.raw.CreateJob(ctx, one, f.queue.enqueue); err != nil || !created {
			t.Fatalf("CreateJob(a file of the project) = %v, %v", created, err)
		}
		batch := []extract.Job{from(file.ID, 21), from(file.ID, 22), from(id.New(id.ParseJob), 23)}
		stored, err := f.raw.CreateJobs(ctx, slices.Clone(batch), f.queue.enqueueMany)
		if err != nil || len(stored) != len(batch) {
			t.Fatalf("CreateJobs(files of the project and a parse job) = %d jobs, %v", len(stored), err)
		}
	})
	t.Run("ReplayAfterDelete", func(t *testing.T) {
		// A retried create with its Idempotency-Key answers with its job
		// even after the file is gone: nothing new is made from it.
		gone := newFile(f.prj, "c.pdf", 3)
		if err := f.raw.CreateFile(ctx, gone); err != nil {
			t.Fatal(err)
		}
		j := from(gone.ID, 30)
		j.IdempotencyKey = "retry-me"
		first, _, err := f.raw.CreateJob(ctx, j, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.raw.DeleteFile(ctx, f.prj.ID, gone.ID); err != nil {
			t.Fatal(err)
		}
		again := from(gone.ID, 31)
		again.IdempotencyKey = "retry-me"
		got, created, err := f.raw.CreateJob(ctx, again, nil)
		if err != nil || created || got.ID != first.ID {
			t.Errorf("replayed CreateJob after the file's deletion = %s, created %v, %v; want %s", got.ID, created, err, first.ID)
		}
	})
}
