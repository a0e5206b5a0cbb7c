package app_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/app"
	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/httpapi"
	"github.com/quarrylabs/quarry/internal/id"
)

func withRateLimit(perSecond float64, burst int) option {
	return func(c *app.Config) { c.RateLimit = httpapi.RateLimit{PerSecond: perSecond, Burst: burst} }
}

func withHTTPLimits(l app.HTTPLimits) option { return func(c *app.Config) { c.HTTP = l } }

// TestBodyLimits sends bodies over the JSON limit to every route that reads
// one: each is refused with 413 and a detail, before any of it is stored.
func TestBodyLimits(t *testing.T) {
	t.Parallel()
	s := start(t)
	big := append([]byte(`{"name": "`), bytes.Repeat([]byte("a"), 10<<20+1)...)
	big = append(big, `"}`...)
	for _, tc := range []struct{ method, path string }{
		{http.MethodPost, "/api/v2/extract"},
		{http.MethodPost, "/api/v2/extract/schema/validation"},
		{http.MethodPost, "/api/v2/extract/schema/generate"},
		{http.MethodPost, "/api/v1/beta/configurations"},
		{http.MethodPut, "/api/v1/beta/configurations/cfg-0193a7b0-0000-7000-8000-000000000000"},
	} {
		r := s.do(tc.method, tc.path, big)
		if r.status != http.StatusRequestEntityTooLarge || !strings.Contains(r.detail(t), "larger than the limit") {
			t.Errorf("%s %s with an 10 MiB body = %d %s, want 413 with a detail", tc.method, tc.path, r.status, r.body)
		}
	}
	if r := s.do(http.MethodGet, "/api/v1/beta/configurations", nil); len(r.json(t)["items"].([]any)) != 0 {
		t.Errorf("configurations after refused creates: %s, want none", r.body)
	}
}

// TestUploadLimit refuses a file over --max-upload-bytes with 413.
func TestUploadLimit(t *testing.T) {
	t.Parallel()
	s := start(t, withMaxUpload(1000))
	r := s.uploadRaw(s.key, "big.txt", bytes.Repeat([]byte("x"), 1001), "extract")
	if r.status != http.StatusRequestEntityTooLarge || !strings.Contains(r.detail(t), "1000 bytes") {
		t.Errorf("upload of 1001 bytes = %d %s, want 413 naming the limit", r.status, r.body)
	}
}

// TestHeaderLimit answers headers over MaxHeaderBytes with 431.
func TestHeaderLimit(t *testing.T) {
	t.Parallel()
	s := start(t, withHTTPLimits(app.HTTPLimits{MaxHeaderBytes: 8 << 10}))
	r := s.do(http.MethodGet, "/api/v2/extract", nil, "X-Padding", strings.Repeat("p", 64<<10))
	if r.status != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("64 KiB header = %d %s, want 431", r.status, r.body)
	}
	if r := s.do(http.MethodGet, "/api/v2/extract", nil); r.status != http.StatusOK {
		t.Errorf("normal request after = %d %s", r.status, r.body)
	}
}

// TestSlowloris holds a connection open with a request whose headers never
// end: the server must close it once ReadHeaderTimeout passes, instead of
// keeping it (and its goroutine) for as long as the client likes.
func TestSlowloris(t *testing.T) {
	t.Parallel()
	s := start(t, withHTTPLimits(app.HTTPLimits{ReadHeaderTimeout: 200 * time.Millisecond}))
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /api/v2/extract HTTP/1.1\r\nHost: quarry\r\nX-Slow: "); err != nil {
		t.Fatal(err)
	}
	// Keep trickling: each byte arrives well within any per-read timeout,
	// but the header as a whole never completes.
	closed := make(chan error, 1)
	go func() {
		_, err := io.ReadAll(conn)
		closed <- err
	}()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	guard := time.After(30 * time.Second)
	for {
		select {
		case err := <-closed:
			if err != nil && !errors.Is(err, net.ErrClosed) && !isReset(err) {
				t.Fatalf("connection ended with %v, want the server to close it", err)
			}
			return
		case <-tick.C:
			_, _ = conn.Write([]byte("x"))
		case <-guard:
			t.Fatal("the server kept a connection with unfinished headers open for 30s")
		}
	}
}

func isReset(err error) bool {
	return strings.Contains(err.Error(), "connection reset")
}

