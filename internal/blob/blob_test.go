package blob

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
