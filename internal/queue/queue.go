// Package queue runs extraction jobs through River. River holds only the work
// to do; the job as users see it lives in the store's extract_jobs table, and
// every status change that starts or stops River work commits in the same
// transaction as the River operation: River's SQLite driver takes the SQLite
// store's *sql.Tx, and on PostgreSQL River's pgx driver joins the store's
// transaction (see Driver).
//
// A job is never lost: River delivers at least once, a run interrupted by a
// crash is rescued and runs again, and the worker is idempotent — a second
// run of a finished job does nothing, a second run of a crashed one starts
// over, once: a job during MaxCrashes of whose runs the process died (a
// document that takes all memory) is failed with CrashedMessage at its next
// run instead of taking the process down again. Work River gives up on or
// loses is found by a periodic reconciler, which fails the job with a
// message instead of leaving it unfinished forever.
package queue

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/quarrylabs/quarry/internal/batch"
	"github.com/quarrylabs/quarry/internal/extract"
)

// QueueName is the River queue extraction jobs run on.
const QueueName = "extract"

// Processor does the work of one job: read its file, parse it, run the
// engine. An *extract.Error it returns is the user's problem (a corrupt or
// unsupported file) and fails the job with its message; any other error is
// ours and is retried.
type Processor interface {
	// Process runs job on its input file, which is nil when the file was
	// deleted before the run.
	Process(ctx context.Context, job extract.Job, file *extract.File) (extract.Outcome, error)
}

// Config configures the queue. Zero values take the documented defaults.
type Config struct {
	// Driver is the River driver, matched to the store. Defaults to
	// SQLite on the store's DB.
	Driver Driver
	// Workers is how many jobs this process runs at once. Defaults to the
	// number of CPUs: the built-in engine is CPU-bound.
	Workers int
	// ProjectConcurrency caps the jobs of one project that run at once
	// across all processes; jobs over it wait in THROTTLED. Defaults to 4;
	// negative means no limit.
	ProjectConcurrency int
	// MarkRunningAfter is how long a run in a project without a limit
	// (ProjectConcurrency negative) goes on before its job is shown
	// RUNNING. A shorter run takes the job from PENDING to its end in one
	// write, instead of one to start it and one to end it; its StartedAt
	// still says when it began. A job with webhooks is marked RUNNING at
	// once, as its receivers are told of it. Defaults to 1 second.
	MarkRunningAfter time.Duration
	// JobTimeout bounds one run of a job. Defaults to 1 hour: long documents
	// must not hit a short limit.
	JobTimeout time.Duration
	// RescueAfter is how long a run may look alive before River assumes its
	// process died and runs the job again. Defaults to JobTimeout + 5
	// minutes; it must exceed JobTimeout.
	RescueAfter time.Duration
	// ThrottleDelay is how long a throttled job waits before it tries for a
	// slot again. Defaults to 2 seconds.
	ThrottleDelay time.Duration
	// MaxAttempts bounds retries of internal failures (a user's bad file
	// fails at once). Defaults to 5.
	MaxAttempts int
	// DrainTimeout is how long Stop lets running jobs finish before it
	// cancels them; cancelled runs go back to PENDING and run again at the
	// next start. Defaults to 30 seconds.
	DrainTimeout time.Duration
	// PollInterval is how often the queue looks for new work when no
	// notification arrives, and how often a running job's row is read to
	// see whether it was cancelled or deleted (so that a cancel stops the
	// work within it, whatever the store). Defaults to 500 ms.
	PollInterval time.Duration
	// FetchCooldown is the shortest time between two fetches of jobs by
	// this process's queue, which fetches at most as many jobs as it has
	// free workers each time: Workers / FetchCooldown caps a process's
	// rate of short jobs. Defaults to 10 ms.
	FetchCooldown time.Duration
	// PollOnly makes River poll instead of using PostgreSQL's LISTEN and
	// NOTIFY, for connection poolers that do not carry them (PgBouncer in
	// transaction mode): new work and cancellations are then seen within
	// PollInterval. It also turns off the workers' liveness locks, which
	// need a session of their own: a dead worker's jobs then run again
	// after RescueAfter. SQLite always polls.
	PollOnly bool
	// OrphanScanInterval is how often, on PostgreSQL, each worker process
	// looks for jobs left running by a worker process that has died (its
	// liveness lock is gone; see liveness.go) and makes them available
	// again: such a job runs again within about two intervals, instead of
	// after RescueAfter. Defaults to 2 seconds.
	OrphanScanInterval time.Duration
	// ReconcileInterval is how often the reconciler looks for jobs whose
	// queued work is gone (given up on after MaxAttempts crashed runs, or
	// lost) and fails them. One process at a time runs it. Defaults to 5
	// minutes.
	ReconcileInterval time.Duration
	// Embedded says this process is the only one using the database (the
	// SQLite mode): a River job still marked running at start belongs to a
	// run that died with an earlier process and is made available at once
	// instead of waiting for RescueAfter. Only valid with the SQLite driver.
	Embedded bool
	// InsertOnly: no jobs are worked in this process (an API-only process).
	InsertOnly bool
	// OnFinish, if set, is told of every run that ends a job, for metrics.
	OnFinish func(status extract.Status, ran time.Duration)
	// Webhook configures the delivery of webhook events; see WebhookConfig.
	Webhook WebhookConfig
	// Logger receives the queue's logs. Defaults to discarding them.
	Logger *slog.Logger
}

