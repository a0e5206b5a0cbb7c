package postgres

import (
	"database/sql"
	"fmt"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
)

// TestListJobsPlan checks with EXPLAIN that for every filter an index
// yields the rows in listing order, seeking on the filter and the cursor:
// no sort, and the cursor in the index condition, whatever its depth.
//
// The project holds 20,000 synthetic jobs, analyzed, so that the planner
// chooses from statistics as it would in production, though on a history
// this short. The plans on ten million jobs are those the listing benchmark
// prints with -v.
func TestListJobsPlan(t *testing.T) {
	t.Parallel()
	st := openTest(t)
	_, prj, _, err := st.EnsureDefaults(t.Context())
	if err != nil {
		t.Fatalf("EnsureDefaults: %v", err)
	}
	if err := SeedJobs(t.Context(), st, prj.ID, 20_000); err != nil {
		t.Fatalf("SeedJobs: %v", err)
	}
	from, to := time.UnixMilli(1_700_000_000_000), time.UnixMilli(1_700_086_400_000)
	cursor := &extract.Cursor{CreatedAt: time.UnixMilli(1_700_050_000_000), ID: "ext-0193"}
	const seek = "ROW(created_at, id) < ROW("
	tests := []struct {
		name   string
		filter extract.JobFilter
		after  *extract.Cursor
		index  string
		conds  []string // what the Index Cond must contain
	}{
		{"Plain", extract.JobFilter{}, nil, "extract_jobs_project_created", []string{"project_id ="}},
		{"PlainAfter", extract.JobFilter{}, cursor, "extract_jobs_project_created", []string{"project_id =", seek}},
		{"Status", extract.JobFilter{Status: extract.StatusCompleted}, cursor,
			"extract_jobs_project_status", []string{"status =", seek}},
		{"StatusDateRange", extract.JobFilter{Status: extract.StatusCompleted, CreatedFrom: &from, CreatedTo: &to}, nil,
			"extract_jobs_project_status", []string{"status =", "created_at >=", "created_at <="}},
		{"StatusDateRangeAfter", extract.JobFilter{Status: extract.StatusCompleted, CreatedFrom: &from, CreatedTo: &to}, cursor,
			"extract_jobs_project_status", []string{"status =", "created_at >=", seek}},
		{"DateRange", extract.JobFilter{CreatedFrom: &from, CreatedTo: &to}, cursor,
			"extract_jobs_project_created", []string{"created_at >=", seek}},
		{"ConfigurationID", extract.JobFilter{ConfigurationID: "cfg-1"}, cursor,
			"extract_jobs_project_configuration", []string{"configuration_id =", seek}},
		{"FileInput", extract.JobFilter{FileInput: "dfl-1", Status: extract.StatusPending}, cursor,
			"extract_jobs_project_file_input", []string{"file_input =", seek}},
		{"InputType", extract.JobFilter{InputType: extract.InputTypeParseJob}, cursor,
			"extract_jobs_project_input_type", []string{"substr(file_input, 1, 4) =", seek}},
		{"InputTypeDateRange", extract.JobFilter{InputType: extract.InputTypeFile, CreatedFrom: &from, CreatedTo: &to}, nil,
			"extract_jobs_project_input_type", []string{"substr(file_input, 1, 4) =", "created_at >=", "created_at <="}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.filter.ProjectID = prj.ID
			query, args, err := listJobsQuery(tt.filter, extract.Page{After: tt.after, Limit: 101})
			if err != nil {
				t.Fatal(err)
			}
			plan := explain(t, st.db, query, args)
			if want := "Index Scan Backward using " + tt.index + " on extract_jobs"; !strings.Contains(plan, want) {
				t.Errorf("plan of %s:\n%s\nwant it to contain %q", query, plan, want)
			}
			cond := indexCond(plan)
			for _, c := range tt.conds {
				if !strings.Contains(cond, c) {
					t.Errorf("plan of %s:\n%s\nwant its Index Cond to contain %q", query, plan, c)
				}
			}
			if strings.Contains(plan, "Sort") {
				t.Errorf("plan of %s sorts:\n%s", query, plan)
			}
		})
	}
	t.Run("IDs", func(t *testing.T) {
		// A list of ids is looked up by primary key; sorting those few rows
		// is expected.
		query, args, err := listJobsQuery(extract.JobFilter{ProjectID: prj.ID, IDs: []string{"a", "b"}}, extract.Page{After: cursor, Limit: 101})
		if err != nil {
			t.Fatal(err)
		}
		if plan := explain(t, st.db, query, args); !strings.Contains(plan, "using extract_jobs_pkey") {
			t.Errorf("plan of %s:\n%s\nwant a primary key lookup", query, plan)
		}
	})
	t.Run("CountJobsByStatus", func(t *testing.T) {
		// The unfinished statuses are counted in the status index, never
		// by reading the table: its cost follows the jobs waiting or
		// running, not the history.
		plan := explain(t, st.db, countJobsByStatus, nil)
		if !strings.Contains(plan, "using extract_jobs_project_status on extract_jobs") {
			t.Errorf("plan of %s:\n%s\nwant extract_jobs_project_status", countJobsByStatus, plan)
		}
		if strings.Contains(plan, "Seq Scan on extract_jobs") {
			t.Errorf("plan of %s reads the whole table:\n%s", countJobsByStatus, plan)
		}
		// And the counts match the table's, which the seeding kept for the
		// finished statuses.
		got, err := st.CountJobsByStatus(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		want := map[extract.Status]int64{}
		for _, s := range extract.Statuses {
			var n int64
			if err := st.db.QueryRowContext(t.Context(), `SELECT count(*) FROM extract_jobs WHERE status = $1`, string(s)).Scan(&n); err != nil {
				t.Fatal(err)
			}
			want[s] = n
		}
		if !maps.Equal(got, want) {
			t.Errorf("CountJobsByStatus = %v, want %v", got, want)
		}
	})
}

