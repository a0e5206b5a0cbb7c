package app_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/id"
)

// tenant is a project and a key whose default project it is.
type tenant struct {
	name    string
	project extract.Project
	key     string
}

// resources are what one tenant made, for others to try to reach.
type resources struct {
	fileID, jobID, configID, pageToken, filesPageToken, downloadURL string
}

// TestIsolation sets up two organizations and three projects (A1 and A2 in
// organization A, B1 in organization B) and has the keys of A2 and B1 try
// every endpoint on A1's job, file and configuration: each is 404 (absent
// for them), a listing with any filter shows none of A1's resources, a page
// token minted in A1 opens nowhere else (422), and naming another
// organization's project is 403. A1's resources are intact afterwards.
func TestIsolation(t *testing.T) {
	t.Parallel()
	eachStore(t, testIsolation)
}

func testIsolation(t *testing.T, db database) {
	ctx := context.Background()
	s := start(t, db.option)
	st := s.app.Store()
	a1 := tenant{name: "A1", project: defaultProject(t, s), key: s.key}
	orgB := extract.Organization{ID: id.New(id.Organization), Name: "B", CreatedAt: time.Now().UTC()}
	if err := st.CreateOrganization(ctx, orgB); err != nil {
		t.Fatal(err)
	}
	newProject := func(org, name string) tenant {
		p := extract.Project{ID: id.New(id.Project), OrganizationID: org, Name: name, CreatedAt: time.Now().UTC()}
		if err := st.CreateProject(ctx, p); err != nil {
			t.Fatal(err)
		}
		return tenant{name: name, project: p, key: addKey(t, s, p)}
	}
	a2 := newProject(a1.project.OrganizationID, "A2")
	b1 := newProject(orgB.ID, "B1")

	// A1's resources: two files and two jobs (so that listings have a
	// second page), and a saved configuration.
	var own resources
	own.fileID = s.upload("invoice.txt", testdata(t, "invoice.txt"))
	s.upload("second.txt", []byte("Invoice Number: 2\n"))
	cfg := s.do(http.MethodPost, "/api/v1/beta/configurations", map[string]any{
		"name": "invoices", "parameters": map[string]any{"product_type": "extract_v2", "data_schema": invoiceSchema}})
	if cfg.status != http.StatusOK && cfg.status != http.StatusCreated {
		t.Fatalf("create configuration: %d %s", cfg.status, cfg.body)
	}
	own.configID = cfg.json(t)["id"].(string)
	r := s.do(http.MethodPost, "/api/v2/extract", map[string]any{"file_input": own.fileID, "configuration_id": own.configID})
	if r.status != http.StatusCreated {
		t.Fatalf("create job: %d %s", r.status, r.body)
	}
	first := r.json(t)["id"].(string)
	own.jobID = s.createJob(own.fileID, map[string]any{"data_schema": invoiceSchema})["id"].(string)
	s.waitStatus(first, "COMPLETED")
	s.waitStatus(own.jobID, "COMPLETED")
	_, page := s.list(url.Values{"page_size": {"1"}})
	own.pageToken = page["next_page_token"].(string)
	files := s.do(http.MethodGet, "/api/v1/beta/files?page_size=1", nil).json(t)
	own.filesPageToken = files["next_page_token"].(string)
	own.downloadURL = s.do(http.MethodGet, "/api/v1/beta/files/"+own.fileID+"/content", nil).json(t)["url"].(string)
	ownIDs := []string{own.fileID, own.jobID, first, own.configID}

	for _, other := range []tenant{a2, b1} {
		t.Run(other.name, func(t *testing.T) {
			tryEndpoints(t, s, other, own, ownIDs)
		})
	}

	// Naming a project of another organization is refused outright.
	for _, tc := range []struct {
		key     string
		project extract.Project
	}{{b1.key, a1.project}, {a1.key, b1.project}, {a2.key, b1.project}} {
		for _, path := range []string{"/api/v2/extract", "/api/v1/beta/files", "/api/v1/beta/configurations", "/api/v2/extract/" + own.jobID} {
			q := "?project_id=" + tc.project.ID
			if r := s.doKey(tc.key, http.MethodGet, path+q, nil); r.status != http.StatusForbidden {
				t.Errorf("GET %s%s with another organization's project = %d %s, want 403", path, q, r.status, r.body)
			}
		}
		q := "?organization_id=" + tc.project.OrganizationID
		if r := s.doKey(tc.key, http.MethodGet, "/api/v2/extract"+q, nil); tc.key != a2.key && r.status != http.StatusForbidden {
			t.Errorf("GET /api/v2/extract%s with another organization = %d %s, want 403", q, r.status, r.body)
		}
	}

	// A key of A2 naming A1, a project of its own organization, with
	// project_id is refused too: a key is scoped to its project.
	inA1 := "?project_id=" + a1.project.ID
	for _, tc := range []struct{ method, path string }{
		{http.MethodGet, "/api/v2/extract"},
		{http.MethodGet, "/api/v2/extract/" + own.jobID},
		{http.MethodPost, "/api/v2/extract/" + own.jobID + "/cancel"},
		{http.MethodDelete, "/api/v2/extract/" + own.jobID},
		{http.MethodGet, "/api/v1/beta/files"},
		{http.MethodGet, "/api/v1/beta/files/" + own.fileID},
		{http.MethodGet, "/api/v1/beta/files/" + own.fileID + "/content"},
		{http.MethodDelete, "/api/v1/beta/files/" + own.fileID},
		{http.MethodGet, "/api/v1/beta/configurations"},
		{http.MethodDelete, "/api/v1/beta/configurations/" + own.configID},
	} {
		r := s.doKey(a2.key, tc.method, tc.path+inA1, nil)
		if r.status != http.StatusForbidden || !strings.Contains(r.detail(t), "scoped to project "+strconv.Quote(a2.project.ID)) {
			t.Errorf("%s %s%s with A2's key = %d %s, want 403 naming the key's project", tc.method, tc.path, inA1, r.status, r.body)
		}
	}
	// An organization-wide key of A2 may name A1, and still no project of
	// another organization.
	orgKey := addOrgKey(t, s, a2.project)
	if r := s.doKey(orgKey, http.MethodGet, "/api/v2/extract"+inA1, nil); r.status != http.StatusOK || !bytes.Contains(r.body, []byte(own.jobID)) {
		t.Errorf("GET /api/v2/extract%s with an organization-wide key = %d %s, want A1's jobs", inA1, r.status, r.body)
	}
	if r := s.doKey(orgKey, http.MethodGet, "/api/v2/extract/"+own.jobID+inA1, nil); r.status != http.StatusOK {
		t.Errorf("GET A1's job with an organization-wide key = %d %s, want 200", r.status, r.body)
	}
	if r := s.doKey(orgKey, http.MethodGet, "/api/v2/extract", nil); r.status != http.StatusOK || bytes.Contains(r.body, []byte(own.jobID)) {
		t.Errorf("GET /api/v2/extract with an organization-wide key of A2 and no project_id = %d %s, want A2's jobs only", r.status, r.body)
	}
	if r := s.doKey(orgKey, http.MethodGet, "/api/v2/extract?project_id="+b1.project.ID, nil); r.status != http.StatusForbidden {
		t.Errorf("GET /api/v2/extract naming B1 with an organization-wide key of A = %d %s, want 403", r.status, r.body)
	}

	// Nothing of A1's was changed by the attempts.
	got := s.do(http.MethodGet, "/api/v2/extract/"+own.jobID, nil)
	if got.status != http.StatusOK || got.json(t)["status"] != "COMPLETED" {
		t.Errorf("A1's job after the attempts: %d %s", got.status, got.body)
	}
	for _, path := range []string{"/api/v1/beta/files/" + own.fileID, "/api/v1/beta/configurations/" + own.configID} {
		if r := s.do(http.MethodGet, path, nil); r.status != http.StatusOK {
			t.Errorf("GET %s after the attempts = %d %s", path, r.status, r.body)
		}
	}
	if r, err := http.Get(own.downloadURL); err != nil || r.StatusCode != http.StatusOK {
		t.Errorf("A1's download link after the attempts: %v %v", r, err)
	} else {
		r.Body.Close()
	}

	t.Run("KeysStoredAsHashes", func(t *testing.T) { keysNotInDatabase(t, s, db, []string{a1.key, a2.key, b1.key}) })
}

