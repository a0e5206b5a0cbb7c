package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// On PostgreSQL several worker processes share the queue, and River alone
// cannot tell a dead worker's runs from long ones: it waits RescueAfter
// (longer than the job timeout) before running them again. Quarry's workers
// say they are alive instead. Each holds, for its lifetime, a session-level
// advisory lock derived from its River client id, on a connection of its
// own; PostgreSQL releases the lock the moment the process's session ends
// (the process died, or its host stopped answering TCP keepalives). Every
// worker process then scans, every OrphanScanInterval, for River jobs
// running under a client id whose lock nobody holds, and makes them
// available again (or discards them, past MaxAttempts). A live worker's
// run, however long, is never taken from it: its lock is held.
//
// River's own rescue (RescueAfter) stays as the backstop, for a lock that
// outlives its process (a host gone without a reset, until the keepalives
// give up) and for workers of earlier versions, which hold no lock.

// livenessLockSpace is the first key of the two-key advisory locks the
// workers hold (the second is hashtext of the client id), so that they
// cannot be mistaken for the migration lock or anyone else's.
const livenessLockSpace = 0x51525259 // "QRRY"

// livenessIDPrefix starts the client id of every worker that holds a
// liveness lock. River's default ids contain no dot, so a job run by a
// worker without a lock (an earlier version) never looks like ours.
const livenessIDPrefix = "quarry.live."

// newLivenessID returns a River client id unique to this process: host and
// pid for whoever reads it in river_job.attempted_by, and random bytes so
// that no other process ever has it.
func newLivenessID() string {
	host, _ := os.Hostname()
	host = strings.Map(func(r rune) rune {
		if r == '.' || r > 0x7e || r <= ' ' {
			return '_'
		}
		return r
	}, host)
	if len(host) > 40 {
		host = host[:40]
	}
	b := make([]byte, 6)
	rand.Read(b)
	return fmt.Sprintf("%s%s.%d.%s", livenessIDPrefix, host, os.Getpid(), hex.EncodeToString(b))
}

// liveness holds this worker's lock on a dedicated connection, and takes it
// again on a new connection when the first one is lost.
type liveness struct {
	pool *pgxpool.Pool
	id   string
	log  *slog.Logger

	stop chan struct{}
	done chan struct{}
	conn *pgx.Conn // owned by keep once it runs
}

// livenessCheckEvery is how often the lock's connection is checked. A lost
// connection is replaced within it, well inside the two scans (see
// orphanScanner) it takes for the lock's absence to count.
const livenessCheckEvery = time.Second

// acquire connects and takes the lock; a worker starts fetching jobs only
// after it returns.
func (l *liveness) acquire(ctx context.Context) error {
	conn, err := l.lock(ctx)
	if err != nil {
		return err
	}
	l.conn = conn
	l.stop, l.done = make(chan struct{}), make(chan struct{})
	go l.keep()
	return nil
}

// lock opens a connection outside the pool (the pool would hand it to
// others and recycle it) and takes the lock on it.
func (l *liveness) lock(ctx context.Context) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, l.pool.Config().ConnConfig.Copy())
	if err != nil {
		return nil, fmt.Errorf("queue: liveness connection: %w", err)
	}
	// The server notices a vanished host through TCP keepalives; their
	// defaults (two hours) would keep a dead worker's lock, and so its
	// jobs, for that long. Unix sockets ignore these settings.
	var held bool
	err = conn.QueryRow(ctx, `SELECT set_config('tcp_keepalives_idle', '10', false), set_config('tcp_keepalives_interval', '5', false),
		set_config('tcp_keepalives_count', '3', false), pg_try_advisory_lock($1::int4, hashtext($2::text))`,
		livenessLockSpace, l.id).Scan(nil, nil, nil, &held)
	if err == nil && !held {
		err = fmt.Errorf("client id %s is already locked by another session", l.id)
	}
	if err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("queue: take liveness lock: %w", err)
	}
	return conn, nil
}

// keep checks the connection and replaces it when lost.
func (l *liveness) keep() {
	defer close(l.done)
	t := time.NewTicker(livenessCheckEvery)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), livenessCheckEvery)
		var err error
		if l.conn == nil {
			err = errors.New("no connection")
		} else {
			err = l.conn.Ping(ctx)
		}
		cancel()
		if err == nil {
			continue
		}
		if l.conn != nil {
			l.log.Warn("liveness connection lost; taking the lock again", "client_id", l.id, "err", err)
			l.conn.Close(context.Background())
			l.conn = nil
		}
		ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
		if l.conn, err = l.lock(ctx); err != nil {
			l.log.Error("cannot take the liveness lock again; this worker's running jobs may run again elsewhere", "client_id", l.id, "err", err)
		}
		cancel()
	}
}

