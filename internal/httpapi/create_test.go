package httpapi

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/id"
	"github.com/quarrylabs/quarry/internal/pagetoken"
	"github.com/quarrylabs/quarry/internal/queue"
	"github.com/quarrylabs/quarry/internal/store/sqlite"
)

// errReplyLost is what a client sees when the connection drops after the
// database committed but before its reply arrived.
var errReplyLost = errors.New("read tcp 127.0.0.1:5432: connection reset by peer")

// lostReplyStore commits the next lose CreateJobs calls and then reports
// errReplyLost for them.
type lostReplyStore struct {
	extract.Store
	lose int
}

func (s *lostReplyStore) CreateJobs(ctx context.Context, jobs []extract.Job, enqueue extract.EnqueueManyFunc) ([]extract.Job, error) {
	stored, err := s.Store.CreateJobs(ctx, jobs, enqueue)
	if err == nil && s.lose > 0 {
		s.lose--
		return nil, errReplyLost
	}
	return stored, err
}

// A batch of creates committed with its reply lost is retried by the
// Batcher one create at a time: each must answer with the job its batch
// made, and nothing may be created twice.
func TestCreateJobsAfterLostReply(t *testing.T) {
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "quarry.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	_, prj, _, err := st.EnsureDefaults(ctx)
	if err != nil {
		t.Fatal(err)
	}
	q, err := queue.New(ctx, st, nil, queue.Config{InsertOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := pagetoken.New(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	lossy := &lostReplyStore{Store: st, lose: 1}
	s := New(Config{}, lossy, q, nil, tokens)

	now := time.Now()
	file := extract.File{ID: id.New(id.File), ProjectID: prj.ID, Name: "a.txt", FileType: "txt", ContentType: "text/plain",
		Purpose: "extract", Size: 1, SHA256: strings.Repeat("0", 64), CreatedAt: now, UpdatedAt: now}
	if err := st.CreateFile(ctx, file); err != nil {
		t.Fatal(err)
	}
	jobs := make([]extract.Job, 3)
	for i := range jobs {
		jobs[i] = extract.Job{ID: id.New(id.Job), ProjectID: prj.ID, FileInput: file.ID, Status: extract.StatusPending}
		jobs[i].RequestHash = requestHash(jobs[i])
	}
	if _, err := s.createJobs(ctx, jobs); !errors.Is(err, errReplyLost) {
		t.Fatalf("createJobs(batch) = %v, want the lost reply", err)
	}
	for _, j := range jobs {
		got, err := s.createJobs(ctx, []extract.Job{j})
		if err != nil {
			t.Fatalf("createJobs(%s) retried alone: %v", j.ID, err)
		}
		if len(got) != 1 || got[0].ID != j.ID || got[0].Status != extract.StatusPending || got[0].CreatedAt.IsZero() {
			t.Errorf("createJobs(%s) retried alone = %+v, want the job as its batch stored it", j.ID, got)
		}
	}
	var jobRows, queueRows int
	if err := st.DB().QueryRowContext(ctx, `SELECT count(*) FROM extract_jobs`).Scan(&jobRows); err != nil {
		t.Fatal(err)
	}
	if err := st.DB().QueryRowContext(ctx, `SELECT count(*) FROM river_job`).Scan(&queueRows); err != nil {
		t.Fatal(err)
	}
	if jobRows != len(jobs) || queueRows != len(jobs) {
		t.Errorf("%d jobs and %d queue rows after the retries, want %d of each", jobRows, queueRows, len(jobs))
	}

	// An id held by another request is still a conflict.
	other := jobs[0]
	second := file
	second.ID = id.New(id.File)
	if err := st.CreateFile(ctx, second); err != nil {
		t.Fatal(err)
	}
	other.FileInput = second.ID
	other.RequestHash = requestHash(other)
	_, err = s.createJobs(ctx, []extract.Job{other})
	if code := extract.ErrorCode(err); code != extract.CodeConflict {
		t.Errorf("createJobs(an id another request holds) = %v (code %q), want a conflict", err, code)
	}
}
