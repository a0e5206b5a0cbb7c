package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the .golden files from the output")

// TestSummarize reads go test -json streams from testdata/<case>.jsonl and
// compares what is printed with <case>.golden: failing tests' output as go
// test prints it, passing tests' output left out, skipped tests with their
// reasons and failed packages at the end.
func TestSummarize(t *testing.T) {
	tests := []struct {
		name       string
		wantFailed bool
	}{
		{"pass", false},  // passing packages, skipped tests and subtests
		{"mixed", true},  // a build failure, a panic, a failing subtest, skips
		{"cutoff", true}, // a stream that ends before its package's result
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := os.ReadFile(filepath.Join("testdata", tt.name+".jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			failed, err := summarize(bytes.NewReader(in), &out)
			if err != nil || failed != tt.wantFailed {
				t.Errorf("summarize = %v, %v; want %v, nil", failed, err, tt.wantFailed)
			}
			golden := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), out.String()); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSummarizeKeepsOtherLines passes through lines that are not events,
// such as a vet report in the same stream, rather than losing them.
func TestSummarizeKeepsOtherLines(t *testing.T) {
	var out bytes.Buffer
	failed, err := summarize(strings.NewReader("not json\n{broken\n"), &out)
	if err != nil || failed || out.String() != "not json\n{broken\n" {
		t.Errorf("summarize = %v, %v, %q; want the lines as they were", failed, err, out.String())
	}
}
