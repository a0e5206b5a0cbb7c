package cli

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/quarrylabs/quarry/internal/app"
	"github.com/quarrylabs/quarry/internal/blob/s3"
	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/budget"
	"github.com/quarrylabs/quarry/internal/document/ocr"
	"github.com/quarrylabs/quarry/internal/document/pdf"
	"github.com/quarrylabs/quarry/internal/engine/builtin"
	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/gctune"
	"github.com/quarrylabs/quarry/internal/pagetoken"
	"github.com/quarrylabs/quarry/internal/store/postgres"
)

func newServeCmd() *cobra.Command {
	var (
		cfg                 app.Config
		tokenKey            string
		role                string
		logLevel, logFormat string
		debugDelay          time.Duration
		heapFloor           int64
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the Quarry server (HTTP API and job workers)",
		Long: `Run the Quarry server: the HTTP API and the workers that run extraction jobs,
with all state in one data directory (an SQLite database and the uploaded files).

To run several processes, give them one PostgreSQL database with --database
and the same --token-key; each then takes a --role: "api" processes take
requests and enqueue jobs, "worker" processes run jobs and serve only /healthz
and /metrics, "all" (the default) does both. The data directory then holds
only the uploaded files, and every process must see the same one, unless
--blob keeps them in an S3-compatible bucket (endpoint, region and
credentials from AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY, or the AWS SDK's usual chain). The database's schema
is migrated at start (processes starting at once take turns) or beforehand
by "quarry migrate".

On first start it creates a default organization, a default project and an API
key, which it prints once. Set QUARRY_API_KEY to choose the key instead.

Every flag can also be set by the environment variable named in its help.
SIGINT or SIGTERM stops taking requests and lets running jobs finish (up to
--drain-timeout); jobs interrupted then run again at the next start.`,
		Example: `  quarry serve
  QUARRY_API_KEY=qry_mysecret quarry serve --addr 0.0.0.0:8080 --data-dir /var/lib/quarry

  # Several processes on PostgreSQL
  export QUARRY_DATABASE_URL=postgres://quarry@db.internal/quarry QUARRY_TOKEN_KEY=$(openssl rand -hex 32)
  quarry serve --role api --addr 0.0.0.0:8080 --blob s3://quarry-files/prod
  quarry serve --role worker --addr 127.0.0.1:9090 --blob s3://quarry-files/prod`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger(cmd.ErrOrStderr(), logLevel, logFormat)
			if err != nil {
				return err
			}
			cfg.Logger = log
			cfg.APIKey = env("QUARRY_API_KEY", "")
			// A server pays PDFium's start-up once, before its first PDF job.
			cfg.WarmPDF = true
			if err := checkDatabase(cfg.Database); err != nil {
				return err
			}
			cfg.Role = app.Role(role)
			if !slices.Contains(app.Roles, cfg.Role) {
				return &ExitError{Code: 2, Err: fmt.Errorf("--role %q is not one of api, worker, all", role)}
			}
			if cfg.Database == "" && cfg.Role != app.RoleAll {
				return &ExitError{Code: 2, Err: fmt.Errorf("--role %s needs --database postgres://…: the embedded SQLite database serves a single process, which takes requests and runs jobs", role)}
			}
			if tokenKey != "" {
				if cfg.TokenKey, err = pagetoken.ParseKey(tokenKey); err != nil {
					return &ExitError{Code: 2, Err: fmt.Errorf("--token-key: %w", err)}
				}
			} else if cfg.Database != "" {
				return &ExitError{Code: 2, Err: errors.New("--token-key (or QUARRY_TOKEN_KEY) is required with --database: " +
					"a page token or download link made by one process must open in every other, so all processes need the same key " +
					"(make one with: openssl rand -hex 32)")}
			}
			if cfg.Blob != "" {
				if !strings.HasPrefix(cfg.Blob, "s3://") {
					return &ExitError{Code: 2, Err: fmt.Errorf("--blob %q is not an s3://bucket/prefix URL (leave it empty for files in --data-dir)", cfg.Blob)}
				}
				cfg.S3 = s3.ConfigFromEnv(os.Getenv)
			}
			if debugDelay > 0 {
				cfg.Engine = delayEngine{builtin.New(), debugDelay}
			}
			if heapFloor < 0 {
				return &ExitError{Code: 2, Err: fmt.Errorf("--gc-heap-floor %d: give a size in bytes, or 0 for Go's default", heapFloor)}
			}
			// Refused here, naming the flag, rather than deep in the
			// start-up as a field of some package's Config.
			for _, r := range []struct {
				flag string
				bad  bool
				want string
			}{
				{"max-upload-bytes", cfg.MaxUploadBytes < 0, "a size in bytes, or 0 for the default"},
				{"pdf-memory-limit", cfg.PDF.MemoryLimit != 0 && cfg.PDF.MemoryLimit < 64<<20, "a size in bytes of at least 64 MiB (67108864), or 0 for the default"},
				{"workers", cfg.Queue.Workers < 0, "a number of jobs, or 0 for one per CPU"},
				{"project-concurrency", cfg.Queue.ProjectConcurrency < -1, "a number of jobs, or -1 for no limit"},
				{"job-timeout", cfg.Queue.JobTimeout < 0, "a positive duration"},
				{"rescue-after", cfg.Queue.RescueAfter < 0, "a positive duration, or 0 for --job-timeout + 5m"},
				{"reconcile-interval", cfg.Queue.ReconcileInterval < 0, "a positive duration"},
				{"drain-timeout", cfg.Queue.DrainTimeout < 0, "a positive duration"},
				{"rate-limit", cfg.RateLimit.PerSecond < 0, "requests a second, or 0 for no limit"},
				{"rate-burst", cfg.RateLimit.Burst < 0, "a number of requests"},
				{"llm-context-window", cfg.LLM.ContextWindow != 0 && cfg.LLM.ContextWindow < 2048, "at least 2048 tokens"},
				{"llm-max-concurrency", cfg.LLM.MaxConcurrency < 0, "a number of requests"},
				{"llm-timeout", cfg.LLM.Timeout < 0, "a positive duration"},
				{"debug-extract-delay", debugDelay < 0, "a positive duration"},
			} {
				if r.bad {
					return &ExitError{Code: 2, Err: fmt.Errorf("--%s %s: want %s", r.flag, cmd.Flags().Lookup(r.flag).Value, r.want)}
				}
			}
			if cfg.Queue.RescueAfter != 0 && cfg.Queue.RescueAfter <= cmp.Or(cfg.Queue.JobTimeout, time.Hour) {
				return &ExitError{Code: 2, Err: fmt.Errorf("--rescue-after %s must exceed --job-timeout %s, or jobs still running would run twice", cfg.Queue.RescueAfter, cmp.Or(cfg.Queue.JobTimeout, time.Hour))}
			}
			if cfg.LLM.BaseURL != "" {
				if u, err := url.Parse(cfg.LLM.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					return &ExitError{Code: 2, Err: fmt.Errorf("--llm-base-url %q is not an http:// or https:// URL such as http://127.0.0.1:11434/v1", cfg.LLM.BaseURL)}
				}
			}
			if cfg.PublicURL != "" {
				if u, err := url.Parse(cfg.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
					return &ExitError{Code: 2, Err: fmt.Errorf("--public-url %q is not an http:// or https:// URL such as https://quarry.example.com", cfg.PublicURL)}
				}
			}
			if err := cfg.Parse.Budget.Validate(); err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			if err := cfg.Parse.OCR.Validate(); err != nil {
				return &ExitError{Code: 2, Err: fmt.Errorf("--ocr-languages: %w", err)}
			}
			if cfg.Parse.PageLimit < 0 || cfg.Parse.MaxDecompressedBytes < 0 || cfg.Parse.Timeout < 0 {
				return &ExitError{Code: 2, Err: fmt.Errorf("--%s, --%s and --%s must be positive (0 for their defaults)", budget.FlagPages, budget.FlagDecompressedBytes, budget.FlagParseTimeout)}
			}
			defer gctune.HeapFloor(uint64(heapFloor))()
			var a *app.App
			// Printed once the server is up, after the start-up logs
			// (migrations, the queue), so that the key stands out.
			cfg.Serving = func() { printBanner(cmd.OutOrStdout(), a, cfg) }
			a, err = app.New(cmd.Context(), cfg)
			if err != nil {
				return openError(err, cfg.Addr)
			}
			return a.Run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "address to listen on (env QUARRY_ADDR)")
	f.StringVar(&cfg.PublicURL, "public-url", "", "the URL clients reach the API at, for the download links it hands out, e.g. https://quarry.example.com (default: http:// and --addr) (env QUARRY_PUBLIC_URL)")
	registerDatabaseFlags(f, &cfg)
	f.StringVar(&cfg.Blob, "blob", "", "where uploaded files are kept: s3://bucket/prefix for an S3-compatible bucket (endpoint, region and credentials from the AWS_* variables); empty: --data-dir (env QUARRY_BLOB)")
	f.StringVar(&role, "role", string(app.RoleAll), "what this process does: api (requests only), worker (jobs only) or all; api and worker need --database (env QUARRY_ROLE)")
	f.Int64Var(&cfg.MaxUploadBytes, "max-upload-bytes", 100<<20, "largest file an upload may carry, in bytes (env QUARRY_MAX_UPLOAD_BYTES)")
	// The memory budget of one document's parse: see budget.Limits.
	d := budget.Limits{}.WithDefaults()
	f.IntVar(&cfg.Parse.Budget.MaxTableCells, budget.FlagTableCells, d.MaxTableCells, "most table cells one document may have, rows times columns of every table with spans expanded, and shared strings of a workbook; over it the job fails (env QUARRY_MAX_TABLE_CELLS)")
	f.IntVar(&cfg.Parse.Budget.MaxWords, budget.FlagWords, d.MaxWords, "most words one document may have (env QUARRY_MAX_WORDS)")
	f.IntVar(&cfg.Parse.Budget.MaxWordsPerPage, budget.FlagWordsPerPage, d.MaxWordsPerPage, "most words one page of PDF, DOCX, HTML or text may have (env QUARRY_MAX_WORDS_PER_PAGE)")
	f.Int64Var(&cfg.Parse.Budget.MaxTextBytes, budget.FlagTextBytes, d.MaxTextBytes, "most bytes of text one document may have (env QUARRY_MAX_TEXT_BYTES)")
	f.IntVar(&cfg.Parse.Budget.MaxLineLength, budget.FlagLineLength, d.MaxLineLength, "most characters in one line of a text file, one CSV record or one word (env QUARRY_MAX_LINE_LENGTH)")
	f.IntVar(&cfg.Parse.Budget.MaxElements, budget.FlagElements, d.MaxElements, "most elements of markup one document may have: HTML elements and texts, DOCX runs and breaks (env QUARRY_MAX_ELEMENTS)")
	f.Int64Var(&cfg.Parse.Budget.MaxPDFStreamBytes, budget.FlagPDFStreamBytes, d.MaxPDFStreamBytes, "most bytes one compressed PDF stream other than an image may inflate to; more fails the job as a flate bomb before PDFium reads it (env QUARRY_MAX_PDF_STREAM_BYTES)")
	f.Int64Var(&cfg.Parse.Budget.MaxImagePixels, budget.FlagImagePixels, d.MaxImagePixels, "most pixels one image, or one page of a TIFF, may have; checked before it is decoded (env QUARRY_MAX_IMAGE_PIXELS)")
	f.StringVar(&cfg.Parse.OCR.Languages, "ocr-languages", ocr.DefaultLanguages, "Tesseract languages images and scanned PDFs are read in, joined with +, like eng+deu; each needs its data installed (apt-get install tesseract-ocr-deu) (env QUARRY_OCR_LANGUAGES)")
	f.IntVar(&cfg.Parse.PageLimit, budget.FlagPages, pdf.DefaultPageLimit, "most pages a document may have, whatever a job selects (env QUARRY_MAX_DOCUMENT_PAGES)")
	f.Int64Var(&cfg.Parse.MaxDecompressedBytes, budget.FlagDecompressedBytes, 256<<20, "most bytes the parts of a DOCX or XLSX may inflate to (zip bombs) (env QUARRY_MAX_DECOMPRESSED_BYTES)")
	f.DurationVar(&cfg.Parse.Timeout, budget.FlagParseTimeout, 2*time.Minute, "longest the parse of one document may take (env QUARRY_PARSE_TIMEOUT)")
	f.Int64Var(&cfg.PDF.MemoryLimit, "pdf-memory-limit", 512<<20, "most memory one PDFium instance (one PDF being read) may take, in bytes; a file that needs more fails (env QUARRY_PDF_MEMORY_LIMIT)")
	f.IntVar(&cfg.Queue.Workers, "workers", 0, "jobs this process runs at once; 0 means one per CPU (env QUARRY_WORKERS)")
	f.IntVar(&cfg.Queue.ProjectConcurrency, "project-concurrency", 4, "jobs one project may run at once; more wait as THROTTLED; -1 for no limit (env QUARRY_PROJECT_CONCURRENCY)")
	f.DurationVar(&cfg.Queue.JobTimeout, "job-timeout", time.Hour, "longest one job may run before it fails (env QUARRY_JOB_TIMEOUT)")
	f.DurationVar(&cfg.Queue.RescueAfter, "rescue-after", 0, "how long a job may look running before it is taken for orphaned by a dead process and run again; must exceed --job-timeout; 0 means --job-timeout + 5m (env QUARRY_RESCUE_AFTER)")
	f.DurationVar(&cfg.Queue.ReconcileInterval, "reconcile-interval", 5*time.Minute, "how often one worker fails the jobs whose queued work was given up on or lost (env QUARRY_RECONCILE_INTERVAL)")
	f.BoolVar(&cfg.Queue.PollOnly, "poll-only", false, "with PostgreSQL, poll for new jobs and cancellations instead of using LISTEN/NOTIFY, as behind PgBouncer in transaction mode (env QUARRY_POLL_ONLY)")
	f.BoolVar(&cfg.Webhook.AllowPrivate, "webhook-allow-private", false, "let webhooks reach loopback, private and link-local addresses, for receivers on this host or network (env QUARRY_WEBHOOK_ALLOW_PRIVATE)")
	f.Float64Var(&cfg.RateLimit.PerSecond, "rate-limit", 200, "requests a second each API key may send on average; more get 429 with Retry-After; 0 for no limit (env QUARRY_RATE_LIMIT)")
	f.IntVar(&cfg.RateLimit.Burst, "rate-burst", 1000, "requests an API key may send at once above --rate-limit (env QUARRY_RATE_BURST)")
	f.DurationVar(&cfg.Queue.DrainTimeout, "drain-timeout", 30*time.Second, "at shutdown, how long running jobs may finish before they are interrupted and requeued (env QUARRY_DRAIN_TIMEOUT)")
	f.StringVar(&tokenKey, "token-key", "", "key sealing page tokens and download links, hex or base64 of 32+ bytes; required with --database, the same in every process; default: a key kept in the data directory (env QUARRY_TOKEN_KEY)")
	f.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error (env QUARRY_LOG_LEVEL)")
	f.StringVar(&logFormat, "log-format", "text", "text or json (env QUARRY_LOG_FORMAT)")
	f.StringVar(&cfg.LLM.BaseURL, "llm-base-url", "", "OpenAI-compatible API root of the model server for the agentic tiers, e.g. http://127.0.0.1:11434/v1 (Ollama); empty: https://api.openai.com/v1 (env QUARRY_LLM_BASE_URL)")
	f.StringVar(&cfg.LLM.APIKey, "llm-api-key", "", "bearer key for the model server; local servers need none (env QUARRY_LLM_API_KEY)")
	f.StringVar(&cfg.LLM.Model, "llm-model", "", "model for the agentic and agentic_plus tiers; empty: no model, every tier runs the built-in engine (env QUARRY_LLM_MODEL)")
	f.StringVar(&cfg.LLM.AgenticModel, "llm-model-agentic", "", "model for the agentic tier only; default --llm-model (env QUARRY_LLM_MODEL_AGENTIC)")
	f.StringVar(&cfg.LLM.AgenticPlusModel, "llm-model-agentic-plus", "", "model for the agentic_plus tier only; default --llm-model (env QUARRY_LLM_MODEL_AGENTIC_PLUS)")
	f.IntVar(&cfg.LLM.ContextWindow, "llm-context-window", 16384, "the model's context window in tokens; longer documents are split by pages (env QUARRY_LLM_CONTEXT_WINDOW)")
	f.IntVar(&cfg.LLM.MaxConcurrency, "llm-max-concurrency", 4, "requests this process sends the model server at once, over all jobs (env QUARRY_LLM_MAX_CONCURRENCY)")
	f.DurationVar(&cfg.LLM.Timeout, "llm-timeout", 5*time.Minute, "longest one model request may take (env QUARRY_LLM_TIMEOUT)")
	f.Int64Var(&heapFloor, "gc-heap-floor", gctune.DefaultFloor, "bytes the heap may grow to before Go's garbage collector runs; past them it runs as GOGC says; 0 for Go's default alone (env QUARRY_GC_HEAP_FLOOR)")
	f.DurationVar(&debugDelay, "debug-extract-delay", 0, "slow every extraction by this long, to watch jobs run and to test interruption (env QUARRY_DEBUG_EXTRACT_DELAY)")
	_ = f.MarkHidden("debug-extract-delay")
	return cmd
}

