// Package gctune sets how often Go's garbage collector runs in a server
// whose live heap is small next to the memory it may use.
//
// By default Go collects each time the heap doubles over what the last
// collection kept (GOGC=100). A Quarry server keeps tens of megabytes live
// between jobs, so under load it collects many times a second, each
// collection's marking paid for by the requests and runs of the moment.
// A floor under the collector's goal trades a bounded amount of memory for
// most of that work: the heap may grow to the floor before a collection,
// and past it Go's own rule applies, so a process that holds a large
// document grows no more than it would have.
package gctune

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

// DefaultFloor is quarry serve's floor: 256 MiB.
const DefaultFloor = 256 << 20

// minHeap is the runtime's minimum heap goal at GOGC=100.
const minHeap = 4 << 20

// tuner re-sets the GC percent after each collection, from a finalizer
// that arms itself again (the runtime has no hook at the end of a cycle).
type tuner struct {
	floor uint64
	base  int // the GC percent the process had: GOGC, or 100

	mu      sync.Mutex
	stopped bool
	samples []metrics.Sample
}

// sentinel is garbage whose finalizer runs after the collection that finds
// it. It holds a pointer and is over 16 bytes, so that it is not one of the
// tiny objects the allocator packs together, whose finalizers can wait for
// their neighbours.
type sentinel struct {
	t *tuner
	_ [16]byte
}

// HeapFloor keeps the collector's goal at floor bytes at least: after each
// collection it sets the GC percent so that the next one comes when the
// heap reaches floor, or when it reaches what the process's GC percent
// would allow (GOGC, or 100 by default), whichever is larger. A memory
// limit (GOMEMLIMIT) still stops the heap short of the limit. With GOGC=off
// or a floor of 0 it does nothing. stop restores the GC percent the
// process had.
func HeapFloor(floor uint64) (stop func()) {
	base := debug.SetGCPercent(100)
	debug.SetGCPercent(base)
	if floor == 0 || base < 0 {
		return func() {}
	}
	t := &tuner{floor: floor, base: base, samples: []metrics.Sample{
		{Name: "/gc/heap/live:bytes"},
		{Name: "/gc/scan/stack:bytes"},
		{Name: "/gc/scan/globals:bytes"},
	}}
	t.adjust()
	t.arm()
	return t.stop
}

func (t *tuner) arm() {
	s := &sentinel{t: t}
	runtime.SetFinalizer(s, func(s *sentinel) {
		if s.t.adjust() {
			s.t.arm()
		}
	})
}

// adjust sets the percent for the next collection from what the last one
// kept, and reports whether the tuner is still running.
func (t *tuner) adjust() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.stopped {
		return false
	}
	debug.SetGCPercent(percent(t.floor, t.base, t.samples))
	return true
}

// percent is the GC percent that puts the next goal at floor. Go's goal is
// live + (live + stacks + globals) × percent / 100, but never under its
// minimum heap, 4 MiB × percent / 100, which would take a small heap's
// goal far past the floor.
func percent(floor uint64, base int, samples []metrics.Sample) int {
	metrics.Read(samples)
	var live, scan uint64
	for i, s := range samples {
		if s.Value.Kind() != metrics.KindUint64 {
			return base
		}
		if i == 0 {
			live = s.Value.Uint64()
		}
		scan += s.Value.Uint64()
	}
	if scan == 0 || live >= floor {
		return base
	}
	p := min((floor-live)*100/scan, floor*100/minHeap)
	if p <= uint64(base) {
		return base
	}
	return int(p)
}

func (t *tuner) stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.stopped {
		t.stopped = true
		debug.SetGCPercent(t.base)
	}
}
