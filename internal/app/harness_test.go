package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/app"
	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/engine/builtin"
	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/store/postgres/pgtest"
)

// database says which store a test's servers use. Its option points a
// server at it; args are the same as `quarry serve` flags.
type database struct {
	option option
	args   []string
}

// eachStore runs test once per store, as parallel subtests: SQLite in the
// server's data directory always, and PostgreSQL, in a database of the
// test's own, when the server is reachable (pgtest skips otherwise, and
// fails under CI). Servers a test starts with db share the database.
func eachStore(t *testing.T, test func(t *testing.T, db database)) {
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		test(t, database{option: func(*app.Config) {}})
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		t.Parallel()
		url := pgtest.WithParam(t, pgtest.Database(t), "pool_max_conns", "10")
		key := make([]byte, 32)
		rand.Read(key)
		test(t, database{
			option: func(c *app.Config) { c.Database, c.TokenKey = url, key },
			args:   []string{"--database", url, "--token-key", hex.EncodeToString(key)},
		})
	})
}

// server is a real Quarry server on a loopback port with its own data
// directory, driven over HTTP.
type server struct {
	tb     testing.TB
	app    *app.App
	base   string
	key    string
	dir    string
	cancel context.CancelFunc
	done   chan error
}

type option func(*app.Config)

func withEngine(e extract.Engine) option { return func(c *app.Config) { c.Engine = e } }
func withProjectConcurrency(n int) option {
	return func(c *app.Config) { c.Queue.ProjectConcurrency = n }
}
func withMarkRunningAfter(d time.Duration) option {
	return func(c *app.Config) { c.Queue.MarkRunningAfter = d }
}
func withDataDir(dir string) option    { return func(c *app.Config) { c.DataDir = dir } }
func withMaxUpload(n int64) option     { return func(c *app.Config) { c.MaxUploadBytes = n } }
func withAPIKey(key string) option     { return func(c *app.Config) { c.APIKey = key } }
func withDrain(d time.Duration) option { return func(c *app.Config) { c.Queue.DrainTimeout = d } }
func withReconcile(d time.Duration) option {
	return func(c *app.Config) { c.Queue.ReconcileInterval = d }
}

