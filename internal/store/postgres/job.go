package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/quarrylabs/quarry/internal/extract"
)

// jobColumns is the select list scanJob reads, in its order.
const jobColumns = `id, project_id, file_input, coalesce(configuration_id, ''), configuration, status, error_message,
	result, field_metadata, usage, engine, webhooks, coalesce(idempotency_key, ''), request_hash,
	created_at, updated_at, started_at, finished_at`

// jobInsertColumns are the columns jobArgs gives values for, in its order.
const jobInsertColumns = `id, project_id, file_input, configuration_id, configuration, status,
	error_message, result, field_metadata, usage, engine, webhooks, idempotency_key, request_hash, queue_id,
	created_at, updated_at, started_at, finished_at`

const insertJob = `INSERT INTO extract_jobs (` + jobInsertColumns + `)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
	RETURNING ` + jobColumns

// scanJob reads a row of jobColumns, then into extra any columns selected
// after them.
func (s *Store) scanJob(sc scanner, extra ...any) (extract.Job, error) {
	var j extract.Job
	var status string
	var cfg, result, metadata, usage, webhooks []byte
	var started, finished sql.NullTime
	dest := []any{&j.ID, &j.ProjectID, &j.FileInput, &j.ConfigurationID, &cfg, &status, &j.ErrorMessage,
		&result, &metadata, &usage, &j.Engine, &webhooks, &j.IdempotencyKey, &j.RequestHash,
		&j.CreatedAt, &j.UpdatedAt, &started, &finished}
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
	j.CreatedAt = j.CreatedAt.UTC()
	j.UpdatedAt = j.UpdatedAt.UTC()
	j.StartedAt = fromNullTime(started)
	j.FinishedAt = fromNullTime(finished)
	return j, nil
}

