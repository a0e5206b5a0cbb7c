package postgres

import (
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/id"
)

// This file holds the listing benchmark's parts, exported so that a command
// (quarry bench) can take the same measurement on a real deployment as
// BenchmarkListJobs does in tests. The synthetic history is the one the
// SQLite benchmark seeds, so the two backends' figures compare.

// seedBatch is the number of rows SeedJobs copies per transaction.
const seedBatch = 1_000_000

// seedSpacing is the mean time between seeded jobs: ten million span about
// a year and a half.
const seedSpacing = 5 * time.Second

// SeedJobs inserts n synthetic jobs into the project, ending now: a mix of
// statuses weighted like a busy service's history, five saved
// configurations (two jobs in three use one), file and parse job inputs, and
// for finished jobs a result of about 300 bytes with field metadata and
// usage. Timestamps and ids increase together as real ones do, with one job
// in ten sharing its predecessor's millisecond.
//
// Rows go in with COPY, a million per transaction, with the status count
// triggers disabled for the transaction (a row trigger per copied row would
// triple the time); the counts are then adjusted once per status. Disabling
// a trigger locks the whole table, so other sessions wait for each batch:
// seed a database nothing else uses.
func SeedJobs(ctx context.Context, st *Store, projectID string, n int) error {
	if _, err := st.Project(ctx, projectID); err != nil {
		return fmt.Errorf("seed jobs: %w", err)
	}
	r := rand.New(rand.NewPCG(uint64(n), 42))
	now := time.Now().UTC()
	start := now.Add(-time.Duration(n) * seedSpacing)

	var configs []extract.SavedConfiguration
	for i, name := range []string{"invoices", "receipts", "contracts", "bank statements", "purchase orders"} {
		c := extract.SavedConfiguration{
			ID: id.New(id.Configuration), ProjectID: projectID, Name: name, ProductType: extract.ProductExtractV2,
			Configuration: seedConfiguration(i), Version: 1, CreatedAt: start.Add(-time.Hour), UpdatedAt: start.Add(-time.Hour),
		}
		if err := st.CreateConfiguration(ctx, c); err != nil {
			return fmt.Errorf("seed jobs: %w", err)
		}
		configs = append(configs, c)
	}
	configJSON := make([]string, len(configs))
	for i, c := range configs {
		b, err := json.Marshal(c.Configuration.Resolve())
		if err != nil {
			return fmt.Errorf("seed jobs: %w", err)
		}
		configJSON[i] = string(b)
	}
	unsaved, err := json.Marshal(seedConfiguration(len(configs)).Resolve())
	if err != nil {
		return fmt.Errorf("seed jobs: %w", err)
	}

	msec := start.UnixMilli()
	fileInput := ""
	counts := make(map[extract.Status]int64)
	// row returns the values of the next job, in jobInsertColumns order.
	row := func() []any {
		if r.IntN(10) != 0 {
			msec += 1 + r.Int64N(2*seedSpacing.Milliseconds())
		}
		created := time.UnixMilli(msec).UTC()
		// Most files are extracted once; some twice in a row.
		if fileInput == "" || r.IntN(5) != 0 {
			fileInput = seedID(id.File, created, r)
			if r.IntN(10) == 0 {
				fileInput = seedID(id.ParseJob, created, r)
			}
		}
		var cfgID *string
		cfg := string(unsaved)
		if k := r.IntN(3 * len(configs) / 2); k < len(configs) {
			cfgID = &configs[k].ID
			cfg = configJSON[k]
		}
		status := seedStatus(r)
		counts[status]++
		updated := created
		var started, finished *time.Time
		var result, metadata, usage *string
		var errMsg, engine string
		if status != extract.StatusPending && status != extract.StatusThrottled {
			t := created.Add(time.Duration(200+r.Int64N(2000)) * time.Millisecond)
			started, updated = &t, t
		}
		if status.Terminal() {
			t := started.Add(time.Duration(1000+r.Int64N(60_000)) * time.Millisecond)
			finished, updated = &t, t
			engine = "builtin"
		}
		switch status {
		case extract.StatusCompleted:
			res, u := seedResult(r), fmt.Sprintf(`{"num_pages_extracted":%d,"num_document_tokens":%d,"num_output_tokens":%d}`,
				1+r.IntN(20), 500+r.IntN(20_000), 50+r.IntN(500))
			md := seedMetadata
			result, metadata, usage = &res, &md, &u
		case extract.StatusFailed:
			errMsg = "The document could not be read: the file is not a valid PDF."
		}
		return []any{seedID(id.Job, created, r), projectID, fileInput, cfgID, cfg, string(status),
			errMsg, result, metadata, usage, engine, nil, nil, "", nil,
			created, updated, started, finished}
	}

	columns := strings.Fields(strings.ReplaceAll(jobInsertColumns, ",", " "))
	conn, err := st.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("seed jobs: %w", err)
	}
	defer conn.Release()
	for done := 0; done < n; {
		batch := min(seedBatch, n-done)
		clear(counts)
		err := pgx.BeginFunc(ctx, conn.Conn(), func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `ALTER TABLE extract_jobs DISABLE TRIGGER USER`); err != nil {
				return err
			}
			left := batch
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"extract_jobs"}, columns, pgx.CopyFromFunc(func() ([]any, error) {
				if left == 0 {
					return nil, nil
				}
				left--
				return row(), nil
			}))
			if err != nil {
				return fmt.Errorf("copy: %w", err)
			}
			for status, k := range counts {
				if _, err := tx.Exec(ctx, `UPDATE extract_job_counts SET n = n + $1 WHERE status = $2 AND shard = 0`, k, string(status)); err != nil {
					return err
				}
			}
			_, err = tx.Exec(ctx, `ALTER TABLE extract_jobs ENABLE TRIGGER USER`)
			return err
		})
		if err != nil {
			return fmt.Errorf("seed jobs: %w", err)
		}
		done += batch
	}
	// Statistics for the planner and a visibility map for index-only
	// counts, as autovacuum would eventually make them.
	if _, err := conn.Exec(ctx, `VACUUM (ANALYZE) extract_jobs`); err != nil {
		return fmt.Errorf("seed jobs: vacuum: %w", err)
	}
	return nil
}