// tryEndpoints has other's key act on own's resources through every
// endpoint.
func tryEndpoints(t *testing.T, s *server, other tenant, own resources, ownIDs []string) {
	do := func(method, path string, body any, hdr ...string) response {
		return s.doKey(other.key, method, path, body, hdr...)
	}
	notFound := []struct {
		method, path string
		body         any
	}{
		{http.MethodGet, "/api/v2/extract/" + own.jobID, nil},
		{http.MethodGet, "/api/v2/extract/" + own.jobID + "?expand=extract_metadata&expand=configuration&expand=metadata", nil},
		{http.MethodPost, "/api/v2/extract/" + own.jobID + "/cancel", nil},
		{http.MethodDelete, "/api/v2/extract/" + own.jobID, nil},
		{http.MethodGet, "/api/v1/beta/files/" + own.fileID, nil},
		{http.MethodGet, "/api/v1/beta/files/" + own.fileID + "/content", nil},
		{http.MethodDelete, "/api/v1/beta/files/" + own.fileID, nil},
		{http.MethodGet, "/api/v1/beta/configurations/" + own.configID, nil},
		{http.MethodPut, "/api/v1/beta/configurations/" + own.configID, map[string]any{
			"name": "stolen", "parameters": map[string]any{"product_type": "extract_v2", "data_schema": invoiceSchema}}},
		{http.MethodDelete, "/api/v1/beta/configurations/" + own.configID, nil},
		// Another project's file or configuration as the input of a job of
		// one's own, or of schema generation.
		{http.MethodPost, "/api/v2/extract", map[string]any{"file_input": own.fileID, "configuration": map[string]any{"data_schema": invoiceSchema}}},
		{http.MethodPost, "/api/v2/extract", map[string]any{"file_input": ownFile(t, s, other), "configuration_id": own.configID}},
		{http.MethodPost, "/api/v2/extract/schema/generate", map[string]any{"file_id": own.fileID}},
	}
	for _, tc := range notFound {
		r := do(tc.method, tc.path, tc.body)
		if r.status != http.StatusNotFound {
			t.Errorf("%s %s = %d %s, want 404", tc.method, tc.path, r.status, r.body)
		}
		for _, id := range ownIDs {
			if tc.method == http.MethodGet && bytes.Contains(r.body, []byte(id)) && !strings.Contains(tc.path, id) {
				t.Errorf("%s %s leaks %s: %s", tc.method, tc.path, id, r.body)
			}
		}
	}

	// Listings with every filter, each naming A1's resources.
	lists := []string{
		"/api/v2/extract",
		"/api/v2/extract?expand=total_size",
		"/api/v2/extract?status=COMPLETED",
		"/api/v2/extract?file_input=" + own.fileID,
		"/api/v2/extract?document_input_value=" + own.fileID,
		"/api/v2/extract?document_input_type=file_id",
		"/api/v2/extract?configuration_id=" + own.configID,
		"/api/v2/extract?job_ids=" + own.jobID,
		"/api/v2/extract?created_at_on_or_after=2000-01-01&created_at_on_or_before=2100-01-01",
		"/api/v1/beta/files",
		"/api/v1/beta/files?file_ids=" + own.fileID,
		"/api/v1/beta/files?file_name=invoice.txt",
		"/api/v1/beta/files?external_file_id=x",
		"/api/v1/beta/configurations",
		"/api/v1/beta/configurations?name=invoices",
	}
	for _, path := range lists {
		r := do(http.MethodGet, path, nil)
		if r.status != http.StatusOK {
			t.Errorf("GET %s = %d %s, want 200", path, r.status, r.body)
			continue
		}
		for _, id := range ownIDs {
			if bytes.Contains(r.body, []byte(id)) {
				t.Errorf("GET %s lists %s of another project: %s", path, id, r.body)
			}
		}
		if total, ok := r.json(t)["total_size"]; ok && total != float64(0) {
			t.Errorf("GET %s total_size = %v, want 0", path, total)
		}
	}

	// A page token minted in A1 opens in no other project.
	for _, path := range []string{"/api/v2/extract?page_size=1&page_token=" + own.pageToken, "/api/v1/beta/files?page_size=1&page_token=" + own.filesPageToken} {
		if r := do(http.MethodGet, path, nil); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.detail(t), "page_token") {
			t.Errorf("GET %s with a token of another project = %d %s, want 422", path, r.status, r.body)
		}
	}
}

