package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/id"
)

// TestBackup copies a database while a writer keeps committing to it, as a
// running server does: the copy opens, passes its checks, and holds every
// file committed before the backup began. A second backup of the closed
// database (no WAL left) works too, and an existing target is refused.
func TestBackup(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	path := filepath.Join(dir, "quarry.db")
	st, err := Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, prj, _, err := st.EnsureDefaults(ctx)
	if err != nil {
		t.Fatal(err)
	}
	addFile := func(i int) {
		f := extract.File{ID: id.New(id.File), ProjectID: prj.ID, Name: fmt.Sprintf("f%d", i), FileType: "txt",
			ContentType: "text/plain", Purpose: "extract", SHA256: "x", CreatedAt: time.Now()}
		if err := st.CreateFile(ctx, f); err != nil {
			t.Error(err)
		}
	}
	const before = 200
	for i := range before {
		addFile(i)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := before; ; i++ {
			select {
			case <-stop:
				return
			default:
				addFile(i)
			}
		}
	})
	out := filepath.Join(dir, "backup.db")
	err = Backup(ctx, path, out)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("Backup while writing: %v", err)
	}
	if n := countFiles(t, out, prj.ID); n < before {
		t.Errorf("backup holds %d files, want at least the %d committed before it", n, before)
	}
	if err := Backup(ctx, path, out); err == nil {
		t.Error("Backup onto an existing file succeeded, want an error")
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	closed := filepath.Join(dir, "closed.db")
	if err := Backup(ctx, path, closed); err != nil {
		t.Fatalf("Backup of a closed database: %v", err)
	}
	if got, want := countFiles(t, closed, prj.ID), countFiles(t, path, prj.ID); got != want {
		t.Errorf("backup of the closed database holds %d files, want %d", got, want)
	}
}

// countFiles opens a database with Open, as a restored server would.
func countFiles(t *testing.T, path, projectID string) int {
	t.Helper()
	st, err := Open(context.Background(), path, nil)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer st.Close()
	files, err := st.ListFiles(context.Background(), extract.FileFilter{ProjectID: projectID}, extract.Page{})
	if err != nil {
		t.Fatal(err)
	}
	return len(files)
}
