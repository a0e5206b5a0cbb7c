package sqlite

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

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/id"
)

// This file holds the listing benchmark's parts, exported so that a command
// (quarry bench) can take the same measurement on a real machine as
// BenchmarkListJobs does in tests.

// seedBatch is the number of rows SeedJobs writes per transaction: large
// enough that commits cost nothing, small enough to keep the WAL modest.
const seedBatch = 50_000

// seedSpacing is the mean time between seeded jobs: a million span about
// two months.
const seedSpacing = 5 * time.Second

// seedRowsPerInsert is the number of rows of one INSERT statement.
const seedRowsPerInsert = 32

// SeedJobs inserts n synthetic jobs into the project, ending now: a mix of
// statuses weighted like a busy service's history, five saved
// configurations (two jobs in three use one), file and parse job inputs, and
// for finished jobs a result of about 300 bytes with field metadata and
// usage. Timestamps and ids increase together as real ones do, with one job
// in ten sharing its predecessor's millisecond. It writes through the store's
// writer in a few large transactions, so it is fast but blocks other writers
// meanwhile. The data is deterministic apart from the time it ends at.
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

	ms := millis(start)
	fileInput := ""
	// row appends the arguments of the next job to args.
	row := func(args []any) []any {
		if r.IntN(10) != 0 {
			ms += 1 + r.Int64N(2*seedSpacing.Milliseconds())
		}
		created := fromMillis(ms)
		// Most files are extracted once; some twice in a row.
		if fileInput == "" || r.IntN(5) != 0 {
			fileInput = seedID(id.File, created, r)
			if r.IntN(10) == 0 {
				fileInput = seedID(id.ParseJob, created, r)
			}
		}
		var cfgID sql.NullString
		cfg := string(unsaved)
		if k := r.IntN(3 * len(configs) / 2); k < len(configs) {
			cfgID = sql.NullString{String: configs[k].ID, Valid: true}
			cfg = configJSON[k]
		}
		status := seedStatus(r)
		updated := created
		var started, finished sql.NullInt64
		var result, metadata, usage sql.NullString
		var errMsg, engine string
		if status != extract.StatusPending && status != extract.StatusThrottled {
			started = sql.NullInt64{Int64: ms + 200 + r.Int64N(2000), Valid: true}
			updated = fromMillis(started.Int64)
		}
		if status.Terminal() {
			finished = sql.NullInt64{Int64: started.Int64 + 1000 + r.Int64N(60_000), Valid: true}
			updated = fromMillis(finished.Int64)
			engine = "builtin"
		}
		switch status {
		case extract.StatusCompleted:
			result = sql.NullString{String: seedResult(r), Valid: true}
			metadata = sql.NullString{String: seedMetadata, Valid: true}
			usage = sql.NullString{String: fmt.Sprintf(`{"num_pages_extracted":%d,"num_document_tokens":%d,"num_output_tokens":%d}`,
				1+r.IntN(20), 500+r.IntN(20_000), 50+r.IntN(500)), Valid: true}
		case extract.StatusFailed:
			errMsg = "The document could not be read: the file is not a valid PDF."
		}
		return append(args, seedID(id.Job, created, r), projectID, fileInput, cfgID, cfg, string(status),
			errMsg, result, metadata, usage, engine, nil, nil, "", nil,
			ms, millis(updated), started, finished)
	}

	// Rows go seedRowsPerInsert to a statement: SQLite journals the pages a
	// statement changes (the status count triggers make every insert a
	// multi-row change), and consecutive rows change the same pages.
	many := insertJobs + strings.Repeat(jobValues+", ", seedRowsPerInsert-1) + jobValues
	for done := 0; done < n; {
		batch := min(seedBatch, n-done)
		err := st.write(ctx, func(tx *sql.Tx) error {
			stmt, err := tx.PrepareContext(ctx, many)
			if err != nil {
				return err
			}
			defer stmt.Close()
			args := make([]any, 0, seedRowsPerInsert*19)
			left := batch
			for ; left >= seedRowsPerInsert; left -= seedRowsPerInsert {
				args = args[:0]
				for range seedRowsPerInsert {
					args = row(args)
				}
				if _, err := stmt.ExecContext(ctx, args...); err != nil {
					return err
				}
			}
			for ; left > 0; left-- {
				if _, err := tx.ExecContext(ctx, insertJob, row(args[:0])...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("seed jobs: %w", err)
		}
		done += batch
	}
	// The planner has no use for statistics (listings name their index), but
	// a checkpoint now keeps the first measurements from paying for it.
	if _, err := st.db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return fmt.Errorf("seed jobs: checkpoint: %w", err)
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
// project's jobs, which should number a million or so (SeedJobs):
//
//   - FirstPage: the newest page.
//   - Deep5000: the page after page 5,000 (after job 500,000). With fewer
//     jobs, the page halfway down, named for its number.
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
	deep := min(5000, int(total/pageSize/2))
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
	var ms int64
	err := st.read.QueryRowContext(ctx, `SELECT created_at, id FROM extract_jobs INDEXED BY extract_jobs_project_created
		WHERE project_id = ? ORDER BY created_at DESC, id DESC LIMIT 1 OFFSET ?`, projectID, n).Scan(&ms, &c.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return c, fmt.Errorf("project %s has no job at offset %d", projectID, n)
	}
	c.CreatedAt = fromMillis(ms)
	return c, err
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
