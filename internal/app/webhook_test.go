package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/client"
	"github.com/quarrylabs/quarry/internal/app"
	"github.com/quarrylabs/quarry/internal/webhook"
)

// withWebhooks sets webhook delivery up for tests: private addresses as
// given, and retries spaced by milliseconds instead of seconds.
func withWebhooks(allowPrivate bool, timeout time.Duration) option {
	return func(c *app.Config) {
		c.Webhook.AllowPrivate = allowPrivate
		c.Webhook.Timeout = timeout
		c.Queue.Webhook.RetryBase = 10 * time.Millisecond
		c.Queue.Webhook.RetryMax = 40 * time.Millisecond
		c.Queue.Webhook.OrderDelay = 10 * time.Millisecond
	}
}

// received is one request a receiver got.
type received struct {
	header http.Header
	body   []byte
	event  webhook.Body
}

// receiver is a webhook endpoint on loopback that records what it gets.
// answer, if set, chooses the status of the n-th request (from 1).
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	got    []received
	answer func(n int) int
}

func newReceiver(tb testing.TB, answer func(n int) int) *receiver {
	rc := &receiver{answer: answer}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var ev webhook.Body
		_ = json.Unmarshal(b, &ev)
		rc.mu.Lock()
		rc.got = append(rc.got, received{header: r.Header.Clone(), body: b, event: ev})
		n := len(rc.got)
		rc.mu.Unlock()
		status := http.StatusOK
		if rc.answer != nil {
			status = rc.answer(n)
		}
		w.WriteHeader(status)
	}))
	tb.Cleanup(rc.Close)
	return rc
}

// of returns what the receiver got for a job, in arrival order.
func (rc *receiver) of(jobID string) []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []received
	for _, g := range rc.got {
		if g.event.JobID == jobID {
			out = append(out, g)
		}
	}
	return out
}

// delivery is a job's webhook delivery as the API shows it.
type delivery struct {
	EventType string `json:"event_type"`
	State     string `json:"state"`
	Attempts  []struct {
		StatusCode *int    `json:"status_code"`
		Error      *string `json:"error"`
	} `json:"attempts"`
}

func (s *server) deliveries(jobID string) []delivery {
	s.tb.Helper()
	r := s.do(http.MethodGet, "/api/v2/extract/"+jobID+"?expand=webhook_deliveries", nil)
	if r.status != http.StatusOK {
		s.tb.Fatalf("get job %s with deliveries: %d %s", jobID, r.status, r.body)
	}
	var j struct {
		Deliveries []delivery `json:"webhook_deliveries"`
	}
	if err := json.Unmarshal(r.body, &j); err != nil {
		s.tb.Fatalf("decode deliveries: %v: %s", err, r.body)
	}
	return j.Deliveries
}

