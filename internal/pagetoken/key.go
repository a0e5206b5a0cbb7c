package pagetoken

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ParseKey reads a key given by configuration: hex, or base64 (standard or
// URL-safe, padded or not), of at least MinKeySize bytes. Surrounding white
// space is ignored. Hex is tried first, so a string that is both (only hex
// digits, of even length) is read as hex. Errors never repeat the key.
//
// A key can be made with `openssl rand -hex 32`.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, errors.New("page token key is empty")
	}
	if key, err := hex.DecodeString(s); err == nil {
		if len(key) < MinKeySize {
			return nil, fmt.Errorf("page token key is %d bytes of hex; at least %d bytes (%d hex digits) are needed", len(key), MinKeySize, 2*MinKeySize)
		}
		return key, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		key, err := enc.DecodeString(s)
		if err != nil {
			continue
		}
		if len(key) < MinKeySize {
			return nil, fmt.Errorf("page token key is %d bytes of base64; at least %d are needed", len(key), MinKeySize)
		}
		return key, nil
	}
	return nil, fmt.Errorf("page token key is neither hex nor base64; make one with `openssl rand -hex %d`", MinKeySize)
}

// LoadOrCreateKey returns the key kept in the file at path, creating the file
// with a new random key of MinKeySize bytes if there is none, so that tokens
// stay valid across restarts without any configuration.
//
// The file holds the key as hex text (what ParseKey reads, so the same value
// can be moved into configuration); base64 is read too. A file that exists
// but holds no usable key is an error, not a reason to replace it: that would
// hide a mistake.
//
// The file is created whole or not at all, with mode 0600, in a directory
// created with mode 0700 if missing: the key is written to a temporary file
// in the same directory, flushed, then linked into place. Linking, unlike
// renaming, never replaces a file, so when two processes start together both
// end up with the key of the one that linked first.
func LoadOrCreateKey(path string) ([]byte, error) {
	if key, err := readKeyFile(path); !errors.Is(err, fs.ErrNotExist) {
		return key, err
	}
	key := make([]byte, MinKeySize)
	rand.Read(key)
	err := writeNewFile(path, []byte(hex.EncodeToString(key)+"\n"))
	if errors.Is(err, fs.ErrExist) {
		return readKeyFile(path) // someone else created it first: theirs wins
	}
	if err != nil {
		return nil, fmt.Errorf("create page token key file: %w", err)
	}
	return key, nil
}

// readKeyFile reads and parses a key file. Its error wraps fs.ErrNotExist
// when there is no file.
func readKeyFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read page token key file: %w", err)
	}
	key, err := ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("page token key file %s: %w", path, err)
	}
	return key, nil
}

// writeNewFile creates path with data and mode 0600, atomically, failing with
// an error wrapping fs.ErrExist if path exists.
func writeNewFile(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		// The temporary name goes in every case: after a link, path
		// holds the data; after a failure, nothing should remain.
		if rerr := os.Remove(tmp); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) && err == nil {
			err = rerr
		}
	}()
	// CreateTemp already uses 0600; saying so keeps it true if that changes.
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return err
		}
		// Some file systems have no hard links; a rename is still
		// atomic, only it would replace a file created meanwhile.
		if err := os.Rename(tmp, path); err != nil {
			return err
		}
	}
	syncDir(dir)
	return nil
}

// syncDir makes a new directory entry durable, so that a key handed out is
// still there after a power loss. It is best effort: some systems cannot sync
// a directory, and the key is already in place either way.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
