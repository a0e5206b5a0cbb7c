package storetest

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/store/storebench"
)

// BenchJobs returns the size of a listing benchmark's history: def, unless
// QUARRY_BENCH_JOBS says otherwise (a smaller history for a quick look).
func BenchJobs(def int) (int, error) {
	s := os.Getenv("QUARRY_BENCH_JOBS")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 2*storebench.PageSize {
		return 0, fmt.Errorf("QUARRY_BENCH_JOBS=%q is not a number of at least %d", s, 2*storebench.PageSize)
	}
	return n, nil
}

// BenchmarkListJobs measures the scenarios' listings on a store seeded with
// a storebench history, one sub-benchmark each, reporting the p50 and p99
// in milliseconds. A keyset listing must cost the same at any depth, so
// each later scenario also reports its median over the first's, and the
// parent logs the deep/first ratio. explain, when not nil, returns a
// scenario's plan as executed, logged once per scenario with -v.
func BenchmarkListJobs(b *testing.B, st storebench.Store, scenarios []storebench.ListScenario,
	explain func(context.Context, storebench.ListScenario) (string, error)) {
	b.Helper()
	p50 := make(map[string]time.Duration)
	for _, sc := range scenarios {
		explained := explain == nil
		b.Run(sc.Name, func(b *testing.B) {
			// The function runs once per b.N tried; one plan is enough.
			if !explained && testing.Verbose() {
				plan, err := explain(b.Context(), sc)
				if err != nil {
					b.Fatal(err)
				}
				b.Logf("plan:\n%s", plan)
				explained = true
			}
			lat, err := storebench.MeasureList(b.Context(), st, sc, b.N)
			if err != nil {
				b.Fatal(err)
			}
			if lat.Rows != sc.Page.Limit {
				b.Fatalf("%s listed %d jobs, want %d", sc.Name, lat.Rows, sc.Page.Limit)
			}
			b.ReportMetric(msec(lat.P50), "p50-ms")
			b.ReportMetric(msec(lat.P99), "p99-ms")
			p50[sc.Name] = lat.P50
			// The parent's log shows only with -v; the ratio also goes
			// with each later scenario's figures.
			if first := p50[scenarios[0].Name]; first > 0 && sc.Name != scenarios[0].Name {
				b.ReportMetric(float64(lat.P50)/float64(first), "p50/first")
			}
		})
	}
	first, deep := p50[scenarios[0].Name], p50[scenarios[1].Name]
	if first > 0 {
		b.Logf("%s/%s median ratio: %.2f (%.3f ms / %.3f ms)", scenarios[1].Name, scenarios[0].Name,
			float64(deep)/float64(first), msec(deep), msec(first))
	}
}

func msec(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