// waitDeliveries polls a job's deliveries until done says they are as
// wanted.
func (s *server) waitDeliveries(jobID string, done func([]delivery) bool) []delivery {
	s.tb.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var ds []delivery
	for time.Now().Before(deadline) {
		if ds = s.deliveries(jobID); done(ds) {
			return ds
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.tb.Fatalf("deliveries of job %s never reached the wanted state: %+v", jobID, ds)
	return nil
}

// settled reports whether n deliveries exist and none is pending.
func settled(n int) func([]delivery) bool {
	return func(ds []delivery) bool {
		if len(ds) != n {
			return false
		}
		for _, d := range ds {
			if d.State == "pending" {
				return false
			}
		}
		return true
	}
}

func (s *server) createWithWebhooks(fileID string, hooks any) string {
	s.tb.Helper()
	r := s.do(http.MethodPost, "/api/v2/extract", map[string]any{
		"file_input": fileID, "configuration": map[string]any{"data_schema": invoiceSchema}, "webhook_configurations": hooks})
	if r.status != http.StatusCreated {
		s.tb.Fatalf("create job: %d %s", r.status, r.body)
	}
	return r.json(s.tb)["id"].(string)
}

// TestWebhookEvents follows a completed, a failed and a cancelled job to a
// receiver: every event in order, signed, with the custom headers and the
// job in the body.
func TestWebhookEvents(t *testing.T) {
	eachStore(t, func(t *testing.T, db database) {
		gate := newGateEngine()
		s := start(t, db.option, withEngine(gate), withWebhooks(true, 5*time.Second))
		rc := newReceiver(t, nil)
		const secret = "whsec_test"
		hooks := []map[string]any{{
			"webhook_url":            rc.URL + "/hooks?source=quarry",
			"webhook_signing_secret": secret,
			"webhook_headers":        map[string]string{"X-Receiver-Token": "tok-123"},
			"webhook_output_format":  "json",
			// extract.running is sent only to a webhook that names it;
			// parse.success, from the official client's list, never happens
			// here and is accepted.
			"webhook_events": []string{"extract.pending", "extract.running", "extract.success", "extract.error", "extract.cancelled", "parse.success"},
		}}
		invoice := s.upload("invoice.txt", testdata(t, "invoice.txt"))

		// Cancelled: while the gate holds the run.
		cancelled := s.createWithWebhooks(invoice, hooks)
		<-gate.started
		s.waitStatus(cancelled, "RUNNING")
		if r := s.do(http.MethodPost, "/api/v2/extract/"+cancelled+"/cancel", nil); r.status != http.StatusOK {
			t.Fatalf("cancel: %d %s", r.status, r.body)
		}
		close(gate.open)

		completed := s.createWithWebhooks(invoice, hooks)
		// A PNG signature with no image after it is a damaged file: the
		// job fails.
		image := s.upload("scan.png", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...))
		failed := s.createWithWebhooks(image, hooks)

		for _, tc := range []struct {
			job      string
			events   []string
			statuses []string
		}{
			{completed, []string{"extract.pending", "extract.running", "extract.success"}, []string{"PENDING", "RUNNING", "COMPLETED"}},
			{failed, []string{"extract.pending", "extract.running", "extract.error"}, []string{"PENDING", "RUNNING", "FAILED"}},
			{cancelled, []string{"extract.pending", "extract.running", "extract.cancelled"}, []string{"PENDING", "RUNNING", "CANCELLED"}},
		} {
			final := s.waitStatus(tc.job, tc.statuses[2])
			ds := s.waitDeliveries(tc.job, settled(3))
			for _, d := range ds {
				if d.State != "delivered" || len(d.Attempts) != 1 || d.Attempts[0].StatusCode == nil || *d.Attempts[0].StatusCode != 200 {
					t.Errorf("job %s: delivery %+v, want delivered at the first attempt with 200", tc.job, d)
				}
			}
			got := rc.of(tc.job)
			var events []string
			seen := map[string]bool{}
			for i, g := range got {
				events = append(events, g.event.EventType)
				if sig := g.header.Get("LC-Signature"); !webhook.Verify(secret, g.body, sig) {
					t.Errorf("job %s %s: LC-Signature %q does not verify", tc.job, g.event.EventType, sig)
				}
				if h := g.header.Get("X-Receiver-Token"); h != "tok-123" {
					t.Errorf("job %s %s: X-Receiver-Token = %q, want tok-123", tc.job, g.event.EventType, h)
				}
				if ct := g.header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type = %q, want application/json", ct)
				}
				if seen[g.event.EventID] || !strings.HasPrefix(g.event.EventID, "evt-") {
					t.Errorf("job %s: event id %q is repeated or malformed", tc.job, g.event.EventID)
				}
				seen[g.event.EventID] = true
				if i < len(tc.statuses) && string(g.event.Status) != tc.statuses[i] {
					t.Errorf("job %s %s: status %s, want %s", tc.job, g.event.EventType, g.event.Status, tc.statuses[i])
				}
				if _, err := time.Parse(time.RFC3339Nano, g.event.Timestamp); err != nil {
					t.Errorf("timestamp %q: %v", g.event.Timestamp, err)
				}
				data, _ := g.event.Data.(map[string]any)
				if data["id"] != tc.job || i < len(tc.statuses) && data["status"] != tc.statuses[i] {
					t.Errorf("job %s %s: data = %v, want the job as it was", tc.job, g.event.EventType, data)
				}
			}
			if !slices.Equal(events, tc.events) {
				t.Errorf("job %s: events %v, want %v in that order", tc.job, events, tc.events)
			}
			if tc.job == completed && got[2].event.Data.(map[string]any)["extract_result"] == nil {
				t.Errorf("extract.success carries no extract_result: %s", got[2].body)
			}
			if tc.job == failed && final["error_message"] == nil {
				t.Errorf("failed job has no error_message")
			}
		}
	})
}

// TestWebhookDefaultEvents: a webhook naming no events gets what the hosted
// service sends, which is every status change but the start of the run.
func TestWebhookDefaultEvents(t *testing.T) {
	eachStore(t, func(t *testing.T, db database) {
		s := start(t, db.option, withWebhooks(true, 5*time.Second))
		rc := newReceiver(t, nil)
		job := s.createWithWebhooks(s.upload("invoice.txt", testdata(t, "invoice.txt")),
			[]map[string]any{{"webhook_url": rc.URL}})
		s.waitStatus(job, "COMPLETED")
		ds := s.waitDeliveries(job, settled(2))
		var events []string
		for _, d := range ds {
			events = append(events, d.EventType)
		}
		if want := []string{"extract.pending", "extract.success"}; !slices.Equal(events, want) {
			t.Errorf("events %v, want %v", events, want)
		}
	})
}