// TestListFilesPlan checks with EXPLAIN that each order of a file
// listing reads an index in that order, seeking on the cursor: no sort,
// whatever the page's depth.
func TestListFilesPlan(t *testing.T) {
	t.Parallel()
	st := openTest(t)
	_, prj, _, err := st.EnsureDefaults(t.Context())
	if err != nil {
		t.Fatalf("EnsureDefaults: %v", err)
	}
	// 20,000 files with 500 distinct names, and as many of other projects,
	// whose ids interleave with them, analyzed.
	const seed = `INSERT INTO files (id, project_id, name, file_type, content_type, purpose, size, sha256, created_at, updated_at)
		SELECT 'dfl-' || lpad((i * 20 + $2)::text, 8, '0'), $1, 'file-' || (i % 500) || '.pdf', 'pdf', 'application/pdf', 'extract', 1, '',
			timestamptz '2026-01-01' + i * interval '1 second', timestamptz '2026-01-01' + i * interval '1 second'
		FROM generate_series(1, 20000 / $3) AS i`
	if _, err := st.db.ExecContext(t.Context(), seed, prj.ID, 0, 1); err != nil {
		t.Fatalf("seed files: %v", err)
	}
	for n := 1; n < 20; n++ {
		other := extract.Project{ID: fmt.Sprintf("prj-other-%02d", n), OrganizationID: prj.OrganizationID, Name: "other", CreatedAt: time.Now()}
		if err := st.CreateProject(t.Context(), other); err != nil {
			t.Fatalf("CreateProject: %v", err)
		}
		if _, err := st.db.ExecContext(t.Context(), seed, other.ID, n, 19); err != nil {
			t.Fatalf("seed files: %v", err)
		}
	}
	if _, err := st.db.ExecContext(t.Context(), `ANALYZE files`); err != nil {
		t.Fatalf("ANALYZE: %v", err)
	}
	cursor := &extract.Cursor{CreatedAt: time.Date(2026, 1, 1, 3, 0, 0, 0, time.UTC), ID: "dfl-00010000", Name: "file-250.pdf"}
	tests := []struct {
		name  string
		order extract.FileOrder
		index string
		cond  string // what the Index Cond must contain with a cursor
	}{
		{"Created", extract.FileOrderCreated, "files_project_created", "ROW(created_at, id) < ROW("},
		{"Name", extract.FileOrderName, "files_project_name_id", `ROW((name)::text, id) > ROW(`},
		{"ID", extract.FileOrderID, "files_project_id", "id >"},
	}
	for _, tt := range tests {
		for _, after := range []*extract.Cursor{nil, cursor} {
			query, a := listFilesQuery(extract.FileFilter{ProjectID: prj.ID, Order: tt.order}, extract.Page{After: after, Limit: 51})
			plan := explain(t, st.db, query, a)
			if !strings.Contains(plan, "using "+tt.index+" on files") {
				t.Errorf("%s: plan of %s:\n%s\nwant it to use %s", tt.name, query, plan, tt.index)
			}
			if strings.Contains(plan, "Sort") {
				t.Errorf("%s: plan of %s sorts:\n%s", tt.name, query, plan)
			}
			if after != nil && !strings.Contains(indexCond(plan), tt.cond) {
				t.Errorf("%s: plan of %s:\n%s\nwant its Index Cond to contain %q", tt.name, query, plan, tt.cond)
			}
		}
	}
}

// explain returns the text plan of query.
func explain(t *testing.T, db *sql.DB, query string, args []any) string {
	t.Helper()
	rows, err := db.QueryContext(t.Context(), "EXPLAIN "+query, args...)
	if err != nil {
		t.Fatalf("EXPLAIN %s: %v", query, err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(lines, "\n")
}

// indexCond returns the Index Cond lines of a text plan.
func indexCond(plan string) string {
	var conds []string
	for line := range strings.Lines(plan) {
		if c, ok := strings.CutPrefix(strings.TrimSpace(line), "Index Cond:"); ok {
			conds = append(conds, c)
		}
	}
	return strings.Join(conds, "\n")
}
