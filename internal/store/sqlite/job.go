package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
)

// jobColumns is the select list scanJob reads, in its order.
const jobColumns = `id, project_id, file_input, coalesce(configuration_id, ''), configuration, status, error_message,
	result, field_metadata, usage, engine, webhooks, coalesce(idempotency_key, ''), request_hash,
	created_at, updated_at, started_at, finished_at`

// insertJobs starts an INSERT of rows of jobValues, whose arguments jobArgs
// returns.
const insertJobs = `INSERT INTO extract_jobs (id, project_id, file_input, configuration_id, configuration, status,
	error_message, result, field_metadata, usage, engine, webhooks, idempotency_key, request_hash, queue_id,
	created_at, updated_at, started_at, finished_at) VALUES `

const jobValues = `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

const insertJob = insertJobs + jobValues

// scanJob reads a row of jobColumns, then into extra any columns selected
// after them.
func (s *Store) scanJob(sc scanner, extra ...any) (extract.Job, error) {
	var j extract.Job
	var status string
	var cfg, result, metadata, usage, webhooks []byte
	var created, updated int64
	var started, finished sql.NullInt64
	dest := []any{&j.ID, &j.ProjectID, &j.FileInput, &j.ConfigurationID, &cfg, &status, &j.ErrorMessage,
		&result, &metadata, &usage, &j.Engine, &webhooks, &j.IdempotencyKey, &j.RequestHash,
		&created, &updated, &started, &finished}
	if err := sc.Scan(append(dest, extra...)...); err != nil {
		return j, err
	}
	j.Status = extract.Status(status)
	var err error
	if j.Configuration, err = s.configs.decode(cfg); err != nil {
		return j, fmt.Errorf("job %s: decode configuration: %w", j.ID, err)
	}
	if len(result) > 0 {
		j.Result = result
	}
	if len(metadata) > 0 {
		j.FieldMetadata = new(extract.FieldMetadata)
		if err := json.Unmarshal(metadata, j.FieldMetadata); err != nil {
			return j, fmt.Errorf("job %s: decode field metadata: %w", j.ID, err)
		}
	}
	if len(usage) > 0 {
		j.Usage = new(extract.Usage)
		if err := json.Unmarshal(usage, j.Usage); err != nil {
			return j, fmt.Errorf("job %s: decode usage: %w", j.ID, err)
		}
	}
	if len(webhooks) > 0 {
		j.Webhooks = webhooks
	}
	j.CreatedAt = fromMillis(created)
	j.UpdatedAt = fromMillis(updated)
	j.StartedAt = fromNullMillis(started)
	j.FinishedAt = fromNullMillis(finished)
	return j, nil
}

// jobArgs returns the arguments of insertJob for j.
func jobArgs(j *extract.Job, queueID sql.NullInt64) ([]any, error) {
	cfg, err := json.Marshal(j.Configuration)
	if err != nil {
		return nil, fmt.Errorf("encode configuration: %w", err)
	}
	metadata, err := marshalOptional(j.FieldMetadata)
	if err != nil {
		return nil, fmt.Errorf("encode field metadata: %w", err)
	}
	usage, err := marshalOptional(j.Usage)
	if err != nil {
		return nil, fmt.Errorf("encode usage: %w", err)
	}
	return []any{j.ID, j.ProjectID, j.FileInput, nullString(j.ConfigurationID), string(cfg), string(j.Status),
		j.ErrorMessage, nullText(j.Result), metadata, usage, j.Engine, nullText(j.Webhooks),
		nullString(j.IdempotencyKey), j.RequestHash, queueID,
		millis(j.CreatedAt), millis(j.UpdatedAt), nullMillis(j.StartedAt), nullMillis(j.FinishedAt)}, nil
}

// marshalOptional encodes v as JSON, and a nil pointer as NULL.
func marshalOptional[T any](v *T) (sql.NullString, error) {
	if v == nil {
		return sql.NullString{}, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return sql.NullString{}, err
	}
	return sql.NullString{String: string(b), Valid: true}, nil
}

func jobNotFound(id string) error {
	return extract.Errorf(extract.CodeNotFound, "job %q not found", id)
}

// CreateJob inserts job and, in the same transaction, calls enqueue (if not
// nil) and records the queue id it returns. When job.IdempotencyKey is set
// and a job of the project already has it, no job is created: the existing
// one is returned with created false. The lookup runs inside the write
// transaction, which holds SQLite's write lock from BEGIN, so two requests
// with one key cannot both create.
//
// An empty Status becomes PENDING, a zero CreatedAt now, a zero UpdatedAt
// CreatedAt. The returned job is read back from the database.
func (s *Store) CreateJob(ctx context.Context, job extract.Job, enqueue extract.EnqueueFunc) (stored extract.Job, created bool, err error) {
	job.SetCreateDefaults(time.Now())
	err = s.write(ctx, func(tx *sql.Tx) error {
		if job.IdempotencyKey != "" {
			existing, err := s.scanJob(tx.QueryRowContext(ctx,
				`SELECT `+jobColumns+` FROM extract_jobs WHERE project_id = ? AND idempotency_key = ?`,
				job.ProjectID, job.IdempotencyKey))
			if err == nil {
				stored = existing
				return nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		if err := checkFiles(ctx, tx, extract.FileInputs(&job)); err != nil {
			return err
		}
		var queueID sql.NullInt64
		if enqueue != nil {
			// Enqueue first so that the row is written once, queue id
			// included; nothing is visible before the commit anyway.
			q, err := enqueue(ctx, tx, &job)
			if err != nil {
				return fmt.Errorf("enqueue: %w", err)
			}
			queueID = sql.NullInt64{Int64: q, Valid: true}
		}
		args, err := jobArgs(&job, queueID)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, insertJob, args...)
		switch {
		case isUniqueViolation(err):
			return extract.Errorf(extract.CodeConflict, "job %q already exists", job.ID)
		case isForeignKeyViolation(err):
			return extract.Errorf(extract.CodeNotFound, "project %q not found", job.ProjectID)
		case err != nil:
			return err
		}
		stored, err = s.scanJob(tx.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM extract_jobs WHERE id = ?`, job.ID))
		if err != nil {
			return err
		}
		created = true
		return s.emit(ctx, tx, stored)
	})
	if err != nil {
		return extract.Job{}, false, fmt.Errorf("create job: %w", err)
	}
	return stored, created, nil
}