// TestWebhookRetries: a receiver that answers 500 three times, then 200,
// has the event accepted exactly once, after four attempts, all recorded.
func TestWebhookRetries(t *testing.T) {
	eachStore(t, func(t *testing.T, db database) {
		s := start(t, db.option, withWebhooks(true, 5*time.Second))
		rc := newReceiver(t, func(n int) int {
			if n <= 3 {
				return http.StatusInternalServerError
			}
			return http.StatusOK
		})
		job := s.createWithWebhooks(s.upload("invoice.txt", testdata(t, "invoice.txt")),
			[]map[string]any{{"webhook_url": rc.URL, "webhook_events": []string{"extract.success"}}})
		s.waitStatus(job, "COMPLETED")
		ds := s.waitDeliveries(job, settled(1))
		var codes []int
		for _, a := range ds[0].Attempts {
			codes = append(codes, *a.StatusCode)
		}
		if ds[0].State != "delivered" || !slices.Equal(codes, []int{500, 500, 500, 200}) {
			t.Errorf("delivery %s with codes %v, want delivered with 500, 500, 500, 200", ds[0].State, codes)
		}
		// The Go client sees the same log.
		c, err := client.New(client.WithBaseURL(s.base), client.WithAPIKey(s.key))
		if err != nil {
			t.Fatal(err)
		}
		cds, err := c.Extract.Deliveries(t.Context(), job)
		if err != nil || len(cds) != 1 || cds[0].State != client.DeliveryDelivered || len(cds[0].Attempts) != 4 ||
			cds[0].EventType != client.EventSuccess || *cds[0].Attempts[3].StatusCode != 200 || cds[0].Attempts[0].Error == nil {
			t.Errorf("client Deliveries = %+v, %v; want one delivered after 4 attempts", cds, err)
		}
		got := rc.of(job)
		accepted := 0
		for i, g := range got {
			if g.event.EventType != "extract.success" || g.event.EventID != got[0].event.EventID || string(g.body) != string(got[0].body) {
				t.Errorf("request %d is %s %s, want the same extract.success event each time", i, g.event.EventType, g.event.EventID)
			}
			if i >= 3 {
				accepted++
			}
		}
		if len(got) != 4 || accepted != 1 {
			t.Errorf("receiver got %d requests, %d accepted; want 4 with the last accepted", len(got), accepted)
		}
	})
}

// TestWebhookReceiverHangs: a receiver that never answers does not hold the
// job back; its attempts time out and are recorded.
func TestWebhookReceiverHangs(t *testing.T) {
	eachStore(t, func(t *testing.T, db database) {
		s := start(t, db.option, withWebhooks(true, 200*time.Millisecond))
		release := make(chan struct{})
		hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			<-release
		}))
		t.Cleanup(hung.Close)
		t.Cleanup(func() { close(release) }) // runs first, so Close can finish
		job := s.createWithWebhooks(s.upload("invoice.txt", testdata(t, "invoice.txt")),
			[]map[string]any{{"webhook_url": hung.URL}})
		s.waitStatus(job, "COMPLETED")
		ds := s.waitDeliveries(job, func(ds []delivery) bool { return len(ds) > 0 && len(ds[0].Attempts) > 0 })
		a := ds[0].Attempts[0]
		if ds[0].State != "pending" || a.StatusCode != nil || a.Error == nil || !strings.Contains(*a.Error, "timed out") {
			t.Errorf("first delivery %+v, want pending after an attempt that timed out", ds[0])
		}
	})
}

// TestWebhookPrivateAddressRefused: with the switch off, a URL whose name
// resolves to a loopback address is refused at dial time, and the delivery
// is given up at once.
func TestWebhookPrivateAddressRefused(t *testing.T) {
	eachStore(t, func(t *testing.T, db database) {
		s := start(t, db.option, withWebhooks(false, 5*time.Second))
		rc := newReceiver(t, nil)
		u, _ := url.Parse(rc.URL)
		hookURL := "http://localhost:" + u.Port() + "/hook"
		job := s.createWithWebhooks(s.upload("invoice.txt", testdata(t, "invoice.txt")),
			[]map[string]any{{"webhook_url": hookURL}})
		s.waitStatus(job, "COMPLETED")
		// extract.pending and extract.success: a webhook naming no events
		// is not sent extract.running.
		ds := s.waitDeliveries(job, settled(2))
		for _, d := range ds {
			if d.State != "failed" || len(d.Attempts) != 1 || d.Attempts[0].Error == nil || !strings.Contains(*d.Attempts[0].Error, "not public") {
				t.Errorf("delivery %+v, want failed after one refused attempt", d)
			}
		}
		if got := rc.of(job); len(got) != 0 {
			t.Errorf("the receiver got %d requests, want none", len(got))
		}
	})
}

