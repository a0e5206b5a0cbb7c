package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/id"
	"github.com/quarrylabs/quarry/internal/store/postgres/pgtest"
	"github.com/quarrylabs/quarry/internal/store/storetest"
)

// openTest opens a store in a new schema, logging to t. Its pool is small:
// the suite opens a store per subtest, in parallel, on a shared server.
func openTest(t *testing.T) *Store {
	t.Helper()
	url := pgtest.WithParam(t, pgtest.Schema(t), "pool_max_conns", "4")
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	st, err := Open(t.Context(), url, logger)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return st
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) extract.Store { return openTest(t) }, storetest.HookTx(touchHookTx))
}

// createFile stores a file of the project, for jobs to be made from, and
// returns its id.
func createFile(t *testing.T, st *Store, projectID string) string {
	t.Helper()
	now := time.Now()
	f := extract.File{ID: id.New(id.File), ProjectID: projectID, Name: "input.txt", FileType: "txt", ContentType: "text/plain",
		Purpose: "extract", Size: 1, SHA256: strings.Repeat("0", 64), CreatedAt: now, UpdatedAt: now}
	if err := st.CreateFile(t.Context(), f); err != nil {
		t.Fatalf("CreateFile: %v", err)
	}
	return f.ID
}

// touchHookTx runs a statement in a hook's transaction as the queue reaches
// it, through TxFromContext, and on the *sql.Tx when the hook has one.
func touchHookTx(ctx context.Context, tx *sql.Tx) error {
	session, ok := TxFromContext(ctx)
	if !ok {
		return errors.New("hook: no transaction in its context")
	}
	var one int
	if err := session.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("hook: transaction not usable: %w", err)
	}
	if tx == nil {
		return nil
	}
	if err := tx.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("hook: *sql.Tx not usable: %w", err)
	}
	return nil
}

// openShared opens n stores on one new schema, as n processes would: each
// has its own pool, and all migrate at once.
func openShared(t *testing.T, n int) []*Store {
	t.Helper()
	url := pgtest.WithParam(t, pgtest.Schema(t), "pool_max_conns", "4")
	stores := make([]*Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = Open(t.Context(), url, nil) })
	}
	wg.Wait()
	for _, st := range stores {
		if st != nil {
			t.Cleanup(func() { st.Close() })
		}
	}
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("concurrent Open: %v", err)
	}
	return stores
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	t.Run("Concurrent", func(t *testing.T) {
		t.Parallel()
		// Four processes start at once on an empty schema: one migrates,
		// the others wait for the lock and find nothing to do.
		stores := openShared(t, 4)
		ms, err := migrations()
		if err != nil {
			t.Fatal(err)
		}
		var n, latest int
		err = stores[0].db.QueryRowContext(ctx, `SELECT count(*), max(version) FROM quarry_migration`).Scan(&n, &latest)
		if err != nil || n != len(ms) || latest != ms[len(ms)-1].version {
			t.Errorf("quarry_migration has %d rows up to %d, %v; want %d up to %d", n, latest, err, len(ms), ms[len(ms)-1].version)
		}
		// River's tables are there too, each of its migrations applied once.
		m, err := rivermigrate.New(riverpgxv5.New(stores[1].pool), nil)
		if err != nil {
			t.Fatal(err)
		}
		applied, err := m.ExistingVersions(ctx)
		if err != nil {
			t.Fatalf("River ExistingVersions: %v", err)
		}
		if got, want := len(applied), len(m.AllVersions()); got != want {
			t.Errorf("River has %d migrations applied, want %d", got, want)
		}
		var jobs int
		if err := stores[2].db.QueryRowContext(ctx, `SELECT count(*) FROM river_job`).Scan(&jobs); err != nil {
			t.Errorf("river_job: %v", err)
		}
		// And the defaults, asked for by every process at once, are one.
		defaults := make([]extract.Project, len(stores))
		var wg sync.WaitGroup
		for i, st := range stores {
			wg.Go(func() {
				_, prj, _, err := st.EnsureDefaults(ctx)
				if err != nil {
					t.Errorf("EnsureDefaults: %v", err)
				}
				defaults[i] = prj
			})
		}
		wg.Wait()
		for _, p := range defaults[1:] {
			if p.ID != defaults[0].ID {
				t.Errorf("concurrent EnsureDefaults made several default projects: %s and %s", defaults[0].ID, p.ID)
			}
		}
	})
	t.Run("Reopen", func(t *testing.T) {
		t.Parallel()
		url := pgtest.WithParam(t, pgtest.Schema(t), "pool_max_conns", "2")
		st, err := Open(ctx, url, nil)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		_, prj, _, err := st.EnsureDefaults(ctx)
		st.Close()
		if err != nil {
			t.Fatalf("EnsureDefaults: %v", err)
		}
		st, err = Open(ctx, url, nil)
		if err != nil {
			t.Fatalf("Open again: %v", err)
		}
		defer st.Close()
		if _, err := st.Project(ctx, prj.ID); err != nil {
			t.Errorf("Project after reopening: %v", err)
		}
	})
	t.Run("ErrNewerSchema", func(t *testing.T) {
		t.Parallel()
		url := pgtest.WithParam(t, pgtest.Schema(t), "pool_max_conns", "2")
		st, err := Open(ctx, url, nil)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		_, err = st.db.ExecContext(ctx, `INSERT INTO quarry_migration (version, name) VALUES (9999, '9999_future.sql')`)
		st.Close()
		if err != nil {
			t.Fatal(err)
		}
		if st, err := Open(ctx, url, nil); err == nil {
			st.Close()
			t.Errorf("Open(a database from a newer version) succeeded")
		} else if !strings.Contains(err.Error(), "9999") {
			t.Errorf("Open(a database from a newer version) = %v, want it to name version 9999", err)
		}
	})
	t.Run("ErrURL", func(t *testing.T) {
		t.Parallel()
		for _, u := range []string{"postgres://u:secret@127.0.0.1:5432/db?pool_max_conns=1", "postgres://u:secret@[::1"} {
			st, err := Open(ctx, u, nil)
			if err == nil {
				st.Close()
				t.Errorf("Open(%q) succeeded", u)
				continue
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("Open(%q) = %v, which shows the password", u, err)
			}
		}
	})
}

