//go:build !unix

package app

import (
	"os"
	"path/filepath"
)

// lockDataDir opens the lock file; without flock the exclusivity is not
// enforced on this platform.
func lockDataDir(dir string) (*os.File, error) {
	return os.OpenFile(filepath.Join(dir, "quarry.lock"), os.O_CREATE|os.O_RDWR, 0o600)
}
