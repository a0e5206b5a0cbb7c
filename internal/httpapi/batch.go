package httpapi

import (
	"context"
	"sync"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
)

// jobBatcher creates the jobs of concurrent requests together: one
// transaction, one River insert and one INSERT for a batch, where each
// create alone costs all three (on PostgreSQL, two more round trips and a
// WAL flush each; on SQLite, a turn of the single writer each).
//
// Batching adds no wait: a create that finds fewer than maxFlushes batches
// in flight goes at once, alone or with whatever queued before it. Only
// when maxFlushes are in flight do creates queue, and the next flush takes
// them all, up to maxBatch. So batches grow with the load and stay single
// creates when it is light.
//
// A batch that fails is retried one create at a time, so that a job's
// error (its project deleted meanwhile) is its own and not its
// neighbours'.
type jobBatcher struct {
	store   batchStore
	enqueue extract.EnqueueManyFunc
	// maxFlushes bounds the batches in flight, maxBatch a batch's jobs.
	maxFlushes, maxBatch int

	mu       sync.Mutex
	queued   []*batchedCreate
	inFlight int
}

// batchStore is the part of the store a jobBatcher uses.
type batchStore interface {
	CreateJobs(ctx context.Context, jobs []extract.Job, enqueue extract.EnqueueManyFunc) ([]extract.Job, error)
}

// batchedCreate is one request's job, waiting for its batch.
type batchedCreate struct {
	ctx    context.Context
	job    extract.Job
	stored extract.Job
	err    error
	done   chan struct{}
}

// flushTimeout bounds a batch's transaction. A batch does not end with one
// request's context: its other jobs' requests are still waiting.
const flushTimeout = 30 * time.Second

func newJobBatcher(st batchStore, enqueue extract.EnqueueManyFunc, maxFlushes, maxBatch int) *jobBatcher {
	return &jobBatcher{store: st, enqueue: enqueue, maxFlushes: max(1, maxFlushes), maxBatch: max(1, maxBatch)}
}

// create stores job (which must have no IdempotencyKey) with the batch it
// falls into and returns it as stored. It waits for its batch even when
// ctx ends first: the job may be committed by then, and the caller is
// told what happened to it.
func (b *jobBatcher) create(ctx context.Context, job extract.Job) (extract.Job, error) {
	c := &batchedCreate{ctx: ctx, job: job, done: make(chan struct{})}
	b.mu.Lock()
	b.queued = append(b.queued, c)
	batch := b.next()
	b.mu.Unlock()
	if batch != nil {
		b.flush(batch)
	}
	<-c.done
	return c.stored, c.err
}

// next takes the queued creates as a batch if another flush may start, and
// counts it in flight; nil otherwise. b.mu is held.
func (b *jobBatcher) next() []*batchedCreate {
	if len(b.queued) == 0 || b.inFlight >= b.maxFlushes {
		return nil
	}
	n := min(len(b.queued), b.maxBatch)
	batch := b.queued[:n:n]
	b.queued = b.queued[n:]
	b.inFlight++
	return batch
}

// flush creates a batch's jobs and tells their requests; then, if creates
// queued meanwhile, it starts their batch in a goroutine of its own, so
// that the request that ran this flush is answered now.
func (b *jobBatcher) flush(batch []*batchedCreate) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(batch[0].ctx), flushTimeout)
	jobs := make([]extract.Job, len(batch))
	for i, c := range batch {
		jobs[i] = c.job
	}
	stored, err := b.store.CreateJobs(ctx, jobs, b.enqueue)
	switch {
	case err == nil:
		for i, c := range batch {
			c.stored = stored[i]
		}
	case len(batch) == 1:
		batch[0].err = err
	default:
		for _, c := range batch {
			var one []extract.Job
			if one, c.err = b.store.CreateJobs(ctx, []extract.Job{c.job}, b.enqueue); c.err == nil {
				c.stored = one[0]
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
