//go:build !unix

package app

import "errors"

// freeBytes is not measured on this platform; the disk check is skipped.
func freeBytes(string) (uint64, error) { return 0, errors.ErrUnsupported }
