// Package app wires Quarry's server together: configuration in; store,
// queue, engine and HTTP server out. Tests start the real server through it
// on 127.0.0.1:0 with a temporary data directory.
//
// One process on an embedded SQLite database is the default. With a
// PostgreSQL database, several processes share it, each in a Role: API
// processes take requests and enqueue, worker processes run jobs.
package app

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/quarrylabs/quarry/internal/blob"
	"github.com/quarrylabs/quarry/internal/blob/s3"
	"github.com/quarrylabs/quarry/internal/document/parse"
	"github.com/quarrylabs/quarry/internal/document/pdf"
	"github.com/quarrylabs/quarry/internal/engine/builtin"
	"github.com/quarrylabs/quarry/internal/engine/llm"
	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/httpapi"
	"github.com/quarrylabs/quarry/internal/id"
	"github.com/quarrylabs/quarry/internal/pagetoken"
	"github.com/quarrylabs/quarry/internal/queue"
	"github.com/quarrylabs/quarry/internal/webhook"
)

// Role is what one process does when several share a PostgreSQL database.
type Role string

const (
	// RoleAll takes API requests and runs jobs: the only role on SQLite.
	RoleAll Role = "all"
	// RoleAPI takes API requests and enqueues jobs, running none.
	RoleAPI Role = "api"
	// RoleWorker runs jobs and serves only /healthz and /metrics.
	RoleWorker Role = "worker"
)

// Roles lists the roles, for help and validation.
var Roles = []Role{RoleAll, RoleAPI, RoleWorker}

// Config is everything `quarry serve` can be told.
type Config struct {
	// Addr is where the API listens. Defaults to 127.0.0.1:8080.
	Addr string
	// PublicURL is the address clients reach the API at (scheme, host,
	// port and any path prefix of a proxy in front), for the links the
	// server hands out, such as download URLs. The request's Host header
	// is never used: a client could name any host in it. Defaults to
	// http:// and the address the API listens on, 127.0.0.1 for an
	// unspecified host.
	PublicURL string
	// DataDir holds the database, the uploaded files (unless Blob says
	// otherwise) and the token key. With PostgreSQL it holds only the
	// uploaded files, and every process must see the same one. Defaults to
	// ./quarry-data.
	DataDir string
	// Blob is where uploaded files' bytes are kept: s3://bucket/prefix for
	// an S3-compatible bucket, which API and worker processes on different
	// machines can share. Defaults to the files directory in DataDir.
	Blob string
	// S3 configures the bucket's client when Blob is an s3:// URL: the
	// endpoint, region and credentials (s3.ConfigFromEnv reads the AWS
	// variables). Its Logger defaults to Logger.
	S3 s3.Config
	// Database is a postgres:// (or postgresql://) URL to keep Quarry's
	// state in PostgreSQL, shared by several processes. Defaults to an
	// SQLite database in DataDir, for one process.
	Database string
	// Role is what this process does. Defaults to RoleAll; the other roles
	// need PostgreSQL.
	Role Role
	// APIKey, when set, is made a valid key of the default project at start,
	// for scripted set-ups. Otherwise a key is generated on first start and
	// returned once in Bootstrap.
	APIKey string
	// TokenKey seals page tokens and download links. Defaults to a key kept
	// in the data directory (created on first start); required with
	// PostgreSQL, where a token made by one API process must open in any
	// other.
	TokenKey []byte
	// MaxUploadBytes caps an uploaded file. Defaults to 100 MiB.
	MaxUploadBytes int64
	// Queue configures job execution; see queue.Config.
	Queue queue.Config
	// ShutdownTimeout bounds how long in-flight requests may finish at
	// shutdown. Defaults to 15 seconds.
	ShutdownTimeout time.Duration
	// Engine runs extractions. Defaults to the llm engine when LLM names a
	// model (the agentic tiers on the model, the others built in), and to
	// the built-in engine otherwise.
	Engine extract.Engine
	// LLM configures the model the agentic tiers use; see llm.Config. Its
	// Builtin and Logger default to the built-in engine and Logger.
	LLM llm.Config
	// Parse bounds what one document may cost to parse (size, pages,
	// decompressed bytes, time); see parse.Limits for the defaults.
	Parse parse.Limits
	// PDF configures the PDF parser. Its pool of PDFium instances starts
	// with the first PDF a job reads, so a server that never sees one never
	// pays for it. CacheDir defaults to quarry/pdfium in the user's cache
	// directory, so that only the first start on a machine compiles PDFium.
	PDF pdf.Options
	// WarmPDF starts the PDF pool in the background as the server starts
	// running jobs, so that the first PDF job does not wait for PDFium.
	// Off by default: tests and commands that read no PDF should not pay
	// for it.
	WarmPDF bool
	// RateLimit is each API key's request budget (see httpapi.RateLimit).
	// Defaults to no limit; `quarry serve` sets a generous one.
	RateLimit httpapi.RateLimit
	// HTTP bounds what one connection may cost the server.
	HTTP HTTPLimits
	// SchemaGen bounds schema generation from files (concurrency, time,
	// pages); see httpapi.SchemaGenLimits for the defaults.
	SchemaGen httpapi.SchemaGenLimits
	// Webhook configures the HTTP side of webhook deliveries (timeout,
	// whether private addresses may be reached); Queue.Webhook their
	// retries. A Queue.Webhook.Sender, if set, replaces the sender built
	// from it.
	Webhook webhook.Config
	// Logger receives logs. Defaults to discarding them.
	Logger *slog.Logger
	// Serving, if set, is called once by Run when the queue has started
	// and the server takes requests, after the start-up logs: what a
	// command prints then (a first start's API key) is not lost among
	// them.
	Serving func()
}