// WithDefaults returns the config with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	c.Workers = cmp.Or(c.Workers, runtime.NumCPU())
	c.ProjectConcurrency = cmp.Or(c.ProjectConcurrency, 4)
	c.MarkRunningAfter = cmp.Or(c.MarkRunningAfter, time.Second)
	c.JobTimeout = cmp.Or(c.JobTimeout, time.Hour)
	c.RescueAfter = cmp.Or(c.RescueAfter, c.JobTimeout+5*time.Minute)
	c.ThrottleDelay = cmp.Or(c.ThrottleDelay, 2*time.Second)
	c.MaxAttempts = cmp.Or(c.MaxAttempts, 5)
	c.DrainTimeout = cmp.Or(c.DrainTimeout, 30*time.Second)
	c.PollInterval = cmp.Or(c.PollInterval, 500*time.Millisecond)
	c.FetchCooldown = cmp.Or(c.FetchCooldown, 10*time.Millisecond)
	c.ReconcileInterval = cmp.Or(c.ReconcileInterval, 5*time.Minute)
	c.OrphanScanInterval = cmp.Or(c.OrphanScanInterval, 2*time.Second)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func (c Config) validate() error {
	if c.Workers < 1 {
		return fmt.Errorf("queue: Workers must be at least 1, got %d", c.Workers)
	}
	if c.RescueAfter <= c.JobTimeout {
		return fmt.Errorf("queue: RescueAfter (%s) must exceed JobTimeout (%s), or live jobs would run twice", c.RescueAfter, c.JobTimeout)
	}
	if c.Embedded && c.Driver.name != "sqlite" {
		return fmt.Errorf("queue: Embedded needs the SQLite driver, not %s: only there does one process own the database", c.Driver.name)
	}
	return nil
}

// Queue enqueues, cancels and works extraction jobs.
type Queue struct {
	cfg    Config
	client riverClient
	store  extract.Store
	log    *slog.Logger
	// On PostgreSQL, a worker's proof of life and its search for the
	// jobs of dead ones; nil otherwise.
	liveLock *liveness
	orphans  *orphanScanner
	// reads reads the jobs runs begin with, and finishes records runs'
	// ends: concurrent ones go together (Store.JobsToRun,
	// Store.FinishJobs), as River's fetches and completions do.
	reads    *batch.Batcher[string, extract.RunInput]
	finishes *batch.Batcher[extract.Finish, bool]
}

// At most batchFlushes batches of reads, and as many of runs' ends, are in
// flight at once, of at most batchSize each. One: a run can wait for the
// batch before its own, having a hundred others to make room for, and its
// read or end then goes with those that came meanwhile. A statement's
// share of a batch's fixed cost (a round trip, a commit) is what a run
// pays for, not the wait.
const (
	batchFlushes = 1
	batchSize    = 100
)

// Args are a River job's arguments: only the id; everything else is read
// from the store when the job runs, so the row stays the one truth.
type Args struct {
	JobID string `json:"job_id"`
}

// Kind names the River job kind.
func (Args) Kind() string { return "extract" }

