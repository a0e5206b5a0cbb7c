package cli

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quarrylabs/quarry/internal/app"
	"github.com/quarrylabs/quarry/internal/app/apptest"
	"github.com/quarrylabs/quarry/internal/store/postgres/pgtest"
)

// serveOn starts a server with cfg until the test ends and returns a
// function giving the status of a job listing sent with a key.
func serveOn(t *testing.T, cfg app.Config) func(key string) int {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	a := apptest.Start(t, cfg)
	return func(key string) int { return listStatus(t, a.Addr(), key) }
}

// TestStateCommandsFollowEnvironment runs keys, migrate and backup with
// their database named only by the environment, as in a deployment: each
// opens the database a server with the same settings uses.
func TestStateCommandsFollowEnvironment(t *testing.T) {
	t.Parallel()
	t.Run("PostgreSQL", func(t *testing.T) {
		t.Parallel()
		url := pgtest.Database(t)
		cwd := t.TempDir()
		env := []string{"QUARRY_DATABASE_URL=" + url}

		r := runBin(t, cwd, env, "", "keys", "create", "--name", "deploy", "--format", "json")
		var created struct{ ID, Secret string }
		if err := json.Unmarshal([]byte(r.stdout), &created); r.code != 0 || err != nil || !strings.HasPrefix(created.Secret, "qry_") {
			t.Fatalf("QUARRY_DATABASE_URL=… quarry keys create = %d %q %q (%v), want the key with its secret", r.code, r.stdout, r.stderr, err)
		}
		// Nothing written beside: no SQLite database a server would not read.
		if entries, _ := os.ReadDir(cwd); len(entries) != 0 {
			t.Errorf("keys create on PostgreSQL created %v in the working directory", entries)
		}
		if r := runBin(t, cwd, env, "", "migrate", "--data-dir", t.TempDir()); r.code != 0 || !strings.Contains(r.stdout, "PostgreSQL") {
			t.Errorf("QUARRY_DATABASE_URL=… quarry migrate = %d %q %q, want the PostgreSQL database up to date", r.code, r.stdout, r.stderr)
		}
		status := serveOn(t, app.Config{DataDir: t.TempDir(), Database: url, TokenKey: []byte(strings.Repeat("k", 32))})
		if got := status(created.Secret); got != http.StatusOK {
			t.Errorf("a server on the same database answers the key with %d, want 200", got)
		}
		if r := runBin(t, cwd, env, "", "keys", "list", "--format", "table"); r.code != 0 || !strings.Contains(r.stdout, created.ID) {
			t.Errorf("QUARRY_DATABASE_URL=… quarry keys list = %d %q %q, want %s", r.code, r.stdout, r.stderr, created.ID)
		}
		r = runBin(t, cwd, env, "", "backup", "--out", "copy.db")
		if r.code != 2 || !strings.Contains(r.stderr, "pg_dump") || !strings.Contains(r.stderr, "QUARRY_DATABASE_URL") {
			t.Errorf("QUARRY_DATABASE_URL=… quarry backup = %d %q, want 2, pg_dump and the variable named", r.code, r.stderr)
		}
	})
	t.Run("SQLite", func(t *testing.T) {
		t.Parallel()
		cwd := t.TempDir()
		dir := filepath.Join(t.TempDir(), "data")
		env := []string{"QUARRY_DATA_DIR=" + dir}
		// Before any server: keys and backup find no database, say so
		// alike, and create none.
		for _, args := range [][]string{{"keys", "create"}, {"backup", "--out", "copy.db"}} {
			r := runBin(t, cwd, env, "", args...)
			if r.code != 1 || !strings.Contains(r.stderr, "no Quarry database in "+dir) || !strings.Contains(r.stderr, "QUARRY_DATA_DIR") {
				t.Errorf("QUARRY_DATA_DIR=%s quarry %v = %d %q, want 1 and no Quarry database in it", dir, args, r.code, r.stderr)
			}
		}
		if _, err := os.Stat(dir); err == nil {
			t.Fatalf("%s was created", dir)
		}
		if r := runBin(t, cwd, env, "", "migrate"); r.code != 0 || !strings.Contains(r.stdout, "SQLite database in "+dir) {
			t.Fatalf("QUARRY_DATA_DIR=%s quarry migrate = %d %q %q", dir, r.code, r.stdout, r.stderr)
		}
		r := runBin(t, cwd, env, "", "keys", "create", "--name", "deploy")
		secret := strings.TrimSpace(r.stdout)
		if r.code != 0 || !strings.HasPrefix(secret, "qry_") {
			t.Fatalf("QUARRY_DATA_DIR=%s quarry keys create = %d %q %q", dir, r.code, r.stdout, r.stderr)
		}
		status := serveOn(t, app.Config{DataDir: dir})
		if got := status(secret); got != http.StatusOK {
			t.Errorf("a server on the same data directory answers the key with %d, want 200", got)
		}
		// While the server runs: keys and backup work beside it, migrate
		// is refused its lock.
		if r := runBin(t, cwd, env, "", "backup", "--out", "copy.db"); r.code != 0 {
			t.Errorf("QUARRY_DATA_DIR=%s quarry backup = %d %q", dir, r.code, r.stderr)
		}
		if r := runBin(t, cwd, env, "", "keys", "list", "--format", "table"); r.code != 0 || !strings.Contains(r.stdout, "deploy") {
			t.Errorf("QUARRY_DATA_DIR=%s quarry keys list = %d %q %q", dir, r.code, r.stdout, r.stderr)
		}
		if r := runBin(t, cwd, env, "", "migrate"); r.code != 1 || !strings.Contains(r.stderr, "in use by another quarry process") || !strings.Contains(r.stderr, "QUARRY_DATA_DIR") {
			t.Errorf("QUARRY_DATA_DIR=%s quarry migrate beside a server = %d %q, want 1 and in use", dir, r.code, r.stderr)
		}
	})
}
