// Package nodetest holds what the Node.js-based test harnesses share:
// finding node and npm, and keeping a directory's node_modules at exactly
// the versions its package-lock.json pins.
//
// A harness that cannot run skips, saying why, on a developer's machine,
// and fails under CI=true, where a skip would hide that the suite never ran.
package nodetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// minMajor is the oldest Node.js the harnesses support: the clients they
// run need a global fetch and node:test's reporters, both stable from 20.
const minMajor = 20

// Unavailable ends tb because something the test needs is missing: it
// skips with msg, or fails with it under CI=true.
func Unavailable(tb testing.TB, msg string) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
}

// Tools finds node (20 or later) and npm on PATH. When either is missing it
// calls Unavailable with need, which says what the test needs, followed by
// what was found wanting.
func Tools(tb testing.TB, need string) (node, npm string) {
	tb.Helper()
	unavailable := func(why string) {
		tb.Helper()
		Unavailable(tb, need+": "+why)
	}
	node, nerr := exec.LookPath("node")
	npm, perr := exec.LookPath("npm")
	if err := errors.Join(nerr, perr); err != nil {
		unavailable(err.Error())
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		unavailable(fmt.Sprintf("node --version: %v", err))
	}
	version := strings.TrimSpace(string(out))
	major, _, _ := strings.Cut(strings.TrimPrefix(version, "v"), ".")
	if n, err := strconv.Atoi(major); err != nil || n < minMajor {
		unavailable("found node " + version)
	}
	return node, npm
}

// installMu serialises installs within one test binary; lockDir does so
// across the binaries `go test ./...` runs at once.
var installMu sync.Mutex

// Install runs `npm ci` in dir when its node_modules does not hold exactly
// the versions package-lock.json pins, so a changed lock file takes effect
// on the next run and an up-to-date tree costs nothing. Installs into the
// same directory never overlap, whichever test binary asks.
func Install(tb testing.TB, npm, dir string) {
	tb.Helper()
	// The lock is keyed on the path, so "." in one package and the same
	// directory named in full in another must come out the same.
	dir, err := filepath.Abs(dir)
	if err != nil {
		tb.Fatalf("resolve %s: %v", dir, err)
	}
	installMu.Lock()
	defer installMu.Unlock()
	unlock, err := lockDir(dir)
	if err != nil {
		tb.Fatalf("lock %s: %v", dir, err)
	}
	defer unlock()

	stale, err := staleModules(dir)
	if err != nil {
		tb.Fatalf("check node_modules: %v", err)
	}
	if stale == "" {
		return
	}
	tb.Logf("running npm ci in %s: %s", dir, stale)
	ctx, cancel := context.WithTimeout(tb.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("npm ci: %v\n%s", err, out)
	}
	if stale, err := staleModules(dir); err != nil || stale != "" {
		tb.Fatalf("node_modules still out of date after npm ci: %s %v", stale, err)
	}
}

// staleModules compares every package package-lock.json pins with the one
// installed, and says what differs ("" when nothing does).
func staleModules(dir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return "", fmt.Errorf("read lock file: %w", err)
	}
	var lock struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(b, &lock); err != nil {
		return "", fmt.Errorf("parse package-lock.json: %w", err)
	}
	for path, pkg := range lock.Packages {
		if path == "" || pkg.Version == "" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(path), "package.json"))
		if errors.Is(err, fs.ErrNotExist) {
			return path + " is not installed", nil
		}
		if err != nil {
			return "", fmt.Errorf("read installed %s: %w", path, err)
		}
		var installed struct {
			Version string `json:"version"`
		}
		if err := json.Unmarshal(b, &installed); err != nil {
			return "", fmt.Errorf("parse installed %s/package.json: %w", path, err)
		}
		if installed.Version != pkg.Version {
			return fmt.Sprintf("%s is %s, the lock file pins %s", path, installed.Version, pkg.Version), nil
		}
	}
	return "", nil
}