// seedStatus draws a status: mostly finished, a few in flight.
func seedStatus(r *rand.Rand) extract.Status {
	switch p := r.IntN(100); {
	case p < 72:
		return extract.StatusCompleted
	case p < 82:
		return extract.StatusFailed
	case p < 88:
		return extract.StatusCancelled
	case p < 94:
		return extract.StatusPending
	case p < 96:
		return extract.StatusThrottled
	default:
		return extract.StatusRunning
	}
}

// seedID returns a resource id whose UUIDv7 carries t, as id.New's would
// have had it been called then.
func seedID(prefix string, t time.Time, r *rand.Rand) string {
	var u uuid.UUID
	binary.BigEndian.PutUint64(u[8:], r.Uint64())
	binary.BigEndian.PutUint64(u[0:], uint64(t.UnixMilli())<<16|r.Uint64()&0x0fff)
	u[6] = u[6]&0x0f | 0x70 // version 7
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return prefix + "-" + u.String()
}

// seedConfiguration returns a configuration of about 350 bytes as stored.
func seedConfiguration(i int) extract.Configuration {
	schema := fmt.Sprintf(`{"type":"object","properties":{"vendor_%d":{"type":"string"},"number":{"type":"string"},`+
		`"date":{"type":"string","format":"date"},"total":{"type":"number","description":"Grand total including tax"}},`+
		`"required":["total"]}`, i)
	return extract.Configuration{
		DataSchema: json.RawMessage(schema), Tier: extract.TierAgentic, ExtractionTarget: extract.TargetPerDoc,
		CiteSources: i%2 == 0, ConfidenceScores: true, Version: "latest",
	}
}

// seedResult returns an extraction result of about 300 bytes.
func seedResult(r *rand.Rand) string {
	return fmt.Sprintf(`{"vendor":"Acme Industrial Supplies GmbH","number":"INV-%06d","date":"2026-%02d-%02d","currency":"EUR",`+
		`"total":%d.%02d,"lines":[{"description":"Hydraulic pump, 4 kW","amount":%d.00},`+
		`{"description":"Installation and commissioning","amount":%d.00},{"description":"Freight","amount":%d.50}]}`,
		r.IntN(1_000_000), 1+r.IntN(12), 1+r.IntN(28), r.IntN(100_000), r.IntN(100), r.IntN(50_000), r.IntN(5_000), r.IntN(300))
}

const seedMetadata = `{"document_metadata":{"total":{"confidence":0.97,"citation":[{"page":1,"matching_text":"Total EUR",` +
	`"bounding_boxes":[{"x":0.61,"y":0.82,"w":0.2,"h":0.02}]}]},"number":{"confidence":0.99,"citation":[{"page":1}]}}}`

// ListScenario is one listing a benchmark measures: a filter and a page.
type ListScenario struct {
	Name   string
	Filter extract.JobFilter
	Page   extract.Page
}

// pageSize is the API's page size in the scenarios; a listing asks one job
// more to learn whether another page follows.
const pageSize = 100

