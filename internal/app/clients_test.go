package app_test

import (
	"net/http"
	"testing"
)

// TestConflictIsNotRetried pins what the official clients need to give up on
// a 409 at once: they retry a 409 (as a lock timeout) with backoff unless the
// reply says X-Should-Retry: false, and a conflict here is a job's state,
// which no retry changes. test/typescript runs the real client against it.
func TestConflictIsNotRetried(t *testing.T) {
	t.Parallel()
	gate := newGateEngine()
	s := start(t, withEngine(gate))
	fileID := s.upload("invoice.txt", testdata(t, "invoice.txt"))

	held := s.createJob(fileID, map[string]any{"data_schema": invoiceSchema})["id"].(string)
	if r := s.do(http.MethodPost, "/api/v2/extract/"+held+"/cancel", nil); r.status != http.StatusOK {
		t.Fatalf("cancel unfinished job: %d %s", r.status, r.body)
	}
	close(gate.open)
	done := s.createJob(fileID, map[string]any{"data_schema": invoiceSchema})["id"].(string)
	s.waitStatus(done, "COMPLETED")

	tests := []struct {
		name string
		job  string
	}{
		{"Cancelled", held},
		{"Completed", done},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(http.MethodPost, "/api/v2/extract/"+tt.job+"/cancel", nil)
			if r.status != http.StatusConflict {
				t.Fatalf("cancel: %d %s, want 409", r.status, r.body)
			}
			if got := r.header.Get("X-Should-Retry"); got != "false" {
				t.Errorf("X-Should-Retry = %q, want \"false\"", got)
			}
		})
	}

	// Other statuses carry no such header: the clients' own rules decide,
	// and already retry only 408, 429 and 5xx among them.
	r := s.do(http.MethodGet, "/api/v2/extract/ext-00000000-0000-7000-8000-000000000000", nil)
	if r.status != http.StatusNotFound || r.header.Get("X-Should-Retry") != "" {
		t.Errorf("get unknown job: %d, X-Should-Retry %q; want 404 without the header", r.status, r.header.Get("X-Should-Retry"))
	}
}
