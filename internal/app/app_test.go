package app_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/quarrylabs/quarry/internal/extract"
)

func TestEndToEnd(t *testing.T) {
	t.Parallel()
	eachStore(t, testEndToEnd)
}

func testEndToEnd(t *testing.T, db database) {
	s := start(t, db.option)
	if s.key == "" || !strings.HasPrefix(s.key, "qry_") {
		t.Fatalf("first start made no API key: %q", s.key)
	}
	fileID := s.upload("invoice.txt", testdata(t, "invoice.txt"))

	created := s.createJob(fileID, map[string]any{"data_schema": invoiceSchema, "cite_sources": true, "confidence_scores": true})
	if got := created["status"]; got != "PENDING" && got != "THROTTLED" {
		t.Errorf("new job status = %v, want PENDING or THROTTLED", got)
	}
	if !strings.HasPrefix(created["id"].(string), "ext-") || created["file_input"] != fileID {
		t.Errorf("new job = %v", created)
	}
	job := s.waitStatus(created["id"].(string), "COMPLETED", "FAILED")
	if job["status"] != "COMPLETED" {
		t.Fatalf("job ended %v: %v", job["status"], job["error_message"])
	}
	want := map[string]any{
		"invoice_number": "INV-2024-0042",
		"invoice_date":   "2024-03-05",
		"total":          1234.56,
		"customer":       "Northwind Traders",
		"paid":           false,
		"purchase_order": nil,
	}
	if diff := cmp.Diff(want, job["extract_result"]); diff != "" {
		t.Errorf("extract_result (-want +got):\n%s", diff)
	}

	md := job["extract_metadata"].(map[string]any)["field_metadata"].(map[string]any)["document_metadata"].(map[string]any)
	total := md["total"].(map[string]any)
	cit := total["citation"].([]any)[0].(map[string]any)
	if cit["page"] != 1.0 || cit["matching_text"] != "$1,234.56" {
		t.Errorf("total citation = %v, want page 1 matching $1,234.56", cit)
	}
	box := cit["bounding_boxes"].([]any)[0].(map[string]any)
	if box["w"].(float64) <= 0 || box["h"].(float64) <= 0 {
		t.Errorf("total bounding box = %v, want a non-empty box", box)
	}
	if c := total["confidence"].(float64); c <= 0.5 || c > 1 {
		t.Errorf("total confidence = %v, want in (0.5, 1]", c)
	}
	usage := job["metadata"].(map[string]any)["usage"].(map[string]any)
	if usage["num_pages_extracted"] != 1.0 {
		t.Errorf("usage = %v, want 1 page", usage)
	}
	cfg := job["configuration"].(map[string]any)
	if cfg["tier"] != "cost_effective" || cfg["extraction_target"] != "per_doc" || cfg["extract_version"] == "latest" {
		t.Errorf("configuration = %v, want defaults filled and a concrete version", cfg)
	}

	// Deleting removes the job from reads and listings.
	if r := s.do(http.MethodDelete, "/api/v2/extract/"+job["id"].(string), nil); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.body)
	}
	if r := s.do(http.MethodGet, "/api/v2/extract/"+job["id"].(string), nil); r.status != http.StatusNotFound {
		t.Errorf("get after delete: %d, want 404", r.status)
	}
	if ids := s.listAll(url.Values{}); len(ids) != 0 {
		t.Errorf("list after delete = %v, want none", ids)
	}
}

func TestFailsUnsupportedInputClearly(t *testing.T) {
	t.Parallel()
	eachStore(t, testFailsUnsupportedInputClearly)
}

func testFailsUnsupportedInputClearly(t *testing.T, db database) {
	s := start(t, db.option)
	fileID := s.upload("photos.zip", append([]byte("PK\x03\x04"), make([]byte, 64)...))
	job := s.createJob(fileID, map[string]any{"data_schema": invoiceSchema})
	got := s.waitStatus(job["id"].(string), "COMPLETED", "FAILED")
	if got["status"] != "FAILED" || !strings.Contains(got["error_message"].(string), "zip files are not supported") {
		t.Errorf("job = %v %v, want FAILED saying zip files are not supported", got["status"], got["error_message"])
	}
	if _, ok := got["extract_result"]; ok {
		t.Errorf("failed job has a result: %v", got["extract_result"])
	}
}