// checkFiles finds in tx the files jobs are made from (extract.FileInputs).
func checkFiles(ctx context.Context, tx *sql.Tx, files []extract.FileRef) error {
	for _, f := range files {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM files WHERE id = ? AND project_id = ?`, f.FileID, f.ProjectID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return extract.FileInputNotFound(f.FileID)
		}
		if err != nil {
			return fmt.Errorf("find file %s: %w", f.FileID, err)
		}
	}
	return nil
}

// CreateJobs inserts jobs in one write transaction: one call of enqueue,
// one multi-row INSERT, and the webhook events of those that have
// webhooks. It is CreateJob for the API's batches of concurrent creates,
// which on SQLite's single writer take one turn between them instead of
// each its own. No job may have an IdempotencyKey: those take CreateJob's
// lookup.
func (s *Store) CreateJobs(ctx context.Context, jobs []extract.Job, enqueue extract.EnqueueManyFunc) ([]extract.Job, error) {
	if len(jobs) == 0 {
		return nil, nil
	}
	ptrs, err := extract.PrepareCreates(jobs, time.Now())
	if err != nil {
		return nil, fmt.Errorf("create jobs: %w", err)
	}
	stored := make([]extract.Job, len(jobs))
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := checkFiles(ctx, tx, extract.FileInputs(ptrs...)); err != nil {
			return err
		}
		queueIDs := make([]int64, len(jobs))
		if enqueue != nil {
			ids, err := enqueue(ctx, tx, ptrs)
			if err != nil {
				return fmt.Errorf("enqueue: %w", err)
			}
			if len(ids) != len(jobs) {
				return fmt.Errorf("enqueue: %d queue ids for %d jobs", len(ids), len(jobs))
			}
			queueIDs = ids
		}
		var all []any
		ids := make([]any, len(jobs))
		for i := range jobs {
			args, err := jobArgs(&jobs[i], sql.NullInt64{Int64: queueIDs[i], Valid: enqueue != nil})
			if err != nil {
				return err
			}
			all = append(all, args...)
			ids[i] = jobs[i].ID
		}
		_, err := tx.ExecContext(ctx, insertJobs+strings.Repeat(jobValues+", ", len(jobs)-1)+jobValues, all...)
		switch {
		case isUniqueViolation(err):
			return extract.Errorf(extract.CodeConflict, "a job of this batch already exists")
		case isForeignKeyViolation(err):
			return extract.Errorf(extract.CodeNotFound, "the project of a job of this batch was not found")
		case err != nil:
			return err
		}
		rows, err := tx.QueryContext(ctx, `SELECT `+jobColumns+` FROM extract_jobs WHERE id IN (?`+strings.Repeat(", ?", len(jobs)-1)+`)`, ids...)
		if err != nil {
			return err
		}
		defer rows.Close()
		at := make(map[string]int, len(jobs))
		for i := range jobs {
			at[jobs[i].ID] = i
		}
		for rows.Next() {
			j, err := s.scanJob(rows)
			if err != nil {
				return err
			}
			stored[at[j.ID]] = j
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, j := range stored {
			if err := s.emit(ctx, tx, j); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("create jobs: %w", err)
	}
	return stored, nil
}

// Job returns a job of the project; CodeNotFound if absent or another
// project's.
func (s *Store) Job(ctx context.Context, projectID, id string) (extract.Job, error) {
	j, err := s.scanJob(s.read.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM extract_jobs WHERE id = ? AND project_id = ?`, id, projectID))
	if errors.Is(err, sql.ErrNoRows) {
		err = jobNotFound(id)
	}
	if err != nil {
		return extract.Job{}, fmt.Errorf("get job: %w", err)
	}
	return j, nil
}