// TestStartJobAcrossProcesses claims every job of a project at once from two
// stores, as two worker processes would, and checks the project's limit
// holds: exactly limit jobs run, the rest are throttled.
func TestStartJobAcrossProcesses(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	stores := openShared(t, 2)
	org, _, _, err := stores[0].EnsureDefaults(ctx)
	if err != nil {
		t.Fatalf("EnsureDefaults: %v", err)
	}
	const jobs, limit, rounds = 12, 3, 5
	for round := range rounds {
		prj := extract.Project{ID: id.New(id.Project), OrganizationID: org.ID, Name: "race"}
		if err := stores[0].CreateProject(ctx, prj); err != nil {
			t.Fatalf("CreateProject: %v", err)
		}
		var ids []string
		fileID := createFile(t, stores[0], prj.ID)
		for range jobs {
			j, _, err := stores[0].CreateJob(ctx, extract.Job{ID: id.New(id.Job), ProjectID: prj.ID, FileInput: fileID}, nil)
			if err != nil {
				t.Fatalf("CreateJob: %v", err)
			}
			ids = append(ids, j.ID)
		}
		results := make([]extract.StartResult, jobs)
		errs := make([]error, jobs)
		var wg sync.WaitGroup
		for i, jobID := range ids {
			wg.Go(func() { _, results[i], errs[i] = stores[i%2].StartJob(ctx, jobID, limit, time.Now()) })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("StartJob: %v", err)
		}
		runs := len(slices.DeleteFunc(slices.Clone(results), func(r extract.StartResult) bool { return r != extract.StartRun }))
		running, err := stores[1].CountJobs(ctx, extract.JobFilter{ProjectID: prj.ID, Status: extract.StatusRunning})
		if err != nil {
			t.Fatalf("CountJobs: %v", err)
		}
		if runs != limit || running != limit {
			t.Fatalf("round %d: %d of %d concurrent claims ran and %d jobs are RUNNING with limit %d; want %d", round, runs, jobs, running, limit, limit)
		}
	}
}

// TestIdempotencyAcrossProcesses creates jobs under one key from two stores
// at once: one job is made, and both see it.
func TestIdempotencyAcrossProcesses(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	stores := openShared(t, 2)
	_, prj, _, err := stores[0].EnsureDefaults(ctx)
	if err != nil {
		t.Fatalf("EnsureDefaults: %v", err)
	}
	const n = 8
	fileID := createFile(t, stores[0], prj.ID)
	got := make([]string, n)
	created := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			j := extract.Job{ID: id.New(id.Job), ProjectID: prj.ID, FileInput: fileID, IdempotencyKey: "burst"}
			var stored extract.Job
			stored, created[i], errs[i] = stores[i%2].CreateJob(ctx, j, nil)
			got[i] = stored.ID
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("CreateJob: %v", err)
	}
	if c := len(slices.DeleteFunc(slices.Clone(created), func(c bool) bool { return !c })); c != 1 {
		t.Errorf("%d of %d creates with one key reported created, want 1", c, n)
	}
	for _, jobID := range got {
		if jobID != got[0] {
			t.Fatalf("creates with one key returned different jobs: %v", got)
		}
	}
}
