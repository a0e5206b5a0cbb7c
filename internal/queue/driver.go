package queue

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
)

// Driver is the River driver the queue runs on, matched to the store: SQLite
// for the embedded SQLite store, Postgres for PostgreSQL. Either way River's
// writes join the store's transactions, so a row change and the River
// operation it causes commit together.
type Driver struct {
	name      string
	newClient func(rc *river.Config) (riverClient, error)
	// migrate brings River's tables up to date; nil when the store does it.
	migrate func(ctx context.Context, log *slog.Logger) error
	// pool is the PostgreSQL pool, for the workers' liveness locks; nil on
	// SQLite.
	pool *pgxpool.Pool
}

// SQLite runs River on the embedded store's single writer connection
// through River's SQLite driver, which takes the store's *sql.Tx as it is.
// River's tables are migrated by New (and Migrate): one process owns the
// database, so no other can be migrating it at the same time.
func SQLite(db *sql.DB) Driver {
	d := riversqlite.New(db)
	return Driver{
		name: "sqlite",
		newClient: func(rc *river.Config) (riverClient, error) {
			c, err := river.NewClient(d, rc)
			if err != nil {
				return nil, err
			}
			return &typedClient[*sql.Tx]{c: c, tx: func(_ context.Context, tx *sql.Tx) (*sql.Tx, error) { return tx, nil }}, nil
		},
		migrate: func(ctx context.Context, log *slog.Logger) error { return migrate(ctx, d, log) },
	}
}

// Postgres runs River on pool through River's pgx driver. txFromContext
// returns, inside one of the store's hooks, the store's transaction as a
// pgx.Tx (postgres.TxFromContext), so that River's inserts, cancels and
// deletes commit or roll back with the row change.
//
// River's tables are not migrated here: the PostgreSQL store migrates them
// with its own schema under an advisory lock, so that processes starting at
// once take turns.
func Postgres(pool *pgxpool.Pool, txFromContext func(ctx context.Context) (pgx.Tx, bool)) Driver {
	d := riverpgxv5.New(pool)
	return Driver{
		name: "postgres",
		pool: pool,
		newClient: func(rc *river.Config) (riverClient, error) {
			c, err := river.NewClient(d, rc)
			if err != nil {
				return nil, err
			}
			return &typedClient[pgx.Tx]{c: c, tx: func(ctx context.Context, _ *sql.Tx) (pgx.Tx, error) {
				tx, ok := txFromContext(ctx)
				if !ok {
					return nil, errors.New("queue: no store transaction in the context; River's writes must run inside a store hook")
				}
				return tx, nil
			}}, nil
		},
	}
}

// Migrate brings River's tables up to date where the driver owns them (on
// SQLite); on PostgreSQL the store's migration has done it.
func Migrate(ctx context.Context, d Driver, log *slog.Logger) error {
	if d.migrate == nil {
		return nil
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return d.migrate(ctx, log)
}

func migrate[TTx any](ctx context.Context, driver riverdriver.Driver[TTx], log *slog.Logger) error {
	m, err := rivermigrate.New(driver, &rivermigrate.Config{Logger: log.With("component", "river-migrate")})
	if err != nil {
		return fmt.Errorf("queue: river migrator: %w", err)
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("queue: migrate river tables: %w", err)
	}
	return nil
}

// riverClient is what the queue uses of a River client, whatever the type
// of its driver's transactions: the store's *sql.Tx comes in, and each
// driver turns it into its own.
type riverClient interface {
	insertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	insertManyTx(ctx context.Context, tx *sql.Tx, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error)
	cancelTx(ctx context.Context, tx *sql.Tx, id int64) error
	deleteTx(ctx context.Context, tx *sql.Tx, id int64) error
	list(ctx context.Context, params *river.JobListParams) ([]*rivertype.JobRow, error)
	start(ctx context.Context) error
	stop(ctx context.Context) error
}

type typedClient[TTx any] struct {
	c  *river.Client[TTx]
	tx func(ctx context.Context, tx *sql.Tx) (TTx, error)
}

func (t *typedClient[TTx]) insertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	rtx, err := t.tx(ctx, tx)
	if err != nil {
		return nil, err
	}
	return t.c.InsertTx(ctx, rtx, args, opts)
}

func (t *typedClient[TTx]) insertManyTx(ctx context.Context, tx *sql.Tx, params []river.InsertManyParams) ([]*rivertype.JobInsertResult, error) {
	rtx, err := t.tx(ctx, tx)
	if err != nil {
		return nil, err
	}
	return t.c.InsertManyTx(ctx, rtx, params)
}

func (t *typedClient[TTx]) cancelTx(ctx context.Context, tx *sql.Tx, id int64) error {
	rtx, err := t.tx(ctx, tx)
	if err != nil {
		return err
	}
	_, err = t.c.JobCancelTx(ctx, rtx, id)
	return err
}

func (t *typedClient[TTx]) deleteTx(ctx context.Context, tx *sql.Tx, id int64) error {
	rtx, err := t.tx(ctx, tx)
	if err != nil {
		return err
	}
	_, err = t.c.JobDeleteTx(ctx, rtx, id)
	return err
}

func (t *typedClient[TTx]) list(ctx context.Context, params *river.JobListParams) ([]*rivertype.JobRow, error) {
	res, err := t.c.JobList(ctx, params)
	if err != nil {
		return nil, err
	}
	return res.Jobs, nil
}

func (t *typedClient[TTx]) start(ctx context.Context) error { return t.c.Start(ctx) }
func (t *typedClient[TTx]) stop(ctx context.Context) error  { return t.c.Stop(ctx) }
