package pdf

import "syscall"

// mapNoReserve keeps a reservation out of the kernel's overcommit
// accounting: only touched pages count.
const mapNoReserve = syscall.MAP_NORESERVE