// jobWhere returns the conditions selecting f's jobs strictly after the
// cursor (if not nil). Every condition on a column is an equality or a range
// on created_at, so that one of the (project_id, …, created_at, id)
// indexes serves both the filter and the order.
func jobWhere(f extract.JobFilter, after *extract.Cursor) ([]string, []any, error) {
	where := []string{"project_id = ?"}
	if len(f.IDs) > 0 {
		// A list of ids is a handful of primary-key lookups and a small
		// sort. The unary + keeps project_id out of index selection, so the
		// planner cannot prefer walking a project's whole listing index,
		// from the cursor on, in search of those few ids.
		where[0] = "+project_id = ?"
	}
	args := []any{f.ProjectID}
	if f.Status != "" {
		where = append(where, "status = ?")
		args = append(args, string(f.Status))
	}
	if f.ConfigurationID != "" {
		where = append(where, "configuration_id = ?")
		args = append(args, f.ConfigurationID)
	}
	if f.FileInput != "" {
		where = append(where, "file_input = ?")
		args = append(args, f.FileInput)
	}
	switch f.InputType {
	case "":
	case extract.InputTypeFile, extract.InputTypeParseJob:
		// substr compares exactly; LIKE would ignore case and match "DFL-".
		prefix := "dfl-"
		if f.InputType == extract.InputTypeParseJob {
			prefix = "pjb-"
		}
		// As written in the extract_jobs_project_input_type index.
		where = append(where, "substr(file_input, 1, 4) = ?")
		args = append(args, prefix)
	default:
		return nil, nil, extract.Errorf(extract.CodeInvalid, "input type %q is not one of %s, %s",
			f.InputType, extract.InputTypeFile, extract.InputTypeParseJob)
	}
	if f.CreatedFrom != nil {
		where = append(where, "created_at >= ?")
		args = append(args, millis(*f.CreatedFrom))
	}
	// SQLite seeks an index with one upper bound on created_at and tests any
	// other on each row. The cursor and CreatedTo are both upper bounds:
	// only the tighter one is written, so that a deep page seeks to the
	// cursor instead of reading from CreatedTo down to it.
	switch {
	case f.CreatedTo == nil:
		where, args = keyset(where, args, after)
	case after != nil && millis(after.CreatedAt) <= millis(*f.CreatedTo):
		where, args = keyset(where, args, after)
	default:
		// Every row up to CreatedTo is before a later cursor.
		where = append(where, "created_at <= ?")
		args = append(args, millis(*f.CreatedTo))
	}
	if len(f.IDs) > 0 {
		where = append(where, "id IN ("+placeholders(len(f.IDs))+")")
		for _, id := range f.IDs {
			args = append(args, id)
		}
	}
	return where, args, nil
}

