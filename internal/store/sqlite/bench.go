package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/store/storebench"
)

// This file holds SQLite's part of the listing benchmark (the rest is
// storebench's), exported so that a command (quarry bench) can take the same
// measurement on a real machine as BenchmarkListJobs does in tests.

// seedBatch is the number of rows SeedJobs writes per transaction: large
// enough that commits cost nothing, small enough to keep the WAL modest.
const seedBatch = 50_000

// seedRowsPerInsert is the number of rows of one INSERT statement.
const seedRowsPerInsert = 32

// SeedJobs inserts n synthetic jobs into the project, ending now: the
// history storebench.NewHistory describes. It writes through the store's
// writer in a few large transactions, so it is fast but blocks other
// writers meanwhile.
func SeedJobs(ctx context.Context, st *Store, projectID string, n int) error {
	h, err := storebench.NewHistory(ctx, st, projectID, n)
	if err != nil {
		return fmt.Errorf("seed jobs: %w", err)
	}
	// row appends the arguments of the next job to args.
	row := func(args []any) []any {
		j := h.Next()
		return append(args, j.ID, j.ProjectID, j.FileInput, nullString(j.ConfigurationID), j.Configuration, string(j.Status),
			j.Error, nullString(j.Result), nullString(j.Metadata), nullString(j.Usage), j.Engine, nil, nil, "", nil,
			millis(j.CreatedAt), millis(j.UpdatedAt), nullMillis(j.StartedAt), nullMillis(j.FinishedAt))
	}

	// Rows go seedRowsPerInsert to a statement: SQLite journals the pages a
	// statement changes (the status count triggers make every insert a
	// multi-row change), and consecutive rows change the same pages.
	many := insertJobs + strings.Repeat(jobValues+", ", seedRowsPerInsert-1) + jobValues
	for done := 0; done < n; {
		batch := min(seedBatch, n-done)
		err := st.write(ctx, func(tx *sql.Tx) error {
			stmt, err := tx.PrepareContext(ctx, many)
			if err != nil {
				return err
			}
			defer stmt.Close()
			args := make([]any, 0, seedRowsPerInsert*19)
			left := batch
			for ; left >= seedRowsPerInsert; left -= seedRowsPerInsert {
				args = args[:0]
				for range seedRowsPerInsert {
					args = row(args)
				}
				if _, err := stmt.ExecContext(ctx, args...); err != nil {
					return err
				}
			}
			for ; left > 0; left-- {
				if _, err := tx.ExecContext(ctx, insertJob, row(args[:0])...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("seed jobs: %w", err)
		}
		done += batch
	}
	// The planner has no use for statistics (listings name their index), but
	// a checkpoint now keeps the first measurements from paying for it.
	if _, err := st.db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return fmt.Errorf("seed jobs: checkpoint: %w", err)
	}
	return nil
}

// ListScenarios returns the listings BenchmarkListJobs measures on the
// project's jobs, which should number a million or so (SeedJobs): the
// newest page, the page after page 5,000 (or the one halfway down, with
// fewer jobs), and a status and date range filter. See
// storebench.ListScenarios.
func ListScenarios(ctx context.Context, st *Store, projectID string) ([]storebench.ListScenario, error) {
	return storebench.ListScenarios(ctx, st, projectID, 5000, func(ctx context.Context, n int) (extract.Cursor, error) {
		return jobCursorAt(ctx, st, projectID, n)
	})
}

// jobCursorAt returns the cursor of the project's job at offset n (0 the
// newest) in listing order. It reads n index entries: fine once, for setting
// up a measurement, and exactly what ListJobs must never do.
func jobCursorAt(ctx context.Context, st *Store, projectID string, n int) (extract.Cursor, error) {
	var c extract.Cursor
	var ms int64
	err := st.read.QueryRowContext(ctx, `SELECT created_at, id FROM extract_jobs INDEXED BY extract_jobs_project_created
		WHERE project_id = ? ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?`, projectID, n).Scan(&ms, &c.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("project %s has no job at offset %d", projectID, n)
	}
	c.CreatedAt = fromMillis(ms)
	return c, err
}
