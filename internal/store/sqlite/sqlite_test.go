package sqlite

import (
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/store/storetest"
)

// openTest opens a new database in t's temporary directory, logging to t.
func openTest(t *testing.T) *Store {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	st, err := Open(t.Context(), filepath.Join(t.TempDir(), "quarry.db"), logger)
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
	storetest.Run(t, func(t *testing.T) extract.Store { return openTest(t) })
}

func TestOpen(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "quarry.db")
	st, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	_, prj, _, err := st.EnsureDefaults(ctx)
	if err != nil {
		t.Fatalf("EnsureDefaults: %v", err)
	}
	var mode string
	if err := st.DB().QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	var fk int
	if err := st.DB().QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil || fk != 1 {
		t.Errorf("foreign_keys = %d, %v; want 1", fk, err)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}

	t.Run("Reopen", func(t *testing.T) {
		// Migrations already applied are skipped; data survives.
		st, err := Open(ctx, path, nil)
		if err != nil {
			t.Fatalf("Open again: %v", err)
		}
		defer st.Close()
		if _, err := st.Project(ctx, prj.ID); err != nil {
			t.Errorf("Project after reopening: %v", err)
		}
		var n, latest int
		err = st.read.QueryRowContext(ctx, "SELECT count(*), max(version) FROM quarry_migration").Scan(&n, &latest)
		ms, _ := migrations()
		if err != nil || n != len(ms) || latest != ms[len(ms)-1].version {
			t.Errorf("quarry_migration has %d rows up to %d, %v; want %d", n, latest, err, len(ms))
		}
	})
	t.Run("ReadPoolIsReadOnly", func(t *testing.T) {
		st, err := Open(ctx, path, nil)
		if err != nil {
			t.Fatalf("Open again: %v", err)
		}
		defer st.Close()
		if _, err := st.read.ExecContext(ctx, "DELETE FROM extract_jobs"); err == nil {
			t.Errorf("a write through the read pool succeeded")
		}
	})
	t.Run("ErrNewerSchema", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "future.db")
		st, err := Open(ctx, path, nil)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		_, err = st.DB().ExecContext(ctx, "INSERT INTO quarry_migration (version, name, applied_at) VALUES (9999, '9999_future.sql', 0)")
		st.Close()
		if err != nil {
			t.Fatal(err)
		}
		if st, err := Open(ctx, path, nil); err == nil {
			st.Close()
			t.Errorf("Open(a database from a newer version) succeeded")
		} else if !strings.Contains(err.Error(), "9999") {
			t.Errorf("Open(a database from a newer version) = %v, want it to name version 9999", err)
		}
	})
	t.Run("ErrPath", func(t *testing.T) {
		for _, p := range []string{"", "a?b.db"} {
			if st, err := Open(ctx, p, nil); err == nil {
				st.Close()
				t.Errorf("Open(%q) succeeded", p)
			}
		}
	})
}