// jobIndex names the index a filtered listing of jobs walks: the one whose
// equality columns match the most selective filter, so that rows come out in
// listing order, and the cursor and the date range seek within it.
//
// The choice is made here rather than left to the planner because, without
// statistics, SQLite rates "project and date range" as selective as "project,
// status and date range" and may walk the listing index, reading every row of
// the range to test its status. ok is false for an id list (see jobWhere).
func jobIndex(f extract.JobFilter) (index string, ok bool) {
	switch {
	case len(f.IDs) > 0:
		return "", false
	case f.FileInput != "":
		return "extract_jobs_project_file_input", true
	case f.ConfigurationID != "":
		return "extract_jobs_project_configuration", true
	case f.Status != "":
		return "extract_jobs_project_status", true
	case f.InputType != "":
		return "extract_jobs_project_input_type", true
	}
	return "extract_jobs_project_created", true
}

// listJobsQuery returns the query of one page of ListJobs.
func listJobsQuery(f extract.JobFilter, p extract.Page) (string, []any, error) {
	where, args, err := jobWhere(f, p.After)
	if err != nil {
		return "", nil, err
	}
	from := "extract_jobs"
	if index, ok := jobIndex(f); ok {
		from += " INDEXED BY " + index
	}
	query := `SELECT ` + jobColumns + ` FROM ` + from + ` WHERE ` + strings.Join(where, " AND ") +
		` ORDER BY created_at DESC, id DESC LIMIT ?`
	return query, append(args, limitArg(p)), nil
}

// countJobsQuery returns the query of CountJobs. It names an index only for
// an equality filter: otherwise the planner's own choice is a covering index
// (the file_input index answers an input type filter without reading rows).
func countJobsQuery(f extract.JobFilter) (string, []any, error) {
	where, args, err := jobWhere(f, nil)
	if err != nil {
		return "", nil, err
	}
	from := "extract_jobs"
	if index, ok := jobIndex(f); ok && index != "extract_jobs_project_created" {
		from += " INDEXED BY " + index
	}
	return `SELECT count(*) FROM ` + from + ` WHERE ` + strings.Join(where, " AND "), args, nil
}

