package app_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/id"
)

// addProject makes another project in the default organization, or in a new
// one, and returns a key for it.
func (s *server) addProject(newOrg bool) (projectID, key string) {
	s.tb.Helper()
	ctx := context.Background()
	st := s.app.Store()
	orgID := s.app.Bootstrap().OrganizationID
	if newOrg {
		orgID = id.New(id.Organization)
		if err := st.CreateOrganization(ctx, extract.Organization{ID: orgID, Name: "other", CreatedAt: time.Now()}); err != nil {
			s.tb.Fatal(err)
		}
	}
	projectID = id.New(id.Project)
	if err := st.CreateProject(ctx, extract.Project{ID: projectID, OrganizationID: orgID, Name: "p", CreatedAt: time.Now()}); err != nil {
		s.tb.Fatal(err)
	}
	key = s.addKey(orgID, projectID)
	return projectID, key
}

func (s *server) addKey(orgID, projectID string) string {
	s.tb.Helper()
	secret := extract.NewAPIKeySecret()
	err := s.app.Store().CreateAPIKey(context.Background(), extract.APIKey{
		ID: id.New(id.APIKey), OrganizationID: orgID, ProjectID: projectID, Name: "test",
		Prefix: extract.APIKeyDisplayPrefix(secret), Hash: extract.HashAPIKey(secret), CreatedAt: time.Now(),
	})
	if err != nil {
		s.tb.Fatal(err)
	}
	return secret
}

// TestBadInput sends every kind of bad request the API must refuse with a
// 4xx and a detail, and checks that the server and its jobs are intact after.
func TestBadInput(t *testing.T) {
	t.Parallel()
	eachStore(t, testBadInput)
}