// printBanner says where the server listens and, on a first start, the
// API key it made, set apart by blank lines from the logs around it.
func printBanner(out io.Writer, a *app.App, cfg app.Config) {
	files := cfg.DataDir
	if cfg.Blob != "" {
		files = cfg.Blob
	}
	where := "data in " + cfg.DataDir
	switch {
	case cfg.Database != "":
		where = "role " + string(cfg.Role) + ", files in " + files
	case cfg.Blob != "":
		where += ", files in " + files
	}
	fmt.Fprintf(out, "\nQuarry is serving on http://%s (%s)\n", a.Addr(), where)
	if b := a.Bootstrap(); b.APIKey != "" {
		fmt.Fprintf(out, "Created organization %s and project %s.\n", b.OrganizationID, b.ProjectID)
		fmt.Fprintf(out, "API key (shown only now; keep it safe, and give it to clients as QUARRY_API_KEY or --api-key):\n\n    %s\n\n", b.APIKey)
	} else {
		fmt.Fprintln(out)
	}
}

// openError turns why a command could not open what it needs into one
// line that names the setting to change, for the failures a user meets
// first: the address taken (often by another quarry serve), the data
// directory held by another process or holding no database, the database
// out of reach.
func openError(err error, addr string) error {
	var pgErr *postgres.ConnectError
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return fmt.Errorf("%s is already in use (is another quarry serve running?): stop it, or choose another address with --addr (env QUARRY_ADDR)", addr)
	case errors.Is(err, app.ErrDataDirInUse):
		return fmt.Errorf("%w: stop it, or choose another --data-dir (env QUARRY_DATA_DIR)", err)
	case errors.Is(err, app.ErrNoDatabase):
		return fmt.Errorf("%w: run this where quarry serve keeps its data, or point --data-dir (env QUARRY_DATA_DIR) "+
			"at the server's data directory; a server on PostgreSQL needs --database (env QUARRY_DATABASE_URL)", err)
	case errors.As(err, &pgErr):
		return fmt.Errorf("%w; check that PostgreSQL runs there, and --database (env QUARRY_DATABASE_URL)", err)
	}
	return err
}

