// Package typescript runs the official LlamaCloud TypeScript client
// (@llamaindex/llama-cloud, pinned in package-lock.json), unchanged, against
// a real Quarry server, so that any reply of Quarry's that makes that client
// fail or return wrong data fails the suite.
//
// The Go test owns the server and the Node toolchain; the .mjs suites own
// the assertions, written the way a user of the client writes code.
package typescript

import (
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/quarrylabs/quarry/internal/app"
	"github.com/quarrylabs/quarry/internal/app/apptest"
	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/engine/builtin"
	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/test/internal/nodetest"
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
	// Without Node the client cannot be checked: a skip on a developer's
	// machine, a failure under CI.
	node, npm := nodetest.Tools(t, "the TypeScript client conformance test needs Node.js 20+ and npm on PATH")
	nodetest.Install(t, npm, ".")

	srv := startServer(t)

	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	// Every .mjs file here is a suite of its own, one per area of the API.
	suites, err := filepath.Glob("*.mjs")
	if err != nil || len(suites) == 0 {
		t.Fatalf("no .mjs suites found: %v", err)
	}
	cmd := exec.CommandContext(ctx, node, append([]string{"--test", "--test-reporter=spec"}, suites...)...)
	cmd.Env = append(clientEnv(os.Environ()),
		"LLAMA_CLOUD_BASE_URL="+srv,
		"LLAMA_CLOUD_API_KEY="+apiKey,
		"NO_COLOR=1",
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node --test %v: %v\n%s", suites, err, out)
	}
	t.Logf("node --test %v:\n%s", suites, out)
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
	a := apptest.Start(t, cfg)
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
