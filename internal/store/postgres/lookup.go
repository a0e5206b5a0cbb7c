package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/quarrylabs/quarry/internal/batch"
)

// The reads every request or run makes (an API key by its hash, a file by
// its id, a job to run) are each one row by its key, and each its own
// round trip, the larger part of their cost. Concurrent ones go together:
// a lookup batcher sends a batch's statements at once (pgx.Batch), one
// round trip for all, each statement still the lookup of one key, so no
// plan can turn into a scan as a join of the table with a list of keys
// can.

// found is a lookup's answer: the row, if there was one.
type found[V any] struct {
	v  V
	ok bool
}

// Lookups in flight at once, and keys in one. One in flight: under load a
// lookup waits for the one before it and goes with those that came
// meanwhile, so a round trip serves several requests; alone, it goes at
// once.
const (
	lookupFlushes = 1
	lookupBatch   = 100
)

// lookup reads rows one by key: query, with args(k), reads one row, which
// scan reads.
type lookup[K, V any] struct {
	pool  *pgxpool.Pool
	query string
	args  func(K) []any
	scan  func(pgx.Row) (V, error)
}

// run looks up keys, all sent at once: one round trip.
func (l lookup[K, V]) run(ctx context.Context, keys []K) ([]found[V], error) {
	var b pgx.Batch
	for _, k := range keys {
		b.Queue(l.query, l.args(k)...)
	}
	br := l.pool.SendBatch(ctx, &b)
	defer br.Close()
	out := make([]found[V], len(keys))
	for i := range keys {
		v, err := l.scan(br.QueryRow())
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			continue
		case err != nil:
			return nil, err
		}
		out[i] = found[V]{v, true}
	}
	return out, br.Close()
}

// batched returns a batcher of l's lookups, for callers that each look up
// one key.
func (l lookup[K, V]) batched() *batch.Batcher[K, found[V]] {
	return batch.New(l.run, lookupFlushes, lookupBatch)
}
