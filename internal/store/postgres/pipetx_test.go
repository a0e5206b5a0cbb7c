package postgres

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/quarrylabs/quarry/internal/store/postgres/pgtest"
)

// countingConn counts the writes of a connection: with pgx, one a flush of
// its buffer, so one a round trip.
type countingConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countingConn) Write(p []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(p)
}

// pipeConn connects to a schema of its own with a table t, counting the
// connection's writes.
func pipeConn(t *testing.T) (*pgx.Conn, *atomic.Int64) {
	t.Helper()
	ctx := t.Context()
	cfg, err := pgx.ParseConfig(pgtest.Schema(t))
	if err != nil {
		t.Fatal(err)
	}
	writes := new(atomic.Int64)
	dialer := &net.Dialer{}
	cfg.DialFunc = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dialer.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return countingConn{Conn: c, writes: writes}, nil
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	if _, err := conn.Exec(ctx, `CREATE TABLE t (v integer PRIMARY KEY)`); err != nil {
		t.Fatal(err)
	}
	return conn, writes
}

func values(t *testing.T, conn *pgx.Conn) []int {
	t.Helper()
	rows, _ := conn.Query(t.Context(), `SELECT v FROM t ORDER BY v`)
	vs, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		t.Fatal(err)
	}
	return vs
}

// insertTwo is a transaction shaped like a create: a statement whose answer
// the next one needs (River's insert), then one that goes with the COMMIT.
func insertTwo(ctx context.Context, conn *pgx.Conn, a, b int) error {
	tx := beginPipe(conn)
	defer tx.rollback(ctx)
	var got int
	if err := tx.QueryRow(ctx, `INSERT INTO t VALUES ($1) RETURNING v`, a).Scan(&got); err != nil {
		return err
	}
	var batch pgx.Batch
	batch.Queue(`INSERT INTO t VALUES ($1)`, b)
	return tx.commit(ctx, &batch)
}

func TestPipeTx(t *testing.T) {
	t.Parallel()
	ctx := t.Context()

	t.Run("TwoRoundTrips", func(t *testing.T) {
		conn, writes := pipeConn(t)
		// The first use prepares the statements: a round trip more.
		if err := insertTwo(ctx, conn, 1, 2); err != nil {
			t.Fatal(err)
		}
		before := writes.Load()
		if err := insertTwo(ctx, conn, 3, 4); err != nil {
			t.Fatal(err)
		}
		if n := writes.Load() - before; n != 2 {
			t.Errorf("a two-statement transaction took %d writes, want 2 (BEGIN with the first, COMMIT with the second)", n)
		}
		if got := values(t, conn); !equalInts(got, []int{1, 2, 3, 4}) {
			t.Errorf("rows = %v, want [1 2 3 4]", got)
		}
		if s := conn.PgConn().TxStatus(); s != 'I' {
			t.Errorf("transaction status after commit = %c, want I", s)
		}
	})

	t.Run("FailedCommitRollsBack", func(t *testing.T) {
		conn, _ := pipeConn(t)
		if err := insertTwo(ctx, conn, 1, 1); !isUniqueViolation(err) {
			t.Fatalf("second insert of the same key: %v, want a unique violation", err)
		}
		if s := conn.PgConn().TxStatus(); s != 'I' {
			t.Errorf("transaction status after a failed commit = %c, want I (rolled back)", s)
		}
		if got := values(t, conn); len(got) != 0 {
			t.Errorf("rows after a failed transaction = %v, want none", got)
		}
	})

	t.Run("FailedQueuedStatement", func(t *testing.T) {
		// A queued statement that fails fails the statement it went with;
		// the transaction rolls back.
		conn, _ := pipeConn(t)
		tx := beginPipe(conn)
		errCallback := errors.New("callback refused")
		tx.queue(`SELECT 1`).Exec(func(pgconn.CommandTag) error { return errCallback })
		if _, err := tx.Exec(ctx, `INSERT INTO t VALUES (1)`); !errors.Is(err, errCallback) {
			t.Errorf("Exec after a refused queued statement: %v, want %v", err, errCallback)
		}
		tx.rollback(ctx)
		if s := conn.PgConn().TxStatus(); s != 'I' {
			t.Errorf("transaction status after rollback = %c, want I", s)
		}
		if got := values(t, conn); len(got) != 0 {
			t.Errorf("rows after rollback = %v, want none", got)
		}

		tx = beginPipe(conn)
		tx.queue(`SELECT 1/0`)
		if _, err := tx.Query(ctx, `INSERT INTO t VALUES (2) RETURNING v`); err == nil {
			t.Error("Query after a failing queued statement succeeded")
		}
		tx.rollback(ctx)
		if got := values(t, conn); len(got) != 0 {
			t.Errorf("rows after rollback = %v, want none", got)
		}
	})

	t.Run("RollbackBeforeAnyStatement", func(t *testing.T) {
		// Nothing was sent: nothing to end, and the connection is as it was.
		conn, writes := pipeConn(t)
		before := writes.Load()
		tx := beginPipe(conn)
		tx.rollback(ctx)
		if n := writes.Load() - before; n != 0 {
			t.Errorf("rollback of an unsent transaction wrote %d times, want 0", n)
		}
		if err := tx.commit(ctx, nil); !errors.Is(err, pgx.ErrTxClosed) {
			t.Errorf("commit after rollback: %v, want %v", err, pgx.ErrTxClosed)
		}
	})

	t.Run("StatementErrorReachesTheCaller", func(t *testing.T) {
		// However pgx splits it between Query and the rows' Err, which
		// callers read before Close.
		conn, _ := pipeConn(t)
		tx := beginPipe(conn)
		defer tx.rollback(ctx)
		rows, err := tx.Query(ctx, `SELECT v / 0 FROM (VALUES (1)) AS x(v)`)
		if err == nil {
			for rows.Next() {
			}
			err = rows.Err()
			rows.Close()
		}
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "22012" {
			t.Errorf("division by zero in the first statement: %v, want SQLSTATE 22012", err)
		}
	})

	t.Run("SavepointAndBatch", func(t *testing.T) {
		conn, _ := pipeConn(t)
		tx := beginPipe(conn)
		defer tx.rollback(ctx)
		nested, err := tx.Begin(ctx)
		if err != nil {
			t.Fatalf("Begin: %v", err)
		}
		if _, err := nested.Exec(ctx, `INSERT INTO t VALUES (1)`); err != nil {
			t.Fatal(err)
		}
		if err := nested.Rollback(ctx); err != nil {
			t.Fatal(err)
		}
		var b pgx.Batch
		b.Queue(`INSERT INTO t VALUES (2)`)
		if err := tx.SendBatch(ctx, &b).Close(); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(ctx); !errors.Is(err, errStoreOwnsTx) {
			t.Errorf("Commit from a hook: %v, want %v", err, errStoreOwnsTx)
		}
		if err := tx.commit(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if got := values(t, conn); !equalInts(got, []int{2}) {
			t.Errorf("rows = %v, want [2] (the savepoint's insert rolled back)", got)
		}
	})
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
