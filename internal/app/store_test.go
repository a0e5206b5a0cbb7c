package app_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/quarrylabs/quarry/internal/app"
	"github.com/quarrylabs/quarry/internal/store/postgres/pgtest"
)

func TestOpenStore(t *testing.T) {
	t.Parallel()
	t.Run("ErrNoDatabaseBeside", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "data")
		if _, err := app.OpenStore(t.Context(), app.Config{DataDir: dir}, app.Beside); !errors.Is(err, app.ErrNoDatabase) {
			t.Fatalf("OpenStore(Beside) on no data directory = %v, want ErrNoDatabase", err)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("OpenStore(Beside) created %s: %v", dir, err)
		}
		if _, err := app.SQLitePath(app.Config{DataDir: dir}); !errors.Is(err, app.ErrNoDatabase) {
			t.Errorf("app.SQLitePath on no data directory = %v, want ErrNoDatabase", err)
		}
	})
	t.Run("OwnLocksBesideDoesNot", func(t *testing.T) {
		t.Parallel()
		cfg := app.Config{DataDir: t.TempDir()}
		own, err := app.OpenStore(t.Context(), cfg, app.Own)
		if err != nil {
			t.Fatal(err)
		}
		defer own.Close()
		if _, err := app.OpenStore(t.Context(), cfg, app.Own); !errors.Is(err, app.ErrDataDirInUse) {
			t.Errorf("second OpenStore(Own) = %v, want ErrDataDirInUse", err)
		}
		beside, err := app.OpenStore(t.Context(), cfg, app.Beside)
		if err != nil {
			t.Fatalf("OpenStore(Beside) next to an owner: %v", err)
		}
		defer beside.Close()
		_, prj, created, err := own.EnsureDefaults(t.Context())
		if err != nil || !created {
			t.Fatalf("EnsureDefaults = %v, %v", created, err)
		}
		if got, err := beside.Project(t.Context(), prj.ID); err != nil || got.ID != prj.ID {
			t.Errorf("Beside reads project %s = %+v, %v; want the owner's", prj.ID, got, err)
		}
		if path, err := app.SQLitePath(cfg); err != nil || path != filepath.Join(cfg.DataDir, "quarry.db") {
			t.Errorf("app.SQLitePath = %q, %v", path, err)
		}
	})
	t.Run("PostgreSQL", func(t *testing.T) {
		t.Parallel()
		cfg := app.Config{DataDir: t.TempDir(), Database: pgtest.Schema(t)}
		if _, err := app.SQLitePath(cfg); !errors.Is(err, app.ErrPostgres) {
			t.Errorf("app.SQLitePath with a PostgreSQL database = %v, want ErrPostgres", err)
		}
		// app.Beside needs no data directory: PostgreSQL holds the state.
		cfg.DataDir = filepath.Join(t.TempDir(), "absent")
		st, err := app.OpenStore(t.Context(), cfg, app.Beside)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if _, _, _, err := st.EnsureDefaults(t.Context()); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("ErrNotPostgres", func(t *testing.T) {
		t.Parallel()
		if _, err := app.OpenStore(t.Context(), app.Config{DataDir: t.TempDir(), Database: "mysql://db/quarry"}, app.Own); err == nil {
			t.Error("app.OpenStore with a mysql:// Database succeeded")
		}
	})
}
