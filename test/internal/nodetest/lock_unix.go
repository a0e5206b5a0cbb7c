//go:build unix

package nodetest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockDir takes an exclusive lock on dir for as long as it is held, so
// that two test binaries never run npm ci in the same directory at once.
// The lock file lives in the temporary directory, not in the checkout.
func lockDir(dir string) (unlock func(), err error) {
	sum := sha256.Sum256([]byte(dir))
	name := filepath.Join(os.TempDir(), "quarry-npm-"+hex.EncodeToString(sum[:8])+".lock")
	f, err := os.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("flock %s: %w", name, err)
	}
	return func() { f.Close() }, nil // closing the file releases the lock
}
