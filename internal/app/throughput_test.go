package app_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/quarrylabs/quarry/internal/app"
	"github.com/quarrylabs/quarry/internal/gctune"
	"github.com/quarrylabs/quarry/internal/queue"
	"github.com/quarrylabs/quarry/internal/store/postgres/pgtest"
)

// BenchmarkThroughput measures jobs per second end to end on PostgreSQL:
// each op is one job created through the API (a tiny text document, the
// built-in engine) and run to COMPLETED, by an API server and one or two
// worker servers (Apps with their own pools and River clients, as separate
// processes have, in this one process). Next to it, River's own figure for
// a no-op job, inserted in batches and worked on the same PostgreSQL with
// the same fetch settings, is the ceiling Quarry's figure is read against.
// A Quarry run with workers goes in rounds, each between two runs of River
// inserting one job per transaction, and reports the median of its rounds'
// figures against River's around them (x_river_single) and the lowest
// (x_river_single_min): the machine's speed drifts between sub-benchmarks,
// and less within a round.
//
//	go test -run XXX -bench Throughput -benchtime 20000x ./internal/app/
//
// QUARRY_BENCH_WORKERS sets each worker server's --workers (default 100),
// QUARRY_BENCH_POOL each server's pool_max_conns (default half that),
// QUARRY_BENCH_ROUNDS the rounds (default 5).
func BenchmarkThroughput(b *testing.B) {
	pgtest.Require(b)
	// As quarry serve runs; the River runs share the process and so the
	// setting.
	defer gctune.HeapFloor(gctune.DefaultFloor)()
	workers := 100
	if v := os.Getenv("QUARRY_BENCH_WORKERS"); v != "" {
		var err error
		if workers, err = strconv.Atoi(v); err != nil {
			b.Fatalf("QUARRY_BENCH_WORKERS=%q: %v", v, err)
		}
	}
	for _, batch := range []int{1000, 1} {
		name := "RiverNoop/Insert=batch"
		if batch == 1 {
			name = "RiverNoop/Insert=single"
		}
		b.Run(name, func(b *testing.B) {
			rate := riverNoop(b, workers, batch, b.N, b.ResetTimer, b.StopTimer)
			b.ReportMetric(rate, "jobs/s")
		})
	}
	// No worker: how fast the API alone creates jobs, the first half of
	// each end-to-end op.
	b.Run("Quarry/WorkerProcesses=0", func(b *testing.B) { benchQuarry(b, 0, workers) })
	for _, procs := range []int{1, 2} {
		b.Run(fmt.Sprintf("Quarry/WorkerProcesses=%d", procs), func(b *testing.B) { benchQuarry(b, procs, workers) })
	}
}

// benchDatabase is a fresh database with a pool size that suits workers.
func benchDatabase(b *testing.B, workers int) string {
	b.Helper()
	return pgtest.WithParam(b, pgtest.Database(b), "pool_max_conns", strconv.Itoa(benchPoolSize(workers)))
}

// benchPoolSize is each server's pool_max_conns (QUARRY_BENCH_POOL, or
// half the workers: a run holds a connection only for its queries).
func benchPoolSize(workers int) int {
	if n, err := strconv.Atoi(os.Getenv("QUARRY_BENCH_POOL")); err == nil {
		return n
	}
	return max(16, workers/2)
}

