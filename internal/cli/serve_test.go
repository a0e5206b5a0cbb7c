package cli

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

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
