package postgres

import (
	"context"
	"errors"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// The Store's transactions are database/sql transactions, as extract.Store's
// hooks take a *sql.Tx; River's PostgreSQL driver for pgx (riverpgxv5) takes
// a pgx.Tx instead. TxFromContext bridges the two: inside a hook, it gives
// the same transaction as a pgx.Tx, so that River's inserts, cancels and
// deletes commit or roll back with the Store's row change, as they do on
// SQLite through River's database/sql driver.

type sessionKey struct{}

func withSession(ctx context.Context, conn *pgx.Conn) context.Context {
	return withTx(ctx, &sessionTx{conn: conn})
}

// withTx gives hooks tx as TxFromContext's answer.
func withTx(ctx context.Context, tx pgx.Tx) context.Context {
	return context.WithValue(ctx, sessionKey{}, tx)
}

// TxFromContext returns, inside a hook the Store calls within one of its
// transactions (CreateJob's and CreateJobs' enqueue, CancelJob's cancel,
// DeleteJob's remove), that transaction as a pgx.Tx: statements on it run
// in the transaction the hook was called in. ok is false for any other
// context. CreateJobs drives its transaction over pgx alone (pipeTx) when
// no job of the batch has webhooks, and gives its hook a nil *sql.Tx: a
// hook on PostgreSQL uses this, not the *sql.Tx.
//
// The Store commits or rolls back; the pgx.Tx's own Commit and Rollback
// refuse. Begin makes a savepoint, as pgx's nested transactions do. It must
// be used only while the hook runs, and not at the same time as the *sql.Tx:
// both are the one connection.
func TxFromContext(ctx context.Context) (tx pgx.Tx, ok bool) {
	tx, ok = ctx.Value(sessionKey{}).(pgx.Tx)
	return tx, ok
}

// errStoreOwnsTx is what the outer transaction's Commit and Rollback say.
var errStoreOwnsTx = errors.New("postgres: the store commits or rolls back this transaction")

// sessionTx is a pgx.Tx over a connection already in a transaction begun
// through database/sql. depth 0 is that transaction; deeper ones are
// savepoints.
type sessionTx struct {
	conn   *pgx.Conn
	depth  int
	closed bool
}

var _ pgx.Tx = (*sessionTx)(nil)

func (t *sessionTx) savepoint() string { return "quarry_savepoint_" + strconv.Itoa(t.depth) }

// Begin starts a pseudo nested transaction: a savepoint.
func (t *sessionTx) Begin(ctx context.Context) (pgx.Tx, error) {
	if t.closed {
		return nil, pgx.ErrTxClosed
	}
	nested := &sessionTx{conn: t.conn, depth: t.depth + 1}
	if _, err := t.conn.Exec(ctx, "SAVEPOINT "+nested.savepoint()); err != nil {
		return nil, err
	}
	return nested, nil
}

// Commit releases a savepoint; the outer transaction is the Store's.
func (t *sessionTx) Commit(ctx context.Context) error {
	switch {
	case t.depth == 0:
		return errStoreOwnsTx
	case t.closed:
		return pgx.ErrTxClosed
	}
	t.closed = true
	_, err := t.conn.Exec(ctx, "RELEASE SAVEPOINT "+t.savepoint())
	return err
}

// Rollback undoes a savepoint's work; the outer transaction is the Store's.
func (t *sessionTx) Rollback(ctx context.Context) error {
	switch {
	case t.depth == 0:
		return errStoreOwnsTx
	case t.closed:
		return pgx.ErrTxClosed
	}
	t.closed = true
	_, err := t.conn.Exec(ctx, "ROLLBACK TO SAVEPOINT "+t.savepoint()+"; RELEASE SAVEPOINT "+t.savepoint())
	return err
}

func (t *sessionTx) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	return t.conn.CopyFrom(ctx, table, columns, src)
}

func (t *sessionTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	return t.conn.SendBatch(ctx, b)
}

// LargeObjects is not supported: pgx builds them only on its own
// transactions, and Quarry keeps no large objects.
func (t *sessionTx) LargeObjects() pgx.LargeObjects { return pgx.LargeObjects{} }

func (t *sessionTx) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	return t.conn.Prepare(ctx, name, sql)
}

func (t *sessionTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return t.conn.Exec(ctx, sql, args...)
}

func (t *sessionTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return t.conn.Query(ctx, sql, args...)
}

func (t *sessionTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return t.conn.QueryRow(ctx, sql, args...)
}

func (t *sessionTx) Conn() *pgx.Conn { return t.conn }
