package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
)

// abandonBatch is how many jobs FailAbandonedJobs hands live at a time.
const abandonBatch = 500

// unfinished are the statuses FailAbandonedJobs walks.
var unfinished = []extract.Status{extract.StatusPending, extract.StatusThrottled, extract.StatusRunning}

// FailAbandonedJobs fails the unfinished jobs whose queue ids live does not
// report as still having work; see extract.Store. It walks each project's
// jobs one status at a time on the (project_id, status, created_at, id)
// index, so its cost follows the number of unfinished jobs, not the table.
func (s *Store) FailAbandonedJobs(ctx context.Context, at time.Time, message string, live extract.LiveFunc) ([]string, error) {
	projects, err := s.projectIDs(ctx)
	if err != nil {
		return nil, fmt.Errorf("fail abandoned jobs: %w", err)
	}
	var failed []string
	for _, prj := range projects {
		for _, st := range unfinished {
			var after *extract.Cursor
			for {
				batch, err := s.unfinishedBatch(ctx, prj, st, after)
				if err != nil {
					return failed, fmt.Errorf("fail abandoned jobs: %w", err)
				}
				if len(batch) == 0 {
					break
				}
				ids, err := s.failDead(ctx, batch, at, message, live)
				failed = append(failed, ids...)
				if err != nil {
					return failed, fmt.Errorf("fail abandoned jobs: %w", err)
				}
				if len(batch) < abandonBatch {
					break
				}
				last := batch[len(batch)-1]
				after = &extract.Cursor{CreatedAt: last.createdAt, ID: last.id}
			}
		}
	}
	return failed, nil
}

type queuedJob struct {
	id        string
	queueID   int64
	createdAt time.Time
}

func (s *Store) projectIDs(ctx context.Context) ([]string, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT id FROM projects`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// unfinishedBatch returns the next jobs of the project in status st, oldest
// first, after the cursor.
func (s *Store) unfinishedBatch(ctx context.Context, projectID string, st extract.Status, after *extract.Cursor) ([]queuedJob, error) {
	query := `SELECT id, coalesce(queue_id, 0), created_at FROM extract_jobs WHERE project_id = ? AND status = ?`
	args := []any{projectID, string(st)}
	if after != nil {
		query += ` AND (created_at, id) > (?, ?)`
		args = append(args, millis(after.CreatedAt), after.ID)
	}
	query += ` ORDER BY created_at, id LIMIT ?`
	args = append(args, abandonBatch)
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var batch []queuedJob
	for rows.Next() {
		var j queuedJob
		var created int64
		if err := rows.Scan(&j.id, &j.queueID, &created); err != nil {
			return nil, err
		}
		j.createdAt = fromMillis(created)
		batch = append(batch, j)
	}
	return batch, rows.Err()
}

// failDead asks live about the batch and fails the jobs whose work is gone.
// The queue's answer needs no lock: work that is not live never becomes
// live again, and the update re-checks status and queue id, so a job that
// finished or was cancelled meanwhile keeps that outcome.
func (s *Store) failDead(ctx context.Context, batch []queuedJob, at time.Time, message string, live extract.LiveFunc) ([]string, error) {
	qids := make([]int64, len(batch))
	for i, j := range batch {
		qids[i] = j.queueID
	}
	alive, err := live(ctx, qids)
	if err != nil {
		return nil, fmt.Errorf("ask the queue: %w", err)
	}
	var failed []string
	err = s.write(ctx, func(tx *sql.Tx) error {
		for _, j := range batch {
			if alive[j.queueID] {
				continue
			}
			res, err := tx.ExecContext(ctx, `UPDATE extract_jobs SET status = ?, error_message = ?, finished_at = ?, updated_at = ?
				WHERE id = ? AND status IN (?, ?, ?) AND coalesce(queue_id, 0) = ?`,
				string(extract.StatusFailed), message, millis(at), millis(at), j.id,
				string(unfinished[0]), string(unfinished[1]), string(unfinished[2]), j.queueID)
			if err != nil {
				return fmt.Errorf("fail job %s: %w", j.id, err)
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n > 0 {
				failed = append(failed, j.id)
				if err := s.emitByID(ctx, tx, j.id); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return failed, nil
}
