package postgres

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
var unfinished = []string{string(extract.StatusPending), string(extract.StatusThrottled), string(extract.StatusRunning)}

// FailAbandonedJobs fails the unfinished jobs whose queue ids live does not
// report as still having work; see extract.Store. It walks each project's
// jobs one status at a time on the (project_id, status, created_at, id)
// index, so its cost follows the number of unfinished jobs, not the table.
//
// No lock is held while live is asked: work the queue no longer holds never
// comes back, and each update re-checks status and queue id, so a job that
// a worker finished or a user cancelled meanwhile keeps that outcome.
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
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM projects`)
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
func (s *Store) unfinishedBatch(ctx context.Context, projectID, st string, after *extract.Cursor) ([]queuedJob, error) {
	var a args
	where := []string{"project_id = " + a.add(projectID), "status = " + a.add(st)}
	if after != nil {
		where = append(where, "(created_at, id) > ("+a.add(ms(after.CreatedAt))+", "+a.add(after.ID)+")")
	}
	query := `SELECT id, coalesce(queue_id, 0), created_at FROM extract_jobs WHERE ` + and(where) +
		` ORDER BY created_at, id LIMIT ` + a.add(abandonBatch)
	rows, err := s.db.QueryContext(ctx, query, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var batch []queuedJob
	for rows.Next() {
		var j queuedJob
		if err := rows.Scan(&j.id, &j.queueID, &j.createdAt); err != nil {
			return nil, err
		}
		batch = append(batch, j)
	}
	return batch, rows.Err()
}

// failDead asks live about the batch and fails the jobs whose work is gone,
// in one statement.
func (s *Store) failDead(ctx context.Context, batch []queuedJob, at time.Time, message string, live extract.LiveFunc) ([]string, error) {
	qids := make([]int64, len(batch))
	for i, j := range batch {
		qids[i] = j.queueID
	}
	alive, err := live(ctx, qids)
	if err != nil {
		return nil, fmt.Errorf("ask the queue: %w", err)
	}
	var ids []string
	var dead []int64
	for _, j := range batch {
		if !alive[j.queueID] {
			ids, dead = append(ids, j.id), append(dead, j.queueID)
		}
	}
	if len(ids) == 0 {
		return nil, nil
	}
	var failed []string
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		failed = nil
		rows, err := tx.QueryContext(ctx, `UPDATE extract_jobs AS j SET status = $1, error_message = $2, finished_at = $3, updated_at = $3
		FROM unnest($4::text[], $5::bigint[]) AS d (id, queue_id)
		WHERE j.id = d.id AND coalesce(j.queue_id, 0) = d.queue_id AND j.status = ANY ($6)
		RETURNING j.id`,
			string(extract.StatusFailed), message, ms(at), ids, dead, unfinished)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			failed = append(failed, id)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		// The failures tell their webhooks in the same transaction.
		for _, id := range failed {
			if err := s.emitByID(ctx, tx, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("fail jobs: %w", err)
	}
	return failed, nil
}