func testBadInput(t *testing.T, db database) {
	s := start(t, db.option, withMaxUpload(1024))
	fileID := s.upload("invoice.txt", testdata(t, "invoice.txt"))
	job := s.createJob(fileID, map[string]any{"data_schema": invoiceSchema})
	jobID := job["id"].(string)
	s.waitStatus(jobID, "COMPLETED")
	s.createJob(fileID, map[string]any{"data_schema": invoiceSchema})

	_, otherKey := s.addProject(false)
	otherFile := s.uploadRaw(otherKey, "mine.txt", []byte("Total: 1\n"), "extract").json(t)["id"].(string)
	revokedKey := s.addKey(s.app.Bootstrap().OrganizationID, s.app.Bootstrap().ProjectID)
	keys, _ := s.app.Store().ListAPIKeys(context.Background())
	for _, k := range keys {
		if k.Prefix == extract.APIKeyDisplayPrefix(revokedKey) {
			if err := s.app.Store().RevokeAPIKey(context.Background(), k.ID, time.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, page := s.list(url.Values{"page_size": {"1"}})
	token := page["next_page_token"].(string)
	_, otherPage := s.list(url.Values{"page_size": {"1"}, "status": {"COMPLETED"}})
	otherFilterToken, _ := otherPage["next_page_token"].(string)

	schemaOK := map[string]any{"data_schema": invoiceSchema}
	tests := []struct {
		name   string
		key    string
		method string
		path   string
		body   any
		hdr    []string
		status int
		detail string // a substring the detail must contain
	}{
		{"MalformedJSON", "", "POST", "/api/v2/extract", `{"file_input": "dfl-x",`, nil, 400, "not valid JSON"},
		{"NotAnObject", "", "POST", "/api/v2/extract", `[1,2]`, nil, 400, "JSON object"},
		{"EmptyBody", "", "POST", "/api/v2/extract", ``, nil, 400, "empty"},
		{"UnknownBodyField", "", "POST", "/api/v2/extract", map[string]any{"file_input": fileID, "configuration": schemaOK, "colour": "red"}, nil, 422, `"colour"`},
		{"UnknownConfigurationField", "", "POST", "/api/v2/extract", map[string]any{"file_input": fileID, "configuration": map[string]any{"data_schema": invoiceSchema, "temperature": 1}}, nil, 422, "temperature"},
		{"BothConfigurations", "", "POST", "/api/v2/extract", map[string]any{"file_input": fileID, "configuration": schemaOK, "configuration_id": "cfg-1"}, nil, 422, "exactly one"},
		{"NeitherConfiguration", "", "POST", "/api/v2/extract", map[string]any{"file_input": fileID}, nil, 422, "exactly one"},
		{"InvalidSchema", "", "POST", "/api/v2/extract", map[string]any{"file_input": fileID, "configuration": map[string]any{"data_schema": map[string]any{"type": "object", "properties": map[string]any{"total": map[string]any{"type": "money"}}}}}, nil, 422, "/properties/total"},
		{"SchemaNotObject", "", "POST", "/api/v2/extract", map[string]any{"file_input": fileID, "configuration": map[string]any{"data_schema": "total"}}, nil, 422, "data_schema"},
		{"BadTier", "", "POST", "/api/v2/extract", map[string]any{"file_input": fileID, "configuration": map[string]any{"data_schema": invoiceSchema, "tier": "premium"}}, nil, 422, "tier"},
		{"BadTargetPages", "", "POST", "/api/v2/extract", map[string]any{"file_input": fileID, "configuration": map[string]any{"data_schema": invoiceSchema, "target_pages": "3-1"}}, nil, 422, "target_pages"},
		{"WrongFieldType", "", "POST", "/api/v2/extract", map[string]any{"file_input": 12, "configuration": schemaOK}, nil, 422, "file_input"},
		{"UnknownFileInput", "", "POST", "/api/v2/extract", map[string]any{"file_input": "dfl-00000000-0000-7000-8000-000000000000", "configuration": schemaOK}, nil, 404, "not found"},
		{"ForeignFileInput", "", "POST", "/api/v2/extract", map[string]any{"file_input": otherFile, "configuration": schemaOK}, nil, 404, "not found"},
		{"NotAFileID", "", "POST", "/api/v2/extract", map[string]any{"file_input": "report.pdf", "configuration": schemaOK}, nil, 422, "dfl-"},
		{"UnknownConfigurationID", "", "POST", "/api/v2/extract", map[string]any{"file_input": fileID, "configuration_id": "cfg-00000000-0000-7000-8000-000000000000"}, nil, 404, "configuration_id"},
		{"InvalidStatus", "", "GET", "/api/v2/extract?status=DONE", nil, nil, 422, "status"},
		{"InvalidTimestamp", "", "GET", "/api/v2/extract?created_at_on_or_after=yesterday", nil, nil, 422, "created_at_on_or_after"},
		{"InvalidTimestampBefore", "", "GET", "/api/v2/extract?created_at_on_or_before=2024-13-45", nil, nil, 422, "created_at_on_or_before"},
		{"PageSizeZero", "", "GET", "/api/v2/extract?page_size=0", nil, nil, 422, "page_size"},
		{"PageSizeNegative", "", "GET", "/api/v2/extract?page_size=-1", nil, nil, 422, "page_size"},
		{"PageSizeHuge", "", "GET", "/api/v2/extract?page_size=100000", nil, nil, 422, "page_size"},
		{"PageSizeNotNumber", "", "GET", "/api/v2/extract?page_size=ten", nil, nil, 422, "page_size"},
		{"EditedPageToken", "", "GET", "/api/v2/extract?page_size=1&page_token=" + url.QueryEscape(flip(token)), nil, nil, 422, "page_token"},
		{"GarbagePageToken", "", "GET", "/api/v2/extract?page_token=hello", nil, nil, 422, "page_token"},
		{"PageTokenOtherFilters", "", "GET", "/api/v2/extract?page_size=1&status=COMPLETED&page_token=" + url.QueryEscape(token), nil, nil, 422, "page_token"},
		{"ForeignPageToken", otherKey, "GET", "/api/v2/extract?page_size=1&page_token=" + url.QueryEscape(token), nil, nil, 422, "page_token"},
		{"InputAliasesDiffer", "", "GET", "/api/v2/extract?file_input=" + fileID + "&document_input_value=dfl-other", nil, nil, 422, "document_input_value"},
		{"BadInputType", "", "GET", "/api/v2/extract?document_input_type=url", nil, nil, 422, "document_input_type"},
		{"BadExpand", "", "GET", "/api/v2/extract?expand=everything", nil, nil, 422, "expand"},
		{"MissingKey", "-", "GET", "/api/v2/extract", nil, nil, 401, "API key"},
		{"WrongScheme", "-", "GET", "/api/v2/extract", nil, []string{"Authorization", "Basic abc"}, 401, "Bearer"},
		{"UnknownKey", "qry_nope", "GET", "/api/v2/extract", nil, nil, 401, "invalid API key"},
		{"RevokedKey", revokedKey, "GET", "/api/v2/extract", nil, nil, 401, "revoked"},
		{"ForeignJob", otherKey, "GET", "/api/v2/extract/" + jobID, nil, nil, 404, "not found"},
		{"ForeignCancel", otherKey, "POST", "/api/v2/extract/" + jobID + "/cancel", nil, nil, 404, "not found"},
		{"ForeignDelete", otherKey, "DELETE", "/api/v2/extract/" + jobID, nil, nil, 404, "not found"},
		{"ForeignFile", otherKey, "GET", "/api/v1/beta/files/" + fileID, nil, nil, 404, "not found"},
		{"ForeignProjectParam", otherKey, "GET", "/api/v2/extract?project_id=prj-00000000-0000-7000-8000-000000000000", nil, nil, 403, "project"},
		{"ForeignOrganizationParam", "", "GET", "/api/v2/extract?organization_id=org-x", nil, nil, 403, "organization"},
		{"UnknownEndpoint", "", "GET", "/api/v2/nothing", nil, nil, 404, "no such endpoint"},
		{"ValidateSchemaBad", "", "POST", "/api/v2/extract/schema/validation", map[string]any{"data_schema": map[string]any{"type": "object", "properties": map[string]any{"a": map[string]any{"minLength": "two"}}}}, nil, 422, "/properties/a/minLength"},
		{"ValidateSchemaMissing", "", "POST", "/api/v2/extract/schema/validation", map[string]any{}, nil, 422, "data_schema"},
		{"ConfigurationWrongProduct", "", "POST", "/api/v1/beta/configurations", map[string]any{"name": "x", "parameters": map[string]any{"product_type": "parse_v2", "data_schema": invoiceSchema}}, nil, 422, "product_type"},
		{"ConfigurationNoName", "", "POST", "/api/v1/beta/configurations", map[string]any{"parameters": map[string]any{"product_type": "extract_v2", "data_schema": invoiceSchema}}, nil, 422, "name"},
	}
	if otherFilterToken != "" {
		tests = append(tests, struct {
			name   string
			key    string
			method string
			path   string
			body   any
			hdr    []string
			status int
			detail string
		}{"PageTokenFromFilteredList", "", "GET", "/api/v2/extract?page_size=1&page_token=" + url.QueryEscape(otherFilterToken), nil, nil, 422, "page_token"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := s.key
			switch tt.key {
			case "":
			case "-":
				key = ""
			default:
				key = tt.key
			}
			r := s.doKey(key, tt.method, tt.path, tt.body, tt.hdr...)
			if r.status != tt.status {
				t.Errorf("%s %s = %d %s, want %d", tt.method, tt.path, r.status, r.body, tt.status)
			}
			d := r.detail(t)
			if d == "" || !strings.Contains(d, tt.detail) {
				t.Errorf("detail = %q, want it to mention %q", d, tt.detail)
			}
		})
	}

	t.Run("Uploads", func(t *testing.T) {
		r := s.uploadRaw(s.key, "big.txt", []byte(strings.Repeat("x", 2048)), "extract")
		if r.status != http.StatusRequestEntityTooLarge || !strings.Contains(r.detail(t), "limit") {
			t.Errorf("oversized upload: %d %s, want 413", r.status, r.body)
		}
		r = s.uploadRaw(s.key, "", nil, "extract")
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.detail(t), `"file"`) {
			t.Errorf("upload without file: %d %s, want 422", r.status, r.body)
		}
		r = s.do(http.MethodPost, "/api/v1/beta/files", "just text", "Content-Type", "text/plain")
		if r.status != http.StatusBadRequest {
			t.Errorf("upload not multipart: %d %s, want 400", r.status, r.body)
		}
		r = s.uploadRaw(s.key, "a.txt", []byte("hi"), "world_domination")
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.detail(t), "purpose") {
			t.Errorf("upload with bad purpose: %d %s, want 422", r.status, r.body)
		}
	})

	// Nothing above disturbed the server or its jobs.
	if r := s.doKey("", http.MethodGet, "/healthz", nil); r.status != http.StatusOK {
		t.Errorf("healthz after bad input: %d", r.status)
	}
	got := s.waitStatus(jobID, "COMPLETED")
	if got["extract_result"] == nil {
		t.Errorf("job lost its result")
	}
	if ids := s.listAll(url.Values{}); len(ids) != 2 {
		t.Errorf("%d jobs after bad input, want 2", len(ids))
	}
}

// flip changes one character of a token.
func flip(tok string) string {
	b := []byte(tok)
	i := len(b) / 2
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}