func TestListFilters(t *testing.T) {
	t.Parallel()
	eachStore(t, testListFilters)
}

func testListFilters(t *testing.T, db database) {
	s := start(t, db.option)
	invoice := s.upload("invoice.txt", testdata(t, "invoice.txt"))
	other := s.upload("other.txt", []byte("Total: 5\n"))
	r := s.do(http.MethodPost, "/api/v1/beta/configurations", map[string]any{
		"name": "invoices", "parameters": map[string]any{"product_type": "extract_v2", "data_schema": invoiceSchema},
	})
	if r.status != http.StatusCreated {
		t.Fatalf("create configuration: %d %s", r.status, r.body)
	}
	cfgID := r.json(t)["id"].(string)

	var a, b, c string
	a = s.createJob(invoice, map[string]any{"data_schema": invoiceSchema})["id"].(string)
	s.waitStatus(a, "COMPLETED")
	time.Sleep(5 * time.Millisecond) // distinct created_at for the range filters
	mid := time.Now().UTC()
	time.Sleep(5 * time.Millisecond)
	rb := s.do(http.MethodPost, "/api/v2/extract", map[string]any{"file_input": other, "configuration_id": cfgID})
	if rb.status != http.StatusCreated {
		t.Fatalf("create from saved configuration: %d %s", rb.status, rb.body)
	}
	b = rb.json(t)["id"].(string)
	s.waitStatus(b, "COMPLETED")
	c = s.createJob(other, map[string]any{"data_schema": invoiceSchema})["id"].(string)
	s.waitStatus(c, "COMPLETED")
	if r := s.do(http.MethodDelete, "/api/v2/extract/"+c, nil); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d", r.status)
	}
	c = s.createJob(other, map[string]any{"data_schema": invoiceSchema})["id"].(string)
	s.waitStatus(c, "COMPLETED")

	tests := []struct {
		name  string
		query url.Values
		want  []string
	}{
		{"All", url.Values{}, []string{c, b, a}},
		{"Status", url.Values{"status": {"COMPLETED"}}, []string{c, b, a}},
		{"StatusNone", url.Values{"status": {"FAILED"}}, nil},
		{"StatusLowercase", url.Values{"status": {"completed"}}, []string{c, b, a}},
		{"ConfigurationID", url.Values{"configuration_id": {cfgID}}, []string{b}},
		{"FileInput", url.Values{"file_input": {other}}, []string{c, b}},
		{"DocumentInputValue", url.Values{"document_input_value": {invoice}}, []string{a}},
		{"BothInputsAgree", url.Values{"file_input": {invoice}, "document_input_value": {invoice}}, []string{a}},
		{"DocumentInputTypeFile", url.Values{"document_input_type": {"file_id"}}, []string{c, b, a}},
		{"DocumentInputTypeParseJob", url.Values{"document_input_type": {"parse_job_id"}}, nil},
		{"CreatedAfter", url.Values{"created_at_on_or_after": {mid.Format(time.RFC3339Nano)}}, []string{c, b}},
		{"CreatedBefore", url.Values{"created_at_on_or_before": {mid.Format(time.RFC3339Nano)}}, []string{a}},
		{"CreatedBareDate", url.Values{"created_at_on_or_after": {mid.Format("2006-01-02")}}, []string{c, b, a}},
		{"JobIDs", url.Values{"job_ids": {a, c}}, []string{c, a}},
		{"JobIDsComma", url.Values{"job_ids": {a + "," + b}}, []string{b, a}},
		{"Combined", url.Values{"status": {"COMPLETED"}, "file_input": {other}, "created_at_on_or_after": {mid.Format(time.RFC3339Nano)}, "job_ids": {b, a}}, []string{b}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := s.listAll(tt.query)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("list %v (-want +got):\n%s", tt.query, diff)
			}
		})
	}

	t.Run("Expand", func(t *testing.T) {
		_, page := s.list(url.Values{"expand": {"configuration", "extract_metadata", "metadata", "total_size"}, "page_size": {"2"}})
		if page["total_size"] != 3.0 {
			t.Errorf("total_size = %v, want 3", page["total_size"])
		}
		item := page["items"].([]any)[0].(map[string]any)
		for _, k := range []string{"configuration", "extract_metadata", "metadata", "extract_result"} {
			if _, ok := item[k]; !ok {
				t.Errorf("item has no %s: %v", k, item)
			}
		}
		_, plain := s.list(url.Values{})
		item = plain["items"].([]any)[0].(map[string]any)
		for _, k := range []string{"configuration", "extract_metadata", "metadata"} {
			if _, ok := item[k]; ok {
				t.Errorf("unexpanded item has %s", k)
			}
		}
		if _, ok := plain["total_size"]; ok {
			t.Errorf("total_size without expand")
		}
		if _, ok := plain["next_page_token"]; ok {
			t.Errorf("next_page_token on the last page")
		}
	})
}

