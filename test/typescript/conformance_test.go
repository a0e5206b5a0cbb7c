// Package typescript runs the official LlamaCloud TypeScript client
// (@llamaindex/llama-cloud, pinned in package-lock.json), unchanged, against
// a real Quarry server, so that any reply of Quarry's that makes that client
// fail or return wrong data fails the suite.
//
// The Go test owns the server and the Node toolchain; conformance.mjs owns
// the assertions, written the way a user of the client writes code.
package typescript

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/quarrylabs/quarry/internal/app"
	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/engine/builtin"
	"github.com/quarrylabs/quarry/internal/extract"
)

// TestMain checks that the server the test starts leaves no goroutine
// behind once stopped.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// apiKey is the key the server accepts and the client sends.
const apiKey = "qry_typescript-conformance-key"

// holdPrompt is the system_prompt that makes an extraction wait until its
// job is cancelled; it must match HOLD_PROMPT in conformance.mjs.
const holdPrompt = "conformance: hold until cancelled"

func TestOfficialClient(t *testing.T) {
	node, npm := nodeTools(t)
	installPackages(t, npm)

	srv := startServer(t)

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "conformance.mjs")
	cmd.Env = append(clientEnv(os.Environ()),
		"LLAMA_CLOUD_BASE_URL="+srv,
		"LLAMA_CLOUD_API_KEY="+apiKey,
		"NO_COLOR=1",
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test conformance.mjs: %v\n%s", err, out)
	}
	t.Logf("node --test conformance.mjs:\n%s", out)
}

// nodeTools finds node and npm. Without them the test cannot run: it skips
// on a developer's machine and fails under CI, where skipping would hide
// that the client was never checked.
func nodeTools(t *testing.T) (node, npm string) {
	t.Helper()
	unavailable := func(why string) {
		msg := "the TypeScript client conformance test needs Node.js 20+ and npm on PATH: " + why
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	node, nerr := exec.LookPath("node")
	npm, perr := exec.LookPath("npm")
	if err := errors.Join(nerr, perr); err != nil {
		unavailable(err.Error())
	}
	// The client needs a global fetch and node:test's reporters, both
	// stable from Node 20 (package.json's engines).
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		unavailable(fmt.Sprintf("node --version: %v", err))
	}
	version := strings.TrimSpace(string(out))
	major, _, _ := strings.Cut(strings.TrimPrefix(version, "v"), ".")
	if n, err := strconv.Atoi(major); err != nil || n < 20 {
		unavailable("found node " + version)
	}
	return node, npm
}

// installPackages runs `npm ci` when node_modules does not hold exactly the
// versions package-lock.json pins, so a changed lock file takes effect on
// the next run and an up-to-date tree costs nothing.
func installPackages(t *testing.T, npm string) {
	t.Helper()
	stale, err := staleModules(".")
	if err != nil {
		t.Fatalf("check node_modules: %v", err)
	}
	if stale == "" {
		return
	}
	t.Logf("running npm ci: %s", stale)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci: %v\n%s", err, out)
	}
	if stale, err := staleModules("."); err != nil || stale != "" {
		t.Fatalf("node_modules still out of date after npm ci: %s %v", stale, err)
	}
}

// staleModules compares every package package-lock.json pins with the one
// installed, and says what differs ("" when nothing does).
func staleModules(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return "", fmt.Errorf("read lock file: %w", err)
	}
	var lock struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(b, &lock); err != nil {
		return "", fmt.Errorf("parse package-lock.json: %w", err)
	}
	for path, pkg := range lock.Packages {
		if path == "" || pkg.Version == "" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(path), "package.json"))
		if errors.Is(err, fs.ErrNotExist) {
			return path + " is not installed", nil
		}
		if err != nil {
			return "", fmt.Errorf("read installed %s: %w", path, err)
		}
		var installed struct {
			Version string `json:"version"`
		}
		if err := json.Unmarshal(b, &installed); err != nil {
			return "", fmt.Errorf("parse installed %s/package.json: %w", path, err)
		}
		if installed.Version != pkg.Version {
			return fmt.Sprintf("%s is %s, the lock file pins %s", path, installed.Version, pkg.Version), nil
		}
	}
	return "", nil
}

// clientEnv drops settings from the caller's environment that would point
// the client somewhere else or change how it talks.
func clientEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "LLAMA_CLOUD_") || name == "NODE_OPTIONS" {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// startServer runs a Quarry server on a loopback port with its own data
// directory until the test ends, and returns its base URL.
func startServer(t *testing.T) string {
	t.Helper()
	cfg := app.Config{
		Addr:    "127.0.0.1:0",
		DataDir: t.TempDir(),
		APIKey:  apiKey,
		Engine:  holdEngine{builtin.New()},
		Logger:  slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	cfg.Queue.Workers = 4
	// Jobs are picked up and cancellations seen within this, instead of
	// the production default of half a second.
	cfg.Queue.PollInterval = 50 * time.Millisecond
	cfg.Queue.ThrottleDelay = 100 * time.Millisecond
	cfg.Queue.DrainTimeout = time.Second
	a, err := app.New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server Run: %v", err)
		}
	})
	return "http://" + a.Addr()
}

// holdEngine is the built-in engine, except that an extraction whose
// system_prompt is holdPrompt waits for its context to end. The client can
// then cancel a job that is certainly still pending or running, without
// racing the worker.
type holdEngine struct{ extract.Engine }

func (h holdEngine) Extract(ctx context.Context, doc *document.Document, cfg extract.Configuration) (extract.Outcome, error) {
	if cfg.SystemPrompt == holdPrompt {
		<-ctx.Done()
		return extract.Outcome{}, ctx.Err()
	}
	return h.Engine.Extract(ctx, doc, cfg)
}
