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
		{"Isotonic", 0, []eval.CalibrationBlock{{Confidence: 0.35, Count: 20, Share: 0.75}, {Confidence: 0.9, Count: 10, Share: 1}}},
		// Each block gains prior values at its mean confidence.
		{"Shrunk", 10, []eval.CalibrationBlock{{Confidence: 0.35, Count: 20, Share: (15 + 3.5) / 30.0}, {Confidence: 0.9, Count: 10, Share: (10 + 9) / 20.0}}},
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
				if g.Count != w.Count || math.Abs(g.Confidence-w.Confidence) > 1e-9 || math.Abs(g.Share-w.Share) > 1e-9 {
					t.Errorf("FitCalibration(prior %v)[%d] = %+v, want %+v", tt.prior, i, g, w)
				}
			}
		})
	}
	if got := eval.FitCalibration(nil, 50); len(got) != 0 {
		t.Errorf("FitCalibration(nil) = %+v, want no blocks", got)
	}
}
