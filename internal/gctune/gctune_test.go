package gctune

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

// goal is the collector's current heap goal.
func goal() uint64 {
	s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// collectUntil runs collections until ok holds after one, giving the
// tuner's finalizer, which runs after the collection, time to act.
func collectUntil(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for range 100 {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
		if ok() {
			return
		}
	}
	t.Fatalf("%s: heap goal %d MiB", what, goal()>>20)
}

var sink [][]byte

// Not parallel: the GC percent is the process's.
func TestHeapFloor(t *testing.T) {
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	const floor = 256 << 20
	stop := HeapFloor(floor)

	// A small live heap: the goal rises to the floor, where Go's rule
	// would put it at twice a few megabytes.
	collectUntil(t, "small live heap", func() bool { return goal() >= floor*9/10 })
	if g := goal(); g > floor*11/10 {
		t.Errorf("heap goal %d MiB with a small live heap, want about the floor, %d MiB", g>>20, floor>>20)
	}

	// A live heap over half the floor: Go's own rule (twice the live heap)
	// is larger, and it applies.
	for range 200 {
		sink = append(sink, make([]byte, 1<<20))
	}
	collectUntil(t, "200 MiB live", func() bool { return goal() >= 390<<20 })
	if g := goal(); g > 440<<20 {
		t.Errorf("heap goal %d MiB with 200 MiB live, want about twice that", g>>20)
	}
	sink = nil

	// Stopped, the process's own percent is back.
	stop()
	collectUntil(t, "after stop", func() bool { return goal() < 64<<20 })
	if p := debug.SetGCPercent(100); p != 100 {
		t.Errorf("GC percent after stop = %d, want 100", p)
	}
}

func TestHeapFloorOff(t *testing.T) {
	before := debug.SetGCPercent(-1)
	defer debug.SetGCPercent(before)
	stop := HeapFloor(256 << 20)
	defer stop()
	if p := debug.SetGCPercent(-1); p != -1 {
		t.Errorf("with GOGC=off, HeapFloor set the GC percent to %d", p)
	}
}
