package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/quarrylabs/quarry/internal/app"
	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/engine/builtin"
	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/pagetoken"
)

func newServeCmd() *cobra.Command {
	var (
		cfg                 app.Config
		tokenKey            string
		logLevel, logFormat string
		debugDelay          time.Duration
	)
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the Quarry server (HTTP API and job workers)",
		Long: `Run the Quarry server: the HTTP API and the workers that run extraction jobs,
with all state in one data directory (an SQLite database and the uploaded files).

On first start it creates a default organization, a default project and an API
key, which it prints once. Set QUARRY_API_KEY to choose the key instead.

Every flag can also be set by the environment variable named in its help.
SIGINT or SIGTERM stops taking requests and lets running jobs finish (up to
--drain-timeout); jobs interrupted then run again at the next start.`,
		Example: `  quarry serve
  QUARRY_API_KEY=qry_mysecret quarry serve --addr 0.0.0.0:8080 --data-dir /var/lib/quarry`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger(cmd.ErrOrStderr(), logLevel, logFormat)
			if err != nil {
				return err
			}
			cfg.Logger = log
			cfg.APIKey = env("QUARRY_API_KEY", "")
			if tokenKey != "" {
				if cfg.TokenKey, err = pagetoken.ParseKey(tokenKey); err != nil {
					return &ExitError{Code: 2, Err: fmt.Errorf("--token-key: %w", err)}
				}
			}
			if debugDelay > 0 {
				cfg.Engine = delayEngine{builtin.New(), debugDelay}
			}
			a, err := app.New(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			b := a.Bootstrap()
			out := cmd.OutOrStdout()
			if b.APIKey != "" {
				fmt.Fprintf(out, "Created organization %s and project %s.\n", b.OrganizationID, b.ProjectID)
				fmt.Fprintf(out, "API key (shown only now; keep it safe):\n\n    %s\n\n", b.APIKey)
			}
			fmt.Fprintf(out, "Quarry is serving on http://%s (data in %s)\n", a.Addr(), cfg.DataDir)
			return a.Run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Addr, "addr", env("QUARRY_ADDR", "127.0.0.1:8080"), "address to listen on (env QUARRY_ADDR)")
	f.StringVar(&cfg.DataDir, "data-dir", env("QUARRY_DATA_DIR", "./quarry-data"), "directory for the database and uploaded files (env QUARRY_DATA_DIR)")
	f.Int64Var(&cfg.MaxUploadBytes, "max-upload-bytes", envInt64("QUARRY_MAX_UPLOAD_BYTES", 100<<20), "largest file an upload may carry, in bytes (env QUARRY_MAX_UPLOAD_BYTES)")
	f.IntVar(&cfg.Queue.Workers, "workers", envInt("QUARRY_WORKERS", 0), "jobs this process runs at once; 0 means one per CPU (env QUARRY_WORKERS)")
	f.IntVar(&cfg.Queue.ProjectConcurrency, "project-concurrency", envInt("QUARRY_PROJECT_CONCURRENCY", 4), "jobs one project may run at once; more wait as THROTTLED; -1 for no limit (env QUARRY_PROJECT_CONCURRENCY)")
	f.DurationVar(&cfg.Queue.JobTimeout, "job-timeout", envDuration("QUARRY_JOB_TIMEOUT", time.Hour), "longest one job may run before it fails (env QUARRY_JOB_TIMEOUT)")
	f.DurationVar(&cfg.Queue.DrainTimeout, "drain-timeout", envDuration("QUARRY_DRAIN_TIMEOUT", 30*time.Second), "at shutdown, how long running jobs may finish before they are interrupted and requeued (env QUARRY_DRAIN_TIMEOUT)")
	f.StringVar(&tokenKey, "token-key", env("QUARRY_TOKEN_KEY", ""), "key sealing page tokens, hex or base64 of 32+ bytes; default: a key kept in the data directory (env QUARRY_TOKEN_KEY)")
	f.StringVar(&logLevel, "log-level", env("QUARRY_LOG_LEVEL", "info"), "debug, info, warn or error (env QUARRY_LOG_LEVEL)")
	f.StringVar(&logFormat, "log-format", env("QUARRY_LOG_FORMAT", "text"), "text or json (env QUARRY_LOG_FORMAT)")
	f.DurationVar(&debugDelay, "debug-extract-delay", envDuration("QUARRY_DEBUG_EXTRACT_DELAY", 0), "slow every extraction by this long, to watch jobs run and to test interruption")
	_ = f.MarkHidden("debug-extract-delay")
	return cmd
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
