package client_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/quarrylabs/quarry/client"
	"github.com/quarrylabs/quarry/internal/app"
	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/extract"
)

// TestMain runs one server for the examples, which read its address and key
// from the environment as a program would, and checks that nothing the
// tests started is left running.
func TestMain(m *testing.M) {
	os.Exit(func() int {
		srv, err := startServer(app.Config{Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(srv.dir)
		os.Setenv("LLAMA_CLOUD_BASE_URL", srv.base)
		os.Setenv("LLAMA_CLOUD_API_KEY", srv.key)
		code := m.Run()
		if err := srv.stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		if code == 0 {
			http.DefaultClient.CloseIdleConnections()
			if err := goleak.Find(
				// Idle keep-alive connections of the clients' transports.
				goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
				goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
			); err != nil {
				fmt.Fprintln(os.Stderr, "leaked goroutines:", err)
				return 1
			}
		}
		return code
	}())
}

// server is a real Quarry server on a loopback port with its own data
// directory.
type server struct {
	base   string
	key    string
	dir    string
	cancel context.CancelFunc
	done   chan error
}

func startServer(cfg app.Config) (*server, error) {
	cfg.Addr = "127.0.0.1:0"
	if cfg.DataDir == "" {
		dir, err := os.MkdirTemp("", "quarry-client-test-")
		if err != nil {
			return nil, err
		}
		cfg.DataDir = dir
	}
	cfg.Queue.Workers = 4
	cfg.Queue.PollInterval = 50 * time.Millisecond
	cfg.Queue.ThrottleDelay = 100 * time.Millisecond
	cfg.Queue.DrainTimeout = time.Second
	a, err := app.New(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("start server: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{base: "http://" + a.Addr(), key: a.Bootstrap().APIKey, dir: cfg.DataDir, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- a.Run(ctx) }()
	return s, nil
}

func (s *server) stop() error {
	s.cancel()
	select {
	case err := <-s.done:
		return err
	case <-time.After(30 * time.Second):
		return fmt.Errorf("server did not stop within 30s")
	}
}

// newServer starts a server for one test, with its own data directory.
func newServer(tb testing.TB, engine extract.Engine) *server {
	tb.Helper()
	cfg := app.Config{
		DataDir: tb.TempDir(),
		Engine:  engine,
		Logger:  slog.New(slog.NewTextHandler(tb.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	s, err := startServer(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.stop(); err != nil {
			tb.Errorf("server: %v", err)
		}
	})
	return s
}

// newClient returns a client of s with fast retries, and a counter of the
// HTTP requests it sends.
func newClient(tb testing.TB, s *server, opts ...client.Option) (*client.Client, *atomic.Int64) {
	tb.Helper()
	var n atomic.Int64
	hc := &http.Client{Transport: countingTransport{http.DefaultTransport, &n}}
	opts = append([]client.Option{
		client.WithBaseURL(s.base),
		client.WithAPIKey(s.key),
		client.WithHTTPClient(hc),
		client.WithRetryDelay(time.Millisecond, 10*time.Millisecond),
	}, opts...)
	c, err := client.New(opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(hc.CloseIdleConnections)
	return c, &n
}

type countingTransport struct {
	next http.RoundTripper
	n    *atomic.Int64
}

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.n.Add(1)
	return t.next.RoundTrip(r)
}

// gateEngine is the built-in engine behind a gate that never opens: each
// extraction waits until its context ends, so a test can act on a job that
// is mid-run.
type gateEngine struct{}

func (gateEngine) Extract(ctx context.Context, _ *document.Document, _ extract.Configuration) (extract.Outcome, error) {
	<-ctx.Done()
	return extract.Outcome{}, ctx.Err()
}

// fastWait polls quickly: tests wait on jobs the built-in engine finishes
// in milliseconds.
var fastWait = &client.WaitOptions{PollInterval: 20 * time.Millisecond, MaxInterval: 100 * time.Millisecond}
