//go:build linux || darwin || freebsd

package pdf

import (
	"syscall"

	"github.com/tetratelabs/wazero/experimental"
)

// mmapAllocator backs each PDFium instance's linear memory with an anonymous
// mapping of its whole memory limit, reserved but not committed: pages
// become resident as PDFium touches them. wazero's default grows memory by
// allocating a larger Go slice and copying, so an instance growing towards
// its cap held one and a half to two times the cap for a moment, and what
// it freed stayed with the Go heap (counted against GOMEMLIMIT) until the
// next collections. A mapping grows in place, lies outside the Go heap,
// and is returned to the system the moment the instance closes.
var mmapAllocator experimental.MemoryAllocator = experimental.MemoryAllocatorFunc(func(capacity, max uint64) experimental.LinearMemory {
	m := &mmapMemory{}
	if max > 0 && max <= 1<<32 {
		b, err := syscall.Mmap(-1, 0, int(max), syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON|mapNoReserve)
		if err == nil {
			m.mapped = b
			return m
		}
	}
	// No mapping (no limit, or the system refused): a Go slice, grown as
	// wazero would.
	m.heap = make([]byte, 0, capacity)
	return m
})

type mmapMemory struct {
	mapped []byte // the reserved mapping, or nil
	heap   []byte // the fallback
}

// Reallocate returns the memory at size bytes; nil (a failed memory.grow)
// past the reservation.
func (m *mmapMemory) Reallocate(size uint64) []byte {
	if m.mapped != nil {
		if size > uint64(len(m.mapped)) {
			return nil
		}
		return m.mapped[:size]
	}
	if size <= uint64(cap(m.heap)) {
		m.heap = m.heap[:size]
		return m.heap
	}
	grown := make([]byte, size, max(size, 2*uint64(cap(m.heap))))
	copy(grown, m.heap)
	m.heap = grown
	return m.heap
}

// Free unmaps the memory.
func (m *mmapMemory) Free() {
	if m.mapped != nil {
		_ = syscall.Munmap(m.mapped)
		m.mapped = nil
	}
	m.heap = nil
}
