package cli

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/client"
	"github.com/quarrylabs/quarry/internal/app"
	"github.com/quarrylabs/quarry/internal/app/apptest"
	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/extract"
)

// quarryBin is the quarry binary the CLI tests run, built once.
var quarryBin string

func TestMain(m *testing.M) {
	os.Exit(func() int {
		dir, err := os.MkdirTemp("", "quarry-cli-test-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		quarryBin = filepath.Join(dir, "quarry")
		build := exec.Command("go", "build", "-o", quarryBin, "github.com/quarrylabs/quarry/cmd/quarry")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "build quarry:", err)
			return 1
		}
		return m.Run()
	}())
}

// testServer is a real Quarry server on a loopback port, and a client of
// it for setting up what a test needs.
type testServer struct {
	base string
	key  string
	c    *client.Client
}

// startServer runs a server with its own data directory until the test
// ends; engine may be nil for the built-in engine.
func startServer(tb testing.TB, engine extract.Engine) *testServer {
	tb.Helper()
	cfg := app.Config{
		Addr:    "127.0.0.1:0",
		DataDir: tb.TempDir(),
		Engine:  engine,
		Logger:  slog.New(slog.NewTextHandler(tb.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	cfg.Queue.Workers = 4
	cfg.Queue.PollInterval = 50 * time.Millisecond
	cfg.Queue.DrainTimeout = time.Second
	a := apptest.Start(tb, cfg)
	s := &testServer{base: "http://" + a.Addr(), key: a.Bootstrap().APIKey}
	c, err := client.New(client.WithBaseURL(s.base), client.WithAPIKey(s.key))
	if err != nil {
		tb.Fatal(err)
	}
	s.c = c
	return s
}

// result is what one run of the binary did.
type result struct {
	code           int
	stdout, stderr string
}

// quarry runs the binary against the server with the key in the
// environment, as a user would, in a fresh working directory.
func (s *testServer) quarry(tb testing.TB, stdin string, args ...string) result {
	tb.Helper()
	return runBin(tb, tb.TempDir(), []string{"LLAMA_CLOUD_BASE_URL=" + s.base, "LLAMA_CLOUD_API_KEY=" + s.key}, stdin, args...)
}

func runBin(tb testing.TB, dir string, env []string, stdin string, args ...string) result {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, quarryBin, args...)
	cmd.Dir = dir
	// Only the test's own settings: none of the developer's leak in.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LLAMA_CLOUD_") && !strings.HasPrefix(kv, "QUARRY_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	} else if err != nil {
		tb.Fatalf("quarry %v: %v", args, err)
	}
	return r
}

// ok runs the binary and fails the test unless it exits 0.
func (s *testServer) ok(tb testing.TB, args ...string) string {
	tb.Helper()
	r := s.quarry(tb, "", args...)
	if r.code != 0 {
		tb.Fatalf("quarry %s exited %d: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// gateEngine never finishes an extraction by itself: each waits until its
// context ends, so a test can act on a job that is mid-run.
type gateEngine struct{}

func (gateEngine) Extract(ctx context.Context, _ *document.Document, _ extract.Configuration) (extract.Outcome, error) {
	<-ctx.Done()
	return extract.Outcome{}, ctx.Err()
}
