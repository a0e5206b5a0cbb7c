package sqlite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/store/storetest"
)

// benchJobs is the size of the listing benchmark's history, unless
// QUARRY_BENCH_JOBS says otherwise (a smaller history for a quick look).
const benchJobs = 1_000_000

// benchDB is the seeded database, shared by every benchmark of the process:
// seeding a million jobs takes tens of seconds, so it happens once.
var benchDB struct {
	once    sync.Once
	st      *Store
	project string
	tempDir string // removed by TestMain; empty when QUARRY_BENCH_DB names the file
	err     error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDB.st != nil {
		benchDB.st.Close()
	}
	if benchDB.tempDir != "" {
		os.RemoveAll(benchDB.tempDir)
	}
	os.Exit(code)
}

// benchStore returns the seeded store and the project holding the jobs. The
// file is $QUARRY_BENCH_DB when set (seeded on first use and kept, so later
// runs skip seeding), else a temporary one.
func benchStore(b *testing.B) (*Store, string) {
	b.Helper()
	benchDB.once.Do(func() {
		ctx := context.Background()
		want, err := storetest.BenchJobs(benchJobs)
		if err != nil {
			benchDB.err = err
			return
		}
		path := os.Getenv("QUARRY_BENCH_DB")
		if path == "" {
			dir, err := os.MkdirTemp("", "quarry-bench-")
			if err != nil {
				benchDB.err = err
				return
			}
			benchDB.tempDir = dir
			path = filepath.Join(dir, "bench.db")
		}
		st, err := Open(ctx, path, nil)
		if err != nil {
			benchDB.err = err
			return
		}
		benchDB.st = st
		_, prj, _, err := st.EnsureDefaults(ctx)
		if err != nil {
			benchDB.err = err
			return
		}
		benchDB.project = prj.ID
		n, err := st.CountJobs(ctx, extract.JobFilter{ProjectID: prj.ID})
		switch {
		case err != nil:
			benchDB.err = err
		case n >= int64(want):
			b.Logf("using %s: %d jobs", path, n)
		case n > 0:
			benchDB.err = fmt.Errorf("%s holds %d jobs, neither none nor at least %d; remove it to reseed", path, n, want)
		default:
			t0 := time.Now()
			benchDB.err = SeedJobs(ctx, st, prj.ID, want)
			b.Logf("seeded %d jobs into %s in %v", want, path, time.Since(t0).Round(time.Millisecond))
		}
	})
	if benchDB.err != nil {
		b.Fatalf("bench database: %v", benchDB.err)
	}
	return benchDB.st, benchDB.project
}

// BenchmarkListJobs measures one API page of jobs (100, asking 101) on a
// history of a million: the newest page, page 5,001, and a status and date
// range filter. A keyset listing must cost the same at any depth; the
// parent logs the deep/first ratio of the medians.
func BenchmarkListJobs(b *testing.B) {
	st, prj := benchStore(b)
	scenarios, err := ListScenarios(b.Context(), st, prj)
	if err != nil {
		b.Fatal(err)
	}
	storetest.BenchmarkListJobs(b, st, scenarios, nil)
}