// HTTPLimits bound what a client can make the HTTP server hold.
type HTTPLimits struct {
	// ReadHeaderTimeout is how long a client has to send a request's
	// headers, so that connections held open with a header sent a byte at
	// a time (slowloris) are closed. Defaults to 10 seconds.
	ReadHeaderTimeout time.Duration
	// IdleTimeout closes keep-alive connections left unused. Defaults to
	// 2 minutes.
	IdleTimeout time.Duration
	// MaxHeaderBytes caps a request's headers; over it the answer is 431.
	// Defaults to 64 KiB.
	MaxHeaderBytes int
}

func (c Config) withDefaults() Config {
	c.Addr = cmp.Or(c.Addr, "127.0.0.1:8080")
	c.DataDir = cmp.Or(c.DataDir, "./quarry-data")
	c.ShutdownTimeout = cmp.Or(c.ShutdownTimeout, 15*time.Second)
	// A file the server accepted is a file it parses: the parse size limit
	// follows the upload limit unless set apart.
	c.Parse.MaxBytes = cmp.Or(c.Parse.MaxBytes, c.MaxUploadBytes)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Engine == nil && !c.LLM.Enabled() {
		c.Engine = builtin.New()
	}
	if c.PDF.CacheDir == "" {
		if dir, err := os.UserCacheDir(); err == nil {
			c.PDF.CacheDir = filepath.Join(dir, "quarry", "pdfium")
		}
	}
	if c.PDF.Logger == nil {
		c.PDF.Logger = c.Logger
	}
	// Scanned PDF pages and image files are read by the same Tesseract,
	// in the same languages.
	c.PDF.Tesseract = cmp.Or(c.PDF.Tesseract, c.Parse.OCR.Program)
	c.PDF.OCRLanguages = cmp.Or(c.PDF.OCRLanguages, c.Parse.OCR.Languages)
	c.Role = cmp.Or(c.Role, RoleAll)
	// Only one process uses an SQLite database (the data directory is
	// locked), so work left running belongs to a dead process.
	c.Queue.Embedded = !c.postgres()
	c.Queue.InsertOnly = c.Role == RoleAPI
	c.Queue.Logger = cmp.Or(c.Queue.Logger, c.Logger)
	return c
}

