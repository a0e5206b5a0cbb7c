// Package pgtest gives tests a PostgreSQL of their own: a new schema or a new
// database on the server named by QUARRY_TEST_DATABASE_URL (by default the
// local server, postgres://postgres@127.0.0.1:5432/test), dropped when the
// test ends, so tests run in parallel and leave nothing behind.
//
// When the server cannot be reached the test is skipped with the reason,
// so that `go test ./...` works on a machine without PostgreSQL; under
// CI=true it fails instead, so that CI never passes by skipping.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the environment variable holding the server's URL.
const EnvURL = "QUARRY_TEST_DATABASE_URL"

// DefaultURL is the server tests use when EnvURL is not set.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// ServerURL returns the URL tests connect to: $QUARRY_TEST_DATABASE_URL, or
// DefaultURL.
func ServerURL() string {
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	return DefaultURL
}

var reachable struct {
	once sync.Once
	err  error
}

// Require skips tb (fails it under CI=true) unless the server answers. It
// asks once per process.
func Require(tb testing.TB) {
	tb.Helper()
	reachable.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, ServerURL())
		if err == nil {
			err = conn.Ping(ctx)
			conn.Close(ctx)
		}
		reachable.err = err
	})
	if reachable.err == nil {
		return
	}
	msg := fmt.Sprintf("PostgreSQL at %s is unreachable (set %s to another server): %v", redacted(ServerURL()), EnvURL, reachable.err)
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
}

// Schema creates a schema with a unique name and returns a URL whose
// connections have it as their search_path, so that everything a test
// creates without naming a schema lands in it. The schema and all it holds
// are dropped when tb ends; close what uses it before then (a cleanup
// registered later runs earlier).
func Schema(tb testing.TB) string {
	tb.Helper()
	Require(tb)
	name := uniqueName("test_")
	admin(tb, "CREATE SCHEMA "+name)
	tb.Cleanup(func() { admin(tb, "DROP SCHEMA "+name+" CASCADE") })
	return withParam(tb, ServerURL(), "search_path", name)
}

// Database creates a database with a unique name and returns its URL, for
// tests that need a whole database (several processes, say). It is
// dropped, its remaining sessions ended, when tb ends.
func Database(tb testing.TB) string {
	tb.Helper()
	Require(tb)
	name := uniqueName("quarry_test_")
	admin(tb, "CREATE DATABASE "+name)
	tb.Cleanup(func() { admin(tb, "DROP DATABASE "+name+" WITH (FORCE)") })
	u, err := url.Parse(ServerURL())
	if err != nil {
		tb.Fatalf("pgtest: %s is not a URL: %v", EnvURL, err)
	}
	u.Path = "/" + name
	return u.String()
}

// WithParam returns the URL u with the query parameter key set to value:
// a pgxpool setting such as pool_max_conns, or a run-time parameter.
func WithParam(tb testing.TB, u, key, value string) string {
	tb.Helper()
	return withParam(tb, u, key, value)
}

func withParam(tb testing.TB, raw, key, value string) string {
	tb.Helper()
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		tb.Fatalf("pgtest: %s must be a postgres:// URL, got %s", EnvURL, redacted(raw))
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// admin runs one statement on the server's database, in a connection of its
// own: CREATE DATABASE cannot run in a transaction or through a pool.
func admin(tb testing.TB, stmt string) {
	tb.Helper()
	// Not tb.Context(): cleanups run after it is cancelled.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, ServerURL())
	if err != nil {
		tb.Fatalf("pgtest: connect to %s: %v", redacted(ServerURL()), err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, stmt); err != nil {
		tb.Fatalf("pgtest: %s: %v", stmt, err)
	}
}

// uniqueName returns prefix and 12 random hex digits: a valid identifier
// that needs no quoting.
func uniqueName(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return prefix + hex.EncodeToString(b[:])
}

// redacted hides a password in a URL for messages.
func redacted(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(the configured server)"
	}
	return u.Redacted()
}
