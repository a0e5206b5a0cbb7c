package web

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/quarrylabs/quarry/client/apitype"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pages holds every page's template, each joined with the layout.
type pages struct {
	byName map[string]*template.Template
}

var funcs = template.FuncMap{
	"statusClass": func(s apitype.Status) string { return "status status-" + strings.ToLower(string(s)) },
	"terminal":    func(s apitype.Status) bool { return s.Terminal() },
	"time":        formatTime,
	"timePtr": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return formatTime(*t)
	},
	"iso":       func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"shortID":   shortID,
	"confClass": confClass,
	"percent":   func(f float64) string { return fmt.Sprintf("%.0f%%", math.Round(f*100)) },
	"json": func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	},
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// shortIDTail is how many of an id's last characters its short form keeps.
const shortIDTail = 8

// shortID shortens an id like "ext-01a252d5-1842-7be0-9b0c-8a80e3f0e2ba" to
// "ext-…e3f0e2ba", for tables where the full id would crowd out the other
// columns; pages show the full id beside it in a title. The tail is kept,
// not the head: ids are UUIDv7s, whose first digits are a timestamp shared
// by everything made the same day, and whose last are random.
func shortID(id string) string {
	prefix, rest, ok := strings.Cut(id, "-")
	if !ok || len(rest) <= shortIDTail+1 {
		return id
	}
	return prefix + "-…" + rest[len(rest)-shortIDTail:]
}

// confClass buckets a confidence into one of eleven colours, red to green;
// classes rather than inline styles, which the content security policy
// forbids.
func confClass(f float64) string {
	n := int(math.Floor(f * 10))
	return fmt.Sprintf("conf conf-%d", min(max(n, 0), 10))
}

func mustParsePages() *pages {
	p := &pages{byName: map[string]*template.Template{}}
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/result.html", "templates/partials.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, name := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(name, "templates/"), ".html")
		if base == "layout" || base == "result" || base == "partials" {
			continue
		}
		t := template.Must(template.Must(layout.Clone()).ParseFS(templateFS, name))
		p.byName[base] = t
	}
	return p
}

// view is what the layout needs besides the page's own data.
type view struct {
	Title   string
	Nav     string
	Session *session
	Data    any
}

// show renders page name with data into the reply. The page is rendered
// into a buffer first so that a template error is a clean 500, not half a
// page.
func (s *Server) show(w http.ResponseWriter, r *http.Request, status int, name string, sess *session, data any) {
	t, ok := s.pages.byName[name]
	if !ok {
		panic("web: no page template " + name)
	}
	v := view{Session: sess, Data: data}
	if m, ok := data.(map[string]any); ok {
		if sess != nil {
			m["CSRF"] = sess.csrf
		}
		v.Title, _ = m["Title"].(string)
		v.Nav, _ = m["Nav"].(string)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		s.log.ErrorContext(r.Context(), "render page", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// staticHandler serves the embedded styles and scripts. They change only
// with the binary, so browsers may keep them for an hour.
func staticHandler() http.Handler {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err)
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") || r.URL.Path == "" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=3600")
		files.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// acceptsHTML reports whether the request is a browser navigation rather
// than a script's fetch, which wants JSON.
func acceptsHTML(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "text/html")
}