// postgres reports whether the state is in PostgreSQL.
func (c Config) postgres() bool {
	return strings.HasPrefix(c.Database, "postgres://") || strings.HasPrefix(c.Database, "postgresql://")
}

func (c Config) validateDatabase() error {
	if c.Database != "" && !c.postgres() {
		return errors.New("app: Database must be a postgres:// or postgresql:// URL, or empty for SQLite in the data directory")
	}
	return nil
}

func (c Config) validate() error {
	if err := c.validateDatabase(); err != nil {
		return err
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("app: PublicURL %q must be an http:// or https:// URL such as https://quarry.example.com", c.PublicURL)
		}
	}
	if c.Blob != "" && !strings.HasPrefix(c.Blob, "s3://") {
		return errors.New("app: Blob must be an s3://bucket/prefix URL, or empty for the files directory in DataDir")
	}
	switch c.Role {
	case RoleAll:
	case RoleAPI, RoleWorker:
		if !c.postgres() {
			return fmt.Errorf("app: Role %s needs a PostgreSQL Database: the embedded SQLite database serves a single process, which must both take requests and run jobs", c.Role)
		}
	default:
		return fmt.Errorf("app: Role %q is not one of %v", c.Role, Roles)
	}
	if c.postgres() && c.TokenKey == nil {
		return errors.New("app: TokenKey is required with PostgreSQL: page tokens made by one API process must open in every other, so all processes need the same key")
	}
	return nil
}

// ErrDataDirInUse is New's error when another process holds the data
// directory's lock: an embedded database serves one process.
var ErrDataDirInUse = errors.New("in use by another quarry process")

// Bootstrap is what a first start created, for the command to print once.
type Bootstrap struct {
	OrganizationID string
	ProjectID      string
	// APIKey is the generated key's secret; empty unless one was generated
	// by this start.
	APIKey string
}

// App is a running Quarry server.
type App struct {
	cfg       Config
	log       *slog.Logger
	lock      *os.File
	store     extract.Store
	pdf       *parse.LazyPDF
	blobs     httpapi.Blobs
	queue     *queue.Queue
	http      *http.Server
	listener  net.Listener
	bootstrap Bootstrap
}