// ListScenarios returns the listings BenchmarkListJobs measures on the
// project's jobs, which should number ten million or so (SeedJobs):
//
//   - FirstPage: the newest page.
//   - Deep50000: the page after page 50,000 (after job 5,000,000). With
//     fewer jobs, the page halfway down, named for its number.
//   - StatusDateRange: the newest COMPLETED jobs of a week in the middle of
//     the history.
//
// Each asks for 101 jobs as the API does for a page of 100. Cursors are
// found by query, not by paging.
func ListScenarios(ctx context.Context, st *Store, projectID string) ([]ListScenario, error) {
	all := extract.JobFilter{ProjectID: projectID}
	total, err := st.CountJobs(ctx, all)
	if err != nil {
		return nil, fmt.Errorf("list scenarios: %w", err)
	}
	if total < 2*pageSize {
		return nil, fmt.Errorf("list scenarios: project %s has %d jobs, too few to measure", projectID, total)
	}
	deep := min(50_000, int(total/pageSize/2))
	cursor, err := jobCursorAt(ctx, st, projectID, deep*pageSize-1)
	if err != nil {
		return nil, fmt.Errorf("list scenarios: %w", err)
	}
	mid, err := jobCursorAt(ctx, st, projectID, int(total/2))
	if err != nil {
		return nil, fmt.Errorf("list scenarios: %w", err)
	}
	from, to := mid.CreatedAt.Add(-84*time.Hour), mid.CreatedAt.Add(84*time.Hour)
	page := extract.Page{Limit: pageSize + 1}
	return []ListScenario{
		{Name: "FirstPage", Filter: all, Page: page},
		{Name: fmt.Sprintf("Deep%d", deep), Filter: all, Page: extract.Page{Limit: pageSize + 1, After: &cursor}},
		{Name: "StatusDateRange", Filter: extract.JobFilter{ProjectID: projectID, Status: extract.StatusCompleted,
			CreatedFrom: &from, CreatedTo: &to}, Page: page},
	}, nil
}

// jobCursorAt returns the cursor of the project's job at offset n (0 the
// newest) in listing order. It reads n index entries: fine once, for setting
// up a measurement, and exactly what ListJobs must never do.
func jobCursorAt(ctx context.Context, st *Store, projectID string, n int) (extract.Cursor, error) {
	var c extract.Cursor
	err := st.db.QueryRowContext(ctx, `SELECT created_at, id FROM extract_jobs
		WHERE project_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET $2`, projectID, n).Scan(&c.CreatedAt, &c.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("project %s has no job at offset %d", projectID, n)
	}
	if err != nil {
		return c, err
	}
	c.CreatedAt = c.CreatedAt.UTC()
	return c, nil
}

// ExplainList returns PostgreSQL's plan of the scenario's listing query as
// executed (EXPLAIN ANALYZE, with buffer counts): where it seeks and how
// many pages it touches.
func ExplainList(ctx context.Context, st *Store, sc ListScenario) (string, error) {
	query, args, err := listJobsQuery(sc.Filter, sc.Page)
	if err != nil {
		return "", fmt.Errorf("explain %s: %w", sc.Name, err)
	}
	rows, err := st.db.QueryContext(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+query, args...)
	if err != nil {
		return "", fmt.Errorf("explain %s: %w", sc.Name, err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", fmt.Errorf("explain %s: %w", sc.Name, err)
		}
		lines = append(lines, line)
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("explain %s: %w", sc.Name, err)
	}
	return strings.Join(lines, "\n"), nil
}

// Latency summarizes the timings of repeated calls.
type Latency struct {
	N    int // calls measured
	Rows int // rows the last call returned
	P50  time.Duration
	P99  time.Duration
	Mean time.Duration
}

// MeasureList runs the scenario's listing n times and returns its latency.
func MeasureList(ctx context.Context, st *Store, sc ListScenario, n int) (Latency, error) {
	if n <= 0 {
		return Latency{}, nil
	}
	times := make([]time.Duration, n)
	var rows int
	var sum time.Duration
	for i := range times {
		t0 := time.Now()
		jobs, err := st.ListJobs(ctx, sc.Filter, sc.Page)
		times[i] = time.Since(t0)
		if err != nil {
			return Latency{}, fmt.Errorf("measure %s: %w", sc.Name, err)
		}
		rows = len(jobs)
		sum += times[i]
	}
	slices.Sort(times)
	return Latency{
		N: n, Rows: rows, Mean: sum / time.Duration(n),
		P50: quantile(times, 0.50),
		P99: quantile(times, 0.99),
	}, nil
}

// quantile returns the q-quantile of sorted durations (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
