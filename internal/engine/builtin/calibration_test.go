package builtin

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/quarrylabs/quarry/internal/document/parse"
	"github.com/quarrylabs/quarry/internal/document/pdf"
	"github.com/quarrylabs/quarry/internal/eval"
	"github.com/quarrylabs/quarry/internal/eval/corpus"
)

var refit = flag.Bool("refit", false, "fit the calibration map on a generated corpus and print it (see calibrationMap)")

// TestCalibrationMap checks the shape calibrationMap's doc promises: from
// (0, 0) to (1, calibrationCap), strictly rising, so that it keeps the raw
// scores' order and never reports certainty.
func TestCalibrationMap(t *testing.T) {
	t.Parallel()
	m := calibrationMap
	if first, last := m[0], m[len(m)-1]; first != (knot{0, 0}) || last != (knot{1, calibrationCap}) {
		t.Fatalf("calibrationMap runs from %v to %v, want {0 0} to {1 %v}", first, last, calibrationCap)
	}
	if calibrationCap >= 1 {
		t.Errorf("calibrationCap = %v, want below 1", calibrationCap)
	}
	for i := 1; i < len(m); i++ {
		if m[i].raw <= m[i-1].raw || m[i].conf <= m[i-1].conf {
			t.Errorf("knot %d %v does not rise above knot %d %v", i, m[i], i-1, m[i-1])
		}
	}
	for _, k := range m {
		if got := calibrated(k.raw); got != k.conf {
			t.Errorf("calibrated(%v) = %v, want the knot's %v", k.raw, got, k.conf)
		}
	}
	prev := -1.0
	for i := 0; i <= 1000; i++ {
		raw := float64(i) / 1000
		got := calibrated(raw)
		if got <= prev || got < 0 || got > calibrationCap {
			t.Fatalf("calibrated(%v) = %v after %v: want strictly rising within [0, %v]", raw, got, prev, calibrationCap)
		}
		prev = got
	}
	if got := calibrated(1.5); got != calibrationCap {
		t.Errorf("calibrated(1.5) = %v, want the cap %v", got, calibrationCap)
	}
}

// TestCalibrateReachesEveryValue checks that calibration maps the values of
// scalars, of lists and of table rows alike.
func TestCalibrateReachesEveryValue(t *testing.T) {
	t.Parallel()
	scalar, list, cell := &prop{name: "total"}, &prop{name: "skills"}, &prop{name: "amount"}
	items := &prop{name: "line_items"}
	row := newValues()
	row.leaf[cell] = leafValue{conf: 0.5}
	v := newValues()
	v.leaf[scalar] = leafValue{conf: 0.95}
	v.items[list] = []leafValue{{conf: 0.8}}
	v.rows[items] = []*values{row}
	v.calibrate()
	for name, got := range map[string]struct{ got, raw float64 }{
		"scalar": {v.leaf[scalar].conf, 0.95},
		"list":   {v.items[list][0].conf, 0.8},
		"row":    {v.rows[items][0].leaf[cell].conf, 0.5},
	} {
		if want := calibrated(got.raw); got.got != want {
			t.Errorf("%s: confidence %v after calibrate, want calibrated(%v) = %v", name, got.got, got.raw, want)
		}
	}
}

// TestRefitCalibration refits calibrationMap, as its doc says, and prints
// the table to paste there. It runs only with -refit: it takes a corpus of
// 320 documents.
func TestRefitCalibration(t *testing.T) {
	if !*refit {
		t.Skip("refits the calibration map with -refit")
	}
	dir := t.TempDir()
	if _, err := corpus.Generate(filepath.Join(dir, "corpus"), corpus.Options{Seed: 7, Count: 320}); err != nil {
		t.Fatal(err)
	}
	opts := pdf.Options{Instances: 2}
	if cache, err := os.UserCacheDir(); err == nil {
		opts.CacheDir = filepath.Join(cache, "quarry", "pdfium")
	}
	lazy := parse.NewLazyPDF(opts)
	defer lazy.Close()
	rep, err := eval.Run(context.Background(), eval.Config{
		Manifest: filepath.Join(dir, "corpus", corpus.ManifestName), Out: filepath.Join(dir, "out"),
		Parser: parse.New(lazy, parse.Limits{}), Engine: &Engine{raw: true}, Workers: 2,
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "raw scores of %d values, seed 7; the blocks of the fit:\n", len(rep.Judgments))
	fmt.Fprintf(&b, "var calibrationMap = []knot{\n\t{0, 0},\n")
	for _, bl := range eval.FitCalibration(rep.Judgments, calibrationPrior) {
		fmt.Fprintf(&b, "\t{%.3f, %.3f}, // %d values, %.4f right after shrinking\n", bl.Confidence, calibrationCap*bl.Share, bl.Count, bl.Share)
	}
	fmt.Fprintf(&b, "\t{1, calibrationCap},\n}\n")
	t.Log("\n" + b.String())
}
