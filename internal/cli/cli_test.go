package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/app"
	"github.com/quarrylabs/quarry/internal/app/apptest"
	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/id"
	"github.com/quarrylabs/quarry/internal/store/postgres/pgtest"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Execute(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// listStatus is the status of a job listing sent to the server at addr
// with a key, and query appended to its path.
func listStatus(t *testing.T, addr, key string, query ...string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/api/v2/extract"+strings.Join(query, ""), nil)
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestKeys creates, lists and revokes keys in a running server's data
// directory and checks the server honours each change.
func TestKeys(t *testing.T) {
	dir := t.TempDir()
	a := apptest.Start(t, app.Config{Addr: "127.0.0.1:0", DataDir: dir})
	status := func(key string, query ...string) int { return listStatus(t, a.Addr(), key, query...) }

	code, out, _ := run(t, "keys", "create", "--name", "ci", "--data-dir", dir)
	secret := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(secret, "qry_") {
		t.Fatalf("keys create = %d %q", code, out)
	}
	if got := status(secret); got != http.StatusOK {
		t.Errorf("new key: %d, want 200", got)
	}

	code, out, _ = run(t, "keys", "list", "--data-dir", dir, "--format", "table")
	if code != 0 || !strings.Contains(out, "ci") || strings.Contains(out, secret) {
		t.Fatalf("keys list = %d %q; want the key listed without its secret", code, out)
	}
	var keyID string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[1] == "ci" {
			keyID = f[0]
			// ID NAME PREFIX PROJECT SCOPE CREATED LAST-USED REVOKED: the
			// key was used for the request above and is not revoked yet.
			if len(f) != 8 || f[4] != "project" || f[6] == "-" || f[7] != "-" {
				t.Errorf("keys list line %q: want a project key with a last use and no revocation", line)
			}
		}
	}

	// A key reaches its project only, unless made organization-wide.
	other := extract.Project{ID: id.New(id.Project), OrganizationID: a.Bootstrap().OrganizationID, Name: "other", CreatedAt: time.Now().UTC()}
	if err := a.Store().CreateProject(t.Context(), other); err != nil {
		t.Fatal(err)
	}
	if got := status(secret, "?project_id=", other.ID); got != http.StatusForbidden {
		t.Errorf("project key naming another project of its organization: %d, want 403", got)
	}
	code, out, errOut := run(t, "keys", "create", "--name", "admin", "--organization-wide", "--data-dir", dir)
	orgKey := strings.TrimSpace(out)
	if code != 0 || !strings.Contains(errOut, "every project of organization") {
		t.Fatalf("keys create --organization-wide = %d %q %q", code, out, errOut)
	}
	if got := status(orgKey, "?project_id=", other.ID); got != http.StatusOK {
		t.Errorf("organization-wide key naming another project of its organization: %d, want 200", got)
	}
	if _, out, _ := run(t, "keys", "list", "--data-dir", dir, "--format", "table"); !strings.Contains(out, " organization ") {
		t.Errorf("keys list = %q, want the organization-wide key's scope", out)
	}
	// A format it cannot print is refused before a key is made, whose
	// secret would be lost.
	if code, _, errOut := run(t, "keys", "create", "--name", "lost", "--data-dir", dir, "--format", "xml"); code != 2 || !strings.Contains(errOut, "--format") {
		t.Errorf("keys create --format xml = %d %q, want 2", code, errOut)
	}
	// Piped, or with --format json, the listing is JSON: the API's page
	// shape, never the secrets.
	for _, args := range [][]string{{"keys", "list", "--data-dir", dir}, {"keys", "list", "--data-dir", dir, "--format", "json"}} {
		code, out, errOut := run(t, args...)
		var doc struct {
			Items []struct {
				ID               string `json:"id"`
				Name             string `json:"name"`
				OrganizationWide bool   `json:"organization_wide"`
				Secret           string `json:"secret"`
			} `json:"items"`
		}
		if err := json.Unmarshal([]byte(out), &doc); code != 0 || err != nil {
			t.Fatalf("quarry %v = %d %q %q: not JSON (%v)", args, code, out, errOut, err)
		}
		names := map[string]bool{}
		for _, k := range doc.Items {
			names[k.Name] = k.OrganizationWide
			if k.Secret != "" || strings.Contains(out, secret) {
				t.Errorf("quarry %v shows a secret", args)
			}
		}
		if ow, ok := names["admin"]; !ok || !ow || len(names) != 3 {
			t.Errorf("quarry %v: keys %v, want default, ci and the organization-wide admin", args, names)
		}
	}
	if _, out, _ := run(t, "keys", "create", "--help"); !strings.Contains(out, "refused with 403, even in the same organization") || !strings.Contains(out, "--organization-wide") {
		t.Errorf("keys create --help = %q, want what a key grants", out)
	}

	if code, _, errOut := run(t, "keys", "revoke", keyID, "--data-dir", dir); code != 0 {
		t.Fatalf("keys revoke %s = %d %s", keyID, code, errOut)
	}
	if got := status(secret); got != http.StatusUnauthorized {
		t.Errorf("revoked key: %d, want 401", got)
	}
	if code, _, errOut := run(t, "keys", "revoke", "key-missing", "--data-dir", dir); code != 1 || !strings.Contains(errOut, "not found") {
		t.Errorf("revoke unknown key = %d %q, want 1 and not found", code, errOut)
	}
}

// TestKeysOutsideDataDir runs the keys commands where there is no data
// directory: they say so and how to name one, and create nothing.
func TestKeysOutsideDataDir(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"keys", "list"}, {"keys", "create", "--name", "ci"}, {"keys", "revoke", "key-1"}} {
		cwd := t.TempDir()
		r := runBin(t, cwd, nil, "", args...)
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		if r.code != 1 || len(lines) != 1 || !strings.Contains(lines[0], "no Quarry database in ./quarry-data") ||
			!strings.Contains(lines[0], "--data-dir") || !strings.Contains(lines[0], "QUARRY_DATABASE_URL") {
			t.Errorf("quarry %v = %d %q, want 1 and one line naming the data directory, --data-dir and QUARRY_DATABASE_URL", args, r.code, r.stderr)
		}
		if entries, _ := os.ReadDir(cwd); len(entries) != 0 {
			t.Errorf("quarry %v created %v", args, entries)
		}
	}
}

