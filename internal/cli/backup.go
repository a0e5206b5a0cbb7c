package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/quarrylabs/quarry/internal/app"
	"github.com/quarrylabs/quarry/internal/store/sqlite"
)

func newBackupCmd() *cobra.Command {
	var (
		cfg app.Config
		out string
	)
	cmd := &cobra.Command{
		Use:   "backup --out FILE",
		Short: "Copy the SQLite database consistently, while the server runs",
		Long: `Write a consistent copy of the SQLite database in the data directory to a new
file, with SQLite's VACUUM INTO. It is safe while "quarry serve" runs on the
same data directory: the copy is one committed state of the database, the
server keeps taking requests and running jobs meanwhile, and the live
database is opened read-only (the data directory's lock, which the server
holds, is not needed).

The copy holds every job, file record, configuration and API key hash, but
not the files' bytes, which live in the data directory's files/ folder (or
a bucket): copy that folder after the backup, so that it holds every file
the database copy names, and token.key with it, so that page tokens and
download links made before stay valid. To restore, put the three in a new
data directory, the database as quarry.db, and start the server on it.

With PostgreSQL (--database), use pg_dump instead.`,
		Example: `  quarry backup --out /backups/quarry-$(date +%F).db
  rsync -a ./quarry-data/files ./quarry-data/token.key /backups/`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkDatabase(cfg.Database); err != nil {
				return err
			}
			if cfg.Database != "" {
				return &ExitError{Code: 2, Err: errors.New("--database names a PostgreSQL database, which quarry backup does not copy: back up PostgreSQL with pg_dump")}
			}
			if out == "" {
				return &ExitError{Code: 2, Err: errors.New("--out FILE is required: where to write the copy")}
			}
			// The database the server uses, found as the server finds it.
			path, err := app.SQLitePath(cfg)
			if err != nil {
				return openError(err, "")
			}
			if err := sqlite.Backup(cmd.Context(), path, out); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "Wrote a copy of %s to %s.\n", path, out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.DataDir, "data-dir", "./quarry-data", "the server's data directory (env QUARRY_DATA_DIR)")
	f.StringVar(&cfg.Database, "database", "", "set when the state is in PostgreSQL, which this command does not back up (env QUARRY_DATABASE_URL)")
	f.StringVar(&out, "out", "", "the file to write; it must not exist")
	return cmd
}
