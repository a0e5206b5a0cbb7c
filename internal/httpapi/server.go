// Package httpapi serves Quarry's HTTP API: the LlamaCloud Extract v2
// surface (jobs, files, saved configurations), health and metrics. Handlers
// return errors; one adapter writes them with the status from the table in
// errors.go.
package httpapi

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/quarrylabs/quarry/internal/batch"
	"github.com/quarrylabs/quarry/internal/blob"
	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/parse"
	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/extract/configcache"
	"github.com/quarrylabs/quarry/internal/pagetoken"
)

// Queue is what the API needs of the job queue: River operations that run
// inside the store's transactions.
type Queue interface {
	Enqueue(ctx context.Context, tx *sql.Tx, job *extract.Job) (int64, error)
	EnqueueMany(ctx context.Context, tx *sql.Tx, jobs []*extract.Job) ([]int64, error)
	Cancel(ctx context.Context, tx *sql.Tx, queueID int64) error
	Remove(ctx context.Context, tx *sql.Tx, queueID int64) error
}

// Blobs keeps uploaded files' bytes: a local directory or object storage.
// Open's reader may also be an io.Seeker (a local file), which lets a
// download serve byte ranges.
type Blobs interface {
	Put(ctx context.Context, key string, r io.Reader, limit int64) (blob.Written, error)
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	Delete(ctx context.Context, key string) error
}

