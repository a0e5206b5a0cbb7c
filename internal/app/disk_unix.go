//go:build unix

package app

import (
	"fmt"
	"syscall"
)

// freeBytes returns the bytes an unprivileged process may still write on
// the file system that holds dir.
func freeBytes(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, fmt.Errorf("statfs %s: %w", dir, err)
	}
	return uint64(st.Bavail) * uint64(st.Bsize), nil
}