// TestPagingWhileCreating pages through 250 jobs seven at a time while new
// jobs keep arriving: every job that existed at the start is seen exactly
// once, newest first.
func TestPagingWhileCreating(t *testing.T) {
	t.Parallel()
	eachStore(t, testPagingWhileCreating)
}

func testPagingWhileCreating(t *testing.T, db database) {
	s := start(t, db.option)
	fileID := s.upload("invoice.txt", testdata(t, "invoice.txt"))
	cfg := map[string]any{"data_schema": invoiceSchema}
	var existing []string
	for range 250 {
		existing = append(existing, s.createJob(fileID, cfg)["id"].(string))
	}
	slices.Reverse(existing) // newest first

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var added []string
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			r := s.do(http.MethodPost, "/api/v2/extract", map[string]any{"file_input": fileID, "configuration": cfg})
			if r.status != http.StatusCreated {
				t.Errorf("concurrent create: %d %s", r.status, r.body)
				return
			}
			added = append(added, r.json(t)["id"].(string))
			time.Sleep(2 * time.Millisecond)
		}
	}()

	var seen []string
	q := url.Values{"page_size": {"7"}}
	pages := 0
	for {
		r, page := s.list(q)
		if page == nil {
			t.Fatalf("page %d: %d %s", pages, r.status, r.body)
		}
		items := page["items"].([]any)
		if len(items) > 7 {
			t.Fatalf("page of %d items, want at most 7", len(items))
		}
		for _, it := range items {
			seen = append(seen, it.(map[string]any)["id"].(string))
		}
		pages++
		tok, _ := page["next_page_token"].(string)
		if tok == "" {
			break
		}
		q.Set("page_token", tok)
	}
	close(stop)
	wg.Wait()
	if len(added) == 0 {
		t.Fatal("no job was created while paging")
	}

	// Jobs created during paging may appear (before the cursor) or not;
	// the ones that existed appear exactly once and in order.
	var old []string
	count := map[string]int{}
	for _, id := range seen {
		count[id]++
		if slices.Contains(existing, id) {
			old = append(old, id)
		}
	}
	for id, n := range count {
		if n > 1 {
			t.Errorf("job %s seen %d times", id, n)
		}
	}
	if diff := cmp.Diff(existing, old); diff != "" {
		t.Errorf("existing jobs in listing order (-want +got):\n%s", diff)
	}
	if pages < 250/7 {
		t.Errorf("%d pages, want at least %d", pages, 250/7)
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	eachStore(t, testCancel)
}

func testCancel(t *testing.T, db database) {
	gate := newGateEngine()
	s := start(t, db.option, withEngine(gate))
	fileID := s.upload("invoice.txt", testdata(t, "invoice.txt"))

	job := s.createJob(fileID, map[string]any{"data_schema": invoiceSchema})
	id := job["id"].(string)
	s.waitStatus(id, "RUNNING")
	<-gate.started
	r := s.do(http.MethodPost, "/api/v2/extract/"+id+"/cancel", nil)
	if r.status != http.StatusOK || r.json(t)["status"] != "CANCELLED" {
		t.Fatalf("cancel running job: %d %s", r.status, r.body)
	}
	// The run stops and the job stays cancelled: the worker never
	// overwrites it with a result.
	time.Sleep(300 * time.Millisecond)
	got := s.waitStatus(id, "CANCELLED")
	if _, ok := got["extract_result"]; ok {
		t.Errorf("cancelled job has a result")
	}
	r = s.do(http.MethodPost, "/api/v2/extract/"+id+"/cancel", nil)
	if r.status != http.StatusConflict || !strings.Contains(r.detail(t), "CANCELLED") {
		t.Errorf("cancel twice: %d %s, want 409 naming the status", r.status, r.body)
	}

	close(gate.open)
	done := s.createJob(fileID, map[string]any{"data_schema": invoiceSchema})["id"].(string)
	s.waitStatus(done, "COMPLETED")
	r = s.do(http.MethodPost, "/api/v2/extract/"+done+"/cancel", nil)
	if r.status != http.StatusConflict {
		t.Errorf("cancel completed job: %d %s, want 409", r.status, r.body)
	}
	if r := s.do(http.MethodPost, "/api/v2/extract/ext-00000000-0000-7000-8000-000000000000/cancel", nil); r.status != http.StatusNotFound {
		t.Errorf("cancel unknown job: %d, want 404", r.status)
	}
}

