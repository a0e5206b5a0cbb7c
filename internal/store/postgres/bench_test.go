package postgres

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/store/postgres/pgtest"
	"github.com/quarrylabs/quarry/internal/store/storebench"
	"github.com/quarrylabs/quarry/internal/store/storetest"
)

// benchJobs is the size of the listing benchmark's history, unless
// QUARRY_BENCH_JOBS says otherwise (a smaller history for a quick look).
const benchJobs = 10_000_000

// benchDB is the seeded database, shared by every benchmark of the process:
// seeding ten million jobs takes many minutes, so it happens once.
var benchDB struct {
	once    sync.Once
	st      *Store
	project string
	err     error
}

// benchStore returns the seeded store and the project holding the jobs. The
// database is $QUARRY_BENCH_DATABASE_URL when set (seeded on first use and
// kept, so later runs skip seeding), else a new one, dropped at the end.
func benchStore(b *testing.B) (*Store, string) {
	b.Helper()
	benchDB.once.Do(func() {
		ctx := context.Background()
		want, err := storetest.BenchJobs(benchJobs)
		if err != nil {
			benchDB.err = err
			return
		}
		url := os.Getenv("QUARRY_BENCH_DATABASE_URL")
		if url == "" {
			// Dropped by the cleanup of the first benchmark to ask, which
			// is the whole run when only BenchmarkListJobs runs.
			url = pgtest.Database(b)
		}
		st, err := Open(ctx, url, nil)
		if err != nil {
			benchDB.err = err
			return
		}
		benchDB.st = st
		b.Cleanup(func() { st.Close() })
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
			b.Logf("using the database's %d jobs", n)
		case n > 0:
			benchDB.err = fmt.Errorf("the database holds %d jobs, neither none nor at least %d; drop it to reseed", n, want)
		default:
			t0 := time.Now()
			benchDB.err = SeedJobs(ctx, st, prj.ID, want)
			b.Logf("seeded %d jobs in %v", want, time.Since(t0).Round(time.Millisecond))
		}
	})
	if benchDB.err != nil {
		b.Fatalf("bench database: %v", benchDB.err)
	}
	return benchDB.st, benchDB.project
}

// BenchmarkListJobs measures one API page of jobs (100, asking 101) on a
// history of ten million: the newest page, page 50,001, and a status and
// date range filter. A keyset listing must cost the same at any depth; the
// parent logs the deep/first ratio of the medians, and with -v each
// scenario's plan as executed.
func BenchmarkListJobs(b *testing.B) {
	st, prj := benchStore(b)
	scenarios, err := ListScenarios(b.Context(), st, prj)
	if err != nil {
		b.Fatal(err)
	}
	storetest.BenchmarkListJobs(b, st, scenarios, func(ctx context.Context, sc storebench.ListScenario) (string, error) {
		return ExplainList(ctx, st, sc)
	})
}
