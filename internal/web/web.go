// Package web is Quarry's dashboard: jobs, results and their citations on
// the page, in the browser. It is served by `quarry serve` at / and /ui/,
// with its templates, styles and scripts embedded in the binary, and it
// makes no request outside the server.
//
// The dashboard is a client of the HTTP API, called in the same process:
// every page acts through the same handlers, authentication and project
// isolation as the API, with the API key the user signed in with. The key
// is kept in the server's memory for the length of a session; the browser
// holds only a random session id (see sessions). A key that is revoked ends
// its sessions at their next request.
package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/quarrylabs/quarry/client"
	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/parse"
	"github.com/quarrylabs/quarry/internal/document/pdf"
	"github.com/quarrylabs/quarry/internal/extract"
)

// Renderer draws a page of a PDF as a PNG. *parse.LazyPDF is one.
type Renderer interface {
	RenderPNG(ctx context.Context, r io.Reader, n, dpi int, opts pdf.ParseOptions) ([]byte, error)
}

// Parser reads a document into the document model; the dashboard draws the
// pages of documents other than PDFs from their words. *parse.Parser is one.
type Parser interface {
	Parse(ctx context.Context, r io.Reader, kind string, opts parse.Options) (*document.Document, error)
}

// Jobs reads a job's row, for what the API does not show: when it started
// and finished. The dashboard asks only for jobs the API has just shown the
// signed-in key, in the project the API said they belong to. extract.Store
// is one.
type Jobs interface {
	Job(ctx context.Context, projectID, id string) (extract.Job, error)
}

// Config configures the dashboard. Zero values take the documented
// defaults.
type Config struct {
	// SessionTTL is how long a sign-in lasts. Defaults to 12 hours.
	SessionTTL time.Duration
	// MaxSessions caps the sessions kept in memory; past it the one closest
	// to expiry is dropped. Defaults to 10,000.
	MaxSessions int
	// PageDPI is the resolution PDF pages are drawn at. Defaults to 110,
	// about the width of a laptop's reading column for a Letter page.
	PageDPI int
	// MaxDocumentBytes caps a document read to draw one of its pages.
	// Defaults to 100 MiB, the server's default upload limit.
	MaxDocumentBytes int64
	// RenderTimeout bounds drawing one page. Defaults to 30 seconds.
	RenderTimeout time.Duration
	// Logger receives errors the user is not shown. Defaults to
	// discarding them.
	Logger *slog.Logger
	// Now is the clock. Defaults to time.Now.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	c.SessionTTL = cmp.Or(c.SessionTTL, 12*time.Hour)
	c.MaxSessions = cmp.Or(c.MaxSessions, 10_000)
	c.PageDPI = cmp.Or(c.PageDPI, 110)
	c.MaxDocumentBytes = cmp.Or(c.MaxDocumentBytes, 100<<20)
	c.RenderTimeout = cmp.Or(c.RenderTimeout, 30*time.Second)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Server is the dashboard.
type Server struct {
	cfg      Config
	api      http.Handler
	jobs     Jobs
	renderer Renderer
	parser   Parser
	sessions *sessions
	pages    *pages
	log      *slog.Logger
	mux      *http.ServeMux
}

// New builds the dashboard in front of api, the HTTP API's handler, which
// it calls in process for everything it shows and does. render may be nil:
// PDF pages are then drawn from their words like other documents.
func New(cfg Config, api http.Handler, jobs Jobs, render Renderer, parser Parser) *Server {
	cfg = cfg.withDefaults()
	s := &Server{
		cfg: cfg, api: api, jobs: jobs, renderer: render, parser: parser, log: cfg.Logger,
		sessions: newSessions(cfg.SessionTTL, cfg.MaxSessions, cfg.Now),
		pages:    mustParsePages(),
		mux:      http.NewServeMux(),
	}
	s.routes()
	return s
}

// ServeHTTP serves the dashboard, with the headers every reply carries.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	// Everything is served by Quarry itself: no inline script, no inline
	// style attribute, no frame, no third party.
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "+
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	s.mux.ServeHTTP(w, r)
}

