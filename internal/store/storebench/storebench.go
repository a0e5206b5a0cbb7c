// Package storebench holds the parts of the job listing benchmark that do
// not depend on the database: the synthetic history every store seeds, the
// listings measured on it, and the measurement. Each store keeps what is
// its own (writing the history fast, finding a cursor deep in it) and
// exports the rest through this package, so that BenchmarkListJobs and a
// command (quarry bench) on a real machine take the same measurement, and
// the figures of different stores compare.
package storebench

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/id"
)

// spacing is the mean time between generated jobs: a million span about
// two months, ten million about a year and a half.
const spacing = 5 * time.Second

// Store is what the history and the listings need of a store.
type Store interface {
	Project(ctx context.Context, id string) (extract.Project, error)
	CreateConfiguration(ctx context.Context, c extract.SavedConfiguration) error
	CountJobs(ctx context.Context, f extract.JobFilter) (int64, error)
	ListJobs(ctx context.Context, f extract.JobFilter, p extract.Page) ([]extract.Job, error)
}

// Job is one generated job, in the form a store writes: the configuration
// as its JSON text, and optional texts empty when absent.
type Job struct {
	ID              string
	ProjectID       string
	FileInput       string
	ConfigurationID string // empty when the configuration was sent, not saved
	Configuration   string
	Status          extract.Status
	Error           string
	Result          string // the next three are set for completed jobs only
	Metadata        string
	Usage           string
	Engine          string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	StartedAt       *time.Time
	FinishedAt      *time.Time
}

// History generates n synthetic jobs of a project, ending now: a mix of
// statuses weighted like a busy service's history, five saved
// configurations (two jobs in three use one), file and parse job inputs,
// and for finished jobs a result of about 300 bytes with field metadata and
// usage. Timestamps and ids increase together as real ones do, with one job
// in ten sharing its predecessor's millisecond. The jobs are deterministic
// apart from the time they end at.
type History struct {
	r          *rand.Rand
	projectID  string
	ms         int64 // the creation time of the last job, unix milliseconds
	fileInput  string
	configs    []extract.SavedConfiguration
	configJSON []string
	unsaved    string
}

// NewHistory creates the history's saved configurations in st and returns
// the generator of its n jobs.
func NewHistory(ctx context.Context, st Store, projectID string, n int) (*History, error) {
	if _, err := st.Project(ctx, projectID); err != nil {
		return nil, err
	}
	h := &History{r: rand.New(rand.NewPCG(uint64(n), 42)), projectID: projectID}
	start := time.Now().UTC().Add(-time.Duration(n) * spacing)
	for i, name := range []string{"invoices", "receipts", "contracts", "bank statements", "purchase orders"} {
		c := extract.SavedConfiguration{
			ID: id.New(id.Configuration), ProjectID: projectID, Name: name, ProductType: extract.ProductExtractV2,
			Configuration: configuration(i), Version: 1, CreatedAt: start.Add(-time.Hour), UpdatedAt: start.Add(-time.Hour),
		}
		if err := st.CreateConfiguration(ctx, c); err != nil {
			return nil, err
		}
		b, err := json.Marshal(c.Configuration.Resolve())
		if err != nil {
			return nil, err
		}
		h.configs = append(h.configs, c)
		h.configJSON = append(h.configJSON, string(b))
	}
	unsaved, err := json.Marshal(configuration(len(h.configs)).Resolve())
	if err != nil {
		return nil, err
	}
	h.unsaved = string(unsaved)
	h.ms = start.UnixMilli()
	return h, nil
}

// Next returns the history's next job, newer than all before it.
func (h *History) Next() Job {
	r := h.r
	if r.IntN(10) != 0 {
		h.ms += 1 + r.Int64N(2*spacing.Milliseconds())
	}
	created := time.UnixMilli(h.ms).UTC()
	// Most files are extracted once; some twice in a row.
	if h.fileInput == "" || r.IntN(5) != 0 {
		h.fileInput = seedID(id.File, created, r)
		if r.IntN(10) == 0 {
			h.fileInput = seedID(id.ParseJob, created, r)
		}
	}
	j := Job{ProjectID: h.projectID, FileInput: h.fileInput, Configuration: h.unsaved, CreatedAt: created, UpdatedAt: created}
	if k := r.IntN(3 * len(h.configs) / 2); k < len(h.configs) {
		j.ConfigurationID, j.Configuration = h.configs[k].ID, h.configJSON[k]
	}
	j.Status = status(r)
	if j.Status != extract.StatusPending && j.Status != extract.StatusThrottled {
		t := created.Add(time.Duration(200+r.Int64N(2000)) * time.Millisecond)
		j.StartedAt, j.UpdatedAt = &t, t
	}
	if j.Status.Terminal() {
		t := j.StartedAt.Add(time.Duration(1000+r.Int64N(60_000)) * time.Millisecond)
		j.FinishedAt, j.UpdatedAt = &t, t
		j.Engine = "builtin"
	}
	switch j.Status {
	case extract.StatusCompleted:
		j.Result = result(r)
		j.Metadata = metadata
		j.Usage = fmt.Sprintf(`{"num_pages_extracted":%d,"num_document_tokens":%d,"num_output_tokens":%d}`,
			1+r.IntN(20), 500+r.IntN(20_000), 50+r.IntN(500))
	case extract.StatusFailed:
		j.Error = "The document could not be read: the file is not a valid PDF."
	}
	// Drawn last, as the history has always drawn it: changing the order
	// of draws would change every seeded database.
	j.ID = seedID(id.Job, created, r)
	return j
}

