package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/store/storebench"
)

// This file holds PostgreSQL's part of the listing benchmark (the rest is
// storebench's), exported so that a command (quarry bench) can take the same
// measurement on a real deployment as BenchmarkListJobs does in tests. The
// synthetic history is the one the SQLite benchmark seeds, so the two
// backends' figures compare.

// seedBatch is the number of rows SeedJobs copies per transaction.
const seedBatch = 1_000_000

// SeedJobs inserts n synthetic jobs into the project, ending now: the
// history storebench.NewHistory describes.
//
// Rows go in with COPY, a million per transaction, with the status count
// triggers disabled for the transaction (a row trigger per copied row would
// triple the time); the counts are then adjusted once per status. Disabling
// a trigger locks the whole table, so other sessions wait for each batch:
// seed a database nothing else uses.
func SeedJobs(ctx context.Context, st *Store, projectID string, n int) error {
	h, err := storebench.NewHistory(ctx, st, projectID, n)
	if err != nil {
		return fmt.Errorf("seed jobs: %w", err)
	}
	counts := make(map[extract.Status]int64)
	// row returns the values of the next job, in jobInsertColumns order.
	row := func() []any {
		j := h.Next()
		counts[j.Status]++
		return []any{j.ID, j.ProjectID, j.FileInput, nullString(j.ConfigurationID), j.Configuration, string(j.Status),
			j.Error, nullString(j.Result), nullString(j.Metadata), nullString(j.Usage), j.Engine, nil, nil, "", nil,
			j.CreatedAt, j.UpdatedAt, j.StartedAt, j.FinishedAt}
	}

	columns := strings.Fields(strings.ReplaceAll(jobInsertColumns, ",", " "))
	conn, err := st.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("seed jobs: %w", err)
	}
	defer conn.Release()
	for done := 0; done < n; {
		batch := min(seedBatch, n-done)
		clear(counts)
		err := pgx.BeginFunc(ctx, conn.Conn(), func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `ALTER TABLE extract_jobs DISABLE TRIGGER USER`); err != nil {
				return err
			}
			left := batch
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"extract_jobs"}, columns, pgx.CopyFromFunc(func() ([]any, error) {
				if left == 0 {
					return nil, nil
				}
				left--
				return row(), nil
			}))
			if err != nil {
				return fmt.Errorf("copy: %w", err)
			}
			for status, k := range counts {
				if !status.Terminal() {
					continue // counted when asked, not kept
				}
				if _, err := tx.Exec(ctx, `UPDATE extract_job_counts SET n = n + $1 WHERE status = $2 AND shard = 0`, k, string(status)); err != nil {
					return err
				}
			}
			_, err = tx.Exec(ctx, `ALTER TABLE extract_jobs ENABLE TRIGGER USER`)
			return err
		})
		if err != nil {
			return fmt.Errorf("seed jobs: %w", err)
		}
		done += batch
	}
	// Statistics for the planner and a visibility map for index-only
	// counts, as autovacuum would eventually make them.
	if _, err := conn.Exec(ctx, `VACUUM (ANALYZE) extract_jobs`); err != nil {
		return fmt.Errorf("seed jobs: vacuum: %w", err)
	}
	return nil
}

// ListScenarios returns the listings BenchmarkListJobs measures on the
// project's jobs, which should number ten million or so (SeedJobs): the
// newest page, the page after page 50,000 (or the one halfway down, with
// fewer jobs), and a status and date range filter. See
// storebench.ListScenarios.
func ListScenarios(ctx context.Context, st *Store, projectID string) ([]storebench.ListScenario, error) {
	return storebench.ListScenarios(ctx, st, projectID, 50_000, func(ctx context.Context, n int) (extract.Cursor, error) {
		return jobCursorAt(ctx, st, projectID, n)
	})
}

// jobCursorAt returns the cursor of the project's job at offset n (0 the
// newest) in listing order. It reads n index entries: fine once, for setting
// up a measurement, and exactly what ListJobs must never do.
func jobCursorAt(ctx context.Context, st *Store, projectID string, n int) (extract.Cursor, error) {
	var c extract.Cursor
	err := st.db.QueryRowContext(ctx, `SELECT created_at, id FROM extract_jobs
		WHERE project_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET $2`, projectID, n).Scan(&c.CreatedAt, &c.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("project %s has no job at offset %d", projectID, n)
	}
	if err != nil {
		return c, err
	}
	c.CreatedAt = c.CreatedAt.UTC()
	return c, nil
}

// ExplainList returns PostgreSQL's plan of the scenario's listing query as
// executed (EXPLAIN ANALYZE, with buffer counts): where it seeks and how
// many pages it touches.
func ExplainList(ctx context.Context, st *Store, sc storebench.ListScenario) (string, error) {
	query, args, err := listJobsQuery(sc.Filter, sc.Page)
	if err != nil {
		return "", fmt.Errorf("explain %s: %w", sc.Name, err)
	}
	rows, err := st.db.QueryContext(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+query, args...)
	if err != nil {
		return "", fmt.Errorf("explain %s: %w", sc.Name, err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", fmt.Errorf("explain %s: %w", sc.Name, err)
		}
		lines = append(lines, line)
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("explain %s: %w", sc.Name, err)
	}
	return strings.Join(lines, "\n"), nil
}
