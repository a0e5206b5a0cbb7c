package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/app"
)

// longRun returns a document and a schema, both within every limit, that
// keep the built-in engine busy for several seconds: thousands of pages,
// each read for 1,296 fields (6 properties of 6 of 6 of 6).
func longRun() ([]byte, map[string]any) {
	var b strings.Builder
	for i := range 4900 { // under the 5,000-page limit
		fmt.Fprintf(&b, "Invoice number: %d\nTotal: %d.00 EUR\nDate: 2024-01-%02d\nSeller: Acme GmbH\n\f", i, i, i%28+1)
	}
	leaf := map[string]any{"type": "string"}
	level := func(sub map[string]any) map[string]any {
		props := map[string]any{}
		for _, name := range []string{"total", "date", "seller", "number", "currency", "buyer"} {
			props[name] = sub
		}
		return map[string]any{"type": "object", "properties": props}
	}
	return []byte(b.String()), level(level(level(level(leaf))))
}

// TestCancelStopsRun: cancelling a RUNNING job stops its work, not only its
// status: with one worker, the next job runs at once.
func TestCancelStopsRun(t *testing.T) {
	t.Parallel()
	eachStore(t, testCancelStopsRun)
}

func testCancelStopsRun(t *testing.T, db database) {
	s := start(t, db.option, func(c *app.Config) { c.Queue.Workers = 1 })
	doc, schema := longRun()
	long := s.createJob(s.upload("long.txt", doc), map[string]any{"data_schema": schema})["id"].(string)
	small := s.upload("invoice.txt", testdata(t, "invoice.txt"))
	s.waitStatus(long, "RUNNING", "COMPLETED", "FAILED")
	time.Sleep(300 * time.Millisecond) // well into the engine's work

	cancelled := time.Now()
	if r := s.do(http.MethodPost, "/api/v2/extract/"+long+"/cancel", nil); r.status != http.StatusOK {
		t.Fatalf("cancel running job: %d %s", r.status, r.body)
	}
	next := s.createJob(small, map[string]any{"data_schema": invoiceSchema})["id"].(string)
	s.waitStatusWithin(next, 30*time.Second, "COMPLETED")
	// The cancelled run must give its worker back within a second, the
	// next job's own fetch and run included (a few tens of milliseconds).
	// River alone, on SQLite, looks for cancels every two seconds.
	if d := time.Since(cancelled); d > slowdown*time.Second {
		t.Errorf("the next job completed %s after the cancel, want the cancelled run stopped within a second", d)
	}
	if got := s.waitStatus(long, "CANCELLED"); got["extract_result"] != nil {
		t.Errorf("cancelled job has a result")
	}
}

// TestShutdownStopsRun: a shutdown does not wait on a run past the drain
// timeout, and ends without error.
func TestShutdownStopsRun(t *testing.T) {
	t.Parallel()
	eachStore(t, testShutdownStopsRun)
}

func testShutdownStopsRun(t *testing.T, db database) {
	const drain = 500 * time.Millisecond
	s := start(t, db.option, withDrain(drain))
	doc, schema := longRun()
	long := s.createJob(s.upload("long.txt", doc), map[string]any{"data_schema": schema})["id"].(string)
	s.waitStatus(long, "RUNNING", "COMPLETED", "FAILED")
	time.Sleep(300 * time.Millisecond)

	began := time.Now()
	s.stop()
	if d := time.Since(began); d > drain+slowdown*1500*time.Millisecond {
		t.Errorf("shutdown took %s with a run in progress, want within the drain timeout (%s) and a second", d, drain)
	}
}

// TestFanOutSchemaRefused: a small schema whose $defs each refer to the
// next several times is refused at once, naming the limit, rather than
// expanded by a worker.
func TestFanOutSchemaRefused(t *testing.T) {
	t.Parallel()
	s := start(t)
	fileID := s.upload("invoice.txt", testdata(t, "invoice.txt"))
	const n = 12
	defs := map[string]any{}
	props := func(i int) map[string]any {
		ref := map[string]any{"type": "string"}
		if i < n {
			ref = map[string]any{"$ref": fmt.Sprintf("#/$defs/d%d", i)}
		}
		return map[string]any{"a": ref, "b": ref, "c": ref, "d": ref, "e": ref}
	}
	for i := range n {
		defs[fmt.Sprintf("d%d", i)] = map[string]any{"type": "object", "properties": props(i + 1)}
	}
	schema := map[string]any{"type": "object", "$defs": defs, "properties": props(0)}

	began := time.Now()
	r := s.do(http.MethodPost, "/api/v2/extract", map[string]any{"file_input": fileID, "configuration": map[string]any{"data_schema": schema}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.detail(t), "more than 20000 subschemas once its $ref are followed") {
		t.Errorf("create with a fan-out schema: %d %s, want 422 naming the expanded-schema limit", r.status, r.body)
	}
	if d := time.Since(began); d > time.Second {
		t.Errorf("refusing the fan-out schema took %s", d)
	}
}
