package eval_test

import (
	"math"
	"testing"

	"github.com/quarrylabs/quarry/internal/eval"
)

func TestFitCalibration(t *testing.T) {
	t.Parallel()
	// Ten values at each of three confidences: all right at 0.2, half at
	// 0.5, all at 0.9. The first two violate the order and pool.
	var js []eval.Judgment
	for i := range 10 {
		js = append(js, eval.Judgment{Confidence: 0.9, Correct: true},
			eval.Judgment{Confidence: 0.5, Correct: i%2 == 0},
			eval.Judgment{Confidence: 0.2, Correct: true})
	}
	tests := []struct {
		name  string
		prior float64
		want  []eval.CalibrationBlock
	}{
		{"Isotonic", 0, []eval.CalibrationBlock{{Confidence: 0.35, Lo: 0.2, Hi: 0.5, Count: 20, Share: 0.75}, {Confidence: 0.9, Lo: 0.9, Hi: 0.9, Count: 10, Share: 1}}},
		// Each block gains prior values at its mean confidence.
		{"Shrunk", 10, []eval.CalibrationBlock{{Confidence: 0.35, Lo: 0.2, Hi: 0.5, Count: 20, Share: (15 + 3.5) / 30.0}, {Confidence: 0.9, Lo: 0.9, Hi: 0.9, Count: 10, Share: (10 + 9) / 20.0}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := eval.FitCalibration(js, tt.prior)
			if len(got) != len(tt.want) {
				t.Fatalf("FitCalibration(prior %v) = %+v, want %+v", tt.prior, got, tt.want)
			}
			for i := range got {
				g, w := got[i], tt.want[i]
				if g.Count != w.Count || g.Lo != w.Lo || g.Hi != w.Hi || math.Abs(g.Confidence-w.Confidence) > 1e-9 || math.Abs(g.Share-w.Share) > 1e-9 {
					t.Errorf("FitCalibration(prior %v)[%d] = %+v, want %+v", tt.prior, i, g, w)
				}
			}
		})
	}
	if got := eval.FitCalibration(nil, 50); len(got) != 0 {
		t.Errorf("FitCalibration(nil) = %+v, want no blocks", got)
	}
}

// TestFitCalibrationWeight checks that a value of weight w counts as w
// values of weight 1.
func TestFitCalibrationWeight(t *testing.T) {
	t.Parallel()
	heavy := []eval.Judgment{{Confidence: 0.5, Correct: true, Weight: 3}, {Confidence: 0.5, Correct: false}}
	plain := []eval.Judgment{{Confidence: 0.5, Correct: true}, {Confidence: 0.5, Correct: true}, {Confidence: 0.5, Correct: true}, {Confidence: 0.5, Correct: false}}
	h, p := eval.FitCalibration(heavy, 0), eval.FitCalibration(plain, 0)
	if len(h) != 1 || len(p) != 1 || h[0].Share != 0.75 || p[0].Share != 0.75 {
		t.Errorf("FitCalibration(weighted) = %+v, (unweighted) = %+v, want one block right 0.75 of the time each", h, p)
	}
}

func TestSummarizeCalibration(t *testing.T) {
	t.Parallel()
	js := []eval.Judgment{
		{Confidence: 0.95, Correct: true}, {Confidence: 0.92, Correct: true}, {Confidence: 0.9, Correct: false},
		{Confidence: 0.55, Correct: true}, {Confidence: 0.45, Correct: false},
	}
	s := eval.SummarizeCalibration(js)
	// Bins 0.9–1.0 (mean 0.9233, right 2/3), 0.5–0.6 (0.55, 1), 0.4–0.5
	// (0.45, 0): gaps weighted by 3/5, 1/5, 1/5.
	want := 0.6*math.Abs(2.77/3-2.0/3) + 0.2*0.45 + 0.2*0.45
	if math.Abs(s.ECE-want) > 1e-9 || s.Sure != 3 || math.Abs(s.SureAccuracy-2.0/3) > 1e-9 || len(s.Bins) != 10 {
		t.Errorf("SummarizeCalibration() = ECE %v, sure %d right %v, %d bins; want %v, 3, 0.667, 10", s.ECE, s.Sure, s.SureAccuracy, len(s.Bins), want)
	}
	if e := eval.SummarizeCalibration(nil); e.ECE != 0 || e.Sure != 0 || e.SureAccuracy != 1 {
		t.Errorf("SummarizeCalibration(nil) = %+v, want no error and nothing sure", e)
	}
}