// ListJobs returns up to p.Limit jobs matching f, newest first (created_at
// descending, then id descending), strictly after p.After. A Limit of zero
// or less means no limit. The keyset condition seeks the index, so a page
// deep in the listing costs what the first one does.
func (s *Store) ListJobs(ctx context.Context, f extract.JobFilter, p extract.Page) ([]extract.Job, error) {
	query, args, err := listJobsQuery(f, p)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	rows, err := s.read.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	defer rows.Close()
	jobs := make([]extract.Job, 0, max(0, min(p.Limit, 1000)))
	for rows.Next() {
		j, err := s.scanJob(rows)
		if err != nil {
			return nil, fmt.Errorf("list jobs: %w", err)
		}
		jobs = append(jobs, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	return jobs, nil
}

// CountJobs counts the jobs matching f. Its cost grows with the number of
// matches (it walks the narrowest index), not with the table.
func (s *Store) CountJobs(ctx context.Context, f extract.JobFilter) (int64, error) {
	query, args, err := countJobsQuery(f)
	if err != nil {
		return 0, fmt.Errorf("count jobs: %w", err)
	}
	var n int64
	err = s.read.QueryRowContext(ctx, query, args...).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count jobs: %w", err)
	}
	return n, nil
}

// jobWithQueueID reads a job of the project and its queue id (0 if none)
// inside a write transaction.
func (s *Store) jobWithQueueID(ctx context.Context, tx *sql.Tx, projectID, id string) (extract.Job, int64, error) {
	var queueID int64
	j, err := s.scanJob(tx.QueryRowContext(ctx,
		`SELECT `+jobColumns+`, coalesce(queue_id, 0) FROM extract_jobs WHERE id = ? AND project_id = ?`, id, projectID), &queueID)
	if errors.Is(err, sql.ErrNoRows) {
		return j, 0, jobNotFound(id)
	}
	return j, queueID, err
}

// CancelJob marks a PENDING, THROTTLED or RUNNING job CANCELLED and calls
// cancel (if not nil) with the job's queue id in the same transaction; an
// error from cancel undoes the change. CodeNotFound if the job is absent or
// another project's, CodeConflict if it is already finished.
func (s *Store) CancelJob(ctx context.Context, projectID, id string, at time.Time, cancel func(ctx context.Context, tx *sql.Tx, queueID int64) error) (extract.Job, error) {
	var j extract.Job
	err := s.write(ctx, func(tx *sql.Tx) error {
		var queueID int64
		var err error
		j, queueID, err = s.jobWithQueueID(ctx, tx, projectID, id)
		if err != nil {
			return err
		}
		if j.Status.Terminal() {
			return extract.Errorf(extract.CodeConflict, "job %s is already %s and cannot be cancelled", id, j.Status)
		}
		at := trunc(at)
		_, err = tx.ExecContext(ctx, `UPDATE extract_jobs SET status = ?, updated_at = ?, finished_at = ? WHERE id = ?`,
			string(extract.StatusCancelled), millis(at), millis(at), id)
		if err != nil {
			return err
		}
		j.Status, j.UpdatedAt, j.FinishedAt = extract.StatusCancelled, at, &at
		if cancel != nil {
			if err := cancel(ctx, tx, queueID); err != nil {
				return fmt.Errorf("cancel queued work: %w", err)
			}
		}
		return s.emit(ctx, tx, j)
	})
	if err != nil {
		return extract.Job{}, fmt.Errorf("cancel job: %w", err)
	}
	return j, nil
}

// DeleteJob removes a job and its results, calling remove (if not nil) with
// its queue id in the same transaction; an error from remove undoes the
// deletion. CodeNotFound if the job is absent or another project's.
func (s *Store) DeleteJob(ctx context.Context, projectID, id string, remove func(ctx context.Context, tx *sql.Tx, queueID int64) error) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		var queueID sql.NullInt64
		err := tx.QueryRowContext(ctx, `SELECT queue_id FROM extract_jobs WHERE id = ? AND project_id = ?`, id, projectID).Scan(&queueID)
		if errors.Is(err, sql.ErrNoRows) {
			return jobNotFound(id)
		}
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM extract_jobs WHERE id = ?`, id); err != nil {
			return err
		}
		if remove != nil {
			if err := remove(ctx, tx, queueID.Int64); err != nil {
				return fmt.Errorf("remove queued work: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete job: %w", err)
	}
	return nil
}

// StartJob is the worker's claim: a PENDING or THROTTLED job becomes RUNNING
// if its project has fewer than limit RUNNING jobs (limit <= 0: no limit),
// else THROTTLED. A job already RUNNING (a run that crashed) is claimed again
// whatever the limit, since it already holds a slot. Finished or deleted
// jobs give StartGone. The count and the claim share one write transaction,
// so two workers can never both take a project's last slot.
func (s *Store) StartJob(ctx context.Context, id string, limit int, at time.Time) (extract.Job, extract.StartResult, error) {
	var j extract.Job
	var res extract.StartResult
	at = trunc(at)
	err := s.write(ctx, func(tx *sql.Tx) error {
		var err error
		j, err = s.scanJob(tx.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM extract_jobs WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			j, res = extract.Job{}, extract.StartGone
			return nil
		}
		if err != nil {
			return err
		}
		switch j.Status {
		case extract.StatusPending, extract.StatusThrottled:
			if limit > 0 {
				var running int
				err := tx.QueryRowContext(ctx, `SELECT count(*) FROM extract_jobs WHERE project_id = ? AND status = ? AND id <> ?`,
					j.ProjectID, string(extract.StatusRunning), id).Scan(&running)
				if err != nil {
					return err
				}
				if running >= limit {
					res = extract.StartThrottled
					if j.Status == extract.StatusThrottled {
						return nil // no change, so UpdatedAt stays
					}
					_, err := tx.ExecContext(ctx, `UPDATE extract_jobs SET status = ?, updated_at = ? WHERE id = ?`,
						string(extract.StatusThrottled), millis(at), id)
					j.Status, j.UpdatedAt = extract.StatusThrottled, at
					return err
				}
			}
		case extract.StatusRunning:
		default:
			res = extract.StartGone
			return nil
		}
		res = extract.StartRun
		// A crashed run claimed again has told its receivers already.
		rerun := j.Status == extract.StatusRunning
		_, err = tx.ExecContext(ctx, `UPDATE extract_jobs SET status = ?, started_at = ?, updated_at = ? WHERE id = ?`,
			string(extract.StatusRunning), millis(at), millis(at), id)
		j.Status, j.StartedAt, j.UpdatedAt = extract.StatusRunning, &at, at
		if err != nil || rerun {
			return err
		}
		return s.emit(ctx, tx, j)
	})
	if err != nil {
		return extract.Job{}, 0, fmt.Errorf("start job %s: %w", id, err)
	}
	return j, res, nil
}

// FinishJobs records runs' ends: each RUNNING or PENDING job becomes
// COMPLETED with its outcome, or FAILED with its message (keeping the
// outcome's usage and engine, if given, as what the failed run consumed),
// all in one write transaction: one turn of the single writer.
func (s *Store) FinishJobs(ctx context.Context, finishes []extract.Finish) ([]bool, error) {
	changed := make([]bool, len(finishes))
	err := s.write(ctx, func(tx *sql.Tx) error {
		for i, f := range finishes {
			var err error
			if changed[i], err = s.finish(ctx, tx, f); err != nil {
				return fmt.Errorf("finish job %s: %w", f.JobID, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return changed, nil
}

// finish records one run's end in tx.
func (s *Store) finish(ctx context.Context, tx *sql.Tx, f extract.Finish) (bool, error) {
	status := extract.StatusCompleted
	var result, metadata, usage sql.NullString
	var engine string
	if f.Outcome != nil {
		var err error
		if usage, err = marshalOptional(&f.Outcome.Usage); err != nil {
			return false, fmt.Errorf("encode usage: %w", err)
		}
		engine = f.Outcome.Engine
		if f.Failure == "" {
			result = nullText(f.Outcome.Result)
			if metadata, err = marshalOptional(f.Outcome.FieldMetadata); err != nil {
				return false, fmt.Errorf("encode field metadata: %w", err)
			}
		}
	}
	if f.Failure != "" {
		status = extract.StatusFailed
	}
	res, err := tx.ExecContext(ctx, `UPDATE extract_jobs
		SET status = ?, error_message = ?, result = ?, field_metadata = ?, usage = ?, engine = ?,
			started_at = coalesce(started_at, ?), finished_at = ?, updated_at = ?
		WHERE id = ? AND status IN (?, ?)`,
		string(status), f.Failure, result, metadata, usage, engine, millis(f.Started), millis(f.At), millis(f.At), f.JobID,
		string(extract.StatusRunning), string(extract.StatusPending))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil || n == 0 {
		return false, err
	}
	return true, s.emitByID(ctx, tx, f.JobID)
}

// JobsToRun reads jobs and their input files in one statement.
func (s *Store) JobsToRun(ctx context.Context, ids []string) ([]extract.RunInput, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.read.QueryContext(ctx, `SELECT j.*, f.* FROM (SELECT `+jobColumns+` FROM extract_jobs WHERE id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)) AS j
		LEFT JOIN (SELECT `+fileColumns+` FROM files) AS f ON f.id = j.file_input AND f.project_id = j.project_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("jobs to run: %w", err)
	}
	defer rows.Close()
	found := make(map[string]extract.RunInput, len(ids))
	for rows.Next() {
		var f nullFile
		j, err := s.scanJob(rows, f.dest()...)
		if err != nil {
			return nil, fmt.Errorf("jobs to run: %w", err)
		}
		found[j.ID] = extract.RunInput{Job: j, File: f.file()}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("jobs to run: %w", err)
	}
	out := make([]extract.RunInput, len(ids))
	for i, id := range ids {
		out[i] = found[id]
	}
	return out, nil
}

