package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

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
	version    integer PRIMARY KEY,
	name       text NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now()
)`

// Migrate brings the schema named first in the pool's search_path up to
// date: Quarry's embedded migrations, each in its own transaction, then
// River's (rivermigrate on River's pgx driver). Open calls it; so can a
// command that only migrates.
//
// Several processes may start at once: each takes a session advisory lock
// on the schema before looking at what is applied, so one migrates while
// the others wait, then find nothing left to do. A database at a version
// newer than this program's is an error, so an old binary never runs on a
// schema it does not know. The pool must allow two connections: one holds
// the lock while River's migrator uses another.
func Migrate(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger) error {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1, hashtext(current_schema()))`, lockMigrate); err != nil {
		return fmt.Errorf("migrate: take the migration lock: %w", err)
	}
	defer func() {
		// A context already cancelled must not keep the lock held: unlock
		// without it, and if even that fails close the session, which
		// releases every lock it holds.
		_, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1, hashtext(current_schema()))`, lockMigrate)
		if err != nil {
			conn.Hijack().Close(context.WithoutCancel(ctx)) //nolint:errcheck // the session is being discarded
		}
	}()

	if err := migrateQuarry(ctx, conn.Conn(), ms, logger); err != nil {
		return err
	}
	m, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: logger.With("component", "river-migrate")})
	if err != nil {
		return fmt.Errorf("migrate: river migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate: river tables: %w", err)
	}
	return nil
}

// migrateQuarry applies the migrations the schema has not recorded. The
// caller holds the migration lock.
func migrateQuarry(ctx context.Context, conn *pgx.Conn, ms []migration, logger *slog.Logger) error {
	if _, err := conn.Exec(ctx, createMigrationTable); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	rows, _ := conn.Query(ctx, `SELECT version FROM quarry_migration`)
	applied, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if latest, known := slices.Max(append(applied, 0)), ms[len(ms)-1].version; int(latest) > known {
		return fmt.Errorf("migrate: the database is at schema version %d, newer than this program's %d", latest, known)
	}
	for _, m := range ms {
		if slices.Contains(applied, int32(m.version)) {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			// Without arguments, pgx sends the file with the simple query
			// protocol, which runs several statements.
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO quarry_migration (version, name) VALUES ($1, $2)`, m.version, m.name)
			return err
		})
		if err != nil {
			return fmt.Errorf("migrate %s: %w", m.name, err)
		}
		logger.InfoContext(ctx, "applied database migration", "version", m.version, "name", m.name)
	}
	return nil
}
