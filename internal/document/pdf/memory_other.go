//go:build !(linux || darwin || freebsd)

package pdf

import "github.com/tetratelabs/wazero/experimental"

// mmapAllocator is wazero's default where no mapping is made.
var mmapAllocator experimental.MemoryAllocator