func benchQuarry(b *testing.B, procs, workers int) {
	url := benchDatabase(b, workers)
	key := make([]byte, 32)
	rand.Read(key)
	dir := b.TempDir()
	apiKey := "qry_throughput-bench-key-0123456789"
	db := func(c *app.Config) {
		c.Database, c.TokenKey, c.DataDir = url, key, dir
		c.Logger = slog.New(slog.DiscardHandler)
		c.Queue.PollInterval = 0 // the defaults, as `quarry serve` has them
	}
	api := start(b, db, withAPIKey(apiKey), withRole(app.RoleAPI))
	for range procs {
		start(b, db, withRole(app.RoleWorker), withProjectConcurrency(-1), func(c *app.Config) { c.Queue.Workers = workers })
	}
	fileID := api.upload("invoice.txt", testdata(b, "invoice.txt"))
	body, _ := json.Marshal(map[string]any{"file_input": fileID, "configuration": map[string]any{"data_schema": invoiceSchema}})
	pool, err := pgxpool.New(b.Context(), url)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	// Done is COMPLETED, read from the counts the store's trigger keeps,
	// which cost the same however many jobs there are, where counting
	// extract_jobs every 5 ms would take a growing share of the CPU the
	// servers are measured on. With no worker, done is created: the
	// creators' last reply.
	countDone := `SELECT coalesce(sum(n), 0)::bigint FROM extract_job_counts WHERE status = 'COMPLETED'`
	base := 0 // jobs done by earlier runs of this benchmark
	if err := pool.QueryRow(b.Context(), countDone).Scan(&base); err != nil {
		b.Fatal(err)
	}

	// Creators keep a steady stream of requests in flight, as many
	// clients would; a phase ends when its jobs are done.
	done := base
	phase := func(n int) time.Duration {
		began := time.Now()
		var next atomic.Int64
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				for next.Add(1) <= int64(n) {
					if _, err := createRaw(api.base, apiKey, body); err != nil {
						b.Error(err)
						return
					}
				}
			})
		}
		if procs == 0 {
			wg.Wait()
		}
		for procs > 0 {
			var c int
			if err := pool.QueryRow(b.Context(), countDone).Scan(&c); err != nil {
				b.Fatal(err)
			}
			if c-done >= n {
				done = c
				break
			}
			if b.Failed() {
				b.FailNow()
			}
			// The count is a query on the CPU the servers are measured
			// on: asked often only near the end, where the moment matters.
			if n-(c-done) > 200 {
				time.Sleep(50 * time.Millisecond)
			} else {
				time.Sleep(2 * time.Millisecond)
			}
		}
		elapsed := time.Since(began)
		wg.Wait()
		return elapsed
	}
	if procs == 0 {
		b.ResetTimer()
		elapsed := phase(b.N)
		b.StopTimer()
		b.ReportMetric(float64(b.N)/elapsed.Seconds(), "jobs/s")
		return
	}

	// With workers, the jobs go in rounds, each between two runs of River
	// with as many jobs, one insert per transaction, while these servers
	// stand idle; each round's figure is read against the mean of the two
	// around it, and the median of those ratios is reported. The host's
	// speed drifts from one minute to the next by as much as the figures
	// differ, and a ratio taken over a few seconds drifts far less.
	rounds := min(benchRounds(), b.N)
	river := []float64{riverNoop(b, workers, 1, b.N/rounds, func() {}, func() {})}
	var total time.Duration
	ratios := make([]float64, rounds)
	b.ResetTimer()
	for r := range rounds {
		n := b.N / rounds
		if r == rounds-1 {
			n = b.N - r*(b.N/rounds)
		}
		b.StartTimer()
		elapsed := phase(n)
		b.StopTimer()
		total += elapsed
		river = append(river, riverNoop(b, workers, 1, n, func() {}, func() {}))
		ratios[r] = float64(n) / elapsed.Seconds() / ((river[r] + river[r+1]) / 2)
		b.Logf("round %d: Quarry %.0f jobs/s, River one insert per transaction %.0f before and %.0f after: %.2f",
			r+1, float64(n)/elapsed.Seconds(), river[r], river[r+1], ratios[r])
	}
	http.DefaultClient.CloseIdleConnections()
	slices.Sort(ratios)
	b.ReportMetric(float64(b.N)/total.Seconds(), "jobs/s")
	b.ReportMetric(ratios[len(ratios)/2], "x_river_single")
	b.ReportMetric(ratios[0], "x_river_single_min")
	b.ReportMetric(mean(river), "river_single_jobs/s")
}

// benchRounds is how many rounds the jobs of a run with workers go in
// (QUARRY_BENCH_ROUNDS, default 5).
func benchRounds() int {
	if n, err := strconv.Atoi(os.Getenv("QUARRY_BENCH_ROUNDS")); err == nil && n > 0 {
		return n
	}
	return 5
}

func mean(xs []float64) float64 {
	var sum float64
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

// noopArgs is River's no-op job.
type noopArgs struct{}

func (noopArgs) Kind() string { return "noop" }

type noopWorker struct {
	river.WorkerDefaults[noopArgs]
}

func (noopWorker) Work(context.Context, *river.Job[noopArgs]) error { return nil }

// riverNoop is River alone, in a database of its own: it inserts n no-op
// jobs while a client with Quarry's fetch settings and as many workers works
// them, and returns jobs per second from the first insert to the last
// completion, the span between calls of start and stop. With batch 1, 16
// inserters each insert one job per call, its own transaction, as clients
// create jobs one request at a time; a larger batch is River at its
// fastest, a single inserter making one statement of each batch.
func riverNoop(b *testing.B, workers, batch, n int, start, stop func()) float64 {
	url := benchDatabase(b, workers)
	pool, err := pgxpool.New(b.Context(), url)
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Close()
	driver := riverpgxv5.New(pool)
	m, err := rivermigrate.New(driver, nil)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := m.Migrate(b.Context(), rivermigrate.DirectionUp, nil); err != nil {
		b.Fatal(err)
	}
	ws := river.NewWorkers()
	river.AddWorker(ws, noopWorker{})
	client, err := river.NewClient(driver, &river.Config{
		Logger:            slog.New(slog.DiscardHandler),
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: workers}},
		Workers:           ws,
		FetchCooldown:     benchQueue.FetchCooldown,
		FetchPollInterval: benchQueue.PollInterval,
	})
	if err != nil {
		b.Fatal(err)
	}
	done, cancel := client.Subscribe(river.EventKindJobCompleted)
	defer cancel()
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	if err := client.Start(ctx); err != nil {
		b.Fatal(err)
	}
	defer client.Stop(context.Background())

	start()
	began := time.Now()
	if batch == 1 {
		var next atomic.Int64
		for range 16 {
			go func() {
				for next.Add(1) <= int64(n) {
					if _, err := client.Insert(ctx, noopArgs{}, nil); err != nil {
						if ctx.Err() == nil {
							b.Error(err)
						}
						return
					}
				}
			}()
		}
	} else {
		go func() {
			for left := n; left > 0; left -= batch {
				params := make([]river.InsertManyParams, min(batch, left))
				for i := range params {
					params[i] = river.InsertManyParams{Args: noopArgs{}}
				}
				if _, err := client.InsertMany(ctx, params); err != nil {
					if ctx.Err() == nil {
						b.Error(err)
					}
					return
				}
			}
		}()
	}
	for range n {
		select {
		case <-done:
		case <-time.After(time.Minute):
			b.Fatalf("no job completed for a minute")
		}
	}
	elapsed := time.Since(began)
	stop()
	return float64(n) / elapsed.Seconds()
}

// benchQueue holds the queue's default settings, which River's no-op run
// shares.
var benchQueue = queue.Config{}.WithDefaults()