// Config configures the API. Zero values take the documented defaults.
type Config struct {
	// PublicURL is the address clients reach this API at, without a
	// trailing slash, for the links it hands out (download URLs): never
	// the request's Host, which the client chooses. Without it links are
	// relative to the API's root.
	PublicURL string
	// Health, if set, is asked by /healthz besides the database: an error
	// makes the answer 503 with the error's message (a full disk, say).
	Health func(context.Context) error
	// MaxUploadBytes caps one uploaded file. Defaults to 100 MiB.
	MaxUploadBytes int64
	// MaxBodyBytes caps a JSON request body. Defaults to 10 MiB (schemas
	// are at most 120,000 characters of strings, but can be deeply nested).
	MaxBodyBytes int64
	// DownloadTTL is how long a file download URL stays valid. Defaults to
	// 1 hour.
	DownloadTTL time.Duration
	// RateLimit is each API key's request budget; over it a request gets
	// 429 with Retry-After. /healthz, /metrics and download links are not
	// counted. Defaults to no limit.
	RateLimit RateLimit
	// BodyTimeout bounds how long a client may take to send a request body
	// other than an upload, so that a body trickled a byte at a time cannot
	// hold a connection. Uploads are bounded by size only: a large file on
	// a slow link is legitimate. Defaults to 1 minute.
	BodyTimeout time.Duration
	// Parser reads the documents schema generation drafts from, within the
	// same limits as jobs (size, pages, time, memory budget). Defaults to
	// a parser of every format but PDF at parse.Limits' defaults.
	Parser DocumentParser
	// SchemaGen bounds schema generation from a file, which parses in the
	// request. Defaults are SchemaGenLimits'.
	SchemaGen SchemaGenLimits
	// Registry receives the API's metrics. Defaults to a new registry.
	Registry *prometheus.Registry
	// Logger receives request logs. Defaults to discarding them.
	Logger *slog.Logger
	// Now is the clock. Defaults to time.Now.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	c.MaxUploadBytes = cmp.Or(c.MaxUploadBytes, 100<<20)
	c.MaxBodyBytes = cmp.Or(c.MaxBodyBytes, 10<<20)
	c.DownloadTTL = cmp.Or(c.DownloadTTL, time.Hour)
	c.BodyTimeout = cmp.Or(c.BodyTimeout, time.Minute)
	if c.Parser == nil {
		c.Parser = parse.New(nil, parse.Limits{MaxBytes: c.MaxUploadBytes})
	}
	c.SchemaGen.Concurrency = cmp.Or(c.SchemaGen.Concurrency, 2)
	c.SchemaGen.Timeout = cmp.Or(c.SchemaGen.Timeout, 30*time.Second)
	c.SchemaGen.MaxPages = cmp.Or(c.SchemaGen.MaxPages, 20)
	if c.Registry == nil {
		c.Registry = prometheus.NewRegistry()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// DocumentParser reads an uploaded document; *parse.Parser is one.
type DocumentParser interface {
	Parse(ctx context.Context, r io.Reader, kind string, opts parse.Options) (*document.Document, error)
}

// SchemaGenLimits bound schema generation from a file: the parse runs in
// the request, so without them a few calls on large files would hold the
// server's memory and CPU the way jobs, which a worker pool bounds, cannot.
type SchemaGenLimits struct {
	// Concurrency is how many generations may read a file at once; more
	// get 429 with Retry-After. Defaults to 2.
	Concurrency int
	// Timeout bounds one generation's parse; past it the request gets 503.
	// Defaults to 30 seconds.
	Timeout time.Duration
	// MaxPages is how many pages of the file are read: labelled values
	// sit at the start of a document. Defaults to 20.
	MaxPages int
}

// Server is the HTTP API.
type Server struct {
	cfg     Config
	store   extract.Store
	queue   Queue
	blobs   Blobs
	tokens  *pagetoken.Sealer
	log     *slog.Logger
	metrics *metrics
	mux     *http.ServeMux
	limiter *keyLimiter
	touched sync.Map // key id → time.Time this process last recorded its use
	creates *batch.Batcher[extract.Job, extract.Job]
	// checked keeps the inline configurations of creates, decoded and
	// checked: most clients send one configuration with every job, and
	// reading it was a third of the create handler's own CPU.
	checked configcache.Cache
	// schemaGens holds a token for each schema generation reading a file.
	schemaGens chan struct{}
}

// Creates without an Idempotency-Key are batched: concurrent ones share a
// transaction, River's insert and the job INSERT (Store.CreateJobs), where
// each alone costs all three (on PostgreSQL, four round trips and a WAL
// flush each; on SQLite, a turn of the single writer each). At most
// createFlushes batches are in flight, of at most createBatch jobs.
const (
	createFlushes = 2
	createBatch   = 100
)

// New builds the API. tokens seals page tokens and download links; it must
// be shared by every process behind one address.
func New(cfg Config, st extract.Store, q Queue, blobs Blobs, tokens *pagetoken.Sealer) *Server {
	cfg = cfg.withDefaults()
	s := &Server{cfg: cfg, store: st, queue: q, blobs: blobs, tokens: tokens, log: cfg.Logger, mux: http.NewServeMux()}
	s.metrics = newMetrics(cfg.Registry)
	s.limiter = newKeyLimiter(cfg.RateLimit, cfg.Now)
	s.schemaGens = make(chan struct{}, cfg.SchemaGen.Concurrency)
	if q != nil {
		s.creates = batch.New(s.createJobs, createFlushes, createBatch)
	}
	s.routes()
	return s
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) routes() {
	s.mux.Handle("GET /healthz", s.public("healthz", s.healthz))
	s.mux.Handle("GET /metrics", s.metrics.handler())
	s.mux.Handle("GET /files/download", s.public("files.download", s.downloadFile))

	s.mux.Handle("POST /api/v2/extract", s.authed("extract.create", s.createJob))
	s.mux.Handle("GET /api/v2/extract", s.authed("extract.list", s.listJobs))
	s.mux.Handle("GET /api/v2/extract/{id}", s.authed("extract.get", s.getJob))
	s.mux.Handle("POST /api/v2/extract/{id}/cancel", s.authed("extract.cancel", s.cancelJob))
	s.mux.Handle("DELETE /api/v2/extract/{id}", s.authed("extract.delete", s.deleteJob))
	s.mux.Handle("POST /api/v2/extract/schema/validation", s.authed("extract.schema.validate", s.validateSchema))
	s.mux.Handle("POST /api/v2/extract/schema/validate", s.authed("extract.schema.validate", s.validateSchema))
	s.mux.Handle("POST /api/v2/extract/schema/generate", s.authed("extract.schema.generate", s.generateSchema))

	s.mux.Handle("POST /api/v1/beta/files", s.authed("files.upload", s.uploadFile))
	s.mux.Handle("GET /api/v1/beta/files", s.authed("files.list", s.listFiles))
	s.mux.Handle("POST /api/v1/beta/files/query", s.authed("files.query", s.queryFilesHandler))
	s.mux.Handle("GET /api/v1/beta/files/{id}", s.authed("files.get", s.getFile))
	s.mux.Handle("DELETE /api/v1/beta/files/{id}", s.authed("files.delete", s.deleteFile))
	s.mux.Handle("GET /api/v1/beta/files/{id}/content", s.authed("files.content", s.fileContent))

	s.mux.Handle("POST /api/v1/beta/configurations", s.authed("configurations.create", s.createConfiguration))
	s.mux.Handle("GET /api/v1/beta/configurations", s.authed("configurations.list", s.listConfigurations))
	s.mux.Handle("GET /api/v1/beta/configurations/{id}", s.authed("configurations.get", s.getConfiguration))
	s.mux.Handle("PUT /api/v1/beta/configurations/{id}", s.authed("configurations.update", s.updateConfiguration))
	s.mux.Handle("DELETE /api/v1/beta/configurations/{id}", s.authed("configurations.delete", s.deleteConfiguration))

	s.mux.Handle("POST /api/v1/beta/webhook-configs", s.authed("webhook_configs.create", s.createWebhookConfig))
	s.mux.Handle("GET /api/v1/beta/webhook-configs", s.authed("webhook_configs.list", s.listWebhookConfigs))
	s.mux.Handle("GET /api/v1/beta/webhook-configs/{id}", s.authed("webhook_configs.get", s.getWebhookConfig))
	s.mux.Handle("PUT /api/v1/beta/webhook-configs/{id}", s.authed("webhook_configs.update", s.updateWebhookConfig))
	s.mux.Handle("DELETE /api/v1/beta/webhook-configs/{id}", s.authed("webhook_configs.delete", s.deleteWebhookConfig))

	// Anything else under the API is a clear 404 in the API's error shape,
	// not the mux's plain-text one.
	s.mux.Handle("/", s.public("not_found", func(w http.ResponseWriter, r *http.Request) error {
		return extract.Errorf(extract.CodeNotFound, "no such endpoint: %s %s", r.Method, r.URL.Path)
	}))
}

// handlerFunc is a handler that returns its error instead of writing it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// public wraps a handler that needs no key.
func (s *Server) public(route string, h handlerFunc) http.Handler {
	return s.wrap(route, false, h)
}

// authed wraps a handler that acts for a key's project.
func (s *Server) authed(route string, h handlerFunc) http.Handler {
	return s.wrap(route, true, h)
}

// wrap is the one adapter every route goes through: request id, panic
// recovery, authentication, error replies, the access log and metrics.
func (s *Server) wrap(route string, auth bool, h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rid := r.Header.Get("X-Request-Id")
		if rid == "" || len(rid) > 128 {
			rid = newRequestID()
		}
		ctx := context.WithValue(r.Context(), requestIDKey{}, rid)
		r = r.WithContext(ctx)
		w.Header().Set("X-Request-Id", rid)
		rec := &statusRecorder{ResponseWriter: w}

		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.log.ErrorContext(ctx, "handler panicked", "panic", p, "route", route, "request_id", rid)
				if rec.status == 0 {
					writeError(rec, r, s.log, errors.New("panic"))
				}
			}
			d := time.Since(start)
			status := cmp.Or(rec.status, http.StatusOK)
			s.metrics.observeRequest(route, r.Method, status, d)
			s.log.LogAttrs(ctx, logLevel(status), "request",
				slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Int("status", status),
				slog.Float64("duration_ms", float64(d.Microseconds())/1000), slog.String("request_id", rid),
				slog.String("route", route))
		}()

		err := func() error {
			if route != "files.upload" {
				// Uploads set their own, larger, limit. Elsewhere a body is
				// at most a JSON document, and must arrive in good time.
				r.Body = s.limitBody(rec, r)
			}
			if auth {
				p, err := s.authenticate(r)
				if err != nil {
					return err
				}
				if ok, wait := s.limiter.allow(p.KeyID); !ok {
					return s.rateLimited(rec, wait)
				}
				r = r.WithContext(context.WithValue(r.Context(), principalKey{}, p))
			}
			return h(rec, r)
		}()
		if err != nil {
			writeError(rec, r, s.log, err)
		}
	})
}

func logLevel(status int) slog.Level {
	switch {
	case status == http.StatusServiceUnavailable:
		// A limit doing its job (a schema generation past its time), with
		// a detail for the client: worth seeing, not an error of ours.
		return slog.LevelWarn
	case status >= 500:
		return slog.LevelError
	}
	return slog.LevelInfo
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.DB().PingContext(r.Context()); err != nil {
		return err
	}
	if s.cfg.Health != nil {
		if err := s.cfg.Health(r.Context()); err != nil {
			s.log.WarnContext(r.Context(), "health check failed", "err", err)
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unhealthy", "detail": extract.ErrorMessage(err)})
			return nil
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	return nil
}

type requestIDKey struct{}

func requestID(ctx context.Context) string {
	s, _ := ctx.Value(requestIDKey{}).(string)
	return s
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// statusRecorder remembers the status a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
