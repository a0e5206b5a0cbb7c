// Package postgres implements extract.Store on PostgreSQL, for running
// Quarry as several API and worker processes on one database.
//
// The Store keeps one pgx connection pool and a database/sql view of the
// same pool (pgx's stdlib adapter): the Store's methods and the queue's
// hooks work on *sql.Tx, as extract.Store requires, while River's pgx
// driver (riverpgxv5) uses the pool itself, and inside a hook joins the
// Store's transaction through TxFromContext. Every statement runs at READ
// COMMITTED; where two processes could race (claiming a project's last
// concurrency slot, creating two jobs under one idempotency key) a row lock
// or a transaction-scoped advisory lock makes them take turns.
package postgres

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/quarrylabs/quarry/internal/batch"
	"github.com/quarrylabs/quarry/internal/extract"
)

// Store is the PostgreSQL implementation of extract.Store.
//
// Most statements go through db, database/sql over the pool, whose *sql.Tx
// the queue's hooks share. The statements every job makes outside such a
// hook (the API key and file lookups of a create, its INSERT, the worker's
// read and its finishing UPDATE) go to pgx directly, sparing each the work
// of database/sql's layer, and concurrent ones are sent together (see
// lookup.go, CreateJobs, FinishJobs).
type Store struct {
	pool    *pgxpool.Pool
	db      *sql.DB // database/sql over pool
	logger  *slog.Logger
	configs configCache
	// planner turns status changes into webhook deliveries; nil: none.
	planner extract.WebhookPlanner
	// Batched reads of one row by key (see lookup.go).
	keys  *batch.Batcher[string, found[extract.APIKey]]
	files *batch.Batcher[fileKey, found[extract.File]]
	runs  lookup[string, extract.RunInput] // batched by the queue
}

var _ extract.Store = (*Store)(nil)

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string; pgxpool's pool_max_conns and similar parameters apply)
// and brings its schema, Quarry's and River's, up to date with Migrate.
// Tables are found through the connection's search_path, so a search_path
// parameter in the URL puts Quarry in a schema of its own. The caller closes
// the Store. logger may be nil.
func Open(ctx context.Context, url string, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: invalid database URL: %w", redact(err))
	}
	if cfg.MaxConns < 2 {
		// Migrate holds one connection for its lock while River's migrator
		// takes another.
		return nil, fmt.Errorf("open postgres: pool_max_conns must be at least 2, got %d", cfg.MaxConns)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, &ConnectError{Addr: hostPort(cfg), Err: err}
	}
	if err := Migrate(ctx, pool, logger); err != nil {
		pool.Close()
		return nil, err
	}
	s := &Store{pool: pool, db: stdlib.OpenDBFromPool(pool), logger: logger}
	s.keys = lookup[string, extract.APIKey]{pool, `SELECT ` + apiKeyColumns + ` FROM api_keys WHERE hash = $1`,
		func(hash string) []any { return []any{[]byte(hash)} }, scanAPIKeyRow}.batched()
	s.files = lookup[fileKey, extract.File]{pool, `SELECT ` + fileColumns + ` FROM files WHERE id = $1 AND project_id = $2`,
		func(k fileKey) []any { return []any{k.id, k.projectID} }, scanFileRow}.batched()
	s.runs = lookup[string, extract.RunInput]{pool, jobToRun, func(id string) []any { return []any{id} }, s.scanRunInput}
	return s, nil
}

// ConnectError is Open's error when no connection to the database could be
// made: the server is down or unreachable, or refused the user or the
// database. Commands tell it apart to say which setting to check.
type ConnectError struct {
	// Addr is the host, port and database the URL names, never the URL,
	// which may hold a password.
	Addr string
	Err  error
}

// Error is one line: pgx writes a line for each address and TLS mode it
// tried, mostly with the same cause, and a server that cannot start should
// say why in one sentence. The last attempt's cause stands for them all.
func (e *ConnectError) Error() string {
	cause := e.Err
	if ce := (*pgconn.ConnectError)(nil); errors.As(cause, &ce) {
		cause = ce.Unwrap()
	}
	if joined, ok := cause.(interface{ Unwrap() []error }); ok {
		if errs := joined.Unwrap(); len(errs) > 0 {
			// An attempt's error starts with the address, which Addr
			// says: its cause is enough.
			cause = cmp.Or(errors.Unwrap(errs[len(errs)-1]), errs[len(errs)-1])
		}
	}
	// A cause that still joins several (every address a name resolved
	// to) is told by its first line.
	first, _, _ := strings.Cut(cause.Error(), "\n")
	return "cannot connect to PostgreSQL at " + e.Addr + ": " + first
}

func (e *ConnectError) Unwrap() error { return e.Err }

// redact replaces an error about the URL's syntax, which quotes the URL and
// can show its password (pgconn hides passwords only where it can find
// them), with one that says what is wrong and quotes nothing.
func redact(err error) error {
	var pe *pgconn.ParseConfigError
	if errors.As(err, &pe) {
		return errors.New("it cannot be parsed (the URL is not shown, as it may hold a password)")
	}
	return err
}

