package extract

import (
	"context"
	"database/sql"
	"time"
)

// TxFunc runs inside a store transaction. The queue uses it to insert or
// cancel River jobs atomically with the row change that causes them: River's
// database/sql-based drivers take the same *sql.Tx.
type TxFunc func(ctx context.Context, tx *sql.Tx) error

// EnqueueFunc runs inside the transaction that creates a job row and returns
// the queue's id for the job's work.
type EnqueueFunc func(ctx context.Context, tx *sql.Tx, job *Job) (queueID int64, err error)

// EnqueueManyFunc is EnqueueFunc for several jobs at once: it returns their
// queue ids in the order of jobs. A store whose transaction is not a
// database/sql one may give it a nil tx, and its transaction another way
// (the PostgreSQL store's TxFromContext).
type EnqueueManyFunc func(ctx context.Context, tx *sql.Tx, jobs []*Job) (queueIDs []int64, err error)

// Finish is the end of a run, as FinishJobs takes it: the job, when its run
// began and ended, and its outcome, or its failure when Failure is not
// empty.
type Finish struct {
	JobID       string
	Started, At time.Time
	Outcome     *Outcome
	Failure     string
}

// RunInput is what a worker reads to run a job: the job, with an empty ID
// when it is absent (deleted), and its input file, nil when that was
// deleted.
type RunInput struct {
	Job  Job
	File *File
}

// StartResult says what the worker may do with a job it picked up.
type StartResult int

const (
	// StartRun: the job is now RUNNING and this worker owns the run.
	StartRun StartResult = iota
	// StartThrottled: the project is at its concurrency limit; the job was
	// marked THROTTLED and should be retried later.
	StartThrottled
	// StartGone: the job is finished, cancelled or deleted; there is nothing
	// to do.
	StartGone
)