// ownFile uploads a file in other's project, so that a job's only foreign
// part is what the test names.
func ownFile(t *testing.T, s *server, other tenant) string {
	t.Helper()
	r := s.uploadRaw(other.key, "mine.txt", []byte("Total: 1\n"), "extract")
	if r.status != http.StatusCreated {
		t.Fatalf("upload as %s: %d %s", other.name, r.status, r.body)
	}
	return r.json(t)["id"].(string)
}

// keysNotInDatabase checks that no clear key is stored: only hashes. On
// SQLite every byte of the database and its WAL is searched; on PostgreSQL,
// the text of every key row.
func keysNotInDatabase(t *testing.T, s *server, db database, secrets []string) {
	if db.args == nil {
		var all []byte
		for _, name := range []string{"quarry.db", "quarry.db-wal"} {
			b, err := os.ReadFile(filepath.Join(s.dir, name))
			if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			all = append(all, b...)
		}
		if len(all) == 0 {
			t.Fatal("found no database file to search")
		}
		for _, k := range secrets {
			if bytes.Contains(all, []byte(k)) || bytes.Contains(all, []byte(strings.TrimPrefix(k, extract.APIKeySecretPrefix))) {
				t.Errorf("the database file holds the clear key %s…", k[:12])
			}
		}
		return
	}
	rows, err := s.app.Store().DB().QueryContext(context.Background(), `SELECT row_to_json(k)::text FROM api_keys k`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var row string
		if err := rows.Scan(&row); err != nil {
			t.Fatal(err)
		}
		n++
		for _, k := range secrets {
			if strings.Contains(row, strings.TrimPrefix(k, extract.APIKeySecretPrefix)) {
				t.Errorf("api_keys row holds the clear key %s…: %s", k[:12], row)
			}
		}
	}
	if err := rows.Err(); err != nil || n < len(secrets) {
		t.Fatalf("read %d key rows (%v), want at least %d", n, err, len(secrets))
	}
}

