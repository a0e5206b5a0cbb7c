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
)

var refit = flag.Bool("refit", false, "fit the calibration map on the real documents' train split and print it (see calibrationMap)")

// TestCalibrationMap checks the shape calibrationMap's doc promises: from
// (0, 0) to a raw score of 1, strictly rising and never above
// calibrationCap, so that it keeps the raw scores' order and never reports
// certainty.
func TestCalibrationMap(t *testing.T) {
	t.Parallel()
	m := calibrationMap
	if first, last := m[0], m[len(m)-1]; first != (knot{0, 0}) || last.raw != 1 || last.conf > calibrationCap {
		t.Fatalf("calibrationMap runs from %v to %v, want {0 0} to a raw score of 1 at most %v", first, last, calibrationCap)
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
	if got, want := calibrated(1.5), m[len(m)-1].conf; got != want {
		t.Errorf("calibrated(1.5) = %v, want the map's end %v", got, want)
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
// the table to paste there with the held-out figures the new map gives. It
// runs only with -refit: it runs the engine over the real documents twice.
func TestRefitCalibration(t *testing.T) {
	if !*refit {
		t.Skip("refits the calibration map with -refit")
	}
	realdocs := eval.RealDocs(".")
	if realdocs == "" {
		t.Fatal("the real documents are not beside the repository (../shared/realdocs): nothing to fit on")
	}
	opts := pdf.Options{Instances: 2}
	if cache, err := os.UserCacheDir(); err == nil {
		opts.CacheDir = filepath.Join(cache, "quarry", "pdfium")
	}
	lazy := parse.NewLazyPDF(opts)
	defer lazy.Close()
	run := func(split eval.Split) *eval.Report {
		rep, err := eval.Run(context.Background(), eval.Config{
			Manifest: filepath.Join(realdocs, "manifest.jsonl"), Out: filepath.Join(t.TempDir(), string(split)), Split: split,
			Parser: parse.New(lazy, parse.Limits{}), Engine: &Engine{raw: true}, Workers: 2,
			Logger: slog.New(slog.NewTextHandler(t.Output(), nil)),
		})
		if err != nil {
			t.Fatal(err)
		}
		return rep
	}
	train := run(eval.SplitTrain)
	blocks := eval.FitCalibration(train.Judgments, calibrationPrior)
	knots := knotsOf(blocks)
	if len(knots) < 2 {
		t.Fatalf("no values to fit on: %d judged", len(train.Judgments))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "raw scores of %d values on %d documents of the train split; the blocks of the fit:\n", len(train.Judgments), train.Documents)
	fmt.Fprintf(&b, "var calibrationMap = []knot{\n\t{0, 0},\n")
	k := 1
	for _, bl := range blocks {
		for ; k < len(knots) && knots[k].raw <= bl.Hi; k++ {
			fmt.Fprintf(&b, "\t{%.4f, %.4f},", knots[k].raw, knots[k].conf)
			if knots[k].raw == bl.Hi {
				fmt.Fprintf(&b, " // %d values, raw %.3f to %.3f, %.3f right after shrinking", bl.Count, bl.Lo, bl.Hi, bl.Share)
			}
			b.WriteString("\n")
		}
	}
	for ; k < len(knots); k++ {
		fmt.Fprintf(&b, "\t{%.4f, %.4f},\n", knots[k].raw, knots[k].conf)
	}
	b.WriteString("}\n")
	// The held-out part, through the new map.
	test := run(eval.SplitTest)
	mapped := make([]eval.Judgment, len(test.Judgments))
	for i, j := range test.Judgments {
		mapped[i] = eval.Judgment{Confidence: interpolate(knots, j.Confidence), Correct: j.Correct}
	}
	sum := eval.SummarizeCalibration(mapped)
	fmt.Fprintf(&b, "held out (%d documents, %d values): expected calibration error %.3f; values at >= %.1f: %d, right %.1f%%\n",
		test.Documents, len(mapped), sum.ECE, eval.SureConfidence, sum.Sure, 100*sum.SureAccuracy)
	t.Log("\n" + b.String())
}

// hair is how far apart in confidence the two knots of a block are, and
// the end of the map above the last block; see calibrationMap.
const hair = 0.002

// knotsOf turns the blocks of a fit into the knots of a map, as
// calibrationMap's doc says: each block's share scaled by calibrationCap
// at its lowest and highest raw score, a hair apart, rising strictly from
// (0, 0) to a raw score of 1.
func knotsOf(blocks []eval.CalibrationBlock) []knot {
	ks := []knot{{0, 0}}
	add := func(raw, conf float64) {
		last := ks[len(ks)-1]
		if raw <= last.raw {
			return
		}
		ks = append(ks, knot{raw, max(conf, last.conf+hair/4)})
	}
	top := calibrationCap - hair
	for i, bl := range blocks {
		c := top * bl.Share
		lower := c - hair
		if i > 0 {
			// Halfway to the block below at most, so that the map
			// keeps rising between blocks.
			lower = max(lower, (c+ks[len(ks)-1].conf)/2)
		}
		if bl.Lo < bl.Hi {
			add(bl.Lo, max(lower, hair/4))
		}
		add(bl.Hi, c)
	}
	add(1, ks[len(ks)-1].conf+hair)
	return ks
}