// release drops the lock by ending its session. Call it only once the
// River client has stopped: a job still running must keep looking alive.
func (l *liveness) release(ctx context.Context) {
	if l.stop == nil {
		return
	}
	close(l.stop)
	<-l.done
	if l.conn != nil {
		l.conn.Close(ctx)
		l.conn = nil
	}
}

// orphanScanner makes the jobs of dead workers available again. A client
// id's lock must be missing on two scans in a row, so that a live worker
// whose connection was just lost has a scan's time to take its lock again.
type orphanScanner struct {
	pool     *pgxpool.Pool
	log      *slog.Logger
	every    time.Duration
	suspects map[int64]string // job id → client id, missing its lock at the last scan
	stop     context.CancelFunc
	done     chan struct{}
}

// findOrphansSQL lists running jobs whose last client is one of ours and
// holds no lock in this database.
const findOrphansSQL = `
SELECT j.id, j.attempted_by[array_length(j.attempted_by, 1)]
FROM river_job j
WHERE j.state = 'running'
  AND j.attempted_by[array_length(j.attempted_by, 1)] LIKE '` + livenessIDPrefix + `%'
  AND NOT EXISTS (
    SELECT 1 FROM pg_locks l
    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND l.classid = $1::int4::oid
      AND l.objid = hashtext(j.attempted_by[array_length(j.attempted_by, 1)])::oid)`

// rescueOrphansSQL makes suspects available again (discarded past their
// attempts, as River's own rescue does) if they are still running under
// the same client, recording why in the job's errors. The lock is checked
// again in the same statement: a worker that took it back keeps its jobs.
const rescueOrphansSQL = `
UPDATE river_job j SET
  state = CASE WHEN j.attempt >= j.max_attempts THEN 'discarded' ELSE 'available' END::river_job_state,
  scheduled_at = now(),
  finalized_at = CASE WHEN j.attempt >= j.max_attempts THEN now() END,
  errors = array_append(j.errors, jsonb_build_object('at', now(), 'attempt', j.attempt,
    'error', '` + diedError + ` (its liveness lock was released)', 'trace', ''))
FROM unnest($2::bigint[], $3::text[]) AS s(id, client)
WHERE j.id = s.id AND j.state = 'running'
  AND j.attempted_by[array_length(j.attempted_by, 1)] = s.client
  AND NOT EXISTS (
    SELECT 1 FROM pg_locks l
    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND l.classid = $1::int4::oid
      AND l.objid = hashtext(s.client)::oid)
RETURNING j.id, j.state::text`

func (o *orphanScanner) start() {
	ctx, cancel := context.WithCancel(context.Background())
	o.stop, o.done = cancel, make(chan struct{})
	go func() {
		defer close(o.done)
		t := time.NewTicker(o.every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			if err := o.scan(ctx); err != nil && ctx.Err() == nil {
				o.log.Warn("scan for jobs of dead workers", "err", err)
			}
		}
	}()
}

func (o *orphanScanner) close() {
	if o.stop != nil {
		o.stop()
		<-o.done
	}
}

// scan rescues the suspects of the last scan that are still orphaned, and
// remembers this scan's.
func (o *orphanScanner) scan(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, o.every+5*time.Second)
	defer cancel()
	rows, err := o.pool.Query(ctx, findOrphansSQL, livenessLockSpace)
	if err != nil {
		return fmt.Errorf("find orphaned jobs: %w", err)
	}
	found := map[int64]string{}
	var (
		id     int64
		client string
	)
	if _, err := pgx.ForEachRow(rows, []any{&id, &client}, func() error { found[id] = client; return nil }); err != nil {
		return fmt.Errorf("find orphaned jobs: %w", err)
	}
	prev := o.suspects
	o.suspects = found

	var ids []int64
	var clients []string
	for id, client := range found {
		if prev[id] == client {
			ids = append(ids, id)
			clients = append(clients, client)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	rows, err = o.pool.Query(ctx, rescueOrphansSQL, livenessLockSpace, ids, clients)
	if err != nil {
		return fmt.Errorf("rescue orphaned jobs: %w", err)
	}
	var state string
	if _, err := pgx.ForEachRow(rows, []any{&id, &state}, func() error {
		o.log.Info("job of a dead worker made available again", "river_job_id", id, "state", state, "client_id", found[id])
		return nil
	}); err != nil {
		return fmt.Errorf("rescue orphaned jobs: %w", err)
	}
	return nil
}
