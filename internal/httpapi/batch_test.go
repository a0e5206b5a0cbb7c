package httpapi

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/id"
	"github.com/quarrylabs/quarry/internal/store/sqlite"
)

// recordingStore is the SQLite store with its batches recorded and, while
// gate is open, the first batch held until the gate is closed.
type recordingStore struct {
	*sqlite.Store
	gate    chan struct{}
	entered chan struct{}
	once    sync.Once

	mu      sync.Mutex
	batches [][]string // job ids of each CreateJobs call
}

func (r *recordingStore) CreateJobs(ctx context.Context, jobs []extract.Job, enqueue extract.EnqueueManyFunc) ([]extract.Job, error) {
	r.mu.Lock()
	ids := make([]string, len(jobs))
	for i, j := range jobs {
		ids[i] = j.ID
	}
	r.batches = append(r.batches, ids)
	r.mu.Unlock()
	r.once.Do(func() {
		if r.gate != nil {
			close(r.entered)
			<-r.gate
		}
	})
	return r.Store.CreateJobs(ctx, jobs, enqueue)
}

func newRecordingStore(t *testing.T, gated bool) (*recordingStore, extract.Project) {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "quarry.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	_, prj, _, err := st.EnsureDefaults(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	r := &recordingStore{Store: st}
	if gated {
		r.gate, r.entered = make(chan struct{}), make(chan struct{})
	}
	return r, prj
}

func batchJob(projectID string, n int) extract.Job {
	return extract.Job{
		ID: id.New(id.Job), ProjectID: projectID, FileInput: id.New(id.File),
		Configuration: extract.Configuration{DataSchema: []byte(fmt.Sprintf(`{"type":"object","properties":{"f%d":{"type":"string"}}}`, n))},
	}
}

// TestJobBatcherQueuesBehindFullFlushes holds the one flush allowed in
// flight, queues creates behind it, and checks that they go as one batch,
// each answered with its own job, and that a job that cannot be created
// fails alone.
func TestJobBatcherQueuesBehindFullFlushes(t *testing.T) {
	st, prj := newRecordingStore(t, true)
	b := newJobBatcher(st, nil, 1, 100)
	type answer struct {
		job extract.Job
		err error
	}
	answers := make([]answer, 6)
	jobs := make([]extract.Job, len(answers))
	for i := range jobs {
		jobs[i] = batchJob(prj.ID, i)
	}
	jobs[3].ProjectID = "prj-missing" // fails: no such project
	var wg sync.WaitGroup
	wg.Go(func() { answers[0].job, answers[0].err = b.create(t.Context(), jobs[0]) })
	<-st.entered // the first create's flush is in flight, and held
	for i := 1; i < len(jobs); i++ {
		wg.Go(func() { answers[i].job, answers[i].err = b.create(t.Context(), jobs[i]) })
	}
	// All five wait in the queue before the held flush is let go.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		b.mu.Lock()
		n := len(b.queued)
		b.mu.Unlock()
		if n == len(jobs)-1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d creates queued, want %d", n, len(jobs)-1)
		}
	}
	close(st.gate)
	wg.Wait()

	for i, a := range answers {
		switch {
		case i == 3:
			if !extract.IsNotFound(a.err) {
				t.Errorf("create for a missing project = %v, want not found", a.err)
			}
		case a.err != nil:
			t.Errorf("create %d: %v", i, a.err)
		case a.job.ID != jobs[i].ID || a.job.Status != extract.StatusPending:
			t.Errorf("create %d answered with job %s (%s), want %s PENDING", i, a.job.ID, a.job.Status, jobs[i].ID)
		default:
			if _, err := st.Job(t.Context(), prj.ID, jobs[i].ID); err != nil {
				t.Errorf("job %d not stored: %v", i, err)
			}
		}
	}
	// The first alone, then the five queued as one batch (in the order
	// they queued), which failed for the missing project's job and was
	// retried one by one (in that order).
	queued := st.batches[1]
	want := [][]string{{jobs[0].ID}, queued}
	for _, id := range queued {
		want = append(want, []string{id})
	}
	var rest []string
	for _, j := range jobs[1:] {
		rest = append(rest, j.ID)
	}
	if !slices.EqualFunc(st.batches, want, slices.Equal) || !sameIDs(queued, rest) {
		t.Errorf("batches %v, want %v with the ids %v", st.batches, want, rest)
	}
}

func sameIDs(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestJobBatcherConcurrent creates many jobs from many goroutines: each is
// stored once and answered with its own.
func TestJobBatcherConcurrent(t *testing.T) {
	st, prj := newRecordingStore(t, false)
	b := newJobBatcher(st, nil, 2, 8)
	const n = 200
	got := make([]extract.Job, n)
	want := make([]extract.Job, n)
	var wg sync.WaitGroup
	for i := range n {
		want[i] = batchJob(prj.ID, i)
		wg.Go(func() {
			var err error
			if got[i], err = b.create(t.Context(), want[i]); err != nil {
				t.Errorf("create %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, batch := range st.batches {
		if len(batch) > 8 {
			t.Errorf("a batch of %d, over the limit of 8", len(batch))
		}
		for _, id := range batch {
			if seen[id] {
				t.Errorf("job %s in two batches", id)
			}
			seen[id] = true
		}
	}
	for i := range n {
		if got[i].ID != want[i].ID {
			t.Fatalf("create %d answered with %s, want %s", i, got[i].ID, want[i].ID)
		}
	}
	count, err := st.CountJobs(t.Context(), extract.JobFilter{ProjectID: prj.ID})
	if err != nil || count != n || len(seen) != n {
		t.Errorf("%d jobs stored, %d batched, %v; want %d", count, len(seen), err, n)
	}
	t.Logf("%d creates in %d batches", n, len(st.batches))
}