func TestThrottledByProjectConcurrency(t *testing.T) {
	t.Parallel()
	eachStore(t, testThrottledByProjectConcurrency)
}

func testThrottledByProjectConcurrency(t *testing.T, db database) {
	gate := newGateEngine()
	s := start(t, db.option, withEngine(gate), withProjectConcurrency(1))
	fileID := s.upload("invoice.txt", testdata(t, "invoice.txt"))
	var ids []string
	for range 3 {
		ids = append(ids, s.createJob(fileID, map[string]any{"data_schema": invoiceSchema})["id"].(string))
	}
	// One runs, the others wait as THROTTLED.
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, page := s.list(url.Values{"status": {"THROTTLED"}})
		_, running := s.list(url.Values{"status": {"RUNNING"}})
		if len(page["items"].([]any)) == 2 && len(running["items"].([]any)) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("want 1 RUNNING and 2 THROTTLED; have %d and %d", len(running["items"].([]any)), len(page["items"].([]any)))
		}
		time.Sleep(20 * time.Millisecond)
	}
	close(gate.open)
	for _, id := range ids {
		s.waitStatus(id, "COMPLETED")
	}
}

func TestDeferredRunning(t *testing.T) {
	t.Parallel()
	eachStore(t, testDeferredRunning)
}

// testDeferredRunning follows runs in a project without a limit, whose
// jobs are shown RUNNING only once a run has lasted MarkRunningAfter.
func testDeferredRunning(t *testing.T, db database) {
	gate := newGateEngine()
	const markAfter = 300 * time.Millisecond
	s := start(t, db.option, withEngine(gate), withProjectConcurrency(-1), withMarkRunningAfter(markAfter))
	fileID := s.upload("invoice.txt", testdata(t, "invoice.txt"))
	create := func() string { return s.createJob(fileID, map[string]any{"data_schema": invoiceSchema})["id"].(string) }
	started := func(t *testing.T) time.Time {
		t.Helper()
		select {
		case <-gate.started:
			return time.Now()
		case <-time.After(20 * time.Second):
			t.Fatal("no run started")
			return time.Time{}
		}
	}
	get := func(id string) map[string]any { return s.do(http.MethodGet, "/api/v2/extract/"+id, nil).json(t) }
	// The API does not show when a run started; the store keeps it.
	stored := func(t *testing.T, job map[string]any) extract.Job {
		t.Helper()
		j, err := s.app.Store().Job(t.Context(), job["project_id"].(string), job["id"].(string))
		if err != nil {
			t.Fatalf("Job: %v", err)
		}
		return j
	}

	t.Run("LongRun", func(t *testing.T) {
		id := create()
		began := started(t)
		// The run has begun, and the job still shows PENDING until the
		// run has lasted markAfter (read right after the run began, well
		// inside it on any machine that keeps its timers).
		if job := get(id); job["status"] != "PENDING" && time.Since(began) < markAfter/2 {
			t.Errorf("status %v at the start of a run, want PENDING", job["status"])
		}
		running := stored(t, s.waitStatus(id, "RUNNING"))
		if running.StartedAt == nil || running.StartedAt.After(time.Now()) {
			t.Errorf("RUNNING with started_at %v", running.StartedAt)
		}
		gate.open <- struct{}{}
		done := s.waitStatus(id, "COMPLETED")
		if done["extract_result"] == nil {
			t.Errorf("COMPLETED without a result: %v", done)
		}
		if j := stored(t, done); running.StartedAt == nil || j.StartedAt == nil || !j.StartedAt.Equal(*running.StartedAt) {
			t.Errorf("started_at moved from %v to %v at the end", running.StartedAt, j.StartedAt)
		}
	})
	t.Run("ShortRun", func(t *testing.T) {
		id := create()
		started(t)
		gate.open <- struct{}{}
		// Straight from PENDING to COMPLETED, with the run's start kept.
		j := stored(t, s.waitStatus(id, "COMPLETED"))
		if j.StartedAt == nil || j.FinishedAt == nil || j.FinishedAt.Before(*j.StartedAt) || j.StartedAt.Before(j.CreatedAt) {
			t.Errorf("created_at %v, started_at %v, finished_at %v: missing or out of order", j.CreatedAt, j.StartedAt, j.FinishedAt)
		}
	})
	t.Run("CancelledBeforeMarked", func(t *testing.T) {
		id := create()
		started(t)
		if r := s.do(http.MethodPost, "/api/v2/extract/"+id+"/cancel", nil); r.status != http.StatusOK {
			t.Fatalf("cancel: %d %s", r.status, r.body)
		}
		// The run ends with its context; the mark, had it come, must not
		// undo the cancel.
		time.Sleep(2 * markAfter)
		if job := get(id); job["status"] != "CANCELLED" {
			t.Errorf("status %v after a cancel, want CANCELLED", job["status"])
		}
	})
}

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	eachStore(t, testIdempotencyKey)
}