// TestRateLimit gives a key a burst of three requests and a refill too slow
// to matter during the test: the fourth gets 429 with Retry-After and a
// detail; another key, /healthz and /metrics are unaffected.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	s := start(t, withRateLimit(0.01, 3))
	for i := range 3 {
		if r := s.do(http.MethodGet, "/api/v2/extract", nil); r.status != http.StatusOK {
			t.Fatalf("request %d = %d %s, want 200", i+1, r.status, r.body)
		}
	}
	r := s.do(http.MethodGet, "/api/v2/extract", nil)
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("fourth request = %d %s, want 429", r.status, r.body)
	}
	if secs, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || secs < 1 {
		t.Errorf("Retry-After = %q, want a whole number of seconds", r.header.Get("Retry-After"))
	}
	if d := r.detail(t); !strings.Contains(d, "rate limit") || !strings.Contains(d, "retry after") {
		t.Errorf("detail = %q, want it to say the rate limit and when to retry", d)
	}
	for _, path := range []string{"/healthz", "/metrics"} {
		if r := s.doKey("", http.MethodGet, path, nil); r.status != http.StatusOK {
			t.Errorf("GET %s while limited = %d, want 200", path, r.status)
		}
	}
	other := addKey(t, s, defaultProject(t, s))
	if r := s.doKey(other, http.MethodGet, "/api/v2/extract", nil); r.status != http.StatusOK {
		t.Errorf("another key while the first is limited = %d %s, want 200", r.status, r.body)
	}
}

// defaultProject returns the project the server's own key acts in.
func defaultProject(tb testing.TB, s *server) extract.Project {
	tb.Helper()
	k, err := s.app.Store().APIKeyByHash(context.Background(), extract.HashAPIKey(s.key))
	if err != nil {
		tb.Fatal(err)
	}
	p, err := s.app.Store().Project(context.Background(), k.ProjectID)
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// addKey stores a new key for the project and returns its secret.
func addKey(tb testing.TB, s *server, p extract.Project) string {
	tb.Helper()
	return storeKey(tb, s, p, false)
}

// addOrgKey is addKey for an organization-wide key whose project is p.
func addOrgKey(tb testing.TB, s *server, p extract.Project) string {
	tb.Helper()
	return storeKey(tb, s, p, true)
}

func storeKey(tb testing.TB, s *server, p extract.Project, orgWide bool) string {
	tb.Helper()
	secret := extract.NewAPIKeySecret()
	err := s.app.Store().CreateAPIKey(context.Background(), extract.APIKey{
		ID: id.New(id.APIKey), OrganizationID: p.OrganizationID, ProjectID: p.ID, OrganizationWide: orgWide, Name: "test",
		Prefix: extract.APIKeyDisplayPrefix(secret), Hash: extract.HashAPIKey(secret), CreatedAt: time.Now().UTC(),
	})
	if err != nil {
		tb.Fatal(err)
	}
	return secret
}

// TestKeyLastUsed checks that a key's use is recorded, at most once a
// minute: the second request within the minute leaves the time as the
// first one set it.
func TestKeyLastUsed(t *testing.T) {
	t.Parallel()
	eachStore(t, testKeyLastUsed)
}

func testKeyLastUsed(t *testing.T, db database) {
	s := start(t, db.option)
	secret := addKey(t, s, defaultProject(t, s))
	lastUsed := func() *time.Time {
		t.Helper()
		k, err := s.app.Store().APIKeyByHash(context.Background(), extract.HashAPIKey(secret))
		if err != nil {
			t.Fatal(err)
		}
		return k.LastUsedAt
	}
	if got := lastUsed(); got != nil {
		t.Fatalf("unused key: last used %v, want none", got)
	}
	before := time.Now().Truncate(time.Millisecond)
	if r := s.doKey(secret, http.MethodGet, "/api/v2/extract", nil); r.status != http.StatusOK {
		t.Fatalf("list = %d %s", r.status, r.body)
	}
	first := lastUsed()
	if first == nil || first.Before(before) || first.After(time.Now()) {
		t.Fatalf("after a request: last used %v, want between %v and now", first, before)
	}
	if r := s.doKey(secret, http.MethodGet, "/api/v2/extract", nil); r.status != http.StatusOK {
		t.Fatalf("list = %d %s", r.status, r.body)
	}
	if again := lastUsed(); again == nil || !again.Equal(*first) {
		t.Errorf("a second request within the minute moved last used from %v to %v", first, again)
	}
}
