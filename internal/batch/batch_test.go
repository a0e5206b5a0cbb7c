package batch

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// recorder runs batches of numbers, answering each with its square. A
// batch holding a negative number fails whole, as a statement does on one
// bad row. While gate is set, the first batch waits for it to close.
type recorder struct {
	gate    chan struct{}
	entered chan struct{}
	once    sync.Once

	mu      sync.Mutex
	batches [][]int
}

var errNegative = errors.New("negative")

func (r *recorder) run(ctx context.Context, in []int) ([]int, error) {
	r.mu.Lock()
	r.batches = append(r.batches, slices.Clone(in))
	r.mu.Unlock()
	r.once.Do(func() {
		if r.gate != nil {
			close(r.entered)
			<-r.gate
		}
	})
	out := make([]int, len(in))
	for i, n := range in {
		if n < 0 {
			return nil, fmt.Errorf("%d: %w", n, errNegative)
		}
		out[i] = n * n
	}
	return out, nil
}

// TestQueueBehindFullFlushes holds the one flush allowed in flight, queues
// calls behind it, and checks that they go as one batch, each answered
// with its own output, and that an input that fails its batch fails
// alone.
func TestQueueBehindFullFlushes(t *testing.T) {
	r := &recorder{gate: make(chan struct{}), entered: make(chan struct{})}
	b := New(r.run, 1, 100)
	in := []int{1, 2, 3, -4, 5, 6}
	out := make([]int, len(in))
	errs := make([]error, len(in))
	var wg sync.WaitGroup
	wg.Go(func() { out[0], errs[0] = b.Do(t.Context(), in[0]) })
	<-r.entered // the first call's flush is in flight, and held
	for i := 1; i < len(in); i++ {
		wg.Go(func() { out[i], errs[i] = b.Do(t.Context(), in[i]) })
	}
	// All five wait in the queue before the held flush is let go.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		b.mu.Lock()
		n := len(b.queued)
		b.mu.Unlock()
		if n == len(in)-1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d calls queued, want %d", n, len(in)-1)
		}
	}
	close(r.gate)
	wg.Wait()

	for i, n := range in {
		switch {
		case n < 0:
			if !errors.Is(errs[i], errNegative) {
				t.Errorf("Do(%d) = %v, want its own error", n, errs[i])
			}
		case errs[i] != nil || out[i] != n*n:
			t.Errorf("Do(%d) = %d, %v; want %d", n, out[i], errs[i], n*n)
		}
	}
	// The first alone, then the five queued as one batch (in the order
	// they queued), which failed for -4 and was retried one by one.
	queued := r.batches[1]
	want := [][]int{{1}, queued}
	for _, n := range queued {
		want = append(want, []int{n})
	}
	sorted := slices.Sorted(slices.Values(queued))
	if !slices.EqualFunc(r.batches, want, slices.Equal) || !slices.Equal(sorted, []int{-4, 2, 3, 5, 6}) {
		t.Errorf("batches %v, want %v holding 2, 3, -4, 5, 6", r.batches, want)
	}
}

// TestConcurrent makes many calls from many goroutines: each input is run
// once, in a batch no larger than the limit, and answered with its own
// output.
func TestConcurrent(t *testing.T) {
	r := &recorder{}
	b := New(r.run, 2, 8)
	const n = 500
	out := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var err error
			if out[i], err = b.Do(t.Context(), i); err != nil {
				t.Errorf("Do(%d): %v", i, err)
			}
		})
	}
	wg.Wait()
	seen := map[int]bool{}
	for _, batch := range r.batches {
		if len(batch) > 8 {
			t.Errorf("a batch of %d, over the limit of 8", len(batch))
		}
		for _, x := range batch {
			if seen[x] {
				t.Errorf("%d in two batches", x)
			}
			seen[x] = true
		}
	}
	for i := range n {
		if out[i] != i*i {
			t.Fatalf("Do(%d) = %d, want %d", i, out[i], i*i)
		}
	}
	if len(seen) != n {
		t.Errorf("%d inputs run, want %d", len(seen), n)
	}
	t.Logf("%d calls in %d batches", n, len(r.batches))
}

// TestShortOutput: a run that answers fewer outputs than inputs is an
// error for the calls, not a panic.
func TestShortOutput(t *testing.T) {
	b := New(func(ctx context.Context, in []int) ([]int, error) { return nil, nil }, 1, 1)
	if _, err := b.Do(t.Context(), 1); err == nil {
		t.Error("Do with no output = nil error")
	}
}