// start runs a server until the test ends.
func start(tb testing.TB, opts ...option) *server {
	tb.Helper()
	cfg := app.Config{
		Addr:    "127.0.0.1:0",
		DataDir: tb.TempDir(),
		Logger:  slog.New(slog.NewTextHandler(tb.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	cfg.Queue.Workers = 4
	cfg.Queue.PollInterval = 50 * time.Millisecond
	cfg.Queue.ThrottleDelay = 100 * time.Millisecond
	cfg.Queue.DrainTimeout = time.Second
	for _, o := range opts {
		o(&cfg)
	}
	a, err := app.New(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("app.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{tb: tb, app: a, base: "http://" + a.Addr(), key: cmpOr(cfg.APIKey, a.Bootstrap().APIKey), dir: cfg.DataDir, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- a.Run(ctx) }()
	tb.Cleanup(s.stop)
	return s
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// stop shuts the server down gracefully and waits for it.
func (s *server) stop() {
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	select {
	case err := <-s.done:
		if err != nil {
			s.tb.Errorf("server Run: %v", err)
		}
	case <-time.After(30 * time.Second):
		s.tb.Errorf("server did not stop within 30s")
	}
}

// response is a decoded API reply.
type response struct {
	status int
	body   []byte
	header http.Header
}

func (r response) json(tb testing.TB) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		tb.Fatalf("reply %d is not a JSON object: %v: %s", r.status, err, r.body)
	}
	return m
}

func (r response) detail(tb testing.TB) string {
	tb.Helper()
	d, _ := r.json(tb)["detail"].(string)
	return d
}

// do sends a request with the server's key. body may be nil, []byte (sent
// as is) or anything else (sent as JSON).
func (s *server) do(method, path string, body any, hdr ...string) response {
	return s.doKey(s.key, method, path, body, hdr...)
}

func (s *server) doKey(key, method, path string, body any, hdr ...string) response {
	s.tb.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		j, err := json.Marshal(b)
		if err != nil {
			s.tb.Fatalf("marshal: %v", err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.base+path, rd)
	if err != nil {
		s.tb.Fatalf("new request: %v", err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.tb.Fatalf("read reply: %v", err)
	}
	return response{status: resp.StatusCode, body: b, header: resp.Header}
}

// upload sends a file and returns its id.
func (s *server) upload(name string, content []byte) string {
	s.tb.Helper()
	r := s.uploadRaw(s.key, name, content, "extract")
	if r.status != http.StatusCreated {
		s.tb.Fatalf("upload %s: %d %s", name, r.status, r.body)
	}
	return r.json(s.tb)["id"].(string)
}

func (s *server) uploadRaw(key, name string, content []byte, purpose string) response {
	s.tb.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if purpose != "" {
		_ = mw.WriteField("purpose", purpose)
	}
	if name != "" {
		fw, _ := mw.CreateFormFile("file", name)
		fw.Write(content)
	}
	mw.Close()
	return s.doKey(key, http.MethodPost, "/api/v1/beta/files", buf.Bytes(), "Content-Type", mw.FormDataContentType())
}

func testdata(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

var invoiceSchema = map[string]any{
	"type": "object",
	"properties": map[string]any{
		"invoice_number": map[string]any{"type": "string"},
		"invoice_date":   map[string]any{"type": "string", "format": "date"},
		"total":          map[string]any{"type": "number"},
		"customer":       map[string]any{"type": "string"},
		"paid":           map[string]any{"type": "boolean"},
		"purchase_order": map[string]any{"type": []any{"string", "null"}},
	},
}

// createJob creates a job from an inline configuration and returns it.
func (s *server) createJob(fileID string, cfg map[string]any, hdr ...string) map[string]any {
	s.tb.Helper()
	r := s.do(http.MethodPost, "/api/v2/extract", map[string]any{"file_input": fileID, "configuration": cfg}, hdr...)
	if r.status != http.StatusCreated {
		s.tb.Fatalf("create job: %d %s", r.status, r.body)
	}
	return r.json(s.tb)
}

// waitStatus polls a job until it reaches one of the statuses.
func (s *server) waitStatus(jobID string, want ...string) map[string]any {
	s.tb.Helper()
	return s.waitStatusWithin(jobID, 30*time.Second, want...)
}

// waitStatusWithin is waitStatus with a limit other than 30 seconds.
func (s *server) waitStatusWithin(jobID string, limit time.Duration, want ...string) map[string]any {
	s.tb.Helper()
	deadline := time.Now().Add(limit)
	var last map[string]any
	for time.Now().Before(deadline) {
		r := s.do(http.MethodGet, "/api/v2/extract/"+jobID+"?expand=extract_metadata&expand=metadata&expand=configuration", nil)
		if r.status != http.StatusOK {
			s.tb.Fatalf("get job %s: %d %s", jobID, r.status, r.body)
		}
		last = r.json(s.tb)
		if slices.Contains(want, last["status"].(string)) {
			return last
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.tb.Fatalf("job %s is %v after %s, want one of %v (error_message %v)", jobID, last["status"], limit, want, last["error_message"])
	return nil
}

// list fetches one page of jobs.
func (s *server) list(q url.Values) (response, map[string]any) {
	s.tb.Helper()
	r := s.do(http.MethodGet, "/api/v2/extract?"+q.Encode(), nil)
	if r.status != http.StatusOK {
		return r, nil
	}
	return r, r.json(s.tb)
}

// listAll pages through a listing and returns the ids in order.
func (s *server) listAll(q url.Values) []string {
	s.tb.Helper()
	var ids []string
	q = cloneValues(q)
	for {
		r, page := s.list(q)
		if page == nil {
			s.tb.Fatalf("list %v: %d %s", q, r.status, r.body)
		}
		for _, it := range page["items"].([]any) {
			ids = append(ids, it.(map[string]any)["id"].(string))
		}
		tok, _ := page["next_page_token"].(string)
		if tok == "" {
			return ids
		}
		q.Set("page_token", tok)
	}
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// gateEngine is the built-in engine behind a gate: each extraction waits
// until the gate opens or its context ends, so a test can act on a job that
// is mid-run. It counts how many runs started.
type gateEngine struct {
	inner   extract.Engine
	open    chan struct{}
	started chan string
}

func newGateEngine() *gateEngine {
	return &gateEngine{inner: builtin.New(), open: make(chan struct{}), started: make(chan string, 100)}
}

func (g *gateEngine) Extract(ctx context.Context, doc *document.Document, cfg extract.Configuration) (extract.Outcome, error) {
	select {
	case g.started <- "run":
	default:
	}
	select {
	case <-ctx.Done():
		return extract.Outcome{}, ctx.Err()
	case <-g.open:
	}
	return g.inner.Extract(ctx, doc, cfg)
}