// status draws a status: mostly finished, a few in flight.
func status(r *rand.Rand) extract.Status {
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

// configuration returns a configuration of about 350 bytes as stored.
func configuration(i int) extract.Configuration {
	schema := fmt.Sprintf(`{"type":"object","properties":{"vendor_%d":{"type":"string"},"number":{"type":"string"},`+
		`"date":{"type":"string","format":"date"},"total":{"type":"number","description":"Grand total including tax"}},`+
		`"required":["total"]}`, i)
	return extract.Configuration{
		DataSchema: json.RawMessage(schema), Tier: extract.TierAgentic, ExtractionTarget: extract.TargetPerDoc,
		CiteSources: i%2 == 0, ConfidenceScores: true, Version: "latest",
	}
}

// result returns an extraction result of about 300 bytes.
func result(r *rand.Rand) string {
	return fmt.Sprintf(`{"vendor":"Acme Industrial Supplies GmbH","number":"INV-%06d","date":"2026-%02d-%02d","currency":"EUR",`+
		`"total":%d.%02d,"lines":[{"description":"Hydraulic pump, 4 kW","amount":%d.00},`+
		`{"description":"Installation and commissioning","amount":%d.00},{"description":"Freight","amount":%d.50}]}`,
		r.IntN(1_000_000), 1+r.IntN(12), 1+r.IntN(28), r.IntN(100_000), r.IntN(100), r.IntN(50_000), r.IntN(5_000), r.IntN(300))
}

const metadata = `{"document_metadata":{"total":{"confidence":0.97,"citation":[{"page":1,"matching_text":"Total EUR",` +
	`"bounding_boxes":[{"x":0.61,"y":0.82,"w":0.2,"h":0.02}]}]},"number":{"confidence":0.99,"citation":[{"page":1}]}}}`

// ListScenario is one listing a benchmark measures: a filter and a page.
type ListScenario struct {
	Name   string
	Filter extract.JobFilter
	Page   extract.Page
}

// PageSize is the API's page size in the scenarios; a listing asks one job
// more to learn whether another page follows.
const PageSize = 100

// ListScenarios returns the listings measured on the project's jobs, which
// should number deepest×200 or so (a seeded History):
//
//   - FirstPage: the newest page.
//   - Deep<deepest>: the page after page deepest. With fewer jobs, the page
//     halfway down, named for its number.
//   - StatusDateRange: the newest COMPLETED jobs of a week in the middle of
//     the history.
//
// Each asks for 101 jobs as the API does for a page of 100. cursorAt
// returns the cursor of the job at offset n (0 the newest) in listing
// order: found by query, not by paging.
func ListScenarios(ctx context.Context, st Store, projectID string, deepest int,
	cursorAt func(ctx context.Context, n int) (extract.Cursor, error)) ([]ListScenario, error) {
	all := extract.JobFilter{ProjectID: projectID}
	total, err := st.CountJobs(ctx, all)
	if err != nil {
		return nil, fmt.Errorf("list scenarios: %w", err)
	}
	if total < 2*PageSize {
		return nil, fmt.Errorf("list scenarios: project %s has %d jobs, too few to measure", projectID, total)
	}
	deep := min(deepest, int(total/PageSize/2))
	cursor, err := cursorAt(ctx, deep*PageSize-1)
	if err != nil {
		return nil, fmt.Errorf("list scenarios: %w", err)
	}
	mid, err := cursorAt(ctx, int(total/2))
	if err != nil {
		return nil, fmt.Errorf("list scenarios: %w", err)
	}
	from, to := mid.CreatedAt.Add(-84*time.Hour), mid.CreatedAt.Add(84*time.Hour)
	page := extract.Page{Limit: PageSize + 1}
	return []ListScenario{
		{Name: "FirstPage", Filter: all, Page: page},
		{Name: fmt.Sprintf("Deep%d", deep), Filter: all, Page: extract.Page{Limit: PageSize + 1, After: &cursor}},
		{Name: "StatusDateRange", Filter: extract.JobFilter{ProjectID: projectID, Status: extract.StatusCompleted,
			CreatedFrom: &from, CreatedTo: &to}, Page: page},
	}, nil
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
func MeasureList(ctx context.Context, st Store, sc ListScenario, n int) (Latency, error) {
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