// TestReadsDoNotWaitForWriter holds the single writer connection in a
// transaction and checks that reads still answer.
func TestReadsDoNotWaitForWriter(t *testing.T) {
	t.Parallel()
	st := openTest(t)
	ctx := t.Context()
	_, prj, _, err := st.EnsureDefaults(ctx)
	if err != nil {
		t.Fatalf("EnsureDefaults: %v", err)
	}
	tx, err := st.DB().BeginTx(ctx, nil)
	if err != nil {
		t.Fatalf("BeginTx: %v", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "UPDATE projects SET name = 'renamed' WHERE id = ?", prj.ID); err != nil {
		t.Fatalf("update: %v", err)
	}
	readCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	got, err := st.Project(readCtx, prj.ID)
	if err != nil {
		t.Fatalf("Project while a write transaction is open: %v", err)
	}
	if got.Name != prj.Name {
		t.Errorf("Project read uncommitted name %q, want %q", got.Name, prj.Name)
	}
	if _, err := st.ListJobs(readCtx, extract.JobFilter{ProjectID: prj.ID}, extract.Page{Limit: 10}); err != nil {
		t.Errorf("ListJobs while a write transaction is open: %v", err)
	}
}

// TestListJobsPlan checks with EXPLAIN QUERY PLAN that listings seek an
// index that yields rows in order: no full scan, no sort, whatever the
// cursor's depth.
func TestListJobsPlan(t *testing.T) {
	t.Parallel()
	st := openTest(t)
	from, to := time.UnixMilli(1_700_000_000_000), time.UnixMilli(1_700_086_400_000)
	cursor := &extract.Cursor{CreatedAt: time.UnixMilli(1_700_050_000_000), ID: "ext-0193"}
	tests := []struct {
		name   string
		filter extract.JobFilter
		after  *extract.Cursor
		plan   string // the search the plan must contain
	}{
		{"Plain", extract.JobFilter{}, nil,
			"SEARCH extract_jobs USING INDEX extract_jobs_project_created (project_id=?)"},
		{"PlainAfter", extract.JobFilter{}, cursor,
			"SEARCH extract_jobs USING INDEX extract_jobs_project_created (project_id=? AND created_at<?)"},
		{"Status", extract.JobFilter{Status: extract.StatusCompleted}, cursor,
			"SEARCH extract_jobs USING INDEX extract_jobs_project_status (project_id=? AND status=? AND created_at<?)"},
		{"StatusDateRange", extract.JobFilter{Status: extract.StatusCompleted, CreatedFrom: &from, CreatedTo: &to}, nil,
			"SEARCH extract_jobs USING INDEX extract_jobs_project_status (project_id=? AND status=? AND created_at>? AND created_at<?)"},
		{"StatusDateRangeAfter", extract.JobFilter{Status: extract.StatusCompleted, CreatedFrom: &from, CreatedTo: &to}, cursor,
			"SEARCH extract_jobs USING INDEX extract_jobs_project_status (project_id=? AND status=? AND created_at>? AND created_at<?)"},
		{"DateRange", extract.JobFilter{CreatedFrom: &from, CreatedTo: &to}, cursor,
			"SEARCH extract_jobs USING INDEX extract_jobs_project_created (project_id=? AND created_at>? AND created_at<?)"},
		{"ConfigurationID", extract.JobFilter{ConfigurationID: "cfg-1"}, cursor,
			"SEARCH extract_jobs USING INDEX extract_jobs_project_configuration (project_id=? AND configuration_id=? AND created_at<?)"},
		{"FileInput", extract.JobFilter{FileInput: "dfl-1", Status: extract.StatusPending}, cursor,
			"SEARCH extract_jobs USING INDEX extract_jobs_project_file_input (project_id=? AND file_input=? AND created_at<?)"},
		{"InputType", extract.JobFilter{InputType: extract.InputTypeParseJob}, cursor,
			"SEARCH extract_jobs USING INDEX extract_jobs_project_input_type (project_id=? AND <expr>=? AND created_at<?)"},
		{"InputTypeDateRange", extract.JobFilter{InputType: extract.InputTypeFile, CreatedFrom: &from, CreatedTo: &to}, nil,
			"SEARCH extract_jobs USING INDEX extract_jobs_project_input_type (project_id=? AND <expr>=? AND created_at>? AND created_at<?)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.filter.ProjectID = "prj-1"
			query, args, err := listJobsQuery(tt.filter, extract.Page{After: tt.after, Limit: 101})
			if err != nil {
				t.Fatal(err)
			}
			plan := explain(t, st.read, query, args)
			if !strings.Contains(plan, tt.plan) {
				t.Errorf("plan of %s:\n%s\nwant it to contain %q", query, plan, tt.plan)
			}
			if strings.Contains(plan, "TEMP B-TREE") || strings.Contains(plan, "SCAN") {
				t.Errorf("plan of %s sorts or scans:\n%s", query, plan)
			}
		})
	}
	t.Run("IDs", func(t *testing.T) {
		// A list of ids is looked up by primary key; sorting those few rows
		// is expected.
		query, args, err := listJobsQuery(extract.JobFilter{ProjectID: "prj-1", IDs: []string{"a", "b"}}, extract.Page{After: cursor, Limit: 101})
		if err != nil {
			t.Fatal(err)
		}
		if plan := explain(t, st.read, query, args); !strings.Contains(plan, "SEARCH extract_jobs USING INDEX sqlite_autoindex_extract_jobs_1 (id=?)") {
			t.Errorf("plan of %s:\n%s\nwant a primary key search", query, plan)
		}
	})
}

// TestCountJobsPlan checks that counting with a filter reads an index only.
func TestCountJobsPlan(t *testing.T) {
	t.Parallel()
	st := openTest(t)
	from, to := time.UnixMilli(1_700_000_000_000), time.UnixMilli(1_700_086_400_000)
	tests := []struct {
		name   string
		filter extract.JobFilter
		plan   string
	}{
		{"Plain", extract.JobFilter{}, "USING COVERING INDEX"},
		{"StatusDateRange", extract.JobFilter{Status: extract.StatusFailed, CreatedFrom: &from, CreatedTo: &to},
			"SEARCH extract_jobs USING COVERING INDEX extract_jobs_project_status (project_id=? AND status=? AND created_at>? AND created_at<?)"},
		{"InputType", extract.JobFilter{InputType: extract.InputTypeParseJob},
			"SEARCH extract_jobs USING COVERING INDEX extract_jobs_project_input_type (project_id=? AND <expr>=?)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.filter.ProjectID = "prj-1"
			query, args, err := countJobsQuery(tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if plan := explain(t, st.read, query, args); !strings.Contains(plan, tt.plan) {
				t.Errorf("plan of %s:\n%s\nwant it to contain %q", query, plan, tt.plan)
			}
		})
	}
}

// explain returns the detail column of EXPLAIN QUERY PLAN, one line a step.
func explain(t *testing.T, db *sql.DB, query string, args []any) string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatalf("EXPLAIN %s: %v", query, err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}
