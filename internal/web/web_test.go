package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"
	"go.uber.org/goleak"

	"github.com/quarrylabs/quarry/client"
	"github.com/quarrylabs/quarry/internal/app"
	"github.com/quarrylabs/quarry/internal/app/apptest"
	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/id"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
	)
}

const ownerKey = "qry_dashboard-test-owner-key"

// server is a real Quarry server; the dashboard is reached at base.
type server struct {
	app  *app.App
	base string
}

func start(tb testing.TB) *server {
	tb.Helper()
	cfg := app.Config{
		Addr: "127.0.0.1:0", DataDir: tb.TempDir(), APIKey: ownerKey,
		Logger: slog.New(slog.NewTextHandler(tb.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
	}
	cfg.Queue.Workers = 2
	cfg.Queue.PollInterval = 50 * time.Millisecond
	cfg.Queue.DrainTimeout = time.Second
	a := apptest.Start(tb, cfg)
	return &server{app: a, base: "http://" + a.Addr()}
}

// otherProject makes a project in another organization and a key for it.
func (s *server) otherProject(tb testing.TB) string {
	tb.Helper()
	ctx := context.Background()
	st := s.app.Store()
	now := time.Now().UTC()
	org := extract.Organization{ID: id.New(id.Organization), Name: "other", CreatedAt: now}
	prj := extract.Project{ID: id.New(id.Project), OrganizationID: org.ID, Name: "other", CreatedAt: now}
	secret := extract.NewAPIKeySecret()
	err := st.CreateOrganization(ctx, org)
	if err == nil {
		err = st.CreateProject(ctx, prj)
	}
	if err == nil {
		err = st.CreateAPIKey(ctx, extract.APIKey{
			ID: id.New(id.APIKey), OrganizationID: org.ID, ProjectID: prj.ID, Name: "other",
			Prefix: extract.APIKeyDisplayPrefix(secret), Hash: extract.HashAPIKey(secret), CreatedAt: now,
		})
	}
	if err != nil {
		tb.Fatal(err)
	}
	return secret
}

// browser is a cookie-keeping HTTP client that does not follow redirects,
// so that tests see them.
type browser struct {
	tb   testing.TB
	base string
	hc   *http.Client
	csrf string
}

func newBrowser(tb testing.TB, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{tb: tb, base: base, hc: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type reply struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(method, path, contentType string, body io.Reader, header map[string]string) reply {
	b.tb.Helper()
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		b.tb.Fatal(err)
	}
	req.Header.Set("Accept", "text/html")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := b.hc.Do(req)
	if err != nil {
		b.tb.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: string(data)}
}

func (b *browser) get(path string) reply { return b.do(http.MethodGet, path, "", nil, nil) }

func (b *browser) post(path string, form url.Values) reply {
	return b.do(http.MethodPost, path, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()), nil)
}

var (
	csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
	csrfMeta  = regexp.MustCompile(`<meta name="csrf-token" content="([^"]+)">`)
)

// signIn fills in the sign-in form with key and returns the reply to it.
func (b *browser) signIn(key string) reply {
	b.tb.Helper()
	form := b.get("/ui/sign-in")
	m := csrfField.FindStringSubmatch(form.body)
	if form.status != http.StatusOK || m == nil {
		b.tb.Fatalf("GET /ui/sign-in = %d without a CSRF field:\n%s", form.status, form.body)
	}
	r := b.post("/ui/sign-in", url.Values{"csrf": {m[1]}, "api_key": {key}})
	if r.status == http.StatusSeeOther {
		page := b.get("/ui/jobs")
		if mm := csrfMeta.FindStringSubmatch(page.body); mm != nil {
			b.csrf = mm[1]
		}
	}
	return r
}

func signedIn(tb testing.TB, base, key string) *browser {
	tb.Helper()
	b := newBrowser(tb, base)
	if r := b.signIn(key); r.status != http.StatusSeeOther {
		tb.Fatalf("sign in = %d, want 303:\n%s", r.status, r.body)
	}
	if b.csrf == "" {
		tb.Fatal("the jobs page carries no CSRF token")
	}
	return b
}

func TestSignIn(t *testing.T) {
	t.Parallel()
	s := start(t)

	t.Run("WrongKey", func(t *testing.T) {
		b := newBrowser(t, s.base)
		r := b.signIn("qry_wrong")
		if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "not accepted") {
			t.Errorf("sign in with a wrong key = %d, want 401 saying so:\n%s", r.status, r.body)
		}
		if got := b.get("/ui/jobs"); got.status != http.StatusSeeOther || !strings.HasPrefix(got.header.Get("Location"), "/ui/sign-in") {
			t.Errorf("GET /ui/jobs after a refused sign-in = %d %s, want a redirect to sign in", got.status, got.header.Get("Location"))
		}
	})

	t.Run("OK", func(t *testing.T) {
		b := newBrowser(t, s.base)
		r := b.signIn(ownerKey)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != "/ui/jobs" {
			t.Fatalf("sign in = %d %s, want 303 to /ui/jobs", r.status, r.header.Get("Location"))
		}
		var cookie *http.Cookie
		for _, c := range (&http.Response{Header: r.header}).Cookies() {
			if c.Name == "quarry_session" {
				cookie = c
			}
		}
		if cookie == nil {
			t.Fatal("sign in set no session cookie")
		}
		if !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Secure {
			t.Errorf("session cookie HttpOnly=%v SameSite=%v Secure=%v, want HttpOnly, Strict, not Secure over plain HTTP",
				cookie.HttpOnly, cookie.SameSite, cookie.Secure)
		}
		if strings.Contains(cookie.Value, ownerKey) || len(cookie.Value) < 40 {
			t.Errorf("session cookie %q holds the key or too little randomness", cookie.Value)
		}
		page := b.get("/ui/jobs")
		if page.status != http.StatusOK {
			t.Fatalf("GET /ui/jobs signed in = %d", page.status)
		}
		for h, want := range map[string]string{
			"Content-Security-Policy": "default-src 'self'", "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
		} {
			if got := page.header.Get(h); !strings.Contains(got, want) {
				t.Errorf("%s = %q, want %q", h, got, want)
			}
		}
	})

	t.Run("ForeignSignInForm", func(t *testing.T) {
		// A form posted from elsewhere has neither the sign-in cookie nor
		// its token: it cannot sign the browser in with some key.
		b := newBrowser(t, s.base)
		r := b.post("/ui/sign-in", url.Values{"csrf": {"forged"}, "api_key": {ownerKey}})
		if r.status != http.StatusForbidden {
			t.Errorf("sign in without the form's token = %d, want 403", r.status)
		}
	})

	t.Run("NextStaysLocal", func(t *testing.T) {
		b := newBrowser(t, s.base)
		form := b.get("/ui/sign-in?next=//evil.example/")
		m := csrfField.FindStringSubmatch(form.body)
		r := b.post("/ui/sign-in", url.Values{"csrf": {m[1]}, "api_key": {ownerKey}, "next": {"//evil.example/"}})
		if got := r.header.Get("Location"); got != "/ui/jobs" {
			t.Errorf("sign in with next=//evil.example/ went to %q, want /ui/jobs", got)
		}
	})
}

func TestSignOut(t *testing.T) {
	t.Parallel()
	s := start(t)
	b := signedIn(t, s.base, ownerKey)
	// The browser's cookie, kept to replay after sign-out.
	u, _ := url.Parse(s.base + "/ui/")
	old := b.hc.Jar.Cookies(u)

	if r := b.post("/ui/sign-out", url.Values{"csrf": {b.csrf}}); r.status != http.StatusSeeOther {
		t.Fatalf("sign out = %d, want 303", r.status)
	}
	replay := newBrowser(t, s.base)
	replay.hc.Jar.SetCookies(u, old)
	if r := replay.do(http.MethodGet, "/ui/jobs/status?id=x", "", nil, map[string]string{"Accept": "application/json"}); r.status != http.StatusUnauthorized {
		t.Errorf("the session cookie after sign-out = %d, want 401", r.status)
	}
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	s := start(t)
	b := signedIn(t, s.base, ownerKey)
	configForm := url.Values{"name": {"x"}, "schema": {`{"type":"object","properties":{"a":{"type":"string"}}}`}, "tier": {"cost_effective"}, "target": {"per_doc"}}

	tests := []struct {
		name string
		do   func() reply
	}{
		{"SignOutWithoutToken", func() reply { return b.post("/ui/sign-out", url.Values{}) }},
		{"SignOutWrongToken", func() reply { return b.post("/ui/sign-out", url.Values{"csrf": {"nope"}}) }},
		{"ConfigurationWithoutToken", func() reply { return b.post("/ui/configurations", configForm) }},
		{"ValidateWithoutHeader", func() reply {
			return b.do(http.MethodPost, "/ui/schema/validate", "application/json", strings.NewReader(`{"data_schema":{}}`), nil)
		}},
		{"OtherOrigin", func() reply {
			form := url.Values{"csrf": {b.csrf}}
			return b.do(http.MethodPost, "/ui/sign-out", "application/x-www-form-urlencoded", strings.NewReader(form.Encode()),
				map[string]string{"Origin": "https://evil.example"})
		}},
		{"UploadWithoutToken", func() reply {
			body, ct := multipartForm(t, [][2]string{{"schema", "{}"}}, "a.txt", []byte("Total: 1\n"))
			return b.do(http.MethodPost, "/ui/new", ct, body, nil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if r := tt.do(); r.status != http.StatusForbidden {
				t.Errorf("status = %d, want 403:\n%s", r.status, r.body)
			}
		})
	}
	// Nothing refused above took effect: still signed in, nothing saved.
	if r := b.get("/ui/configurations"); r.status != http.StatusOK || strings.Contains(r.body, "cfg-") {
		t.Errorf("after refused posts: configurations page = %d, holds a configuration: %v", r.status, strings.Contains(r.body, "cfg-"))
	}

	t.Run("OK", func(t *testing.T) {
		form := cloneForm(configForm)
		form.Set("csrf", b.csrf)
		if r := b.post("/ui/configurations", form); r.status != http.StatusSeeOther {
			t.Errorf("save a configuration with the token = %d, want 303:\n%s", r.status, r.body)
		}
	})
}

func cloneForm(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// multipartForm builds the new-extraction form: fields in order, then one
// file.
func multipartForm(tb testing.TB, fields [][2]string, name string, data []byte) (io.Reader, string) {
	tb.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			tb.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("files", name)
	if err != nil {
		tb.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return &buf, mw.FormDataContentType()
}

// TestIsolation has a key of another organization's project try every
// page of a job of the default project: each is 404, as in the API.
func TestIsolation(t *testing.T) {
	t.Parallel()
	s := start(t)
	owner := signedIn(t, s.base, ownerKey)

	body, ct := multipartForm(t, [][2]string{
		{"csrf", owner.csrf},
		{"schema", `{"type":"object","properties":{"total":{"type":"number"}}}`},
		{"tier", "cost_effective"}, {"target", "per_doc"}, {"cite_sources", "on"}, {"confidence_scores", "on"},
	}, "invoice.pdf", invoicePDF(t))
	r := owner.do(http.MethodPost, "/ui/new", ct, body, nil)
	loc := r.header.Get("Location")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/ui/jobs/ext-") {
		t.Fatalf("new extraction = %d %q, want 303 to the job:\n%s", r.status, loc, r.body)
	}
	jobID := strings.TrimPrefix(loc, "/ui/jobs/")
	waitCompleted(t, s.base, jobID)

	paths := []string{
		"/ui/jobs/" + jobID,
		"/ui/jobs/" + jobID + "/result.json",
		"/ui/jobs/" + jobID + "/result.csv",
		"/ui/jobs/" + jobID + "/pages/1/image",
		"/ui/jobs/" + jobID + "/pages/1/words",
	}
	for _, p := range paths {
		if r := owner.get(p); r.status != http.StatusOK {
			t.Errorf("owner GET %s = %d, want 200:\n%.300s", p, r.status, r.body)
		}
	}
	if r := owner.get(paths[3]); !strings.HasPrefix(r.body, "\x89PNG") {
		t.Errorf("owner's page image is not a PNG: %q", r.body[:min(len(r.body), 8)])
	}

	other := signedIn(t, s.base, s.otherProject(t))
	for _, p := range paths {
		if r := other.get(p); r.status != http.StatusNotFound || strings.Contains(r.body, "Total") {
			t.Errorf("other project GET %s = %d, want 404 showing nothing of the job", p, r.status)
		}
	}
	if r := other.post("/ui/jobs/"+jobID+"/cancel", url.Values{"csrf": {other.csrf}}); r.status != http.StatusNotFound {
		t.Errorf("other project cancel = %d, want 404", r.status)
	}
	if r := other.get("/ui/jobs"); strings.Contains(r.body, jobID) {
		t.Errorf("other project's jobs list shows %s", jobID)
	}
}

func waitCompleted(tb testing.TB, base, jobID string) {
	tb.Helper()
	c, err := client.New(client.WithBaseURL(base), client.WithAPIKey(ownerKey))
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	job, err := c.Extract.WaitForCompletion(ctx, jobID, nil)
	if err != nil || job.Status != client.StatusCompleted {
		tb.Fatalf("job %s: %v (%+v)", jobID, err, job)
	}
}

func TestSchemaValidation(t *testing.T) {
	t.Parallel()
	s := start(t)
	b := signedIn(t, s.base, ownerKey)
	validate := func(schema string) map[string]any {
		t.Helper()
		r := b.do(http.MethodPost, "/ui/schema/validate", "application/json",
			strings.NewReader(`{"data_schema":`+schema+`}`), map[string]string{"X-CSRF-Token": b.csrf, "Accept": "application/json"})
		if r.status != http.StatusOK {
			t.Fatalf("validate = %d: %s", r.status, r.body)
		}
		var out map[string]any
		if err := json.Unmarshal([]byte(r.body), &out); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := validate(`{"type":"object","properties":{"a":{"type":"string"}}}`); got["valid"] != true {
		t.Errorf("a valid schema: %v", got)
	}
	got := validate(`{"type":"object","properties":{"a":{"type":"strin"}}}`)
	problems, _ := got["problems"].([]any)
	if got["valid"] != false || len(problems) != 1 || problems[0].(map[string]any)["path"] != "/properties/a/type" {
		t.Errorf("a schema with a bad type: %v, want one problem at /properties/a/type", got)
	}
}

// invoicePDF is a one-page invoice with a total.
func invoicePDF(tb testing.TB) []byte {
	tb.Helper()
	f := fpdf.NewCustom(&fpdf.InitType{UnitStr: "pt", Size: fpdf.SizeType{Wd: 612, Ht: 792}})
	f.AddPage()
	f.SetFont("Helvetica", "", 14)
	f.Text(72, 120, "Invoice Number: INV-7")
	f.Text(72, 160, "Total: $99.50")
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestNewExtraction(t *testing.T) {
	t.Parallel()
	s := start(t)
	b := signedIn(t, s.base, ownerKey)
	settings := func(schema string) [][2]string {
		return [][2]string{{"csrf", b.csrf}, {"schema", schema}, {"tier", "cost_effective"}, {"target", "per_doc"}}
	}

	t.Run("BadSchemaUploadsNothing", func(t *testing.T) {
		body, ct := multipartForm(t, settings(`{"type":"object","properties":{"a":{"type":"strin"}}}`), "a.txt", []byte("A: 1\n"))
		r := b.do(http.MethodPost, "/ui/new", ct, body, nil)
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "/properties/a/type") {
			t.Errorf("new extraction with a bad schema = %d, want 422 naming the path:\n%.500s", r.status, r.body)
		}
		c, _ := client.New(client.WithBaseURL(s.base), client.WithAPIKey(ownerKey))
		files, err := c.Files.ListPage(context.Background(), nil)
		if err != nil || len(files.Items) != 0 {
			t.Errorf("files after a refused form: %v, %v; want none", files, err)
		}
	})

	t.Run("SeveralFiles", func(t *testing.T) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for _, f := range settings(`{"type":"object","properties":{"total":{"type":"number"}}}`) {
			mw.WriteField(f[0], f[1])
		}
		for _, name := range []string{"one.txt", "two.txt"} {
			fw, _ := mw.CreateFormFile("files", name)
			fw.Write([]byte("Total: 5\n"))
		}
		mw.Close()
		r := b.do(http.MethodPost, "/ui/new", mw.FormDataContentType(), &buf, nil)
		loc, _ := url.Parse(r.header.Get("Location"))
		if r.status != http.StatusSeeOther || loc.Path != "/ui/jobs" || len(loc.Query()["job_ids"]) != 2 {
			t.Fatalf("new extraction of two files = %d %s, want 303 to the jobs list of both", r.status, loc)
		}
		page := b.get(loc.String())
		for _, id := range loc.Query()["job_ids"] {
			if !strings.Contains(page.body, id) {
				t.Errorf("the jobs list %s does not show %s", loc, id)
			}
		}
	})
}

func TestConfigurations(t *testing.T) {
	t.Parallel()
	s := start(t)
	b := signedIn(t, s.base, ownerKey)
	form := url.Values{
		"csrf": {b.csrf}, "name": {"invoices"}, "schema": {`{"type":"object","properties":{"total":{"type":"number"}}}`},
		"tier": {"agentic"}, "target": {"per_doc"}, "cite_sources": {"on"},
	}
	r := b.post("/ui/configurations", form)
	loc := r.header.Get("Location")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/ui/configurations/cfg-") {
		t.Fatalf("create = %d %q:\n%s", r.status, loc, r.body)
	}
	path := strings.TrimSuffix(loc, "?saved=1")
	versionRE := regexp.MustCompile(`version <code>(\d{4}-\d{2}-\d{2}T[0-9:.]+Z)</code>`)
	first := versionRE.FindStringSubmatch(b.get(path).body)
	if first == nil {
		t.Fatalf("the configuration's page shows no datetime version")
	}
	form.Set("name", "invoices v2")
	if r := b.post(path, form); r.status != http.StatusSeeOther {
		t.Fatalf("update = %d:\n%s", r.status, r.body)
	}
	page := b.get(path)
	second := versionRE.FindStringSubmatch(page.body)
	if !strings.Contains(page.body, `value="invoices v2"`) || second == nil || second[1] <= first[1] ||
		!strings.Contains(page.body, "<option selected>agentic</option>") {
		t.Errorf("the edited configuration's page does not show its new name, a version later than %s and its tier:\n%s", first[1], page.body)
	}
	form.Set("schema", `{"type":"object","properties":{"total":{"type":"numbr"}}}`)
	if r := b.post(path, form); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "/properties/total/type") {
		t.Errorf("update with a bad schema = %d, want 422 naming the path", r.status)
	}
	if list := b.get("/ui/configurations"); !strings.Contains(list.body, "invoices v2") {
		t.Error("the configurations list does not show the configuration")
	}
}
