package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
)

// Backup writes a consistent copy of the database at path to out, which
// must not exist. It is safe while a server uses the database: the copy is
// made by VACUUM INTO inside one read transaction, which in WAL mode sees a
// single committed state and never blocks the server's writer (nor is
// blocked by it). It opens the file read-only and takes no data directory
// lock, since the running server holds that lock.
//
// The copy is written beside out under a temporary name, checked with
// PRAGMA quick_check, synced and renamed, so out is either a whole, valid
// database or absent. It is compact (VACUUM drops free pages) and in
// rollback-journal mode; Open switches it back to WAL.
func Backup(ctx context.Context, path, out string) (err error) {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("backup: %s already exists; choose a new file", out)
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("backup: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// mode=ro: the backup can never write to the live database, whatever
	// it runs. busy_timeout covers the moment a checkpoint holds the WAL
	// index.
	src := (&url.URL{Scheme: "file", OmitHost: true, Path: abs, RawQuery: "mode=ro&_pragma=busy_timeout(10000)"}).String()
	db, err := sql.Open("sqlite", src)
	if err != nil {
		return fmt.Errorf("backup: open %s: %w", path, err)
	}
	defer db.Close()

	tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	tmpPath := tmp.Name()
	// VACUUM INTO refuses a target that exists and is not empty; an empty
	// file it overwrites.
	tmp.Close()
	defer func() {
		if err != nil {
			os.Remove(tmpPath)
		}
	}()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, tmpPath); err != nil {
		return fmt.Errorf("backup: vacuum into %s: %w", tmpPath, err)
	}
	if err := quickCheck(ctx, tmpPath); err != nil {
		return fmt.Errorf("backup: the copy failed its check: %w", err)
	}
	if err := syncFile(tmpPath); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmpPath, out); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// quickCheck runs PRAGMA quick_check on a database file.
func quickCheck(ctx context.Context, path string) error {
	db, err := sql.Open("sqlite", path+"?_pragma=query_only(1)")
	if err != nil {
		return err
	}
	defer db.Close()
	var res string
	if err := db.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&res); err != nil {
		return err
	}
	if res != "ok" {
		return fmt.Errorf("quick_check: %s", res)
	}
	return nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
