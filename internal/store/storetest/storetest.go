// Package storetest is the conformance suite every extract.Store passes.
// Each implementation runs it from its own tests:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) extract.Store { return openTestStore(t) })
//	}
//
// The suite pins what the interface's documentation promises and what the
// HTTP API relies on beyond it: project isolation, newest-first keyset
// paging, the filters, idempotency, and the state changes of a job.
package storetest

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/id"
)

// Option adjusts the suite to a store.
type Option func()

// HookTx sets how the suite's hooks prove that they run inside the store's
// transaction: by default they run SELECT 1 on the *sql.Tx they are given.
// A store that may give its hooks a nil *sql.Tx, their transaction being
// in the context instead, passes a check of its own. The setting is the
// test binary's: one store type is tested per package.
func HookTx(check func(ctx context.Context, tx *sql.Tx) error) Option {
	return func() { touch = check }
}

// Run runs the suite. open returns a new, empty store for one subtest and
// arranges (with t.Cleanup) for it to be closed; subtests run in parallel.
func Run(t *testing.T, open func(t *testing.T) extract.Store, opts ...Option) {
	for _, o := range opts {
		o()
	}
	tests := []struct {
		name string
		run  func(t *testing.T, f *fixture)
	}{
		{"EnsureDefaults", testEnsureDefaults},
		{"Projects", testProjects},
		{"APIKeys", testAPIKeys},
		{"Files", testFiles},
		{"ListFiles", testListFiles},
		{"ListFilesOrder", testListFilesOrder},
		{"Configurations", testConfigurations},
		{"ListConfigurations", testListConfigurations},
		{"UpsertConfiguration", testUpsertConfiguration},
		{"UpsertConfigurationConcurrent", testUpsertConfigurationConcurrent},
		{"CreateJob", testCreateJob},
		{"CreateJobs", testCreateJobs},
		{"JobFiles", testJobFiles},
		{"Idempotency", testIdempotency},
		{"IdempotencyConcurrent", testIdempotencyConcurrent},
		{"ListJobsOrder", testListJobsOrder},
		{"ListJobsPaging", testListJobsPaging},
		{"ListJobsPagingWhileInserting", testListJobsPagingWhileInserting},
		{"ListJobsFilters", testListJobsFilters},
		{"CancelJob", testCancelJob},
		{"DeleteJob", testDeleteJob},
		{"StartJob", testStartJob},
		{"JobsToRun", testJobsToRun},
		{"MarkRunning", testMarkRunning},
		{"FinishJob", testFinishJob},
		{"FinishJobs", testFinishJobs},
		{"RequeueJob", testRequeueJob},
		{"CountJobsByStatus", testCountJobsByStatus},
		{"FailAbandonedJobs", testFailAbandonedJobs},
		{"Webhooks", testWebhooks},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, newFixture(t, open))
		})
	}
}

// base is the suite's clock origin. Its milliseconds are not zero, so a
// store that dropped them would show.
var base = time.Date(2026, 3, 1, 12, 0, 0, 123_000_000, time.UTC)

// at returns base plus n milliseconds.
func at(n int) time.Time { return base.Add(time.Duration(n) * time.Millisecond) }

// fixture is a fresh store with the default project and a second project
// of the same organization, whose resources must stay invisible from the
// first.
type fixture struct {
	// st makes the files of the jobs it creates (withFiles); raw does not.
	st    extract.Store
	raw   extract.Store
	org   extract.Organization
	prj   extract.Project
	other extract.Project
	queue *queue
}

func newFixture(t *testing.T, open func(t *testing.T) extract.Store) *fixture {
	t.Helper()
	st := open(t)
	org, prj, _, err := st.EnsureDefaults(t.Context())
	if err != nil {
		t.Fatalf("EnsureDefaults: %v", err)
	}
	other := extract.Project{ID: id.New(id.Project), OrganizationID: org.ID, Name: "Other", CreatedAt: base}
	if err := st.CreateProject(t.Context(), other); err != nil {
		t.Fatalf("CreateProject: %v", err)
	}
	return &fixture{st: withFiles{st}, raw: st, org: org, prj: prj, other: other, queue: &queue{}}
}

