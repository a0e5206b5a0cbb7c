package app_test

import (
	"context"
	"errors"
	"strings"
	"syscall"
	"testing"

	"github.com/quarrylabs/quarry/internal/app"
	"github.com/quarrylabs/quarry/internal/app/apptest"
	"github.com/quarrylabs/quarry/internal/store/postgres"
)

// TestNewFailsCleanly starts servers that cannot start: New returns an
// error saying why, and whatever it opened before failing is released, so
// that the same data directory opens at once afterwards.
func TestNewFailsCleanly(t *testing.T) {
	t.Parallel()
	ob := apptest.Obstruct(t)
	locked := ob.LockedDir

	tests := []struct {
		name string
		cfg  app.Config
		is   func(error) bool
	}{
		{"ErrAddressInUse", app.Config{Addr: ob.BusyAddr},
			func(err error) bool { return errors.Is(err, syscall.EADDRINUSE) }},
		{"ErrDataDirInUse", app.Config{Addr: "127.0.0.1:0", DataDir: locked},
			func(err error) bool { return errors.Is(err, app.ErrDataDirInUse) }},
		{"ErrDatabaseUnreachable", app.Config{Addr: "127.0.0.1:0", Database: "postgres://postgres@127.0.0.1:1/test", TokenKey: make([]byte, 32)},
			func(err error) bool {
				var ce *postgres.ConnectError
				return errors.As(err, &ce) && !strings.Contains(err.Error(), "\n")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := tt.cfg
			if cfg.DataDir == "" {
				cfg.DataDir = t.TempDir()
			}
			a, err := app.New(context.Background(), cfg)
			if err == nil {
				a.Close()
				t.Fatal("New succeeded, want an error")
			}
			if a != nil || !tt.is(err) {
				t.Fatalf("New = %v, %q; want nil and the cause", a, err)
			}
			if cfg.DataDir == locked {
				return
			}
			// Released: the data directory opens again at once.
			cfg.Addr, cfg.Database, cfg.TokenKey = "127.0.0.1:0", "", nil
			again, err := app.New(context.Background(), cfg)
			if err != nil {
				t.Fatalf("New after a failed start: %v", err)
			}
			again.Close()
		})
	}
}