// delayEngine slows an engine down, honouring cancellation; for demos and
// for tests that need a job to be mid-run when something happens to it.
type delayEngine struct {
	extract.Engine
	delay time.Duration
}

func (d delayEngine) Extract(ctx context.Context, doc *document.Document, cfg extract.Configuration) (extract.Outcome, error) {
	select {
	case <-ctx.Done():
		return extract.Outcome{}, ctx.Err()
	case <-time.After(d.delay):
	}
	return d.Engine.Extract(ctx, doc, cfg)
}

// registerDatabaseFlags adds the flags saying where the state is kept,
// which serve and migrate share.
func registerDatabaseFlags(f *pflag.FlagSet, cfg *app.Config) {
	f.StringVar(&cfg.DataDir, "data-dir", "./quarry-data", "directory for the SQLite database and uploaded files; with --database, the uploaded files only (env QUARRY_DATA_DIR)")
	f.StringVar(&cfg.Database, "database", "", "postgres:// URL of a PostgreSQL database shared by several processes; empty: SQLite in --data-dir (env QUARRY_DATABASE_URL)")
}

// checkDatabase refuses a --database that is not a PostgreSQL URL before
// anything is opened. The URL is not quoted: it may hold a password.
func checkDatabase(url string) error {
	if url == "" || strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://") {
		return nil
	}
	return &ExitError{Code: 2, Err: errors.New("--database must be a postgres:// or postgresql:// URL (or empty for SQLite in --data-dir)")}
}