// MarkRunning makes a PENDING job without webhooks RUNNING, started at
// started.
func (s *Store) MarkRunning(ctx context.Context, id string, started, at time.Time) (bool, error) {
	err := changeOne(ctx, s.db, `UPDATE extract_jobs SET status = ?, started_at = ?, updated_at = ?
		WHERE id = ? AND status = ? AND webhooks IS NULL`, errNoChange,
		string(extract.StatusRunning), millis(started), millis(at), id, string(extract.StatusPending))
	if errors.Is(err, errNoChange) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("mark job %s running: %w", id, err)
	}
	return true, nil
}

// errNoChange is changeOne's answer when a conditional update found its
// condition false, which is not an error to the caller.
var errNoChange = errors.New("no row changed")

// RequeueJob puts a RUNNING job back to PENDING (a run interrupted by
// shutdown, to be retried) and clears its StartedAt. A job in any other
// status, or absent, is left alone without error: it was cancelled, deleted
// or finished meanwhile, and that decision stands.
func (s *Store) RequeueJob(ctx context.Context, id string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE extract_jobs SET status = ?, started_at = NULL, updated_at = ? WHERE id = ? AND status = ?`,
		string(extract.StatusPending), millis(at), id, string(extract.StatusRunning))
	if err != nil {
		return fmt.Errorf("requeue job %s: %w", id, err)
	}
	return nil
}

// CountJobsByStatus counts all jobs by status, for metrics. Every status is
// present, with zero when no job has it, so a gauge drops back to zero. The
// counts are kept by triggers (see extract_job_counts), so this costs the
// same however many jobs there are.
func (s *Store) CountJobsByStatus(ctx context.Context) (map[extract.Status]int64, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT status, n FROM extract_job_counts`)
	if err != nil {
		return nil, fmt.Errorf("count jobs by status: %w", err)
	}
	defer rows.Close()
	counts := make(map[extract.Status]int64, len(extract.Statuses))
	for _, st := range extract.Statuses {
		counts[st] = 0
	}
	for rows.Next() {
		var st string
		var n int64
		if err := rows.Scan(&st, &n); err != nil {
			return nil, fmt.Errorf("count jobs by status: %w", err)
		}
		counts[extract.Status(st)] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count jobs by status: %w", err)
	}
	return counts, nil
}