// jobArgs returns the values of jobInsertColumns for j.
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
		ms(j.CreatedAt), ms(j.UpdatedAt), nullTime(j.StartedAt), nullTime(j.FinishedAt)}, nil
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
// one is returned with created false.
//
// Creates with the same key take turns on an advisory lock on (project,
// key) held to the end of the transaction, so the second one's lookup, a
// statement begun after the first committed, finds the first's job; no
// River job is enqueued and rolled back for a replay. The unique index on
// (project_id, idempotency_key) stays as the guarantee.
//
// An empty Status becomes PENDING, a zero CreatedAt now, a zero UpdatedAt
// CreatedAt. The returned job is read back from the database.
func (s *Store) CreateJob(ctx context.Context, job extract.Job, enqueue extract.EnqueueFunc) (stored extract.Job, created bool, err error) {
	job.SetCreateDefaults(time.Now())
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if job.IdempotencyKey != "" {
			_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2::text || '/' || $3::text))`,
				lockIdempotency, job.ProjectID, job.IdempotencyKey)
			if err != nil {
				return fmt.Errorf("lock idempotency key: %w", err)
			}
			existing, err := s.scanJob(tx.QueryRowContext(ctx,
				`SELECT `+jobColumns+` FROM extract_jobs WHERE project_id = $1 AND idempotency_key = $2`,
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
		// The insert, the hot statement of a create, goes to pgx itself,
		// on the transaction's connection, without database/sql's layer.
		session, _ := TxFromContext(ctx)
		stored, err = s.scanJob(session.QueryRow(ctx, insertJob, args...))
		switch {
		case isUniqueViolation(err):
			return extract.Errorf(extract.CodeConflict, "job %q already exists", job.ID)
		case isForeignKeyViolation(err):
			return extract.Errorf(extract.CodeNotFound, "project %q not found", job.ProjectID)
		case err != nil:
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

// CreateJobs inserts jobs in one transaction: one call of enqueue, one
// multi-row INSERT, and the webhook events of those that have webhooks.
// It is CreateJob for the API's batches of concurrent creates, which pay
// for one transaction, one River insert and one INSERT between them
// instead of each its own. No job may have an IdempotencyKey: those take
// CreateJob's lock and lookup.
//
// A batch without webhooks, the common case, is written in two round
// trips (pipeTx): BEGIN and the lookups of the jobs' files with enqueue's
// River insert, then the INSERT with COMMIT. Its enqueue is given a nil
// *sql.Tx and reaches the transaction through TxFromContext, as the
// queue's PostgreSQL driver does. A batch with webhooks records their
// events in database/sql's transaction.
func (s *Store) CreateJobs(ctx context.Context, jobs []extract.Job, enqueue extract.EnqueueManyFunc) ([]extract.Job, error) {
	if len(jobs) == 0 {
		return nil, nil
	}
	ptrs, err := extract.PrepareCreates(jobs, time.Now())
	if err != nil {
		return nil, fmt.Errorf("create jobs: %w", err)
	}
	var stored []extract.Job
	files := extract.FileInputs(ptrs...)
	if slices.ContainsFunc(jobs, func(j extract.Job) bool { return len(j.Webhooks) > 0 }) {
		err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			if err := checkFiles(ctx, tx, files); err != nil {
				return err
			}
			var err error
			if stored, err = s.insertJobs(ctx, jobs, ptrs, tx, enqueue, nil); err != nil {
				return err
			}
			for _, j := range stored {
				if err := s.emit(ctx, tx, j); err != nil {
					return err
				}
			}
			return nil
		})
	} else {
		err = s.writePipelined(ctx, func(ctx context.Context, tx *pipeTx) error {
			// The files are looked up with River's insert (or the INSERT):
			// no round trip of their own. A missing one fails the batch.
			queueFileChecks(tx, files)
			var err error
			stored, err = s.insertJobs(ctx, jobs, ptrs, nil, enqueue, tx)
			return err
		})
	}
	if err != nil {
		return nil, fmt.Errorf("create jobs: %w", err)
	}
	return stored, nil
}

// fileExists finds one of a create's files (extract.FileInputs). A lookup
// of one primary key a statement: its plan cannot turn into a scan.
const fileExists = `SELECT 1 FROM files WHERE id = $1 AND project_id = $2`

// checkFiles finds in tx the files jobs are made from.
func checkFiles(ctx context.Context, tx *sql.Tx, files []extract.FileRef) error {
	for _, f := range files {
		var one int
		err := tx.QueryRowContext(ctx, fileExists, f.FileID, f.ProjectID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return extract.FileInputNotFound(f.FileID)
		}
		if err != nil {
			return fmt.Errorf("find file %s: %w", f.FileID, err)
		}
	}
	return nil
}

// queueFileChecks is checkFiles on a pipeTx: the lookups go with its next
// statement, and a missing file fails that statement.
func queueFileChecks(tx *pipeTx, files []extract.FileRef) {
	for _, f := range files {
		tx.queue(fileExists, f.FileID, f.ProjectID).QueryRow(func(row pgx.Row) error {
			var one int
			err := row.Scan(&one)
			if errors.Is(err, pgx.ErrNoRows) {
				return extract.FileInputNotFound(f.FileID)
			}
			return err
		})
	}
}

// insertJobs is CreateJobs' work inside its transaction: enqueue, then one
// INSERT of every row. With pipe, the INSERT goes with the COMMIT (and
// insertJobs commits); otherwise it runs on the session of tx.
func (s *Store) insertJobs(ctx context.Context, jobs []extract.Job, ptrs []*extract.Job, tx *sql.Tx, enqueue extract.EnqueueManyFunc, pipe *pipeTx) ([]extract.Job, error) {
	queueIDs := make([]int64, len(jobs))
	if enqueue != nil {
		ids, err := enqueue(ctx, tx, ptrs)
		if err != nil {
			return nil, fmt.Errorf("enqueue: %w", err)
		}
		if len(ids) != len(jobs) {
			return nil, fmt.Errorf("enqueue: %d queue ids for %d jobs", len(ids), len(jobs))
		}
		queueIDs = ids
	}
	var query strings.Builder
	query.WriteString(`INSERT INTO extract_jobs (` + jobInsertColumns + `) VALUES `)
	var all []any
	for i := range jobs {
		args, err := jobArgs(&jobs[i], sql.NullInt64{Int64: queueIDs[i], Valid: enqueue != nil})
		if err != nil {
			return nil, err
		}
		if i > 0 {
			query.WriteString(", ")
		}
		query.WriteByte('(')
		for k := range args {
			if k > 0 {
				query.WriteString(", ")
			}
			query.WriteString("$" + strconv.Itoa(len(all)+k+1))
		}
		query.WriteByte(')')
		all = append(all, args...)
	}
	query.WriteString(` RETURNING ` + jobColumns)
	stored := make([]extract.Job, 0, len(jobs))
	scan := func(rows pgx.Rows) error {
		for rows.Next() {
			j, err := s.scanJob(rows)
			if err != nil {
				return err
			}
			stored = append(stored, j)
		}
		return rows.Err()
	}
	var err error
	if pipe != nil {
		var b pgx.Batch
		b.Queue(query.String(), all...).Query(scan)
		err = pipe.commit(ctx, &b)
	} else {
		session, _ := TxFromContext(ctx)
		var rows pgx.Rows
		if rows, err = session.Query(ctx, query.String(), all...); err == nil {
			err = scan(rows)
			rows.Close()
		}
	}
	switch {
	case isUniqueViolation(err):
		return nil, extract.Errorf(extract.CodeConflict, "a job of this batch already exists")
	case isForeignKeyViolation(err):
		return nil, extract.Errorf(extract.CodeNotFound, "the project of a job of this batch was not found")
	case err != nil:
		return nil, err
	}
	// RETURNING gives no order; the caller's is restored.
	at := make(map[string]int, len(jobs))
	for i := range jobs {
		at[jobs[i].ID] = i
	}
	slices.SortFunc(stored, func(a, b extract.Job) int { return at[a.ID] - at[b.ID] })
	return stored, nil
}

// Job returns a job of the project; CodeNotFound if absent or another
// project's.
func (s *Store) Job(ctx context.Context, projectID, id string) (extract.Job, error) {
	j, err := s.scanJob(s.db.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM extract_jobs WHERE id = $1 AND project_id = $2`, id, projectID))
	if errors.Is(err, sql.ErrNoRows) {
		err = jobNotFound(id)
	}
	if err != nil {
		return extract.Job{}, fmt.Errorf("get job: %w", err)
	}
	return j, nil
}