func (s *Server) routes() {
	s.mux.Handle("GET /{$}", http.RedirectHandler("/ui/jobs", http.StatusSeeOther))
	s.mux.Handle("GET /ui/{$}", http.RedirectHandler("/ui/jobs", http.StatusSeeOther))
	s.mux.Handle("GET /ui/static/", http.StripPrefix("/ui/static/", staticHandler()))

	s.mux.Handle("GET /ui/sign-in", s.public(s.signInForm))
	s.mux.Handle("POST /ui/sign-in", s.public(s.signIn))
	s.mux.Handle("POST /ui/sign-out", s.authed(s.signOut))

	s.mux.Handle("GET /ui/jobs", s.authed(s.jobsPage))
	s.mux.Handle("GET /ui/jobs/status", s.authed(s.jobsStatus))
	s.mux.Handle("GET /ui/jobs/{id}", s.authed(s.jobPage))
	s.mux.Handle("GET /ui/jobs/{id}/result.json", s.authed(s.resultJSON))
	s.mux.Handle("GET /ui/jobs/{id}/result.csv", s.authed(s.resultCSV))
	s.mux.Handle("GET /ui/jobs/{id}/pages/{n}/image", s.authed(s.pageImage))
	s.mux.Handle("GET /ui/jobs/{id}/pages/{n}/words", s.authed(s.pageWords))
	s.mux.Handle("POST /ui/jobs/{id}/cancel", s.authed(s.cancelJob))

	s.mux.Handle("GET /ui/new", s.authed(s.newForm))
	s.mux.Handle("POST /ui/new", s.authedMultipart(s.newExtraction))
	s.mux.Handle("POST /ui/schema/validate", s.authed(s.validateSchema))

	s.mux.Handle("GET /ui/configurations", s.authed(s.configurationsPage))
	s.mux.Handle("GET /ui/configurations/new", s.authed(s.configurationForm))
	s.mux.Handle("POST /ui/configurations", s.authed(s.saveConfiguration))
	s.mux.Handle("GET /ui/configurations/{id}", s.authed(s.configurationForm))
	s.mux.Handle("POST /ui/configurations/{id}", s.authed(s.saveConfiguration))

	s.mux.Handle("/ui/", s.public(func(w http.ResponseWriter, r *http.Request) error {
		return errNotFound
	}))
}

// errNotFound is a page that does not exist, or is another project's.
var errNotFound = &pageError{status: http.StatusNotFound, message: "There is no such page, or it belongs to another project."}

// pageError is an error with the status and words to show the user.
type pageError struct {
	status  int
	message string
}

func (e *pageError) Error() string { return fmt.Sprintf("%d: %s", e.status, e.message) }

// handler is a dashboard handler that returns its error instead of writing
// it; sess is nil on public routes.
type handler func(w http.ResponseWriter, r *http.Request, sess *session) error

// public wraps a handler that needs no session.
func (s *Server) public(h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, nil, err)
		}
	})
}

// authed wraps a handler that acts for the signed-in key. A request without
// a live session is sent to sign in (pages) or refused (everything else); a
// POST must carry the session's CSRF token and come from this origin.
func (s *Server) authed(h handler) http.Handler {
	return s.withSession(h, true)
}

// authedMultipart is authed for a multipart upload form, whose handler
// reads the CSRF token from the form's first part itself, so that the
// files after it are streamed and never buffered whole.
func (s *Server) authedMultipart(h handler) http.Handler {
	return s.withSession(h, false)
}

func (s *Server) withSession(h handler, checkCSRF bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		sess := s.sessions.get(r)
		if sess == nil {
			if r.Method == http.MethodGet && acceptsHTML(r) {
				http.Redirect(w, r, "/ui/sign-in?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.writeError(w, r, nil, &pageError{status: http.StatusUnauthorized, message: "Sign in first."})
			return
		}
		if r.Method == http.MethodPost {
			if err := checkOrigin(r); err != nil {
				s.writeError(w, r, sess, err)
				return
			}
			if checkCSRF && !sess.validCSRF(csrfFromRequest(r)) {
				s.writeError(w, r, sess, errCSRF)
				return
			}
		}
		err := h(w, r, sess)
		if err == nil {
			return
		}
		var apiErr *client.APIError
		if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnauthorized {
			// The key was revoked since sign-in: the session goes too.
			s.sessions.delete(r)
			clearSessionCookie(w, r)
			if r.Method == http.MethodGet && acceptsHTML(r) {
				http.Redirect(w, r, "/ui/sign-in?expired=1", http.StatusSeeOther)
				return
			}
		}
		s.writeError(w, r, sess, err)
	})
}

// writeError shows err as a page, or as {"detail": …} to scripts. Errors
// from the API keep its status and words; anything else is logged and
// shown as an internal error.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, sess *session, err error) {
	status, message := http.StatusInternalServerError, "Something went wrong on the server; the error is in its log."
	var pe *pageError
	var apiErr *client.APIError
	switch {
	case errors.As(err, &pe):
		status, message = pe.status, pe.message
	case errors.As(err, &apiErr) && apiErr.StatusCode < 500:
		status, message = apiErr.StatusCode, apiErr.Detail
		if status == http.StatusNotFound {
			message = errNotFound.message
		}
	case errors.Is(err, context.Canceled) && r.Context().Err() != nil:
		return // the browser went away; nobody reads the reply
	default:
		s.log.ErrorContext(r.Context(), "dashboard error", "err", err, "method", r.Method, "path", r.URL.Path)
	}
	if !acceptsHTML(r) {
		writeJSON(w, status, map[string]string{"detail": message})
		return
	}
	s.show(w, r, status, "error", sess, map[string]any{"Status": status, "StatusText": http.StatusText(status), "Message": message})
}