// New migrates River's tables where the driver owns them (see Driver) and
// builds the queue. Start it to work jobs.
func New(ctx context.Context, st extract.Store, proc Processor, cfg Config) (*Queue, error) {
	if cfg.Driver.newClient == nil {
		cfg.Driver = SQLite(st.DB())
	}
	cfg = cfg.WithDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if err := Migrate(ctx, cfg.Driver, cfg.Logger); err != nil {
		return nil, err
	}
	q := &Queue{cfg: cfg, store: st, log: cfg.Logger}
	q.reads = batch.New(st.JobsToRun, batchFlushes, batchSize)
	q.finishes = batch.New(st.FinishJobs, batchFlushes, batchSize)
	rc := &river.Config{
		Logger:               cfg.Logger.With("component", "river"),
		JobTimeout:           cfg.JobTimeout,
		RescueStuckJobsAfter: cfg.RescueAfter,
		MaxAttempts:          cfg.MaxAttempts,
		SoftStopTimeout:      cfg.DrainTimeout,
		FetchPollInterval:    cfg.PollInterval,
		FetchCooldown:        min(cfg.FetchCooldown, cfg.PollInterval),
		PollOnly:             cfg.PollOnly,
	}
	if !cfg.InsertOnly {
		workers := river.NewWorkers()
		if err := river.AddWorkerSafely(workers, &worker{q: q, proc: proc}); err != nil {
			return nil, fmt.Errorf("queue: add worker: %w", err)
		}
		if err := river.AddWorkerSafely(workers, &reconciler{q: q}); err != nil {
			return nil, fmt.Errorf("queue: add reconciler: %w", err)
		}
		rc.Workers = workers
		rc.Queues = map[string]river.QueueConfig{
			QueueName: {MaxWorkers: cfg.Workers},
			// Apart from extraction, so that a queue full of long jobs
			// never holds the reconciler back.
			maintenanceQueue: {MaxWorkers: 1},
		}
		rc.PeriodicJobs = []*river.PeriodicJob{reconcilePeriodically(cfg.ReconcileInterval)}
		if err := q.addWebhookWorker(workers, rc); err != nil {
			return nil, err
		}
		// Behind a pooler in transaction mode (PollOnly) a session lock
		// would stay on whichever server connection took it, and could
		// vanish while this process lives: dead workers' jobs then wait
		// for RescueAfter instead.
		if pool := cfg.Driver.pool; pool != nil && !cfg.PollOnly {
			rc.ID = newLivenessID()
			q.liveLock = &liveness{pool: pool, id: rc.ID, log: cfg.Logger}
			q.orphans = &orphanScanner{pool: pool, log: cfg.Logger, every: cfg.OrphanScanInterval}
		}
	}
	client, err := cfg.Driver.newClient(rc)
	if err != nil {
		return nil, fmt.Errorf("queue: new river client: %w", err)
	}
	q.client = client
	return q, nil
}

// Start begins working jobs; it returns at once. A process that only
// inserts needs no Start.
func (q *Queue) Start(ctx context.Context) error {
	if q.cfg.InsertOnly {
		return nil
	}
	if q.cfg.Embedded {
		if err := q.reclaimOrphans(ctx); err != nil {
			return err
		}
	}
	if q.liveLock != nil {
		// Locked before the first fetch: a job this process runs must
		// never look orphaned.
		if err := q.liveLock.acquire(ctx); err != nil {
			return err
		}
	}
	if err := q.client.start(ctx); err != nil {
		if q.liveLock != nil {
			q.liveLock.release(context.WithoutCancel(ctx))
		}
		return fmt.Errorf("queue: start: %w", err)
	}
	if q.orphans != nil {
		q.orphans.start()
	}
	return nil
}

// Stop lets running jobs finish for up to DrainTimeout, then cancels them;
// a cancelled run goes back to PENDING to run at the next start.
func (q *Queue) Stop(ctx context.Context) error {
	if q.cfg.InsertOnly {
		return nil
	}
	if q.orphans != nil {
		q.orphans.close()
	}
	err := q.client.stop(ctx)
	if q.liveLock != nil {
		// After River has stopped: until then, jobs may still run here.
		q.liveLock.release(context.WithoutCancel(ctx))
	}
	if err != nil {
		return fmt.Errorf("queue: stop: %w", err)
	}
	return nil
}