// TestWebhookConfigs covers saved webhook configurations: CRUD under the
// official client's path, a job naming one by id, and input checks.
func TestWebhookConfigs(t *testing.T) {
	eachStore(t, func(t *testing.T, db database) {
		s := start(t, db.option, withWebhooks(true, 5*time.Second))
		rc := newReceiver(t, nil)
		r := s.do(http.MethodPost, "/api/v1/beta/webhook-configs", map[string]any{
			"webhook_url": rc.URL, "webhook_events": []string{"extract.success"}, "webhook_signing_secret": "s1"})
		if r.status != http.StatusCreated {
			t.Fatalf("create webhook config: %d %s", r.status, r.body)
		}
		cfg := r.json(t)
		id := cfg["id"].(string)
		if cfg["has_secret"] != true || cfg["webhook_signing_secret"] != nil || cfg["tenant_type"] != "project" {
			t.Errorf("created config = %v, want has_secret and no secret", cfg)
		}
		r = s.do(http.MethodPut, "/api/v1/beta/webhook-configs/"+id, map[string]any{"webhook_headers": map[string]string{"X-A": "b"}})
		if r.status != http.StatusOK || r.json(t)["webhook_headers"].(map[string]any)["X-A"] != "b" || r.json(t)["webhook_url"] != rc.URL {
			t.Errorf("update: %d %s", r.status, r.body)
		}
		if r = s.do(http.MethodGet, "/api/v1/beta/webhook-configs", nil); r.status != http.StatusOK || !strings.Contains(string(r.body), id) {
			t.Errorf("list: %d %s", r.status, r.body)
		}

		r = s.do(http.MethodPost, "/api/v2/extract", map[string]any{
			"file_input": s.upload("invoice.txt", testdata(t, "invoice.txt")), "configuration": map[string]any{"data_schema": invoiceSchema},
			"webhook_configuration_ids": []string{id}})
		if r.status != http.StatusCreated {
			t.Fatalf("create job with webhook_configuration_ids: %d %s", r.status, r.body)
		}
		job := r.json(t)["id"].(string)
		s.waitDeliveries(job, settled(1))
		got := rc.of(job)
		if len(got) != 1 || got[0].event.EventType != "extract.success" || !webhook.Verify("s1", got[0].body, got[0].header.Get("LC-Signature")) ||
			got[0].header.Get("X-A") != "b" {
			t.Errorf("receiver got %d requests (%v), want one signed extract.success with X-A", len(got), got)
		}
		if _, ok := got[0].event.Data.(string); !ok {
			t.Errorf("data is %T, want the job as a string (output format string, the default)", got[0].event.Data)
		}

		if r = s.do(http.MethodDelete, "/api/v1/beta/webhook-configs/"+id, nil); r.status != http.StatusNoContent {
			t.Errorf("delete: %d %s", r.status, r.body)
		}
		if r = s.do(http.MethodGet, "/api/v1/beta/webhook-configs/"+id, nil); r.status != http.StatusNotFound {
			t.Errorf("get after delete: %d, want 404", r.status)
		}

		file := s.upload("invoice.txt", testdata(t, "invoice.txt"))
		for name, hook := range map[string]map[string]any{
			"RelativeURL":   {"webhook_url": "/hook"},
			"FTP":           {"webhook_url": "ftp://example.com/"},
			"UnknownEvent":  {"webhook_url": "https://example.com/", "webhook_events": []string{"extract.done"}},
			"NoEvents":      {"webhook_url": "https://example.com/", "webhook_events": []string{}},
			"HostHeader":    {"webhook_url": "https://example.com/", "webhook_headers": map[string]string{"Host": "x"}},
			"HopByHop":      {"webhook_url": "https://example.com/", "webhook_headers": map[string]string{"Connection": "close"}},
			"BadHeaderName": {"webhook_url": "https://example.com/", "webhook_headers": map[string]string{"Bad Name": "x"}},
			"UnknownField":  {"webhook_url": "https://example.com/", "webhook_secret": "x"},
			"OutputFormat":  {"webhook_url": "https://example.com/", "webhook_output_format": "xml"},
		} {
			r := s.do(http.MethodPost, "/api/v2/extract", map[string]any{
				"file_input": file, "configuration": map[string]any{"data_schema": invoiceSchema}, "webhook_configurations": []any{hook}})
			if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.detail(t), "webhook") {
				t.Errorf("%s: %d %s, want 422 naming the webhook field", name, r.status, r.body)
			}
		}
		r = s.do(http.MethodPost, "/api/v2/extract", map[string]any{
			"file_input": file, "configuration": map[string]any{"data_schema": invoiceSchema}, "webhook_configuration_ids": []string{"whc-missing"}})
		if r.status != http.StatusNotFound {
			t.Errorf("unknown webhook_configuration_ids: %d %s, want 404", r.status, r.body)
		}
	})
}
