// Package blob keeps uploaded files' bytes. The local store writes each blob
// to its own file under a directory; object storage (package s3) has the same
// methods, and the blobtest suite holds both to one behaviour.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
)

// Local stores blobs as files in one directory.
type Local struct {
	dir string
}

// StaleUploadAge is how long an upload's temporary file may go unwritten
// before NewLocal takes it for the leftover of an upload whose process died
// (a running upload writes to its file as its bytes arrive; several API
// processes may share the directory, so a fresh one may be live).
const StaleUploadAge = time.Hour

// NewLocal returns a store rooted at dir, creating it if needed, and
// removes the temporary files of uploads interrupted by a crash, which
// nothing else would ever remove.
func NewLocal(dir string) (*Local, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("blob: create %s: %w", dir, err)
	}
	if err := removeStaleUploads(dir, time.Now().Add(-StaleUploadAge)); err != nil {
		return nil, err
	}
	return &Local{dir: dir}, nil
}

// removeStaleUploads removes the temporary files in dir last written
// before cutoff.
func removeStaleUploads(dir string, cutoff time.Time) error {
	tmps, err := filepath.Glob(filepath.Join(dir, ".upload-*"))
	if err != nil {
		return fmt.Errorf("blob: list temporary files: %w", err)
	}
	for _, name := range tmps {
		fi, err := os.Lstat(name)
		if err != nil || !fi.Mode().IsRegular() || !fi.ModTime().Before(cutoff) {
			continue // gone meanwhile, not ours, or maybe still being written
		}
		if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("blob: remove an interrupted upload: %w", err)
		}
	}
	return nil
}

// Written describes a stored blob.
type Written struct {
	Size   int64
	SHA256 string
}

// Put streams r into the blob named key, refusing more than limit bytes
// (limit <= 0: no limit) with a CodeTooLarge error. The blob appears whole
// or not at all: it is written to a temporary file, synced, then renamed.
func (l *Local) Put(ctx context.Context, key string, r io.Reader, limit int64) (Written, error) {
	path, err := l.path(key)
	if err != nil {
		return Written{}, err
	}
	tmp, err := os.CreateTemp(l.dir, ".upload-*")
	if err != nil {
		return Written{}, fmt.Errorf("blob: create temp: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	h := sha256.New()
	src := r
	if limit > 0 {
		src = io.LimitReader(r, limit+1)
	}
	n, err := io.Copy(io.MultiWriter(tmp, h), ctxReader{ctx, src})
	if err == nil && limit > 0 && n > limit {
		err = extract.Errorf(extract.CodeTooLarge, "the file is larger than the server's upload limit of %d bytes", limit)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		err = extract.StorageFull(err)
	}
	if err != nil {
		return Written{}, fmt.Errorf("blob: write %s: %w", key, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return Written{}, fmt.Errorf("blob: store %s: %w", key, err)
	}
	return Written{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// Open returns the blob's bytes; CodeNotFound if there is none. The reader
// is an *os.File, so it also seeks: the download endpoint serves byte
// ranges from it.
func (l *Local) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	path, err := l.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, extract.Errorf(extract.CodeNotFound, "the file's content is no longer stored")
	}
	if err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", key, err)
	}
	return f, nil
}

// Delete removes a blob; deleting a missing blob is not an error.
func (l *Local) Delete(ctx context.Context, key string) error {
	path, err := l.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}

// path maps a key to a file, refusing anything that could leave the
// directory: keys are resource ids, never user paths.
func (l *Local) path(key string) (string, error) {
	if key == "" || strings.ContainsAny(key, `/\`) || strings.HasPrefix(key, ".") {
		return "", fmt.Errorf("blob: invalid key %q", key)
	}
	return filepath.Join(l.dir, key), nil
}

// ctxReader stops a long copy when the request goes away.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
