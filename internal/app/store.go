package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/queue"
	"github.com/quarrylabs/quarry/internal/store/postgres"
	"github.com/quarrylabs/quarry/internal/store/sqlite"
)

// Access says what a command may do to the place its state is kept.
type Access int

const (
	// Own is for the server and for commands that act in its place
	// (migrate): the data directory and the SQLite database are created
	// if need be, and the data directory is locked so that no second
	// process opens the same SQLite database for work.
	Own Access = iota
	// Beside is for commands that run next to a server that may be
	// running (keys): the SQLite database must exist already, since one
	// made here would be read by no server, and the lock is not taken.
	Beside
)

// ErrNoDatabase is the error of Beside access, and of SQLitePath, when the
// data directory holds no SQLite database.
var ErrNoDatabase = errors.New("no Quarry database")

// ErrPostgres is SQLitePath's error when the state is in PostgreSQL.
var ErrPostgres = errors.New("the state is in PostgreSQL, not in an SQLite database")

// Store is the database a configuration names, opened, with the River
// driver that matches it.
type Store struct {
	extract.Store
	// Driver is the job queue's driver over the same database, so that a
	// job row and its queued work commit together.
	Driver queue.Driver
	lock   *os.File
}

// Close closes the store and releases the data directory's lock.
func (s *Store) Close() error {
	err := s.Store.Close()
	if s.lock != nil {
		s.lock.Close()
	}
	return err
}

// OpenStore opens the database cfg names: PostgreSQL when cfg.Database is
// set, else the SQLite database in cfg.DataDir; Quarry's schema is brought
// up to date. Every command that acts on Quarry's state opens it here, so
// that each finds the database a server given the same settings uses.
func OpenStore(ctx context.Context, cfg Config, access Access) (*Store, error) {
	cfg = cfg.storeDefaults()
	if err := cfg.validateDatabase(); err != nil {
		return nil, err
	}
	if cfg.postgres() {
		if access == Own {
			// The uploaded files stay in the data directory.
			if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
				return nil, fmt.Errorf("create data directory: %w", err)
			}
		}
		st, err := postgres.Open(ctx, cfg.Database, cfg.Logger)
		if err != nil {
			return nil, err
		}
		return &Store{Store: st, Driver: queue.Postgres(st.Pool(), postgres.TxFromContext)}, nil
	}
	var lock *os.File
	path := sqlitePath(cfg)
	if access == Beside {
		if _, err := SQLitePath(cfg); err != nil {
			return nil, err
		}
	} else {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
		var err error
		if lock, err = lockDataDir(cfg.DataDir); err != nil {
			return nil, err
		}
	}
	st, err := sqlite.Open(ctx, path, cfg.Logger)
	if err != nil {
		if lock != nil {
			lock.Close()
		}
		return nil, err
	}
	return &Store{Store: st, Driver: queue.SQLite(st.DB()), lock: lock}, nil
}

// SQLitePath returns the path of the SQLite database in cfg's data
// directory, which must exist: ErrNoDatabase if it does not, ErrPostgres
// if cfg names a PostgreSQL database instead.
func SQLitePath(cfg Config) (string, error) {
	cfg = cfg.storeDefaults()
	if err := cfg.validateDatabase(); err != nil {
		return "", err
	}
	if cfg.postgres() {
		return "", ErrPostgres
	}
	path := sqlitePath(cfg)
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%w in %s", ErrNoDatabase, cfg.DataDir)
	} else if err != nil {
		return "", fmt.Errorf("open the data directory: %w", err)
	}
	return path, nil
}

func sqlitePath(cfg Config) string { return filepath.Join(cfg.DataDir, "quarry.db") }

// storeDefaults fills what opening the store needs, and no more: a
// command that only opens the store pays for no engine.
func (c Config) storeDefaults() Config {
	c.DataDir = cmp.Or(c.DataDir, "./quarry-data")
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}
