package postgres

import (
	"fmt"
	"log/slog"
	"maps"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/store/postgres/pgtest"
)

// TestMigrateTerminalCounts upgrades a schema holding jobs, counted by the
// triggers of migration 0001, through 0003, and checks that the counts of
// every status still match the table, and keep matching as jobs finish and
// are deleted under the new triggers.
func TestMigrateTerminalCounts(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	url := pgtest.WithParam(t, pgtest.Schema(t), "pool_max_conns", "4")
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	err = pool.AcquireFunc(ctx, func(conn *pgxpool.Conn) error {
		return migrateQuarry(ctx, conn.Conn(), ms[:2], slog.New(slog.DiscardHandler))
	})
	if err != nil {
		t.Fatalf("migrate to 0002: %v", err)
	}

	exec := func(query string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx, query, args...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
	}
	exec(`INSERT INTO organizations (id, name, created_at) VALUES ('org-1', 'o', now())`)
	exec(`INSERT INTO projects (id, organization_id, name, created_at) VALUES ('prj-1', 'org-1', 'a', now()), ('prj-2', 'org-1', 'b', now())`)
	insert := func(id, project, status string) {
		t.Helper()
		exec(`INSERT INTO extract_jobs (id, project_id, file_input, configuration, status, created_at, updated_at)
			VALUES ($1, $2, 'dfl-1', '{}', $3, now(), now())`, id, project, status)
	}
	statuses := []string{"PENDING", "PENDING", "THROTTLED", "RUNNING", "COMPLETED", "COMPLETED", "FAILED", "CANCELLED"}
	for i, s := range statuses {
		insert(fmt.Sprintf("ext-a%d", i), "prj-1", s)
		insert(fmt.Sprintf("ext-b%d", i), "prj-2", s)
	}
	// A change under the old triggers, which counted every status.
	exec(`UPDATE extract_jobs SET status = 'RUNNING' WHERE id = 'ext-a0'`)

	st, err := Open(ctx, url, nil) // applies 0003 and River's migrations
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer st.Close()
	check := func(when string) {
		t.Helper()
		got, err := st.CountJobsByStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := map[extract.Status]int64{}
		for _, s := range extract.Statuses {
			var n int64
			if err := pool.QueryRow(ctx, `SELECT count(*) FROM extract_jobs WHERE status = $1`, string(s)).Scan(&n); err != nil {
				t.Fatal(err)
			}
			want[s] = n
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s: CountJobsByStatus = %v, want %v", when, got, want)
		}
	}
	check("after the upgrade")

	exec(`UPDATE extract_jobs SET status = 'COMPLETED' WHERE id IN ('ext-a0', 'ext-b3')`)
	exec(`UPDATE extract_jobs SET status = 'CANCELLED' WHERE id = 'ext-b0'`)
	exec(`UPDATE extract_jobs SET status = 'RUNNING' WHERE id = 'ext-a1'`)
	check("after jobs moved")
	exec(`DELETE FROM extract_jobs WHERE id IN ('ext-a4', 'ext-b6', 'ext-a2')`)
	insert("ext-c1", "prj-2", "FAILED")
	check("after deletes and an insert")
}