// TestKeysPostgreSQL manages the keys of a server on PostgreSQL with
// --database, as QUARRY_DATABASE_URL names it in a deployment.
func TestKeysPostgreSQL(t *testing.T) {
	t.Parallel()
	url := pgtest.Database(t)
	code, out, errOut := run(t, "keys", "create", "--name", "pg", "--database", url, "--format", "json")
	var created struct{ ID, Name, Secret string }
	if err := json.Unmarshal([]byte(out), &created); code != 0 || err != nil || created.Name != "pg" || !strings.HasPrefix(created.Secret, "qry_") {
		t.Fatalf("keys create --database = %d %q %q (%v), want the key with its secret", code, out, errOut, err)
	}
	code, out, errOut = run(t, "keys", "list", "--database", url, "--format", "table")
	if code != 0 || !strings.Contains(out, created.ID) || strings.Contains(out, created.Secret) {
		t.Fatalf("keys list --database = %d %q %q, want the key without its secret", code, out, errOut)
	}
	if code, _, errOut := run(t, "keys", "revoke", created.ID, "--database", url); code != 0 {
		t.Fatalf("keys revoke --database = %d %q", code, errOut)
	}
	if _, out, _ := run(t, "keys", "list", "--database", url, "--format", "table"); !strings.Contains(out, created.ID) || strings.HasSuffix(strings.TrimSpace(out), " -") {
		t.Errorf("keys list after revoke = %q, want the key revoked", out)
	}
}

// TestFormatRefusedWherePlain asks commands that print plain text for
// JSON: refused as a usage error, not answered in text.
func TestFormatRefusedWherePlain(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, args := range [][]string{
		{"migrate", "--data-dir", dir, "--format", "json"},
		{"backup", "--data-dir", dir, "--out", filepath.Join(dir, "copy.db"), "--format", "json"},
		{"serve", "--data-dir", dir, "--addr", "127.0.0.1:0", "--format", "json"},
		{"eval", "generate", "--out", filepath.Join(dir, "corpus"), "--format", "json"},
	} {
		if code, _, errOut := run(t, args...); code != 2 || !strings.Contains(errOut, "takes no --format") {
			t.Errorf("quarry %v = %d %q, want 2 and takes no --format", args, code, errOut)
		}
	}
	// parse's own --format is not the global one.
	if code, out, errOut := run(t, "parse", "testdata/invoice.txt", "--format", "json"); code != 0 || !strings.HasPrefix(out, "{") {
		t.Errorf("parse --format json = %d %q %q", code, out, errOut)
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"frobnicate"}, {"serve", "--no-such-flag"}, {"keys", "revoke"}, {"serve", "--log-level", "loud"}} {
		if code, _, _ := run(t, args...); code != 2 {
			t.Errorf("quarry %v exited %d, want 2", args, code)
		}
	}
}

func TestServeHelpDocumentsEnv(t *testing.T) {
	t.Parallel()
	code, out, _ := run(t, "serve", "--help")
	if code != 0 {
		t.Fatalf("serve --help exited %d", code)
	}
	for _, want := range []string{"QUARRY_ADDR", "QUARRY_DATA_DIR", "QUARRY_API_KEY", "QUARRY_MAX_UPLOAD_BYTES", "QUARRY_PROJECT_CONCURRENCY", "Example"} {
		if !strings.Contains(out, want) {
			t.Errorf("serve --help does not mention %s", want)
		}
	}
}
