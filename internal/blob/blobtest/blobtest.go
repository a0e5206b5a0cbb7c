// Package blobtest is the behaviour every blob store shares (the local
// directory, S3), written once and run against each, so that the server
// behaves the same whichever one a deployment chooses.
package blobtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/quarrylabs/quarry/internal/blob"
	"github.com/quarrylabs/quarry/internal/extract"
)

// Store is the method set the suite checks.
type Store interface {
	Put(ctx context.Context, key string, r io.Reader, limit int64) (blob.Written, error)
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	Delete(ctx context.Context, key string) error
}

// Large is the size of the suite's big blobs: more than two parts of 5 MiB,
// S3's smallest, so a store that uploads in parts of that size sends
// several, and a limit can be crossed after the first part has gone.
const Large = 12 << 20

// Run runs the suite. newStore returns an empty store for one subtest;
// subtests run in parallel, each with its own store.
func Run(t *testing.T, newStore func(t *testing.T) Store) {
	t.Run("Put", func(t *testing.T) {
		t.Parallel()
		testPut(t, newStore)
	})
	t.Run("Replace", func(t *testing.T) {
		t.Parallel()
		testReplace(t, newStore)
	})
	t.Run("RefusedReplaceKeepsOld", func(t *testing.T) {
		t.Parallel()
		testRefusedReplace(t, newStore)
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		wantNotFound(t, s, "dfl-never-stored")
	})
	t.Run("Delete", func(t *testing.T) {
		t.Parallel()
		testDelete(t, newStore)
	})
	t.Run("Cancel", func(t *testing.T) {
		t.Parallel()
		testCancel(t, newStore)
	})
	t.Run("ErrInvalidKey", func(t *testing.T) {
		t.Parallel()
		testInvalidKey(t, newStore)
	})
}

func testPut(t *testing.T, newStore func(t *testing.T) Store) {
	tests := []struct {
		name      string
		size      int64
		limit     int64
		wantLimit bool // CodeTooLarge, and nothing stored
	}{
		{name: "Empty", size: 0},
		{name: "SmallNoLimit", size: 5},
		{name: "SmallAtLimit", size: 5, limit: 5},
		{name: "ErrSmallOverLimit", size: 6, limit: 5, wantLimit: true},
		{name: "LargeNoLimit", size: Large},
		{name: "LargeAtLimit", size: Large, limit: Large},
		{name: "ErrLargeOverLimit", size: Large + 1, limit: Large, wantLimit: true},
		{name: "ErrLargeOverSmallLimit", size: Large, limit: 1 << 20, wantLimit: true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			s := newStore(t)
			seed := i
			w, err := s.Put(ctx, "dfl-1", content(seed, tt.size), tt.limit)
			if tt.wantLimit {
				want := fmt.Sprintf("the file is larger than the server's upload limit of %d bytes", tt.limit)
				if extract.ErrorCode(err) != extract.CodeTooLarge || extract.ErrorMessage(err) != want {
					t.Fatalf("Put(%d bytes, limit %d) error = %v, want CodeTooLarge %q", tt.size, tt.limit, err, want)
				}
				wantNotFound(t, s, "dfl-1")
				return
			}
			if err != nil {
				t.Fatalf("Put(%d bytes, limit %d): %v", tt.size, tt.limit, err)
			}
			want := blob.Written{Size: tt.size, SHA256: digest(content(seed, tt.size))}
			if w != want {
				t.Errorf("Put(%d bytes) = %+v, want %+v", tt.size, w, want)
			}
			if got := read(t, s, "dfl-1"); got != want {
				t.Errorf("Open read %+v, want %+v", got, want)
			}
		})
	}
}

func testReplace(t *testing.T, newStore func(t *testing.T) Store) {
	s := newStore(t)
	put(t, s, "dfl-1", "first")
	put(t, s, "dfl-1", "second")
	if got, want := read(t, s, "dfl-1"), written("second"); got != want {
		t.Errorf("Open after replacing read %+v, want %+v (\"second\")", got, want)
	}
}

// A refused upload must not destroy the blob it would have replaced: the
// upload fails as a whole.
func testRefusedReplace(t *testing.T, newStore func(t *testing.T) Store) {
	s := newStore(t)
	put(t, s, "dfl-1", "first")
	_, err := s.Put(t.Context(), "dfl-1", content(1, Large+1), Large)
	if extract.ErrorCode(err) != extract.CodeTooLarge {
		t.Fatalf("Put over the limit: error = %v, want CodeTooLarge", err)
	}
	if got, want := read(t, s, "dfl-1"), written("first"); got != want {
		t.Errorf("Open after a refused replacement read %+v, want %+v (\"first\")", got, want)
	}
}

