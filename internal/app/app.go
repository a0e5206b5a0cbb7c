// Package app wires Quarry's server together: configuration in; store,
// queue, engine and HTTP server out. Tests start the real server through it
// on 127.0.0.1:0 with a temporary data directory.
package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/quarrylabs/quarry/internal/blob"
	"github.com/quarrylabs/quarry/internal/document/parse"
	"github.com/quarrylabs/quarry/internal/document/pdf"
	"github.com/quarrylabs/quarry/internal/engine/builtin"
	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/httpapi"
	"github.com/quarrylabs/quarry/internal/id"
	"github.com/quarrylabs/quarry/internal/pagetoken"
	"github.com/quarrylabs/quarry/internal/queue"
	"github.com/quarrylabs/quarry/internal/store/sqlite"
)

// Config is everything `quarry serve` can be told.
type Config struct {
	// Addr is where the API listens. Defaults to 127.0.0.1:8080.
	Addr string
	// DataDir holds the database, the uploaded files and the token key.
	// Defaults to ./quarry-data.
	DataDir string
	// APIKey, when set, is made a valid key of the default project at start,
	// for scripted set-ups. Otherwise a key is generated on first start and
	// returned once in Bootstrap.
	APIKey string
	// TokenKey seals page tokens and download links. Defaults to a key kept
	// in the data directory (created on first start).
	TokenKey []byte
	// MaxUploadBytes caps an uploaded file. Defaults to 100 MiB.
	MaxUploadBytes int64
	// Queue configures job execution; see queue.Config.
	Queue queue.Config
	// ShutdownTimeout bounds how long in-flight requests may finish at
	// shutdown. Defaults to 15 seconds.
	ShutdownTimeout time.Duration
	// Engine runs extractions. Defaults to the built-in engine.
	Engine extract.Engine
	// Parse bounds what one document may cost to parse (size, pages,
	// decompressed bytes, time); see parse.Limits for the defaults.
	Parse parse.Limits
	// PDF configures the PDF parser. Its pool of PDFium instances starts
	// with the first PDF a job reads, so a server that never sees one never
	// pays for it. CacheDir defaults to quarry/pdfium in the user's cache
	// directory, so that only the first start on a machine compiles PDFium.
	PDF pdf.Options
	// Logger receives logs. Defaults to discarding them.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	c.Addr = cmp.Or(c.Addr, "127.0.0.1:8080")
	c.DataDir = cmp.Or(c.DataDir, "./quarry-data")
	c.ShutdownTimeout = cmp.Or(c.ShutdownTimeout, 15*time.Second)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Engine == nil {
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
	c.Queue.Embedded = true
	c.Queue.Logger = cmp.Or(c.Queue.Logger, c.Logger)
	return c
}

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
	store     *sqlite.Store
	pdf       *parse.LazyPDF
	queue     *queue.Queue
	http      *http.Server
	listener  net.Listener
	bootstrap Bootstrap
}

// New opens the data directory, migrates, creates the defaults on first
// start, and listens. Run serves; Close releases everything if Run is never
// called.
func New(ctx context.Context, cfg Config) (a *App, err error) {
	cfg = cfg.withDefaults()
	a = &App{cfg: cfg, log: cfg.Logger}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	if a.lock, err = lockDataDir(cfg.DataDir); err != nil {
		return nil, err
	}
	if a.store, err = sqlite.Open(ctx, filepath.Join(cfg.DataDir, "quarry.db"), cfg.Logger); err != nil {
		return nil, err
	}
	if a.bootstrap, err = bootstrap(ctx, a.store, cfg.APIKey); err != nil {
		return nil, err
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
	blobs, err := blob.NewLocal(filepath.Join(cfg.DataDir, "files"))
	if err != nil {
		return nil, err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	jm := newJobMetrics(reg, a.store)
	qcfg := cfg.Queue
	qcfg.OnFinish = jm.observe
	a.pdf = parse.NewLazyPDF(cfg.PDF)
	proc := &processor{store: a.store, blobs: blobs, parser: parse.New(a.pdf, cfg.Parse), engine: cfg.Engine}
	if a.queue, err = queue.New(ctx, a.store, proc, qcfg); err != nil {
		return nil, err
	}
	jm.depth = a.queue.Depth

	api := httpapi.New(httpapi.Config{
		MaxUploadBytes: cfg.MaxUploadBytes,
		Registry:       reg,
		Logger:         cfg.Logger,
	}, a.store, a.queue, blobs, tokens)
	a.http = &http.Server{
		Handler:           api,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	if a.listener, err = net.Listen("tcp", cfg.Addr); err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	return a, nil
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
	serveErr := make(chan error, 1)
	go func() { serveErr <- a.http.Serve(a.listener) }()
	a.log.InfoContext(ctx, "quarry serving", "addr", a.Addr(), "data_dir", a.cfg.DataDir)

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

// Close releases the store, the PDF parser and the data directory lock. Run
// calls it.
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
	if a.lock != nil {
		a.lock.Close()
		a.lock = nil
	}
}
