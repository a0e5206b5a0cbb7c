// Command testsummary reads `go test -json` on stdin and prints what plain
// `go test` would (each package's result, the output of failing tests, build
// errors), then, at the end, every skipped test with its reason and the
// packages that failed, so that neither scrolls away in a long run. It exits
// 1 when a test, a package or a build failed.
//
//	go test -json ./... | go run ./scripts/testsummary
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
)

func main() {
	failed, err := summarize(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsummary:", err)
		os.Exit(2)
	}
	if failed {
		os.Exit(1)
	}
}

// event is one line of `go test -json` (see `go doc test2json`).
type event struct {
	Action     string
	Package    string
	ImportPath string // of build-output and build-fail
	Test       string
	Output     string
}

// test is what is kept of one test until its package ends.
type test struct {
	name   string
	output []string
	ended  bool
	failed bool
}

// pkg is one package's tests, in the order they started (a parent before
// its subtests), and its own output.
type pkg struct {
	tests  map[string]*test
	order  []*test
	output []string
}

type skip struct{ pkg, test, reason string }

func summarize(in io.Reader, out io.Writer) (failed bool, err error) {
	var (
		pkgs       = map[string]*pkg{}
		skipped    []skip
		failedPkgs []string
	)
	get := func(name string) *pkg {
		p := pkgs[name]
		if p == nil {
			p = &pkg{tests: map[string]*test{}}
			pkgs[name] = p
		}
		return p
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			// Not an event: whatever printed it meant it to be read.
			fmt.Fprintf(out, "%s\n", line)
			continue
		}
		switch {
		case e.Action == "build-output":
			fmt.Fprint(out, e.Output)
			continue
		case e.Action == "build-fail":
			failed = true
			continue
		case e.Package == "":
			continue
		}
		p := get(e.Package)
		if e.Test == "" {
			switch e.Action {
			case "output":
				p.output = append(p.output, e.Output)
			case "pass", "skip":
				printPackage(out, p, false)
				delete(pkgs, e.Package)
			case "fail":
				failed = true
				failedPkgs = append(failedPkgs, e.Package)
				printPackage(out, p, true)
				delete(pkgs, e.Package)
			}
			continue
		}
		t := p.tests[e.Test]
		if t == nil {
			t = &test{name: e.Test}
			p.tests[e.Test] = t
			p.order = append(p.order, t)
		}
		switch e.Action {
		case "output":
			t.output = append(t.output, e.Output)
		case "pass":
			t.ended, t.output = true, nil
		case "fail":
			t.ended, t.failed = true, true
		case "skip":
			t.ended = true
			skipped = append(skipped, skip{e.Package, e.Test, skipReason(t.output)})
			t.output = nil
		}
	}
	if err := sc.Err(); err != nil {
		return true, fmt.Errorf("read go test -json: %w", err)
	}
	// Packages whose end never came: the stream was cut off.
	for _, name := range slices.Sorted(maps.Keys(pkgs)) {
		failed = true
		failedPkgs = append(failedPkgs, name+" (no result)")
		printPackage(out, pkgs[name], true)
	}

	if len(skipped) > 0 {
		fmt.Fprintf(out, "\n== %d skipped %s\n", len(skipped), plural(len(skipped), "test", "tests"))
		for _, s := range skipped {
			fmt.Fprintf(out, "%s %s: %s\n", s.pkg, s.test, s.reason)
		}
	}
	if len(failedPkgs) > 0 {
		fmt.Fprintf(out, "\n== FAIL: %d %s\n", len(failedPkgs), plural(len(failedPkgs), "package", "packages"))
		for _, name := range failedPkgs {
			fmt.Fprintln(out, name)
		}
	} else if failed {
		fmt.Fprintln(out, "\n== FAIL: a build failed (above)")
	}
	return failed, nil
}

// printPackage prints a package's result as `go test` without -v does:
// the summary line of a package that passed; everything a failing
// package's failed or unfinished tests (a panic, a timeout) and the
// package itself printed.
func printPackage(out io.Writer, p *pkg, failed bool) {
	if !failed {
		for _, line := range p.output {
			if strings.HasPrefix(line, "ok ") || strings.HasPrefix(line, "?") {
				fmt.Fprint(out, line)
			}
		}
		return
	}
	for _, t := range p.order {
		if !t.failed && t.ended {
			continue
		}
		// As go test prints it: the result line first, a subtest's lines
		// indented under its parent's.
		indent := strings.Repeat("    ", strings.Count(t.name, "/"))
		var result, rest []string
		for _, line := range t.output {
			switch {
			case strings.HasPrefix(line, "=== "):
			case strings.HasPrefix(line, "--- "):
				result = append(result, line)
			default:
				rest = append(rest, line)
			}
		}
		for _, line := range append(result, rest...) {
			fmt.Fprint(out, indent+line)
		}
	}
	for _, line := range p.output {
		fmt.Fprint(out, line)
	}
}

// skipReason is what a skipped test logged (its t.Skip message, and what
// it logged before), without the lines test2json adds around it.
func skipReason(output []string) string {
	var parts []string
	for _, line := range output {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "=== ") || strings.HasPrefix(line, "--- SKIP") {
			continue
		}
		parts = append(parts, line)
	}
	if len(parts) == 0 {
		return "(no reason given)"
	}
	return strings.Join(parts, " / ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
