// Package apptest starts a real Quarry server for the tests of other
// packages: the App that `quarry serve` runs, on a port of 127.0.0.1
// chosen by the system, stopped when the test ends.
package apptest

import (
	"context"
	"net"
	"testing"

	"github.com/quarrylabs/quarry/internal/app"
)

// Start makes the App of cfg and runs it until the test ends, then stops
// it and fails the test if it did not stop cleanly. cfg.Addr, when empty,
// is 127.0.0.1:0; the App's Addr says where it listens.
func Start(tb testing.TB, cfg app.Config) *app.App {
	tb.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	a, err := app.New(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("app.New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Errorf("server Run: %v", err)
		}
	})
	return a
}

// Obstacles are the places a server cannot start in: an address another
// listener holds and a data directory another App holds, both released
// when the test ends.
type Obstacles struct {
	BusyAddr  string
	LockedDir string
}

// Obstruct makes the Obstacles for a test.
func Obstruct(tb testing.TB) Obstacles {
	tb.Helper()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { busy.Close() })
	locked := tb.TempDir()
	holder, err := app.New(context.Background(), app.Config{Addr: "127.0.0.1:0", DataDir: locked})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(holder.Close)
	return Obstacles{BusyAddr: busy.Addr().String(), LockedDir: locked}
}