// Input type prefixes of file_input, as the input type filter compares them.
var inputTypePrefix = map[string]string{
	extract.InputTypeFile:     "dfl-",
	extract.InputTypeParseJob: "pjb-",
}

// jobWhere returns the conditions selecting f's jobs strictly after the
// cursor (if not nil), adding their arguments to a. Every condition on a
// column is an equality or a range on (created_at, id), so that one of the
// (project_id, …, created_at, id) indexes serves both the filter and the
// order.
func jobWhere(f extract.JobFilter, after *extract.Cursor, a *args) ([]string, error) {
	project := a.add(f.ProjectID)
	where := []string{"project_id = " + project}
	if len(f.IDs) > 0 {
		// A list of ids is a handful of primary-key lookups and a small
		// sort. The expression keeps project_id out of index selection, so
		// the planner cannot prefer walking a project's whole listing index,
		// from the cursor on, in search of those few ids (which it does
		// when it misjudges the project as small).
		where[0] = "project_id || '' = " + project
	}
	if f.Status != "" {
		where = append(where, "status = "+a.add(string(f.Status)))
	}
	if f.ConfigurationID != "" {
		where = append(where, "configuration_id = "+a.add(f.ConfigurationID))
	}
	if f.FileInput != "" {
		where = append(where, "file_input = "+a.add(f.FileInput))
	}
	if f.InputType != "" {
		prefix, ok := inputTypePrefix[f.InputType]
		if !ok {
			return nil, extract.Errorf(extract.CodeInvalid, "input type %q is not one of %s, %s",
				f.InputType, extract.InputTypeFile, extract.InputTypeParseJob)
		}
		// As written in the extract_jobs_project_input_type index; substr
		// compares exactly, where LIKE or ILIKE would not use it or would
		// match "DFL-".
		where = append(where, "substr(file_input, 1, 4) = "+a.add(prefix))
	}
	if f.CreatedFrom != nil {
		where = append(where, "created_at >= "+a.add(ms(*f.CreatedFrom)))
	}
	// The cursor and CreatedTo are both upper bounds. Only the tighter is
	// written: the B-tree scan starts at one upper bound, so with both a
	// deep page could start at CreatedTo and read down to the cursor.
	switch {
	case f.CreatedTo == nil:
		where = keyset(where, a, after)
	case after != nil && !ms(after.CreatedAt).After(ms(*f.CreatedTo)):
		where = keyset(where, a, after)
	default:
		// Every row up to CreatedTo is before a later cursor.
		where = append(where, "created_at <= "+a.add(ms(*f.CreatedTo)))
	}
	if len(f.IDs) > 0 {
		where = append(where, "id = ANY ("+a.add(f.IDs)+")")
	}
	return where, nil
}