func hostPort(cfg *pgxpool.Config) string {
	return cfg.ConnConfig.Host + ":" + strconv.Itoa(int(cfg.ConnConfig.Port)) + "/" + cfg.ConnConfig.Database
}

// DB returns the database/sql view of the pool. River's database/sql driver
// can take it so that its inserts join the Store's transactions.
func (s *Store) DB() *sql.DB { return s.db }

// Pool returns the pgx pool underneath DB, for River's pgx driver and for
// bulk loading with COPY.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close closes the database/sql view, then the pool.
func (s *Store) Close() error {
	err := s.db.Close()
	s.pool.Close()
	return err
}

// write runs fn in a transaction and commits it if fn returns nil. The
// context fn is given carries the transaction's session for TxFromContext:
// fn passes it to the queue's hooks.
//
// The session (the *pgx.Conn under the *sql.Conn) is used after Raw's
// callback returns, which database/sql warns against in general: here the
// Store holds conn until the transaction has ended, so database/sql hands
// the connection to no one else meanwhile, and a hook uses the session
// between the transaction's statements, never during one.
func (s *Store) write(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) (err error) {
	defer func() { err = storageFull(err) }()
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var session *pgx.Conn
	err = conn.Raw(func(driverConn any) error {
		c, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("database/sql driver connection is a %T, not pgx's", driverConn)
		}
		session = c.Conn()
		return nil
	})
	if err != nil {
		return err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := fn(withSession(ctx, session), tx); err != nil {
		return err
	}
	return tx.Commit()
}

// writePipelined runs fn in a pipeTx on a connection of the pool, for hooks
// through TxFromContext. fn ends the transaction with the pipeTx's commit;
// if it returns an error, or returns without committing, the transaction
// is rolled back.
func (s *Store) writePipelined(ctx context.Context, fn func(ctx context.Context, tx *pipeTx) error) (err error) {
	defer func() { err = storageFull(err) }()
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	tx := beginPipe(conn.Conn())
	defer tx.rollback(ctx)
	if err := fn(withTx(ctx, tx), tx); err != nil {
		return err
	}
	if !tx.ended {
		return errors.New("postgres: a pipelined transaction returned without committing")
	}
	return nil
}

// Advisory lock classes, the first key of PostgreSQL's two-key advisory
// locks; the second key is a hash of what is locked. Two-key locks live in a
// space apart from the one-key (bigint) locks River takes. A hash collision
// only makes two unrelated callers take turns.
const (
	lockMigrate     int32 = 0x51527901 // the schema, while migrating
	lockProject     int32 = 0x51527902 // a project's concurrency slots
	lockIdempotency int32 = 0x51527903 // a project's idempotency key
)

// ms truncates t to what is stored: milliseconds, in UTC. The API shows
// milliseconds and compares its date filters at that granularity.
func ms(t time.Time) time.Time { return time.UnixMilli(t.UnixMilli()).UTC() }

func nullTime(t *time.Time) sql.NullTime {
	if t == nil {
		return sql.NullTime{}
	}
	return sql.NullTime{Time: ms(*t), Valid: true}
}

func fromNullTime(n sql.NullTime) *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time.UTC()
	return &t
}

// nullString stores an empty string as NULL, for optional columns that
// partial indexes skip or that must stay unique only when set.
func nullString(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}

// nullText stores an empty document as NULL.
func nullText(b []byte) sql.NullString {
	return sql.NullString{String: string(b), Valid: len(b) > 0}
}

// PostgreSQL's SQLSTATEs for the constraint violations the Store maps to
// domain errors.
const (
	uniqueViolation     = "23505"
	foreignKeyViolation = "23503"
	diskFull            = "53100"
)

// storageFull turns a write refused for lack of disk space on the
// database server into a CodeStorageFull error; any other err is returned
// as is.
func storageFull(err error) error {
	if err != nil && sqlState(err) == diskFull {
		return extract.StorageFull(err)
	}
	return err
}

func sqlState(err error) string {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

func isUniqueViolation(err error) bool     { return sqlState(err) == uniqueViolation }
func isForeignKeyViolation(err error) bool { return sqlState(err) == foreignKeyViolation }

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface {
	Scan(dest ...any) error
}

// querier is what a pool and a transaction have in common.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// args collects a query's arguments and hands out their placeholders.
type args []any

// add appends v and returns its placeholder ($n).
func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// keyset appends the condition "strictly after c in newest-first order". The
// row comparison is one range on the (…, created_at, id) tail of an index,
// so PostgreSQL starts its backward scan at the cursor.
func keyset(where []string, a *args, c *extract.Cursor) []string {
	if c == nil {
		return where
	}
	return append(where, "(created_at, id) < ("+a.add(ms(c.CreatedAt))+", "+a.add(c.ID)+")")
}

// limit is the LIMIT clause of a page; none when p.Limit <= 0.
func limit(a *args, p extract.Page) string {
	if p.Limit <= 0 {
		return ""
	}
	return " LIMIT " + a.add(p.Limit)
}

// and joins conditions.
func and(where []string) string { return strings.Join(where, " AND ") }
