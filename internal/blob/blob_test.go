package blob

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
)

func TestLocal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	l, err := NewLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	w, err := l.Put(ctx, "dfl-1", strings.NewReader("hello"), 5)
	if err != nil {
		t.Fatalf("Put within limit: %v", err)
	}
	if w.Size != 5 || w.SHA256 != "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" {
		t.Errorf("Put = %+v", w)
	}
	f, err := l.Open(ctx, "dfl-1")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f)
	f.Close()
	if string(b) != "hello" {
		t.Errorf("Open read %q", b)
	}

	_, err = l.Put(ctx, "dfl-2", strings.NewReader("hello!"), 5)
	if extract.ErrorCode(err) != extract.CodeTooLarge {
		t.Errorf("Put over limit: err = %v, want CodeTooLarge", err)
	}
	if _, err := l.Open(ctx, "dfl-2"); !extract.IsNotFound(err) {
		t.Errorf("a refused upload left a blob: %v", err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only dfl-1 (no temp files left)", len(entries))
	}

	if err := l.Delete(ctx, "dfl-1"); err != nil {
		t.Fatal(err)
	}
	if err := l.Delete(ctx, "dfl-1"); err != nil {
		t.Errorf("second Delete: %v", err)
	}
	if _, err := l.Open(ctx, "dfl-1"); !extract.IsNotFound(err) {
		t.Errorf("Open after Delete: %v, want not found", err)
	}

	for _, key := range []string{"../escape", "a/b", ".hidden", ""} {
		if _, err := l.Put(ctx, key, strings.NewReader("x"), 0); err == nil {
			t.Errorf("Put(%q) succeeded; keys must not name paths", key)
		}
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "escape")); err == nil {
		t.Errorf("a key escaped the directory")
	}
}

// TestLocalRemovesStaleUploads: the temporary file of an upload whose
// process died is removed when the store opens again, once it has gone
// unwritten for StaleUploadAge; a recent one, maybe another process's live
// upload, and stored blobs stay.
func TestLocalRemovesStaleUploads(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name string, age time.Duration) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
		at := time.Now().Add(-age)
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
		return p
	}
	stale := write(".upload-123", StaleUploadAge+time.Minute)
	fresh := write(".upload-456", time.Minute)
	old := write("dfl-old", 100*StaleUploadAge)
	if _, err := NewLocal(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale upload %s still there after NewLocal (%v)", stale, err)
	}
	for _, p := range []string{fresh, old} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s removed by NewLocal: %v", p, err)
		}
	}
}
