package loadgen_test

import (
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/app"
	"github.com/quarrylabs/quarry/internal/app/apptest"
	"github.com/quarrylabs/quarry/internal/loadgen"
)

func TestCheckLoopback(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		base string
		ok   bool
	}{
		{"http://127.0.0.1:8080", true},
		{"http://127.9.9.9:1", true},
		{"http://[::1]:8080", true},
		{"http://localhost:8080", true},
		{"http://10.0.0.1:8080", false},
		{"http://192.168.1.2", false},
		{"http://example.com", false},
		{"http://0.0.0.0:8080", false},
		{"127.0.0.1:8080", false},
		{"ftp://127.0.0.1", false},
	} {
		if err := loadgen.CheckLoopback(tc.base); (err == nil) != tc.ok {
			t.Errorf("CheckLoopback(%q) = %v, want ok %v", tc.base, err, tc.ok)
		}
	}
}

// TestRunSmoke sends a short, small load to a real server: every endpoint
// is exercised, nothing fails, and every created job is listed. The figures
// come from `quarry bench load`; this only proves the generator works.
func TestRunSmoke(t *testing.T) {
	t.Parallel()
	key := "qry_loadgen-smoke-key-0123456789"
	a := apptest.Start(t, app.Config{Addr: "127.0.0.1:0", DataDir: t.TempDir(), APIKey: key})

	rep, err := loadgen.Run(t.Context(), loadgen.Config{BaseURL: "http://" + a.Addr(), APIKey: key, Clients: 8, Requests: 400, Duration: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Requests == 0 || rep.Requests > 400 {
		t.Errorf("Requests = %d, want 1 to 400", rep.Requests)
	}
	for _, op := range []string{loadgen.OpUpload, loadgen.OpCreate, loadgen.OpGet, loadgen.OpList} {
		if rep.Endpoints[op].Requests == 0 {
			t.Errorf("no %s requests in %+v", op, rep.Endpoints)
		}
	}
	if len(rep.Statuses) != 0 || rep.TransportErrors != 0 || rep.BadReplies != 0 {
		t.Errorf("errors: statuses %v, %d without reply, %d malformed", rep.Statuses, rep.TransportErrors, rep.BadReplies)
	}
	if rep.JobsCreated == 0 || len(rep.JobsMissing) != 0 {
		t.Errorf("%d jobs created, %d missing from the listing", rep.JobsCreated, len(rep.JobsMissing))
	}
}