// New opens the data directory and the database, migrates, creates the
// defaults on first start, and listens. Run serves; Close releases
// everything if Run is never called.
func New(ctx context.Context, cfg Config) (a *App, err error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Engine == nil {
		lc := cfg.LLM
		if lc.Builtin == nil {
			lc.Builtin = builtin.New()
		}
		if lc.Logger == nil {
			lc.Logger = cfg.Logger
		}
		if cfg.Engine, err = llm.New(lc); err != nil {
			return nil, fmt.Errorf("app: %w", err)
		}
	}
	// The cleanup holds the App in its own variable: every failing return
	// below sets the named result a to nil before deferred calls run.
	started := &App{cfg: cfg, log: cfg.Logger}
	defer func() {
		if err != nil {
			started.Close()
		}
	}()
	a = started
	st, err := OpenStore(ctx, cfg, Own)
	if err != nil {
		return nil, err
	}
	a.store, a.lock = st.Store, st.lock
	driver := st.Driver
	if cfg.Role != RoleWorker {
		if a.bootstrap, err = bootstrap(ctx, a.store, cfg.APIKey); err != nil {
			return nil, err
		}
	}
	tokenKey := cfg.TokenKey
	if tokenKey == nil {
		if tokenKey, err = pagetoken.LoadOrCreateKey(filepath.Join(cfg.DataDir, "token.key")); err != nil {
			return nil, err
		}
	}
	tokens, err := pagetoken.New(tokenKey)
	if err != nil {
		return nil, err
	}
	if a.blobs, err = openBlobs(ctx, cfg); err != nil {
		return nil, err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	jm := newJobMetrics(reg, a.store)
	qcfg := cfg.Queue
	qcfg.Driver = driver
	qcfg.OnFinish = jm.observe
	if qcfg.Webhook.Sender == nil {
		qcfg.Webhook.Sender = webhook.NewSender(cfg.Webhook)
	}
	a.pdf = parse.NewLazyPDF(cfg.PDF)
	proc := &processor{blobs: a.blobs, parser: parse.New(a.pdf, cfg.Parse), engine: cfg.Engine}
	if a.queue, err = queue.New(ctx, a.store, proc, qcfg); err != nil {
		return nil, err
	}
	// Status changes enqueue their webhook deliveries in their own
	// transaction from here on.
	a.store.SetWebhookPlanner(&webhook.Planner{Render: httpapi.RenderJob, Queue: a.queue.EnqueueWebhook})
	jm.depth = a.queue.Depth

	if a.listener, err = net.Listen("tcp", cfg.Addr); err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	var handler http.Handler
	if cfg.Role == RoleWorker {
		handler = workerHandler(a.store, reg, checkDisk(cfg.DataDir))
	} else {
		handler = a.withDashboard(httpapi.New(httpapi.Config{
			PublicURL:      cmp.Or(cfg.PublicURL, listenURL(a.listener.Addr())),
			Health:         checkDisk(cfg.DataDir),
			MaxUploadBytes: cfg.MaxUploadBytes,
			Parser:         proc.parser,
			SchemaGen:      cfg.SchemaGen,
			RateLimit:      cfg.RateLimit,
			Registry:       reg,
			Logger:         cfg.Logger,
		}, a.store, a.queue, a.blobs, tokens), proc.parser)
	}
	// No ReadTimeout or WriteTimeout: they would cut off large uploads and
	// downloads on slow links. Headers have ReadHeaderTimeout, other bodies
	// httpapi's BodyTimeout, and idle connections IdleTimeout.
	a.http = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: cmp.Or(cfg.HTTP.ReadHeaderTimeout, 10*time.Second),
		IdleTimeout:       cmp.Or(cfg.HTTP.IdleTimeout, 2*time.Minute),
		MaxHeaderBytes:    cmp.Or(cfg.HTTP.MaxHeaderBytes, 64<<10),
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	return a, nil
}

// listenURL is the default PublicURL: the listening address over http,
// with 127.0.0.1 for a host that names every interface.
func listenURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String()
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port)
}

// openBlobs opens the store of uploaded files' bytes the configuration
// names: a bucket, or the files directory in the data directory.
func openBlobs(ctx context.Context, cfg Config) (httpapi.Blobs, error) {
	if cfg.Blob == "" {
		return blob.NewLocal(filepath.Join(cfg.DataDir, "files"))
	}
	s3cfg := cfg.S3
	if s3cfg.Logger == nil {
		s3cfg.Logger = cfg.Logger
	}
	st, err := s3.New(ctx, cfg.Blob, s3cfg)
	if err != nil {
		return nil, fmt.Errorf("open blob store: %w", err)
	}
	return st, nil
}

// Migrate brings the database's schema, Quarry's and River's, up to date
// and returns, for `quarry migrate`. On PostgreSQL it is safe while servers
// run and while other processes migrate: they take turns on a lock.
func Migrate(ctx context.Context, cfg Config) error {
	cfg = cfg.storeDefaults()
	st, err := OpenStore(ctx, cfg, Own)
	if err != nil {
		return err
	}
	defer st.Close()
	return queue.Migrate(ctx, st.Driver, cfg.Logger)
}

// workerHandler is a worker process's HTTP surface: health and metrics, no
// API.
func workerHandler(st extract.Store, reg *prometheus.Registry, disk func(context.Context) error) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if err := st.DB().PingContext(r.Context()); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, `{"status":"database unreachable"}`)
			return
		}
		if err := disk(r.Context()); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			b, _ := json.Marshal(map[string]string{"status": "unhealthy", "detail": extract.ErrorMessage(err)})
			fmt.Fprintf(w, "%s\n", b)
			return
		}
		fmt.Fprintln(w, `{"status":"ok"}`)
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	return mux
}

