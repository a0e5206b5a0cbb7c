package app

import (
	"context"
	"errors"
	"io/fs"

	"github.com/quarrylabs/quarry/internal/extract"
)

// minFreeBytes is the free space under which the data directory counts as
// full: SQLite's write-ahead log, an upload's temporary file and the
// database's growth all need some, and a server that cannot write should
// say so at /healthz before its writes fail.
const minFreeBytes = 1 << 20

// checkDisk reports the data directory's file system as full, for
// /healthz: a load balancer or an orchestrator then sees the condition,
// and the administrator reads it, instead of requests failing one by one.
func checkDisk(dir string) func(context.Context) error {
	return func(context.Context) error {
		free, err := freeBytes(dir)
		if errors.Is(err, errors.ErrUnsupported) || errors.Is(err, fs.ErrNotExist) {
			return nil // not measured here, or no data directory to fill
		}
		if err != nil {
			return err
		}
		if free < minFreeBytes {
			return extract.Errorf(extract.CodeStorageFull,
				"the server is out of disk space (%d bytes free for its data): uploads and changes to jobs and files fail until space is freed", free)
		}
		return nil
	}
}