// queue stands in for River: its hooks run a statement on the transaction
// they are given, proving it is live, and record what they were asked.
type queue struct {
	mu        sync.Mutex
	lastID    int64
	enqueued  map[string]int64 // job id → queue id
	cancelled []int64
	removed   []int64
}

func (q *queue) enqueue(ctx context.Context, tx *sql.Tx, job *extract.Job) (int64, error) {
	if err := touch(ctx, tx); err != nil {
		return 0, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.lastID++
	if q.enqueued == nil {
		q.enqueued = make(map[string]int64)
	}
	// Queue ids are unlike job row ids, so a mix-up would show.
	qid := 1000 + q.lastID
	q.enqueued[job.ID] = qid
	return qid, nil
}

// enqueueMany is enqueue for a batch.
func (q *queue) enqueueMany(ctx context.Context, tx *sql.Tx, jobs []*extract.Job) ([]int64, error) {
	ids := make([]int64, len(jobs))
	for i, j := range jobs {
		qid, err := q.enqueue(ctx, tx, j)
		if err != nil {
			return nil, err
		}
		ids[i] = qid
	}
	return ids, nil
}

func (q *queue) queueID(jobID string) int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.enqueued[jobID]
}

func (q *queue) cancel(ctx context.Context, tx *sql.Tx, queueID int64) error {
	if err := touch(ctx, tx); err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.cancelled = append(q.cancelled, queueID)
	return nil
}

func (q *queue) remove(ctx context.Context, tx *sql.Tx, queueID int64) error {
	if err := touch(ctx, tx); err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.removed = append(q.removed, queueID)
	return nil
}

// touch proves a hook's transaction is live (HookTx).
var touch = touchSQL

// touchSQL runs a trivial statement on tx, which fails if tx is not live.
func touchSQL(ctx context.Context, tx *sql.Tx) error {
	var one int
	if err := tx.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("hook: transaction not usable: %w", err)
	}
	return nil
}

var errHook = fmt.Errorf("queue unavailable")

func failingEnqueue(ctx context.Context, tx *sql.Tx, job *extract.Job) (int64, error) {
	if err := touch(ctx, tx); err != nil {
		return 0, err
	}
	return 0, errHook
}

func failingHook(ctx context.Context, tx *sql.Tx, queueID int64) error {
	if err := touch(ctx, tx); err != nil {
		return err
	}
	return errHook
}

// testConfiguration is a normalized configuration, its schema compact so
// that it compares equal after a round trip through JSON.
func testConfiguration() extract.Configuration {
	maxPages := 12
	return extract.Configuration{
		DataSchema:       json.RawMessage(`{"type":"object","properties":{"total":{"type":"number"}}}`),
		Tier:             extract.TierAgentic,
		ExtractionTarget: extract.TargetPerDoc,
		CiteSources:      true,
		ConfidenceScores: true,
		SystemPrompt:     "Amounts are in euros.",
		TargetPages:      "1-3",
		MaxPages:         &maxPages,
		SheetNames:       []string{"Q1"},
		Version:          "2026-01-08",
	}
}

// newJob returns a PENDING job of project p created at t, on a new file.
func newJob(p extract.Project, t time.Time) extract.Job {
	return extract.Job{
		ID:            id.New(id.Job),
		ProjectID:     p.ID,
		FileInput:     id.New(id.File),
		Configuration: testConfiguration().Resolve(),
		Status:        extract.StatusPending,
		CreatedAt:     t,
		UpdatedAt:     t,
	}
}

// withFiles is the store under test, making the file each job it creates
// is made from when there is none yet: the suite's jobs need a file of
// their project, which only the file tests look at. testJobFiles tests
// the store's check itself, on the fixture's raw store.
type withFiles struct{ extract.Store }

func (s withFiles) CreateJob(ctx context.Context, job extract.Job, enqueue extract.EnqueueFunc) (extract.Job, bool, error) {
	s.makeFiles(ctx, &job)
	return s.Store.CreateJob(ctx, job, enqueue)
}

func (s withFiles) CreateJobs(ctx context.Context, jobs []extract.Job, enqueue extract.EnqueueManyFunc) ([]extract.Job, error) {
	for i := range jobs {
		s.makeFiles(ctx, &jobs[i])
	}
	return s.Store.CreateJobs(ctx, jobs, enqueue)
}