// Store keeps Quarry's state. Every method scoped to a project takes its
// ID and treats another project's resource as absent (CodeNotFound). Methods
// return *Error with CodeNotFound, CodeConflict or CodeInvalid where noted;
// any other error is internal.
type Store interface {
	// DB is the database the queue shares, so that row changes and queue
	// operations commit together.
	DB() *sql.DB
	Close() error
	// WebhookStore keeps saved webhooks and jobs' webhook deliveries.
	WebhookStore

	// EnsureDefaults creates the default organization and project on first
	// start and returns them; created reports whether they were new.
	EnsureDefaults(ctx context.Context) (org Organization, prj Project, created bool, err error)
	// Project returns a project; CodeNotFound if absent.
	Project(ctx context.Context, id string) (Project, error)
	// CreateProject adds a project to an existing organization.
	CreateProject(ctx context.Context, p Project) error
	// CreateOrganization adds an organization.
	CreateOrganization(ctx context.Context, o Organization) error

	CreateAPIKey(ctx context.Context, k APIKey) error
	// APIKeyByHash finds a key by the hash of its secret, revoked or not;
	// CodeNotFound if none.
	APIKeyByHash(ctx context.Context, hash []byte) (APIKey, error)
	ListAPIKeys(ctx context.Context) ([]APIKey, error)
	// RevokeAPIKey marks a key revoked; CodeNotFound if absent.
	RevokeAPIKey(ctx context.Context, id string, at time.Time) error
	// TouchAPIKey records that a key was used at at; a time before the one
	// recorded leaves it. CodeNotFound if absent.
	TouchAPIKey(ctx context.Context, id string, at time.Time) error

	CreateFile(ctx context.Context, f File) error
	File(ctx context.Context, projectID, id string) (File, error)
	// ListFiles returns up to p.Limit files, newest first, after p.After.
	ListFiles(ctx context.Context, f FileFilter, p Page) ([]File, error)
	DeleteFile(ctx context.Context, projectID, id string) error

	CreateConfiguration(ctx context.Context, c SavedConfiguration) error
	// UpsertConfiguration is the hosted service's create: it creates c, or,
	// when a configuration of c's project has c's name and product type (the
	// newest, if several), gives that one c's Configuration, bumps its
	// Version and sets its UpdatedAt to c.UpdatedAt (or a millisecond past
	// its own, if that is not earlier: each version's time is distinct),
	// keeping its id and CreatedAt. It returns the stored configuration and whether it was
	// created. Concurrent upserts of one name never both create.
	UpsertConfiguration(ctx context.Context, c SavedConfiguration) (stored SavedConfiguration, created bool, err error)
	Configuration(ctx context.Context, projectID, id string) (SavedConfiguration, error)
	// ListConfigurations returns up to p.Limit configurations, newest first.
	ListConfigurations(ctx context.Context, f ConfigFilter, p Page) ([]SavedConfiguration, error)
	// UpdateConfiguration replaces name and configuration, bumps Version,
	// sets UpdatedAt to the time of the update (the given Version,
	// CreatedAt and UpdatedAt are ignored), and returns the result.
	UpdateConfiguration(ctx context.Context, c SavedConfiguration) (SavedConfiguration, error)
	DeleteConfiguration(ctx context.Context, projectID, id string) error

	// CreateJob inserts job and, in the same transaction, calls enqueue. When
	// job.IdempotencyKey is set and a job of the project already has it, no
	// job is created: the existing one is returned with created false (the
	// caller compares RequestHash). A job whose FileInput is a file's id
	// must name a file of its project (FileInputs), checked in the
	// transaction: FileInputNotFound otherwise.
	CreateJob(ctx context.Context, job Job, enqueue EnqueueFunc) (stored Job, created bool, err error)
	// CreateJobs inserts jobs, none of which may have an IdempotencyKey,
	// in one transaction with one call of enqueue, and returns them as
	// stored, in their order. Either all are created or, with an error,
	// none. Files are checked as CreateJob's.
	CreateJobs(ctx context.Context, jobs []Job, enqueue EnqueueManyFunc) ([]Job, error)
	Job(ctx context.Context, projectID, id string) (Job, error)
	// ListJobs returns up to p.Limit jobs matching f, newest first (created_at
	// descending, then id descending), strictly after p.After. Its cost must
	// not grow with the depth of the cursor.
	ListJobs(ctx context.Context, f JobFilter, p Page) ([]Job, error)
	// CountJobs counts the jobs matching f.
	CountJobs(ctx context.Context, f JobFilter) (int64, error)
	// CancelJob marks a PENDING, THROTTLED or RUNNING job CANCELLED and calls
	// cancel with the job's queue id in the same transaction. CodeConflict if
	// the job is already finished.
	CancelJob(ctx context.Context, projectID, id string, at time.Time, cancel func(ctx context.Context, tx *sql.Tx, queueID int64) error) (Job, error)
	// DeleteJob removes a job and its results, calling remove with its queue
	// id in the same transaction.
	DeleteJob(ctx context.Context, projectID, id string, remove func(ctx context.Context, tx *sql.Tx, queueID int64) error) error

	// StartJob is the worker's claim: a PENDING or THROTTLED job becomes
	// RUNNING if its project has fewer than limit RUNNING jobs (limit <= 0:
	// no limit), else THROTTLED. A job already RUNNING (a run that crashed) is
	// claimed again. Finished or deleted jobs give StartGone.
	StartJob(ctx context.Context, id string, limit int, at time.Time) (Job, StartResult, error)
	// JobsToRun reads jobs and their input files together, changing
	// nothing: the workers' first look at the jobs they picked up, when no
	// limit applies. It returns one RunInput for each id, in their order.
	JobsToRun(ctx context.Context, ids []string) ([]RunInput, error)
	// MarkRunning makes a PENDING job without webhooks RUNNING, started at
	// started: a run begun without StartJob that has lasted long enough to
	// be shown. It reports whether the row changed (false when the job was
	// cancelled, deleted or finished meanwhile, or has webhooks, whose
	// events StartJob records).
	MarkRunning(ctx context.Context, id string, started, at time.Time) (bool, error)
	// FinishJobs records runs' ends. Each job that is RUNNING, or PENDING
	// (a run that ended before it was marked RUNNING), becomes COMPLETED
	// with the outcome, or FAILED with the message when Failure is
	// non-empty; a job without a StartedAt takes Started. changed[i] says
	// whether the row of finishes[i] changed (false when the job was
	// cancelled, deleted or finished meanwhile).
	FinishJobs(ctx context.Context, finishes []Finish) (changed []bool, err error)
	// RequeueJob puts a RUNNING job back to PENDING (a run interrupted by
	// shutdown, to be retried).
	RequeueJob(ctx context.Context, id string, at time.Time) error
	// CountJobsByStatus counts all jobs by status, for metrics.
	CountJobsByStatus(ctx context.Context) (map[Status]int64, error)
	// FailAbandonedJobs fails the jobs the queue will never run again.
	// It walks every PENDING, THROTTLED and RUNNING job, giving live the
	// queue ids of a batch at a time (0 for a job without one); each job
	// whose queue id live does not report as still having work becomes
	// FAILED with message at at, unless its status or queue id changed
	// meanwhile. It returns the ids of the jobs it failed.
	FailAbandonedJobs(ctx context.Context, at time.Time, message string, live LiveFunc) ([]string, error)
}

// LiveFunc reports which of queueIDs still have work waiting or running in
// the queue. Work the queue has finished, given up on, cancelled or lost is
// never live again, which is what lets FailAbandonedJobs act on the answer
// without holding locks.
type LiveFunc func(ctx context.Context, queueIDs []int64) (live map[int64]bool, err error)
