package cli

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/app"
	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/id"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = Execute(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestKeys creates, lists and revokes keys in a running server's data
// directory and checks the server honours each change.
func TestKeys(t *testing.T) {
	dir := t.TempDir()
	a, err := app.New(context.Background(), app.Config{Addr: "127.0.0.1:0", DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	status := func(key string, query ...string) int {
		req, _ := http.NewRequest(http.MethodGet, "http://"+a.Addr()+"/api/v2/extract"+strings.Join(query, ""), nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}

	code, out, _ := run(t, "keys", "create", "--name", "ci", "--data-dir", dir)
	secret := strings.TrimSpace(out)
	if code != 0 || !strings.HasPrefix(secret, "qry_") {
		t.Fatalf("keys create = %d %q", code, out)
	}
	if got := status(secret); got != http.StatusOK {
		t.Errorf("new key: %d, want 200", got)
	}

	code, out, _ = run(t, "keys", "list", "--data-dir", dir)
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
	if err := a.Store().CreateProject(ctx, other); err != nil {
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
	if _, out, _ := run(t, "keys", "list", "--data-dir", dir); !strings.Contains(out, " organization ") {
		t.Errorf("keys list = %q, want the organization-wide key's scope", out)
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
