package pdf

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/quarrylabs/quarry/internal/document"
)

// TestMatrixBox: a rectangle of user space maps to the smallest displayed
// box holding it, whether the page is upright (the two-corner shortcut) or
// turned (all four corners).
func TestMatrixBox(t *testing.T) {
	t.Parallel()
	const left, top, right, bottom = 100.0, 712.0, 160.0, 700.0
	tests := []struct {
		name string
		m    matrix
		want document.Box
	}{
		// A US Letter page as displayed: y flipped, origin at the top.
		{"Upright", matrix{a: 1, d: -1, f: 792}, document.Box{X: 100, Y: 80, W: 60, H: 12}},
		// /Rotate 90: user space x runs down the page, y runs right.
		{"Rotate90", matrix{b: 1, c: 1}, document.Box{X: 700, Y: 100, W: 12, H: 60}},
		// /Rotate 180: both axes flipped.
		{"Rotate180", matrix{a: -1, d: 1, e: 612}, document.Box{X: 452, Y: 700, W: 60, H: 12}},
		{"Scaled", matrix{a: 2, d: -2, e: 10, f: 1600}, document.Box{X: 210, Y: 176, W: 120, H: 24}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.m.box(left, top, right, bottom); !cmp.Equal(got, tt.want) {
				t.Errorf("%+v.box(%v, %v, %v, %v) = %+v, want %+v", tt.m, left, top, right, bottom, got, tt.want)
			}
		})
	}
}
