// Package golden compares what a test produced with a file of what it
// should produce, and rewrites the file instead when the test runs with
// -update: the one way Quarry's tests keep expected output in testdata.
package golden

import (
	"flag"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata from the tests' output")

// Check fails tb when got differs from the file at path, showing the
// difference; with -update it writes got to path instead.
func Check(tb testing.TB, path, got string) {
	tb.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			tb.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		tb.Errorf("%s differs (-want +got); run go test -update if the change is right:\n%s", path, diff)
	}
}