// makeFiles creates the job's file if it is missing. A job of a project
// that does not exist gets none, and the store says so.
func (s withFiles) makeFiles(ctx context.Context, j *extract.Job) {
	for _, ref := range extract.FileInputs(j) {
		if _, err := s.File(ctx, ref.ProjectID, ref.FileID); err == nil {
			continue
		}
		file := newFile(extract.Project{ID: ref.ProjectID}, "input.pdf", 0)
		file.ID = ref.FileID
		_ = s.CreateFile(ctx, file)
	}
}

// create stores j, enqueuing it on the fixture's queue.
func (f *fixture) create(t *testing.T, j extract.Job) extract.Job {
	t.Helper()
	stored, created, err := f.st.CreateJob(t.Context(), j, f.queue.enqueue)
	if err != nil || !created {
		t.Fatalf("CreateJob(%s) = created %v, %v; want created", j.ID, created, err)
	}
	return stored
}

// job reads a job of the fixture's default project.
func (f *fixture) job(t *testing.T, jobID string) extract.Job {
	t.Helper()
	j, err := f.st.Job(t.Context(), f.prj.ID, jobID)
	if err != nil {
		t.Fatalf("Job(%s): %v", jobID, err)
	}
	return j
}

// wantCode fails t unless err carries code and, when msg is not empty, a
// user-facing message containing msg.
func wantCode(t *testing.T, what string, err error, code extract.Code, msg string) {
	t.Helper()
	if got := extract.ErrorCode(err); got != code {
		t.Errorf("%s: error %v (code %q), want code %q", what, err, got, code)
		return
	}
	if msg != "" && !strings.Contains(extract.ErrorMessage(err), msg) {
		t.Errorf("%s: message %q, want it to contain %q", what, extract.ErrorMessage(err), msg)
	}
}

// ptr returns a pointer to a copy of v.
func ptr[T any](v T) *T { return &v }

// jobIDs returns the ids of jobs, in order.
func jobIDs(jobs []extract.Job) []string {
	out := make([]string, len(jobs))
	for i, j := range jobs {
		out[i] = j.ID
	}
	return out
}

// newestFirst sorts jobs in listing order: created_at descending, then id
// descending.
func newestFirst(jobs []extract.Job) {
	slices.SortFunc(jobs, func(a, b extract.Job) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(b.ID, a.ID)
	})
}

// listAllJobs pages through ListJobs with the given page size and returns
// every id it saw, in order. between, if not nil, runs after each page.
func listAllJobs(t *testing.T, st extract.Store, filter extract.JobFilter, limit int, between func(page int)) []string {
	t.Helper()
	var out []string
	var after *extract.Cursor
	for page := 0; ; page++ {
		if page > 10_000 {
			t.Fatalf("ListJobs(%+v) did not end after %d pages", filter, page)
		}
		jobs, err := st.ListJobs(t.Context(), filter, extract.Page{After: after, Limit: limit})
		if err != nil {
			t.Fatalf("ListJobs(%+v, page %d): %v", filter, page, err)
		}
		if len(jobs) > limit {
			t.Fatalf("ListJobs(%+v, limit %d) returned %d jobs", filter, limit, len(jobs))
		}
		out = append(out, jobIDs(jobs)...)
		if len(jobs) < limit {
			return out
		}
		last := jobs[len(jobs)-1]
		after = &extract.Cursor{CreatedAt: last.CreatedAt, ID: last.ID}
		if between != nil {
			between(page)
		}
	}
}

// diff reports a cmp.Diff of want and got under what, if any. An empty
// slice or map equals a nil one: the interface does not distinguish them.
func diff(t *testing.T, what string, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// finishJob records one run's end with FinishJobs.
func finishJob(ctx context.Context, st extract.Store, id string, started, at time.Time, outcome *extract.Outcome, failure string) (bool, error) {
	changed, err := st.FinishJobs(ctx, []extract.Finish{{JobID: id, Started: started, At: at, Outcome: outcome, Failure: failure}})
	if err != nil {
		return false, err
	}
	return changed[0], nil
}
