package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// pipeTx is a transaction on one connection that sends statements which
// need no answer before the next one together, in one round trip: its BEGIN
// goes with its first statement, and its COMMIT with the statements given
// to commit. A transaction of two statements, the second depending on the
// first's answer, costs two round trips instead of four. On a busy host
// each round trip waits for both processes to be scheduled, so a create's
// latency is mostly its count of round trips.
//
// It is a pgx.Tx so that River can write in it (TxFromContext). As with
// sessionTx, its own Commit and Rollback refuse: the Store ends it, with
// commit or rollback.
type pipeTx struct {
	conn *pgx.Conn
	// pending holds what is still to be sent, BEGIN first; nil once sent.
	pending *pgx.Batch
	ended   bool
}

var _ pgx.Tx = (*pipeTx)(nil)

// beginPipe starts a pipeTx on conn. Nothing is sent yet.
func beginPipe(conn *pgx.Conn) *pipeTx {
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	return &pipeTx{conn: conn, pending: b}
}

// queue adds a statement to go with the next one sent. Its answer, and any
// error, reach qq's callback (QueuedQuery.Query, QueryRow or Exec) then; an
// error from the callback or the statement fails the statement it went with.
func (t *pipeTx) queue(sql string, args ...any) *pgx.QueuedQuery {
	if t.pending == nil {
		t.pending = &pgx.Batch{}
	}
	return t.pending.Queue(sql, args...)
}

// send sends what is pending with sql, reads the answers of the pending
// statements, and returns the results positioned at sql's.
func (t *pipeTx) send(ctx context.Context, sql string, args ...any) (pgx.BatchResults, error) {
	if t.ended {
		return nil, pgx.ErrTxClosed
	}
	b := t.pending
	t.pending = nil
	b.Queue(sql, args...)
	br := t.conn.SendBatch(ctx, b)
	for _, qq := range b.QueuedQueries[:len(b.QueuedQueries)-1] {
		var err error
		if qq.Fn != nil {
			err = qq.Fn(br)
		} else {
			_, err = br.Exec()
		}
		if err != nil {
			br.Close()
			return nil, err
		}
	}
	return br, nil
}

// flush sends what is pending on its own, for the calls that cannot take
// it along (SendBatch, CopyFrom, Prepare).
func (t *pipeTx) flush(ctx context.Context) error {
	if t.ended {
		return pgx.ErrTxClosed
	}
	if t.pending == nil {
		return nil
	}
	b := t.pending
	t.pending = nil
	return t.conn.SendBatch(ctx, b).Close()
}

// commit sends what is pending, then b's statements, then COMMIT, all in
// one round trip, and runs b's callbacks on their answers. After an error
// the transaction is rolled back.
func (t *pipeTx) commit(ctx context.Context, b *pgx.Batch) error {
	if t.ended {
		return pgx.ErrTxClosed
	}
	all := t.pending
	t.pending = nil
	if all == nil {
		all = &pgx.Batch{}
	}
	if b != nil {
		all.QueuedQueries = append(all.QueuedQueries, b.QueuedQueries...)
	}
	all.Queue("COMMIT")
	err := t.conn.SendBatch(ctx, all).Close()
	if err != nil {
		t.rollback(ctx)
		return err
	}
	t.ended = true
	return nil
}

// rollback ends the transaction if the server still has it open (a failed
// statement leaves it open, aborted). Its error is not the caller's: the
// pool closes a connection returned in a transaction, and the server then
// rolls back; so does it when ctx has ended, which leaves ROLLBACK unsent.
func (t *pipeTx) rollback(ctx context.Context) {
	if t.ended {
		return
	}
	t.ended = true
	if ctx.Err() == nil && !t.conn.IsClosed() && t.conn.PgConn().TxStatus() != 'I' {
		t.conn.Exec(ctx, "ROLLBACK") //nolint:errcheck // see above
	}
}

// Begin starts a pseudo nested transaction: a savepoint, sent with what is
// pending.
func (t *pipeTx) Begin(ctx context.Context) (pgx.Tx, error) {
	nested := &sessionTx{conn: t.conn, depth: 1}
	if _, err := t.Exec(ctx, "SAVEPOINT "+nested.savepoint()); err != nil {
		return nil, err
	}
	return nested, nil
}

// Commit and Rollback refuse: the Store ends the transaction.
func (t *pipeTx) Commit(context.Context) error   { return errStoreOwnsTx }
func (t *pipeTx) Rollback(context.Context) error { return errStoreOwnsTx }

func (t *pipeTx) CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error) {
	if err := t.flush(ctx); err != nil {
		return 0, err
	}
	return t.conn.CopyFrom(ctx, table, columns, src)
}

func (t *pipeTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if err := t.flush(ctx); err != nil {
		return errBatchResults{err}
	}
	return t.conn.SendBatch(ctx, b)
}

// LargeObjects is not supported, as on sessionTx.
func (t *pipeTx) LargeObjects() pgx.LargeObjects { return pgx.LargeObjects{} }

func (t *pipeTx) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	if err := t.flush(ctx); err != nil {
		return nil, err
	}
	return t.conn.Prepare(ctx, name, sql)
}

func (t *pipeTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if t.pending == nil && !t.ended {
		return t.conn.Exec(ctx, sql, args...)
	}
	br, err := t.send(ctx, sql, args...)
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	tag, err := br.Exec()
	return tag, errors.Join(err, br.Close())
}

func (t *pipeTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if t.pending == nil && !t.ended {
		return t.conn.Query(ctx, sql, args...)
	}
	br, err := t.send(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return nil, err
	}
	return &batchRows{Rows: rows, br: br}, nil
}

func (t *pipeTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	rows, err := t.Query(ctx, sql, args...)
	return row{rows: rows, err: err}
}

func (t *pipeTx) Conn() *pgx.Conn { return t.conn }

// batchRows are the rows of a batch's last statement: the batch is closed
// with them, and its error is theirs.
type batchRows struct {
	pgx.Rows
	br  pgx.BatchResults
	err error
	// closed: br is closed.
	closed bool
}

func (r *batchRows) finish() {
	if !r.closed {
		r.closed = true
		r.Rows.Close()
		r.err = r.br.Close()
	}
}

// Next closes the batch after the last row, so that Err, which callers
// read before Close, has its error too.
func (r *batchRows) Next() bool {
	if r.Rows.Next() {
		return true
	}
	r.finish()
	return false
}

func (r *batchRows) Close() { r.finish() }

func (r *batchRows) Err() error {
	if err := r.Rows.Err(); err != nil {
		return err
	}
	return r.err
}

// row is pgx.Row over Rows, as pgx's own QueryRow has it.
type row struct {
	rows pgx.Rows
	err  error
}

func (r row) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}

// errBatchResults answers every call with err.
type errBatchResults struct{ err error }

func (e errBatchResults) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, e.err }
func (e errBatchResults) Query() (pgx.Rows, error)         { return nil, e.err }
func (e errBatchResults) QueryRow() pgx.Row                { return row{err: e.err} }
func (e errBatchResults) Close() error                     { return e.err }
