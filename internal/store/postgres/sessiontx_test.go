package postgres

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/id"
)

type testArgs struct {
	JobID string `json:"job_id"`
}

func (testArgs) Kind() string { return "quarry_test" }

// TestRiverJoinsStoreTransaction inserts and cancels River jobs with River's
// pgx driver from inside the Store's hooks, through TxFromContext, and
// checks that River's rows commit and roll back with the Store's.
func TestRiverJoinsStoreTransaction(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := openTest(t)
	_, prj, _, err := st.EnsureDefaults(ctx)
	if err != nil {
		t.Fatalf("EnsureDefaults: %v", err)
	}
	// An insert-only client: no queues, no workers.
	client, err := river.NewClient(riverpgxv5.New(st.Pool()), &river.Config{})
	if err != nil {
		t.Fatalf("river.NewClient: %v", err)
	}
	enqueue := func(ctx context.Context, _ *sql.Tx, job *extract.Job) (int64, error) {
		tx, ok := TxFromContext(ctx)
		if !ok {
			return 0, errors.New("no transaction in the hook's context")
		}
		res, err := client.InsertTx(ctx, tx, testArgs{JobID: job.ID}, nil)
		if err != nil {
			return 0, err
		}
		return res.Job.ID, nil
	}
	riverJob := func(t *testing.T, jobID string) (state string, found bool) {
		t.Helper()
		err := st.db.QueryRowContext(ctx, `SELECT state FROM river_job WHERE args->>'job_id' = $1`, jobID).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) {
			return "", false
		}
		if err != nil {
			t.Fatalf("read river_job: %v", err)
		}
		return state, true
	}
	// A job of the project is made from its file; one of a project that
	// does not exist, from a parse job, so that what fails is the row's
	// insert, after River's.
	fileID := createFile(t, st, prj.ID)
	newJob := func(projectID string) extract.Job {
		if projectID != prj.ID {
			return extract.Job{ID: id.New(id.Job), ProjectID: projectID, FileInput: id.New(id.ParseJob)}
		}
		return extract.Job{ID: id.New(id.Job), ProjectID: projectID, FileInput: fileID}
	}

	job, _, err := st.CreateJob(ctx, newJob(prj.ID), enqueue)
	if err != nil {
		t.Fatalf("CreateJob: %v", err)
	}
	if state, ok := riverJob(t, job.ID); !ok || state != "available" {
		t.Errorf("River job after CreateJob: state %q, found %v; want available", state, ok)
	}

	t.Run("CreateRollsBack", func(t *testing.T) {
		// The row's insert fails after River's: neither stays.
		orphan := newJob(id.New(id.Project))
		_, _, err := st.CreateJob(ctx, orphan, enqueue)
		wantCode(t, "CreateJob(unknown project)", err, extract.CodeNotFound)
		if _, ok := riverJob(t, orphan.ID); ok {
			t.Errorf("River job of a job whose creation rolled back exists")
		}
	})
	// CreateJobs without webhooks runs its hook in a pipeTx, with no
	// *sql.Tx: River's insert and the rows commit or roll back together.
	enqueueMany := func(ctx context.Context, stx *sql.Tx, jobs []*extract.Job) ([]int64, error) {
		if stx != nil {
			return nil, errors.New("a batch without webhooks went through database/sql")
		}
		tx, ok := TxFromContext(ctx)
		if !ok {
			return nil, errors.New("no transaction in the hook's context")
		}
		params := make([]river.InsertManyParams, len(jobs))
		for i, j := range jobs {
			params[i] = river.InsertManyParams{Args: testArgs{JobID: j.ID}}
		}
		res, err := client.InsertManyTx(ctx, tx, params)
		if err != nil {
			return nil, err
		}
		ids := make([]int64, len(res))
		for i, r := range res {
			ids[i] = r.Job.ID
		}
		return ids, nil
	}
	t.Run("CreateJobs", func(t *testing.T) {
		jobs := []extract.Job{newJob(prj.ID), newJob(prj.ID)}
		if _, err := st.CreateJobs(ctx, jobs, enqueueMany); err != nil {
			t.Fatalf("CreateJobs: %v", err)
		}
		for _, j := range jobs {
			if state, ok := riverJob(t, j.ID); !ok || state != "available" {
				t.Errorf("River job after CreateJobs: state %q, found %v; want available", state, ok)
			}
		}
	})
	t.Run("CreateJobsRollsBack", func(t *testing.T) {
		jobs := []extract.Job{newJob(prj.ID), newJob(id.New(id.Project))}
		_, err := st.CreateJobs(ctx, jobs, enqueueMany)
		wantCode(t, "CreateJobs(an unknown project)", err, extract.CodeNotFound)
		for _, j := range jobs {
			if _, ok := riverJob(t, j.ID); ok {
				t.Errorf("River job of a batch that rolled back exists")
			}
			if _, err := st.Job(ctx, j.ProjectID, j.ID); !extract.IsNotFound(err) {
				t.Errorf("Job of a batch that rolled back: %v, want not found", err)
			}
		}
	})
	t.Run("CreateJobsMissingFile", func(t *testing.T) {
		// The file lookups go with River's insert; a missing file fails
		// it, and the batch rolls back.
		missing := newJob(prj.ID)
		missing.FileInput = id.New(id.File)
		jobs := []extract.Job{newJob(prj.ID), missing}
		_, err := st.CreateJobs(ctx, jobs, enqueueMany)
		wantCode(t, "CreateJobs(a missing file)", err, extract.CodeNotFound)
		for _, j := range jobs {
			if _, ok := riverJob(t, j.ID); ok {
				t.Errorf("River job of a batch that rolled back exists")
			}
		}
	})
	t.Run("CancelRollsBack", func(t *testing.T) {
		_, err := st.CancelJob(ctx, prj.ID, job.ID, time.Now(), func(ctx context.Context, _ *sql.Tx, queueID int64) error {
			tx, _ := TxFromContext(ctx)
			if _, err := client.JobCancelTx(ctx, tx, queueID); err != nil {
				return err
			}
			return errors.New("refused after River's cancel")
		})
		if err == nil {
			t.Fatalf("CancelJob with a failing hook succeeded")
		}
		if state, _ := riverJob(t, job.ID); state != "available" {
			t.Errorf("River job after a rolled back cancel: state %q, want available", state)
		}
	})
	t.Run("Cancel", func(t *testing.T) {
		_, err := st.CancelJob(ctx, prj.ID, job.ID, time.Now(), func(ctx context.Context, _ *sql.Tx, queueID int64) error {
			tx, _ := TxFromContext(ctx)
			_, err := client.JobCancelTx(ctx, tx, queueID)
			return err
		})
		if err != nil {
			t.Fatalf("CancelJob: %v", err)
		}
		if state, _ := riverJob(t, job.ID); state != "cancelled" {
			t.Errorf("River job after CancelJob: state %q, want cancelled", state)
		}
	})
	t.Run("Savepoint", func(t *testing.T) {
		// A nested Begin is a savepoint: its rollback undoes only its work.
		other := newJob(prj.ID)
		_, _, err := st.CreateJob(ctx, other, func(ctx context.Context, stx *sql.Tx, job *extract.Job) (int64, error) {
			tx, _ := TxFromContext(ctx)
			if err := tx.Commit(ctx); err == nil {
				return 0, errors.New("Commit of the store's transaction succeeded")
			}
			nested, err := tx.Begin(ctx)
			if err != nil {
				return 0, err
			}
			if _, err := nested.Exec(ctx, `UPDATE projects SET name = 'renamed' WHERE id = $1`, prj.ID); err != nil {
				return 0, err
			}
			if err := nested.Rollback(ctx); err != nil {
				return 0, err
			}
			return enqueue(ctx, stx, job)
		})
		if err != nil {
			t.Fatalf("CreateJob: %v", err)
		}
		if p, err := st.Project(ctx, prj.ID); err != nil || p.Name != prj.Name {
			t.Errorf("Project after a rolled back savepoint = %q, %v; want %q", p.Name, err, prj.Name)
		}
		if _, ok := riverJob(t, other.ID); !ok {
			t.Errorf("River job inserted after a savepoint's rollback is missing")
		}
	})
	t.Run("OutsideHook", func(t *testing.T) {
		if _, ok := TxFromContext(ctx); ok {
			t.Errorf("TxFromContext outside a hook = ok")
		}
	})
}

// wantCode fails t unless err carries code.
func wantCode(t *testing.T, what string, err error, code extract.Code) {
	t.Helper()
	if got := extract.ErrorCode(err); got != code {
		t.Errorf("%s: error %v (code %q), want code %q", what, err, got, code)
	}
}
