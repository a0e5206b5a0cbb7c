// Package batch runs concurrent calls of one operation together, so that
// they share its fixed costs: a transaction, a round trip, a statement.
//
// Batching adds no wait: a call that finds fewer batches in flight than
// the Batcher allows runs at once, alone or with whatever queued before
// it. Only when that many are in flight do calls queue, and the next flush
// takes them all, up to the largest batch allowed. So batches grow with
// the load, and stay single calls when it is light.
package batch

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Func runs a batch: one output for each input, in their order. An error
// means no input's work was done.
type Func[In, Out any] func(ctx context.Context, in []In) ([]Out, error)

// Batcher batches calls of Do.
//
// A batch that fails is retried one call at a time, so that an input's
// error (a job whose project was deleted meanwhile) is its own and not its
// neighbours'.
type Batcher[In, Out any] struct {
	run Func[In, Out]
	// maxFlushes bounds the batches in flight, maxBatch a batch's calls.
	maxFlushes, maxBatch int

	mu       sync.Mutex
	queued   []*call[In, Out]
	inFlight int
}

// call is one call of Do, waiting for its batch.
type call[In, Out any] struct {
	ctx  context.Context
	in   In
	out  Out
	err  error
	done chan struct{}
}

// FlushTimeout bounds a batch's run. A batch does not end with one call's
// context: the other calls in it are still waiting.
const FlushTimeout = 30 * time.Second

// New returns a Batcher that runs batches with run: at most maxFlushes at
// once, of at most maxBatch calls each.
func New[In, Out any](run Func[In, Out], maxFlushes, maxBatch int) *Batcher[In, Out] {
	return &Batcher[In, Out]{run: run, maxFlushes: max(1, maxFlushes), maxBatch: max(1, maxBatch)}
}

// Do runs in with the batch it falls into and returns its output. It waits
// for its batch even when ctx ends first: the work may be done by then,
// and the caller is told what happened to it.
func (b *Batcher[In, Out]) Do(ctx context.Context, in In) (Out, error) {
	c := &call[In, Out]{ctx: ctx, in: in, done: make(chan struct{})}
	b.mu.Lock()
	b.queued = append(b.queued, c)
	batch := b.next()
	b.mu.Unlock()
	if batch != nil {
		b.flush(batch)
	}
	<-c.done
	return c.out, c.err
}

// next takes the queued calls as a batch if another flush may start, and
// counts it in flight; nil otherwise. b.mu is held.
func (b *Batcher[In, Out]) next() []*call[In, Out] {
	if len(b.queued) == 0 || b.inFlight >= b.maxFlushes {
		return nil
	}
	n := min(len(b.queued), b.maxBatch)
	batch := b.queued[:n:n]
	b.queued = b.queued[n:]
	b.inFlight++
	return batch
}

// flush runs a batch and answers its calls; then, if calls queued
// meanwhile, it starts their batch in a goroutine of its own, so that the
// call that ran this flush returns now.
func (b *Batcher[In, Out]) flush(batch []*call[In, Out]) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(batch[0].ctx), FlushTimeout)
	in := make([]In, len(batch))
	for i, c := range batch {
		in[i] = c.in
	}
	out, err := b.run(ctx, in)
	if err == nil && len(out) != len(in) {
		err = fmt.Errorf("batch: %d outputs for %d inputs", len(out), len(in))
	}
	switch {
	case err == nil:
		for i, c := range batch {
			c.out = out[i]
		}
	case len(batch) == 1:
		batch[0].err = err
	default:
		for _, c := range batch {
			var one []Out
			if one, c.err = b.run(ctx, []In{c.in}); c.err == nil {
				c.out = one[0]
			}
		}
	}
	cancel()
	for _, c := range batch {
		close(c.done)
	}

	b.mu.Lock()
	b.inFlight--
	more := b.next()
	b.mu.Unlock()
	if more != nil {
		go b.flush(more)
	}
}