// reclaimOrphans makes River jobs left "running" by a dead process available
// again, recording the crash in each job's errors (see crashes). Only safe
// when this process alone uses the database, which the embedded mode
// guarantees with a lock on the data directory. River keeps errors as a
// JSON array (its own updates write it the same way).
func (q *Queue) reclaimOrphans(ctx context.Context) error {
	res, err := q.store.DB().ExecContext(ctx,
		`UPDATE river_job SET state = 'available', scheduled_at = strftime('%Y-%m-%d %H:%M:%f', 'now'),
		   errors = jsonb(json_insert(json(coalesce(errors, jsonb('[]'))), '$[#]', json_object(
		     'at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'attempt', attempt,
		     'error', '`+diedError+` (found running at the next start)', 'trace', '')))
		 WHERE state = 'running'`)
	if err != nil {
		return fmt.Errorf("queue: reclaim orphaned jobs: %w", err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		q.log.InfoContext(ctx, "resuming jobs interrupted by an earlier stop", "count", n)
	}
	return nil
}

// Enqueue inserts the River job for a new extraction job inside the store's
// transaction. It is an extract.EnqueueFunc.
func (q *Queue) Enqueue(ctx context.Context, tx *sql.Tx, job *extract.Job) (int64, error) {
	res, err := q.client.insertTx(ctx, tx, Args{JobID: job.ID}, q.insertOpts())
	if err != nil {
		return 0, fmt.Errorf("enqueue job %s: %w", job.ID, err)
	}
	return res.Job.ID, nil
}

// EnqueueMany is Enqueue for a batch of new jobs, in one River insert. It
// is an extract.EnqueueManyFunc.
func (q *Queue) EnqueueMany(ctx context.Context, tx *sql.Tx, jobs []*extract.Job) ([]int64, error) {
	params := make([]river.InsertManyParams, len(jobs))
	for i, j := range jobs {
		params[i] = river.InsertManyParams{Args: Args{JobID: j.ID}, InsertOpts: q.insertOpts()}
	}
	res, err := q.client.insertManyTx(ctx, tx, params)
	if err != nil {
		return nil, fmt.Errorf("enqueue %d jobs: %w", len(jobs), err)
	}
	if len(res) != len(jobs) {
		return nil, fmt.Errorf("enqueue %d jobs: River inserted %d", len(jobs), len(res))
	}
	// River does not promise its results in the order of params; each
	// names its job in its args.
	at := make(map[string]int, len(jobs))
	for i, j := range jobs {
		at[j.ID] = i
	}
	ids := make([]int64, len(jobs))
	for _, r := range res {
		var args Args
		if err := json.Unmarshal(r.Job.EncodedArgs, &args); err != nil {
			return nil, fmt.Errorf("enqueue %d jobs: args of queue job %d: %w", len(jobs), r.Job.ID, err)
		}
		i, ok := at[args.JobID]
		if !ok || ids[i] != 0 {
			return nil, fmt.Errorf("enqueue %d jobs: queue job %d is for job %q, not one of the batch", len(jobs), r.Job.ID, args.JobID)
		}
		ids[i] = r.Job.ID
	}
	return ids, nil
}

// insertOpts are the options of every extraction job's River insert.
func (q *Queue) insertOpts() *river.InsertOpts {
	return &river.InsertOpts{Queue: QueueName, MaxAttempts: q.cfg.MaxAttempts}
}

// Cancel asks River to stop the job's work inside the store's transaction:
// a waiting job will not start, a running one has its context cancelled.
func (q *Queue) Cancel(ctx context.Context, tx *sql.Tx, queueID int64) error {
	if queueID == 0 {
		return nil
	}
	err := q.client.cancelTx(ctx, tx, queueID)
	if err != nil && !errors.Is(err, rivertype.ErrNotFound) {
		return fmt.Errorf("cancel queue job %d: %w", queueID, err)
	}
	return nil
}

// Remove deletes the job's River work inside the store's transaction; a run
// in progress is cancelled instead (River keeps running rows until they end)
// and its result is dropped because the row is gone.
func (q *Queue) Remove(ctx context.Context, tx *sql.Tx, queueID int64) error {
	if queueID == 0 {
		return nil
	}
	err := q.client.deleteTx(ctx, tx, queueID)
	switch {
	case err == nil, errors.Is(err, rivertype.ErrNotFound):
		return nil
	case errors.Is(err, rivertype.ErrJobRunning):
		return q.Cancel(ctx, tx, queueID)
	}
	return fmt.Errorf("delete queue job %d: %w", queueID, err)
}

// Depth counts the River jobs waiting to run (available, scheduled or
// retryable), for metrics.
func (q *Queue) Depth(ctx context.Context) (int64, error) {
	var n int64
	err := q.store.DB().QueryRowContext(ctx,
		`SELECT count(*) FROM river_job WHERE queue = '`+QueueName+`' AND state IN ('available', 'scheduled', 'retryable')`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("queue depth: %w", err)
	}
	return n, nil
}

// DrainTimeout is how long Stop lets running jobs finish.
func (q *Queue) DrainTimeout() time.Duration { return q.cfg.DrainTimeout }