// listJobsQuery returns the query of one page of ListJobs.
func listJobsQuery(f extract.JobFilter, p extract.Page) (string, []any, error) {
	var a args
	where, err := jobWhere(f, p.After, &a)
	if err != nil {
		return "", nil, err
	}
	query := `SELECT ` + jobColumns + ` FROM extract_jobs WHERE ` + and(where) +
		` ORDER BY created_at DESC, id DESC` + limit(&a, p)
	return query, a, nil
}

// ListJobs returns up to p.Limit jobs matching f, newest first (created_at
// descending, then id descending), strictly after p.After. A Limit of zero
// or less means no limit. The keyset condition starts a backward index
// scan at the cursor, so a page deep in the listing costs what the first one
// does.
func (s *Store) ListJobs(ctx context.Context, f extract.JobFilter, p extract.Page) ([]extract.Job, error) {
	query, args, err := listJobsQuery(f, p)
	if err != nil {
		return nil, fmt.Errorf("list jobs: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, query, args...)
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

// countJobsQuery returns the query of CountJobs.
func countJobsQuery(f extract.JobFilter) (string, []any, error) {
	var a args
	where, err := jobWhere(f, nil, &a)
	if err != nil {
		return "", nil, err
	}
	return `SELECT count(*) FROM extract_jobs WHERE ` + and(where), a, nil
}

// CountJobs counts the jobs matching f. Its cost grows with the number of
// matches (it reads the narrowest index, mostly without visiting rows), not
// with the table.
func (s *Store) CountJobs(ctx context.Context, f extract.JobFilter) (int64, error) {
	query, args, err := countJobsQuery(f)
	if err != nil {
		return 0, fmt.Errorf("count jobs: %w", err)
	}
	var n int64
	if err := s.db.QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("count jobs: %w", err)
	}
	return n, nil
}

// lockJob reads a job of the project and its queue id (0 if none), locking
// its row until the transaction ends, so that a worker's claim or finish
// and this change happen one after the other.
func (s *Store) lockJob(ctx context.Context, tx *sql.Tx, projectID, id string) (extract.Job, int64, error) {
	var queueID int64
	j, err := s.scanJob(tx.QueryRowContext(ctx,
		`SELECT `+jobColumns+`, coalesce(queue_id, 0) FROM extract_jobs WHERE id = $1 AND project_id = $2 FOR UPDATE`,
		id, projectID), &queueID)
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
	at = ms(at)
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var queueID int64
		var err error
		j, queueID, err = s.lockJob(ctx, tx, projectID, id)
		if err != nil {
			return err
		}
		if j.Status.Terminal() {
			return extract.Errorf(extract.CodeConflict, "job %s is already %s and cannot be cancelled", id, j.Status)
		}
		_, err = tx.ExecContext(ctx, `UPDATE extract_jobs SET status = $1, updated_at = $2, finished_at = $2 WHERE id = $3`,
			string(extract.StatusCancelled), at, id)
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
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var queueID sql.NullInt64
		err := tx.QueryRowContext(ctx, `DELETE FROM extract_jobs WHERE id = $1 AND project_id = $2 RETURNING queue_id`,
			id, projectID).Scan(&queueID)
		if errors.Is(err, sql.ErrNoRows) {
			return jobNotFound(id)
		}
		if err != nil {
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
// jobs give StartGone.
//
// The job's row is locked first, so a cancel and a claim of one job take
// turns. Then, when there is a limit, claims in one project take turns on
// an advisory lock held to the end of the transaction: two workers in two
// processes claiming two jobs of a project with one free slot would
// otherwise each count the other's job as not yet RUNNING, and both run.
// The count is a statement begun after the lock is granted, so at READ
// COMMITTED it sees every claim committed before. Locks are always taken in
// that order (the job's row, then its project), so claims cannot deadlock.
// Without a limit there is nothing to count, and the claim is one
// statement (startJobUnlimited).
func (s *Store) StartJob(ctx context.Context, id string, limit int, at time.Time) (extract.Job, extract.StartResult, error) {
	var j extract.Job
	var res extract.StartResult
	at = ms(at)
	if limit <= 0 {
		return s.startUnlimited(ctx, id, at)
	}
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		j, err = s.scanJob(tx.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM extract_jobs WHERE id = $1 FOR UPDATE`, id))
		if errors.Is(err, sql.ErrNoRows) {
			j, res = extract.Job{}, extract.StartGone
			return nil
		}
		if err != nil {
			return err
		}
		switch j.Status {
		case extract.StatusPending, extract.StatusThrottled:
		case extract.StatusRunning:
			// A crashed run claimed again holds its slot already, and has
			// told its receivers.
			res = extract.StartRun
			_, err = tx.ExecContext(ctx, `UPDATE extract_jobs SET status = $1, started_at = $2, updated_at = $2 WHERE id = $3`,
				string(extract.StatusRunning), at, id)
			j.Status, j.StartedAt, j.UpdatedAt = extract.StatusRunning, &at, at
			return err
		default:
			res = extract.StartGone
			return nil
		}
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, lockProject, j.ProjectID); err != nil {
			return fmt.Errorf("lock project: %w", err)
		}
		var now string
		err = tx.QueryRowContext(ctx, claimInProject, j.ProjectID, string(extract.StatusRunning), id, limit,
			string(extract.StatusThrottled), at).Scan(&now)
		if errors.Is(err, sql.ErrNoRows) {
			res = extract.StartThrottled // still THROTTLED: no change, so UpdatedAt stays
			return nil
		}
		if err != nil {
			return err
		}
		if extract.Status(now) == extract.StatusThrottled {
			res = extract.StartThrottled
			j.Status, j.UpdatedAt = extract.StatusThrottled, at
			return nil
		}
		res = extract.StartRun
		j.Status, j.StartedAt, j.UpdatedAt = extract.StatusRunning, &at, at
		return s.emit(ctx, tx, j)
	})
	if err != nil {
		return extract.Job{}, 0, fmt.Errorf("start job %s: %w", id, err)
	}
	return j, res, nil
}

// claimInProject counts the project's RUNNING jobs other than this one
// and, in the same statement, makes the job RUNNING if they are fewer than
// the limit, else THROTTLED; a job THROTTLED already is left alone (no row
// comes back). It runs once the project's lock is granted, so its snapshot,
// taken as the statement begins, sees every claim committed before.
const claimInProject = `WITH running AS (
		SELECT count(*) AS n FROM extract_jobs WHERE project_id = $1 AND status = $2 AND id <> $3
	)
	UPDATE extract_jobs SET
		status = CASE WHEN running.n < $4 THEN $2 ELSE $5 END,
		started_at = CASE WHEN running.n < $4 THEN $6 ELSE started_at END,
		updated_at = $6
	FROM running
	WHERE id = $3 AND (running.n < $4 OR status <> $5)
	RETURNING status`

// startJobUnlimited claims a job in one statement, for StartJob without a
// limit: the row lock of the CTE makes a cancel and a claim take turns as
// StartJob's SELECT … FOR UPDATE does, and the status the row had before,
// which tells a first run from a crashed one claimed again, comes back
// with the claimed row. A finished or absent job matches no row.
const startJobUnlimited = `WITH old AS (
		SELECT id AS old_id, status AS old_status FROM extract_jobs WHERE id = $1 FOR UPDATE
	)
	UPDATE extract_jobs SET status = $2, started_at = $3, updated_at = $3
	FROM old WHERE id = old_id AND old_status IN ($4, $5, $2)`

// startJobUnlimitedReturning ends startJobUnlimited.
const startJobUnlimitedReturning = ` RETURNING ` + jobColumns + `, old_status`

// startUnlimited is StartJob when no limit applies: no project lock and no
// count. A job without webhooks has no event to record with its claim, so
// the one statement commits on its own; any other job (with webhooks,
// finished, or gone) takes the transaction, which sorts it out.
func (s *Store) startUnlimited(ctx context.Context, id string, at time.Time) (extract.Job, extract.StartResult, error) {
	args := []any{id, string(extract.StatusRunning), at, string(extract.StatusPending), string(extract.StatusThrottled)}
	var before string
	j, err := s.scanJob(s.db.QueryRowContext(ctx, startJobUnlimited+` AND webhooks IS NULL`+startJobUnlimitedReturning, args...), &before)
	if err == nil {
		return j, extract.StartRun, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return extract.Job{}, 0, fmt.Errorf("start job %s: %w", id, err)
	}
	res := extract.StartRun
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		j, err = s.scanJob(tx.QueryRowContext(ctx, startJobUnlimited+startJobUnlimitedReturning, args...), &before)
		if errors.Is(err, sql.ErrNoRows) {
			j, res = extract.Job{}, extract.StartGone
			return nil
		}
		if err != nil {
			return err
		}
		// A crashed run claimed again has told its receivers already.
		if extract.Status(before) == extract.StatusRunning {
			return nil
		}
		return s.emit(ctx, tx, j)
	})
	if err != nil {
		return extract.Job{}, 0, fmt.Errorf("start job %s: %w", id, err)
	}
	return j, res, nil
}

// asyncCommit, joined into a statement that commits on its own, lets that
// commit return before its WAL reaches the disk (synchronous_commit off for
// this transaction only). It is for a worker's writes about a run: River
// marks its own job done after them, in a commit that is synchronous and
// whose flush takes every earlier WAL record with it. A crash before that
// flush loses both, and River runs the job again; the job is never left
// finished in one table and running in the other. The one-row subquery
// costs nothing and holds no lock.
const asyncCommit = `(SELECT set_config('synchronous_commit', 'off', true)) AS async_commit`

// finishJob is the UPDATE of one run's end, taking finishRow.args.
const finishJob = `UPDATE extract_jobs
	SET status = $1, error_message = $2, result = $3, field_metadata = $4, usage = $5, engine = $6,
		started_at = coalesce(started_at, $7), finished_at = $8, updated_at = $8
	FROM ` + asyncCommit + `
	WHERE id = $9 AND status IN ($10, $11)`

// finishRow is what a run's end writes to the job's row.
type finishRow struct {
	id, status, failure, engine string
	result, metadata, usage     sql.NullString
	started, at                 time.Time
}

// newFinishRow returns f's row: COMPLETED with the outcome, or FAILED with
// message f.Failure when it is non-empty (keeping the outcome's usage and
// engine, if given, as what the failed run consumed).
func newFinishRow(f extract.Finish) (finishRow, error) {
	r := finishRow{id: f.JobID, status: string(extract.StatusCompleted), failure: f.Failure, started: ms(f.Started), at: ms(f.At)}
	if f.Outcome != nil {
		var err error
		if r.usage, err = marshalOptional(&f.Outcome.Usage); err != nil {
			return r, fmt.Errorf("finish job %s: encode usage: %w", f.JobID, err)
		}
		r.engine = f.Outcome.Engine
		if f.Failure == "" {
			r.result = nullText(f.Outcome.Result)
			if r.metadata, err = marshalOptional(f.Outcome.FieldMetadata); err != nil {
				return r, fmt.Errorf("finish job %s: encode field metadata: %w", f.JobID, err)
			}
		}
	}
	if f.Failure != "" {
		r.status = string(extract.StatusFailed)
	}
	return r, nil
}

// args returns finishJob's arguments.
func (r finishRow) args() []any {
	return []any{r.status, r.failure, r.result, r.metadata, r.usage, r.engine, r.started, r.at, r.id,
		string(extract.StatusRunning), string(extract.StatusPending)}
}

// FinishJobs records runs' ends: each RUNNING or PENDING job becomes
// COMPLETED with its outcome, or FAILED with its message (keeping the
// outcome's usage and engine, if given, as what the failed run consumed).
// The jobs without webhooks have no event to record with their ends, so
// their UPDATEs go together in one implicit transaction that commits on
// its own. Any other (with webhooks, or no longer running) takes a
// transaction of its own, which sorts it out. Each status test is part of
// its UPDATE, which waits for a concurrent cancel's row lock and then
// re-checks the row, so a cancel that committed first always wins.
func (s *Store) FinishJobs(ctx context.Context, finishes []extract.Finish) ([]bool, error) {
	rows := make([]finishRow, len(finishes))
	for i, f := range finishes {
		var err error
		if rows[i], err = newFinishRow(f); err != nil {
			return nil, err
		}
	}
	// One UPDATE a job, all sent at once: one round trip and one
	// (implicit) transaction. Each is the lookup of one primary key, whose
	// plan cannot turn into a scan of the table as it grows, as a join of
	// extract_jobs with arrays of ids can under a plan cached while the
	// table was small.
	var b pgx.Batch
	for _, r := range rows {
		b.Queue(finishJob+` AND webhooks IS NULL`, r.args()...)
	}
	br := s.pool.SendBatch(ctx, &b)
	done := make(map[string]bool, len(finishes))
	for _, r := range rows {
		tag, err := br.Exec()
		if err != nil {
			br.Close()
			return nil, fmt.Errorf("finish %d jobs: %w", len(finishes), err)
		}
		done[r.id] = tag.RowsAffected() > 0
	}
	if err := br.Close(); err != nil {
		return nil, fmt.Errorf("finish %d jobs: %w", len(finishes), err)
	}
	changed := make([]bool, len(finishes))
	for i, r := range rows {
		if changed[i] = done[r.id]; changed[i] {
			continue
		}
		err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, finishJob, r.args()...)
			if err != nil {
				return err
			}
			n, err := res.RowsAffected()
			if err != nil || n == 0 {
				return err
			}
			changed[i] = true
			return s.emitByID(ctx, tx, r.id)
		})
		if err != nil {
			return nil, fmt.Errorf("finish job %s: %w", r.id, err)
		}
	}
	return changed, nil
}

// jobToRun is JobsToRun's query for one job: the job and, joined by
// position, its file's
// columns, all NULL when the file is gone.
const jobToRun = `SELECT j.*, f.* FROM (SELECT ` + jobColumns + ` FROM extract_jobs WHERE id = $1) AS j
	LEFT JOIN (SELECT ` + fileColumns + ` FROM files) AS f ON f.id = j.file_input AND f.project_id = j.project_id`

// JobsToRun reads jobs and their input files: one lookup a job, all sent
// at once (see lookup.go).
func (s *Store) JobsToRun(ctx context.Context, ids []string) ([]extract.RunInput, error) {
	found, err := s.runs.run(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("jobs to run: %w", err)
	}
	out := make([]extract.RunInput, len(ids))
	for i, f := range found {
		out[i] = f.v
	}
	return out, nil
}

// scanRunInput reads a row of jobToRun.
func (s *Store) scanRunInput(row pgx.Row) (extract.RunInput, error) {
	var f nullFile
	j, err := s.scanJob(row, f.dest()...)
	if err != nil {
		return extract.RunInput{}, err
	}
	return extract.RunInput{Job: j, File: f.file()}, nil
}

// MarkRunning makes a PENDING job without webhooks RUNNING, started at
// started. Like FinishJobs', its commit is asynchronous (asyncCommit):
// lost in a crash, the mark is lost with the run it describes.
func (s *Store) MarkRunning(ctx context.Context, id string, started, at time.Time) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE extract_jobs SET status = $1, started_at = $2, updated_at = $3
		FROM `+asyncCommit+`
		WHERE id = $4 AND status = $5 AND webhooks IS NULL`,
		string(extract.StatusRunning), ms(started), ms(at), id, string(extract.StatusPending))
	if err != nil {
		return false, fmt.Errorf("mark job %s running: %w", id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("mark job %s running: %w", id, err)
	}
	return n > 0, nil
}

// RequeueJob puts a RUNNING job back to PENDING (a run interrupted by
// shutdown, to be retried) and clears its StartedAt. A job in any other
// status, or absent, is left alone without error: it was cancelled, deleted
// or finished meanwhile, and that decision stands.
func (s *Store) RequeueJob(ctx context.Context, id string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE extract_jobs SET status = $1, started_at = NULL, updated_at = $2 WHERE id = $3 AND status = $4`,
		string(extract.StatusPending), ms(at), id, string(extract.StatusRunning))
	if err != nil {
		return fmt.Errorf("requeue job %s: %w", id, err)
	}
	return nil
}

// countJobsByStatus is CountJobsByStatus's query, one statement so that
// all its parts read one snapshot. The finished statuses come from the
// counts the trigger keeps; each unfinished one is counted in
// extract_jobs_project_status, one index range per project, which costs
// in proportion to the jobs waiting or running, not to all. The statuses
// are written as literals so that the planner weighs each by its own
// frequency: as a parameter, an unfinished status would be estimated as
// common as the average one, and the table read whole.
var countJobsByStatus = func() string {
	parts := []string{`SELECT status, sum(n)::bigint FROM extract_job_counts GROUP BY status`}
	for _, st := range extract.Statuses {
		if st.Terminal() {
			continue
		}
		parts = append(parts, fmt.Sprintf(`SELECT '%[1]s', coalesce(sum(c.n), 0)::bigint FROM projects p
	CROSS JOIN LATERAL (SELECT count(*) AS n FROM extract_jobs j WHERE j.project_id = p.id AND j.status = '%[1]s') c`, st))
	}
	return strings.Join(parts, "\n\tUNION ALL ")
}()

// CountJobsByStatus counts all jobs by status, for metrics. Every status is
// present, with zero when no job has it, so a gauge drops back to zero.
func (s *Store) CountJobsByStatus(ctx context.Context) (map[extract.Status]int64, error) {
	rows, err := s.db.QueryContext(ctx, countJobsByStatus)
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
