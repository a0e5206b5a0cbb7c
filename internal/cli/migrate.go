package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/quarrylabs/quarry/internal/app"
)

func newMigrateCmd() *cobra.Command {
	var (
		cfg                 app.Config
		logLevel, logFormat string
	)
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Bring the database's schema up to date, then exit",
		Long: `Bring the database's schema up to date, Quarry's tables and the job queue's,
then exit. "quarry serve" migrates at start too; run this first to upgrade
a PostgreSQL database before starting new processes, or to check that the
database is reachable. Processes migrating at once take turns on a lock, so
it is safe while servers start. A database newer than this program is an
error, never a downgrade.`,
		Example: `  quarry migrate --database postgres://quarry@db.internal/quarry
  quarry migrate --data-dir /var/lib/quarry`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger(cmd.ErrOrStderr(), logLevel, logFormat)
			if err != nil {
				return err
			}
			cfg.Logger = log
			if err := checkDatabase(cfg.Database); err != nil {
				return err
			}
			if err := app.Migrate(cmd.Context(), cfg); err != nil {
				return openError(err, "")
			}
			where := "the SQLite database in " + cfg.DataDir
			if cfg.Database != "" {
				where = "the PostgreSQL database"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "The schema of %s is up to date.\n", where)
			return nil
		},
	}
	f := cmd.Flags()
	registerDatabaseFlags(f, &cfg)
	f.StringVar(&logLevel, "log-level", "info", "debug, info, warn or error (env QUARRY_LOG_LEVEL)")
	f.StringVar(&logFormat, "log-format", "text", "text or json (env QUARRY_LOG_FORMAT)")
	return cmd
}