// bootstrap creates the default organization and project on first start and
// makes sure there is a key to use them with.
func bootstrap(ctx context.Context, st extract.Store, envKey string) (Bootstrap, error) {
	org, prj, created, err := st.EnsureDefaults(ctx)
	if err != nil {
		return Bootstrap{}, fmt.Errorf("create defaults: %w", err)
	}
	b := Bootstrap{OrganizationID: org.ID, ProjectID: prj.ID}
	secret := envKey
	if secret == "" {
		if !created {
			return b, nil
		}
		secret = extract.NewAPIKeySecret()
		b.APIKey = secret
	} else if _, err := st.APIKeyByHash(ctx, extract.HashAPIKey(secret)); err == nil {
		return b, nil
	} else if !extract.IsNotFound(err) {
		return Bootstrap{}, err
	}
	name := "default"
	if envKey != "" {
		name = "from QUARRY_API_KEY"
	}
	err = st.CreateAPIKey(ctx, extract.APIKey{
		ID: id.New(id.APIKey), OrganizationID: org.ID, ProjectID: prj.ID, Name: name,
		Prefix: extract.APIKeyDisplayPrefix(secret), Hash: extract.HashAPIKey(secret), CreatedAt: time.Now().UTC(),
	})
	if extract.ErrorCode(err) == extract.CodeConflict && envKey != "" {
		// Another process sharing the database stored the same key first.
		if _, err := st.APIKeyByHash(ctx, extract.HashAPIKey(secret)); err == nil {
			return b, nil
		}
	}
	if err != nil {
		return Bootstrap{}, fmt.Errorf("create API key: %w", err)
	}
	return b, nil
}

// Bootstrap returns what this start created.
func (a *App) Bootstrap() Bootstrap { return a.bootstrap }

// Addr returns the address the API listens on (useful with port 0).
func (a *App) Addr() string { return a.listener.Addr().String() }

// Store returns the store, for commands and tests that act on it directly.
func (a *App) Store() extract.Store { return a.store }

// Run serves until ctx is done, then stops taking requests, lets running
// jobs drain (queue.Config.DrainTimeout) and closes everything.
func (a *App) Run(ctx context.Context) error {
	if err := a.queue.Start(ctx); err != nil {
		a.Close()
		return err
	}
	if a.cfg.WarmPDF && a.cfg.Role != RoleAPI {
		go func() {
			if err := a.pdf.Warm(ctx); err != nil {
				a.log.Warn("start the PDF parser", "err", err)
			}
		}()
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- a.http.Serve(a.listener) }()
	a.log.InfoContext(ctx, "quarry serving", "addr", a.Addr(), "data_dir", a.cfg.DataDir, "role", a.cfg.Role)
	if a.cfg.Serving != nil {
		a.cfg.Serving()
	}

	var err error
	select {
	case <-ctx.Done():
	case err = <-serveErr:
		err = fmt.Errorf("serve: %w", err)
	}
	a.log.Info("shutting down: finishing requests and running jobs")
	stopCtx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout+a.queue.DrainTimeout()+5*time.Second)
	defer cancel()
	if herr := a.http.Shutdown(stopCtx); herr != nil && !errors.Is(herr, http.ErrServerClosed) {
		err = errors.Join(err, fmt.Errorf("http shutdown: %w", herr))
	}
	if qerr := a.queue.Stop(stopCtx); qerr != nil {
		err = errors.Join(err, qerr)
	}
	a.Close()
	return err
}

// Close releases the store, the blob store, the PDF parser and the data
// directory lock. Run calls it.
func (a *App) Close() {
	if a.listener != nil {
		a.listener.Close()
	}
	if a.pdf != nil {
		if err := a.pdf.Close(); err != nil {
			a.log.Warn("close the PDF parser", "err", err)
		}
		a.pdf = nil
	}
	if a.store != nil {
		a.store.Close()
		a.store = nil
	}
	if c, ok := a.blobs.(io.Closer); ok {
		if err := c.Close(); err != nil {
			a.log.Warn("close the blob store", "err", err)
		}
		a.blobs = nil
	}
	if a.lock != nil {
		a.lock.Close()
		a.lock = nil
	}
}