// TestIDsNotGuessable creates jobs in quick succession in one project: their
// ids are UUIDv7, time first, but the last 62 bits are random, so knowing
// one id does not tell the next. Consecutive ids must differ in those bits
// by more than a counter would, and the neighbours of an id are absent.
func TestIDsNotGuessable(t *testing.T) {
	t.Parallel()
	s := start(t, withEngine(newGateEngine()))
	fileID := s.upload("invoice.txt", testdata(t, "invoice.txt"))
	var ids []string
	for range 20 {
		ids = append(ids, s.createJob(fileID, map[string]any{"data_schema": invoiceSchema})["id"].(string))
	}
	randomBits := func(s string) uint64 {
		u, err := uuid.Parse(strings.TrimPrefix(s, id.Job+"-"))
		if err != nil || u.Version() != 7 {
			t.Fatalf("id %s is not a UUIDv7: %v", s, err)
		}
		return binary.BigEndian.Uint64(u[8:]) & (1<<62 - 1)
	}
	seen := map[uint64]bool{}
	for i, jobID := range ids {
		r := randomBits(jobID)
		if seen[r] {
			t.Errorf("id %s repeats the random part of an earlier id", jobID)
		}
		seen[r] = true
		if i == 0 {
			continue
		}
		prev := randomBits(ids[i-1])
		if d := max(r, prev) - min(r, prev); d < 1<<32 {
			t.Errorf("ids %s and %s differ by %d in their random part: guessable", ids[i-1], jobID, d)
		}
	}
	// The ids next to a real one, as a guesser would try them, are absent.
	u := uuid.MustParse(strings.TrimPrefix(ids[0], id.Job+"-"))
	for _, delta := range []int{-1, 1} {
		g := u
		g[15] = byte(int(g[15]) + delta)
		guess := id.Job + "-" + g.String()
		if slices.Contains(ids, guess) {
			continue
		}
		if r := s.do(http.MethodGet, "/api/v2/extract/"+guess, nil); r.status != http.StatusNotFound {
			t.Errorf("GET the guessed id %s = %d, want 404", guess, r.status)
		}
	}
}
