// Package sqlite implements extract.Store on a single SQLite file, through
// modernc.org/sqlite (pure Go, no cgo).
//
// SQLite allows one writer at a time. The Store therefore keeps two pools on
// the same file: a writer pool of exactly one connection, which River's SQLite
// driver shares (DB) so that our row changes and River's inserts commit in one
// transaction, and a read-only pool of several connections that serves every
// read. In WAL mode readers never wait for the writer, so API reads stay fast
// while a worker holds a write transaction.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/quarrylabs/quarry/internal/extract"
)

// Store is the SQLite implementation of extract.Store.
type Store struct {
	db      *sql.DB // the single writer connection, shared with River
	read    *sql.DB // query_only connections for reads
	logger  *slog.Logger
	configs configCache
	// planner turns status changes into webhook deliveries; nil: none.
	planner extract.WebhookPlanner
}

var _ extract.Store = (*Store)(nil)

// writerParams configure the writer connection. WAL lets readers run beside
// the writer; busy_timeout makes another process's writer a wait rather than
// an error; synchronous NORMAL is durable across application crashes in WAL
// mode and much cheaper than FULL. temp_store MEMORY keeps statement
// journals in memory: the status count triggers make every insert or status
// change a multi-row statement, which SQLite journals, by default to a
// temporary file (a third of the cost of an insert, measured).
//
// _txlock=immediate makes BEGIN take the write lock at once: a deferred
// transaction that reads and then writes can fail with SQLITE_BUSY on the
// upgrade, which busy_timeout cannot retry.
const writerParams = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)" +
	"&_pragma=synchronous(NORMAL)&_pragma=temp_store(MEMORY)&_txlock=immediate"

// readerParams configure the read pool. journal_mode is a property of the
// file, already WAL once the writer has opened it. query_only guards against
// a write slipping into the pool, where it would contend with the writer.
const readerParams = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=temp_store(MEMORY)&_pragma=query_only(1)"

// Open opens (creating if needed) the database at path and brings its schema
// up to date. The caller closes the Store. logger may be nil.
func Open(ctx context.Context, path string, logger *slog.Logger) (*Store, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if path == "" || strings.ContainsAny(path, "?#") {
		// The driver splits the name at '?' to find its parameters.
		return nil, fmt.Errorf("open sqlite: invalid database path %q", path)
	}
	s := &Store{logger: logger}

	db, err := sql.Open("sqlite", path+"?"+writerParams)
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	s.db = db
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}

	// The reader pool opens after the writer has switched the file to WAL and
	// created the schema, so its connections never need to write.
	read, err := sql.Open("sqlite", path+"?"+readerParams)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s for reading: %w", path, err)
	}
	n := max(4, runtime.NumCPU())
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	read.SetConnMaxIdleTime(5 * time.Minute)
	if err := read.PingContext(ctx); err != nil {
		read.Close()
		db.Close()
		return nil, fmt.Errorf("open sqlite %s for reading: %w", path, err)
	}
	s.read = read
	return s, nil
}

// DB returns the writer pool, a single connection. River's driver takes it
// so that its inserts join our transactions; any other user must keep its
// transactions short, since they block every write.
func (s *Store) DB() *sql.DB { return s.db }

// Close closes both pools.
func (s *Store) Close() error {
	return errors.Join(s.read.Close(), s.db.Close())
}

//go:embed migrations/*.sql
var migrationFiles embed.FS

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in version order. A file is
// named NNNN_description.sql; the number is its version.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration file %s is not named NNNN_description.sql", e.Name())
		}
		b, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i := 1; i < len(ms); i++ {
		if ms[i].version == ms[i-1].version {
			return nil, fmt.Errorf("migrations %s and %s share a version", ms[i-1].name, ms[i].name)
		}
	}
	return ms, nil
}

const createMigrationTable = `CREATE TABLE IF NOT EXISTS quarry_migration (
	version    INTEGER PRIMARY KEY,
	name       TEXT NOT NULL,
	applied_at INTEGER NOT NULL
) STRICT`

// migrate applies the migrations the database has not recorded, each in its
// own transaction. The check runs inside the transaction, whose write lock
// is taken at BEGIN, so two processes opening a new file at once apply each
// migration once.
func (s *Store) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := s.db.ExecContext(ctx, createMigrationTable); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var latest int
	if err := s.db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM quarry_migration`).Scan(&latest); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if known := ms[len(ms)-1].version; latest > known {
		return fmt.Errorf("migrate: the database is at schema version %d, newer than this program's %d", latest, known)
	}
	for _, m := range ms {
		err := s.write(ctx, func(tx *sql.Tx) error {
			var applied bool
			err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM quarry_migration WHERE version = ?)`, m.version).Scan(&applied)
			if err != nil || applied {
				return err
			}
			if _, err := tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			_, err = tx.ExecContext(ctx, `INSERT INTO quarry_migration (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, time.Now().UnixMilli())
			if err == nil {
				s.logger.InfoContext(ctx, "applied database migration", "version", m.version, "name", m.name)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate %s: %w", m.name, err)
		}
	}
	return nil
}

// write runs fn in a transaction on the writer connection and commits it if
// fn returns nil. fn must use tx only: the writer pool has one connection,
// which the transaction holds.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	defer func() {
		if err != nil && isDiskFull(err) {
			err = extract.StorageFull(err)
		}
	}()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() //nolint:errcheck // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// millis is how a time is stored: unix milliseconds, which also fixes the
// time zone to UTC.
func millis(t time.Time) int64 { return t.UnixMilli() }

// fromMillis is the inverse of millis.
func fromMillis(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// trunc returns t as it reads back from the database.
func trunc(t time.Time) time.Time { return fromMillis(millis(t)) }

func nullMillis(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: millis(*t), Valid: true}
}

func fromNullMillis(n sql.NullInt64) *time.Time {
	if !n.Valid {
		return nil
	}
	t := fromMillis(n.Int64)
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

// sqliteCode returns the extended result code of a SQLite error, or 0.
func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

func isUniqueViolation(err error) bool {
	c := sqliteCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

// isDiskFull reports a write that failed for lack of disk space: SQLite
// answers SQLITE_FULL when the file system does (and past max_page_count).
func isDiskFull(err error) bool {
	return sqliteCode(err)&0xff == sqlite3.SQLITE_FULL || errors.Is(err, syscall.ENOSPC)
}

func isForeignKeyViolation(err error) bool {
	return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// placeholders returns "?, ?, …" for n arguments.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// limitArg is the LIMIT of a page: SQLite reads a negative limit as none.
func limitArg(p extract.Page) int {
	if p.Limit <= 0 {
		return -1
	}
	return p.Limit
}

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface {
	Scan(dest ...any) error
}

// keyset appends the condition "strictly after c in newest-first order".
// The leading created_at <= ? is implied by the OR that follows, but SQLite
// only seeks an index on a plain range: without it a deep page would scan
// every entry before the cursor.
func keyset(where []string, args []any, c *extract.Cursor) ([]string, []any) {
	if c == nil {
		return where, args
	}
	ms := millis(c.CreatedAt)
	where = append(where, "created_at <= ? AND (created_at < ? OR (created_at = ? AND id < ?))")
	return where, append(args, ms, ms, ms, c.ID)
}
