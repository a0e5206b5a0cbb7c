package httpapi

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
)

// FuzzListQuery sends arbitrary query strings to the job and file
// listings: they must never fail with a 5xx or panic, every refusal must be
// a 4xx with a detail, and every success a JSON page.
func FuzzListQuery(f *testing.F) {
	for _, q := range []string{
		"",
		"page_size=1",
		"page_size=1000&expand=total_size&expand=configuration",
		"status=COMPLETED&configuration_id=cfg-1&file_input=dfl-1&document_input_type=file_id",
		"created_at_on_or_after=2024-01-31&created_at_on_or_before=2024-02-01T09:30:00Z",
		"job_ids=ext-1,ext-2&job_ids=ext-3",
		"document_input_value=dfl-1&file_input=dfl-2",
		"page_token=AAAA&page_size=0",
		"project_id=prj-2&organization_id=org-1",
		"file_name=a.pdf&file_ids=dfl-1&external_file_id=x",
		"expand=nope&status=done&page_size=-1&created_at_on_or_after=yesterday",
		"%zz&;=&&==",
	} {
		f.Add(q)
	}
	s, _, _ := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, rawQuery string) {
		for _, path := range []string{"/api/v2/extract", "/api/v1/beta/files"} {
			r, err := http.NewRequest(http.MethodGet, "http://quarry"+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			r.URL.RawQuery = rawQuery
			w := serve(s, r)
			checkReply(t, "GET "+path+"?"+rawQuery, w.Code, w.Body.Bytes())
			if w.Code != http.StatusOK {
				continue
			}
			var page struct {
				Items         []json.RawMessage `json:"items"`
				NextPageToken string            `json:"next_page_token"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &page); err != nil {
				t.Fatalf("GET %s?%s = 200 with %s: %v", path, rawQuery, w.Body, err)
			}
			// The token just made must open on the same query: replace
			// any token the query had with it.
			q, _ := url.ParseQuery(rawQuery)
			q.Set("page_token", page.NextPageToken)
			r.URL.RawQuery = q.Encode()
			if next := serve(s, r); next.Code != http.StatusOK {
				t.Fatalf("GET %s?%s (its own next page) = %d %s", path, r.URL.RawQuery, next.Code, next.Body)
			}
		}
	})
}

// checkReply holds a reply to the API's promise: never a 5xx, and every
// error a JSON object with a detail.
func checkReply(t *testing.T, what string, status int, body []byte) {
	t.Helper()
	if status >= 500 {
		t.Fatalf("%s = %d %s", what, status, body)
	}
	if status >= 400 {
		var e struct {
			Detail string `json:"detail"`
		}
		if err := json.Unmarshal(body, &e); err != nil || e.Detail == "" {
			t.Fatalf("%s = %d with %q, want a JSON detail", what, status, body)
		}
	}
}
