package cli

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/app/apptest"
	"github.com/quarrylabs/quarry/internal/store/postgres/pgtest"
)

func TestServeRefusesBadFlags(t *testing.T) {
	t.Parallel()
	key := strings.Repeat("ab", 32)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"ErrRoleWithoutDatabase", []string{"--role", "worker"}, "--role worker needs --database"},
		{"ErrUnknownRole", []string{"--role", "boss"}, `--role "boss" is not one of`},
		{"ErrDatabaseNotPostgres", []string{"--database", "mysql://db/quarry", "--token-key", key}, "--database must be a postgres://"},
		{"ErrDatabaseWithoutTokenKey", []string{"--database", "postgres://127.0.0.1:1/none", "--role", "api", "--token-key", ""}, "--token-key (or QUARRY_TOKEN_KEY) is required with --database"},
		{"ErrNegativeHeapFloor", []string{"--gc-heap-floor", "-1"}, "--gc-heap-floor -1: give a size in bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir()}, tt.args...)
			code, _, errOut := run(t, args...)
			if code != 2 || !strings.Contains(errOut, tt.want) {
				t.Errorf("quarry %v = %d %q, want 2 and %q", args, code, errOut, tt.want)
			}
		})
	}
}

func TestServeHelpDocumentsScaleOut(t *testing.T) {
	t.Parallel()
	code, out, _ := run(t, "serve", "--help")
	if code != 0 {
		t.Fatalf("serve --help exited %d", code)
	}
	for _, want := range []string{"--database", "QUARRY_DATABASE_URL", "--role", "QUARRY_ROLE", "QUARRY_TOKEN_KEY", "QUARRY_RESCUE_AFTER", "QUARRY_POLL_ONLY", "QUARRY_RECONCILE_INTERVAL"} {
		if !strings.Contains(out, want) {
			t.Errorf("serve --help does not mention %s", want)
		}
	}
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		for range 2 {
			code, out, errOut := run(t, "migrate", "--data-dir", dir)
			if code != 0 || !strings.Contains(out, "up to date") {
				t.Fatalf("migrate = %d %q %q, want 0 and up to date", code, out, errOut)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "quarry.db")); err != nil {
			t.Errorf("no database after migrate: %v", err)
		}
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		t.Parallel()
		url := pgtest.Database(t)
		// Processes migrating at once take turns.
		var wg sync.WaitGroup
		for range 3 {
			wg.Go(func() {
				if code, out, errOut := run(t, "migrate", "--database", url, "--data-dir", t.TempDir()); code != 0 || !strings.Contains(out, "up to date") {
					t.Errorf("migrate = %d %q %q, want 0 and up to date", code, out, errOut)
				}
			})
		}
		wg.Wait()
	})
}

// TestServeStartupFailures runs the binary where it cannot start and wants
// one line saying why, naming the setting to change, and a failing exit
// code: never a panic or a page of driver output.
func TestServeStartupFailures(t *testing.T) {
	t.Parallel()
	ob := apptest.Obstruct(t)
	locked := ob.LockedDir
	key := strings.Repeat("ab", 32)

	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"ErrAddressInUse", []string{"--addr", ob.BusyAddr, "--data-dir", t.TempDir()},
			[]string{ob.BusyAddr + " is already in use", "--addr"}},
		{"ErrDataDirLocked", []string{"--addr", "127.0.0.1:0", "--data-dir", locked},
			[]string{"data directory " + locked + " is in use by another quarry process", "--data-dir"}},
		{"ErrDatabaseUnreachable", []string{"--addr", "127.0.0.1:0", "--data-dir", t.TempDir(),
			"--database", "postgres://postgres@127.0.0.1:1/test", "--token-key", key},
			[]string{"cannot connect to PostgreSQL at 127.0.0.1:1/test", "connection refused", "QUARRY_DATABASE_URL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"serve", "--log-level", "warn"}, tt.args...)
			r := runBin(t, t.TempDir(), nil, "", args...)
			lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
			if r.code != 1 || len(lines) != 1 || !strings.HasPrefix(lines[0], "Error: ") {
				t.Fatalf("quarry %v = %d, stderr %q; want 1 and one line starting Error:", args, r.code, r.stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(lines[0], w) {
					t.Errorf("quarry %v: %q does not say %q", args, lines[0], w)
				}
			}
		})
	}
}

// TestServeBannerAfterLogs starts the binary on a fresh data directory, as
// a first-time user does, with its logs and output in one terminal: the
// API key it prints comes after the start-up logs, not among them.
func TestServeBannerAfterLogs(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, quarryBin, "serve", "--addr", "127.0.0.1:0", "--data-dir", t.TempDir())
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "QUARRY_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
		pr.Close()
	})
	var before []string
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(strings.TrimSpace(line), "qry_") {
			break
		}
		before = append(before, line)
	}
	if sc.Err() != nil || len(before) == 0 {
		t.Fatalf("no API key printed: %v\n%s", sc.Err(), strings.Join(before, "\n"))
	}
	// The banner is the last lines before the key; every log line,
	// migrations and the queue's start included, is above it.
	banner := before[len(before)-4:]
	if !strings.HasPrefix(banner[0], "Quarry is serving on http://127.0.0.1:") || !strings.Contains(banner[2], "API key") || strings.Contains(strings.Join(banner, "\n"), "level=") {
		t.Errorf("lines before the key end %q, want the banner alone", banner)
	}
	logs := strings.Join(before, "\n")
	for _, want := range []string{"applied database migration", `msg="quarry serving"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("%q is not logged before the key:\n%s", want, logs)
		}
	}
}