func testDelete(t *testing.T, newStore func(t *testing.T) Store) {
	ctx := t.Context()
	s := newStore(t)
	put(t, s, "dfl-1", "hello")
	put(t, s, "dfl-2", "other")
	if err := s.Delete(ctx, "dfl-1"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	wantNotFound(t, s, "dfl-1")
	if got, want := read(t, s, "dfl-2"), written("other"); got != want {
		t.Errorf("Delete removed another blob: Open(dfl-2) read %+v, want %+v", got, want)
	}
	if err := s.Delete(ctx, "dfl-1"); err != nil {
		t.Errorf("second Delete: %v, want nil", err)
	}
	if err := s.Delete(ctx, "dfl-never-stored"); err != nil {
		t.Errorf("Delete of a blob never stored: %v, want nil", err)
	}
}

// A Put whose context ends stops reading, returns the context's error and
// stores nothing, even though the client would go on sending.
func testCancel(t *testing.T, newStore func(t *testing.T) Store) {
	tests := []struct {
		name        string
		cancelAfter int64 // bytes read before the context is cancelled; -1: before Put
	}{
		{name: "BeforePut", cancelAfter: -1},
		{name: "WithinFirstPart", cancelAfter: 1 << 10},
		// Past 5 MiB: a store uploading in parts has sent one already.
		{name: "AfterFirstPart", cancelAfter: 6 << 20},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			if tt.cancelAfter < 0 {
				cancel()
			}
			// A finite body: a store that ignored the cancellation would
			// read it to the end and succeed, failing the test instead of
			// hanging it.
			r := &cancelReader{r: content(i, 2*Large), after: tt.cancelAfter, cancel: cancel}
			_, err := s.Put(ctx, "dfl-1", r, 0)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Put with a cancelled context: error = %v, want context.Canceled", err)
			}
			wantNotFound(t, s, "dfl-1")
		})
	}
}

// Keys are resource ids, never paths, in every store.
func testInvalidKey(t *testing.T, newStore func(t *testing.T) Store) {
	ctx := t.Context()
	s := newStore(t)
	for _, key := range []string{"", "a/b", `a\b`, "../escape", ".hidden"} {
		if _, err := s.Put(ctx, key, strings.NewReader("x"), 0); err == nil {
			t.Errorf("Put(%q) succeeded; keys must not name paths", key)
		}
		if rc, err := s.Open(ctx, key); err == nil || extract.IsNotFound(err) {
			if rc != nil {
				rc.Close()
			}
			t.Errorf("Open(%q) error = %v, want an invalid key error", key, err)
		}
		if err := s.Delete(ctx, key); err == nil {
			t.Errorf("Delete(%q) succeeded, want an invalid key error", key)
		}
	}
}

// content is size bytes that do not compress or repeat, the same for the
// same seed, produced as they are read rather than held in memory.
func content(seed int, size int64) io.Reader {
	var key [32]byte
	key[0] = byte(seed)
	return io.LimitReader(rand.NewChaCha8(key), size)
}

func digest(r io.Reader) string {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		panic(err) // content never fails
	}
	return hex.EncodeToString(h.Sum(nil))
}

func written(s string) blob.Written {
	return blob.Written{Size: int64(len(s)), SHA256: digest(strings.NewReader(s))}
}

func put(tb testing.TB, s Store, key, body string) {
	tb.Helper()
	w, err := s.Put(tb.Context(), key, strings.NewReader(body), 0)
	if err != nil {
		tb.Fatalf("Put(%q): %v", key, err)
	}
	if want := written(body); w != want {
		tb.Fatalf("Put(%q) = %+v, want %+v", key, w, want)
	}
}

// read opens key and describes what it reads as a Written, to compare with
// what Put returned.
func read(tb testing.TB, s Store, key string) blob.Written {
	tb.Helper()
	rc, err := s.Open(tb.Context(), key)
	if err != nil {
		tb.Fatalf("Open(%q): %v", key, err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		tb.Fatalf("read %q: %v", key, err)
	}
	return blob.Written{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}
}

func wantNotFound(tb testing.TB, s Store, key string) {
	tb.Helper()
	rc, err := s.Open(tb.Context(), key)
	if err == nil {
		rc.Close()
		tb.Fatalf("Open(%q) found a blob, want CodeNotFound", key)
	}
	const want = "the file's content is no longer stored"
	if !extract.IsNotFound(err) || extract.ErrorMessage(err) != want {
		tb.Fatalf("Open(%q) error = %v, want CodeNotFound %q", key, err, want)
	}
}

// cancelReader cancels its context once after bytes have been read, and
// goes on giving bytes, as a client still sending would.
type cancelReader struct {
	r      io.Reader
	after  int64
	cancel context.CancelFunc
	n      int64
}

func (c *cancelReader) Read(p []byte) (int, error) {
	if c.after >= 0 && c.n >= c.after {
		c.cancel()
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