func testIdempotencyKey(t *testing.T, db database) {
	s := start(t, db.option)
	fileID := s.upload("invoice.txt", testdata(t, "invoice.txt"))
	body := map[string]any{"file_input": fileID, "configuration": map[string]any{"data_schema": invoiceSchema}}
	first := s.do(http.MethodPost, "/api/v2/extract", body, "Idempotency-Key", "k-1")
	again := s.do(http.MethodPost, "/api/v2/extract", body, "Idempotency-Key", "k-1")
	if first.status != http.StatusCreated || again.status != http.StatusOK {
		t.Fatalf("create twice: %d then %d, want 201 then 200", first.status, again.status)
	}
	if a, b := first.json(t)["id"], again.json(t)["id"]; a != b {
		t.Errorf("retried create made a new job: %v and %v", a, b)
	}
	other := map[string]any{"file_input": fileID, "configuration": map[string]any{"data_schema": invoiceSchema, "tier": "agentic"}}
	if r := s.do(http.MethodPost, "/api/v2/extract", other, "Idempotency-Key", "k-1"); r.status != http.StatusUnprocessableEntity {
		t.Errorf("same key, other request: %d %s, want 422", r.status, r.body)
	}
	if ids := s.listAll(url.Values{}); len(ids) != 1 {
		t.Errorf("%d jobs, want 1", len(ids))
	}
}

func TestHealthAndMetrics(t *testing.T) {
	t.Parallel()
	eachStore(t, testHealthAndMetrics)
}

func testHealthAndMetrics(t *testing.T, db database) {
	s := start(t, db.option)
	if r := s.doKey("", http.MethodGet, "/healthz", nil); r.status != http.StatusOK {
		t.Errorf("healthz: %d", r.status)
	}
	fileID := s.upload("invoice.txt", testdata(t, "invoice.txt"))
	s.waitStatus(s.createJob(fileID, map[string]any{"data_schema": invoiceSchema})["id"].(string), "COMPLETED")
	r := s.doKey("", http.MethodGet, "/metrics", nil)
	for _, want := range []string{
		`quarry_http_requests_total{code="201",method="POST",route="extract.create"} 1`,
		`quarry_http_request_duration_seconds_bucket{method="GET",route="extract.get"`,
		`quarry_jobs{status="COMPLETED"} 1`,
		`quarry_queue_depth`,
		`quarry_job_duration_seconds_count{status="COMPLETED"} 1`,
	} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	if got := s.do(http.MethodGet, "/api/v2/extract", nil).header.Get("X-Request-Id"); got == "" {
		t.Errorf("no X-Request-Id on API replies")
	}
}
