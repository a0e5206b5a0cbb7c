package builtin

import "sort"

// A raw score (label × place × parse × fit, lowered by rivals; see the
// package doc) ranks values but is no probability. The confidence the
// engine reports is the raw score through calibrationMap, a monotone
// piecewise-linear map fitted on real documents so that among values given
// confidence c, about c of them are right.
//
// # How the map is fitted
//
// TestRefitCalibration (calibration_test.go) runs the engine with raw
// scores over the train part of the real documents (../shared/realdocs
// beside the repository, split as package eval says; the held-out part is
// never fitted on) and judges every value it reports against the gold with
// the scorer's rules. It then:
//
//  1. pools the values into blocks by pool-adjacent-violators, so that the
//     share of right values rises from block to block (isotonic
//     regression);
//  2. shrinks each block's share towards its mean raw score, as if the raw
//     score were calibrationPrior more values, and pools again so that the
//     shares still rise: a block of few values stays near the raw score
//     instead of jumping to whatever a handful of values happens to show;
//  3. scales the shares by calibrationCap, so that no value is reported as
//     certain;
//  4. makes two knots of each block, at its lowest and its highest raw
//     score, a hair apart in confidence: within a block every value gets
//     about the block's share, as isotonic regression says, and the map
//     still rises strictly, so that of two values the one with the higher
//     raw score keeps the higher confidence;
//  5. ends the map at a raw score of 1 a hair above the last block: a raw
//     score above all those seen earns no more than the highest seen.
//
// Below the first block the map falls linearly to 0.
//
// It does not pool in the generated corpus: the generator's values are
// nearly all right at any raw score, so even a small share of them would
// lift the confidences above what values on real documents earn.
//
// The test then maps the raw scores of the held-out part through the new
// map and prints its calibration (expected calibration error, and how many
// values reach 0.9 and how many of those are right), the figures the
// README reports. To refit after changing the scoring, run
//
//	go test ./internal/engine/builtin -run TestRefitCalibration -refit -v
//
// (about a minute and a half) and paste the table it prints here, then
// refresh the golden files, whose confidences change with it:
//
//	go test ./internal/engine/builtin -update
var calibrationMap = []knot{
	{0, 0},
	{0.2480, 0.1435},
	{0.3240, 0.1455}, // 11 values, raw 0.248 to 0.324, 0.150 right after shrinking
	{0.4280, 0.4272},
	{0.5400, 0.4292}, // 89 values, raw 0.428 to 0.540, 0.441 right after shrinking
	{0.5700, 0.5534},
	{0.6000, 0.5554}, // 2 values, raw 0.570 to 0.600, 0.571 right after shrinking
	{0.6040, 0.5732},
	{0.8080, 0.5752}, // 204 values, raw 0.604 to 0.808, 0.591 right after shrinking
	{0.8550, 0.6315},
	{0.9500, 0.6335}, // 179 values, raw 0.855 to 0.950, 0.651 right after shrinking
	{1.0000, 0.6355},
}

// calibrationCap is the highest confidence the engine reports; see
// calibrationMap.
const calibrationCap = 0.975

// calibrationPrior is how many values the raw score counts for when a block
// of the fit is shrunk towards it; see calibrationMap.
const calibrationPrior = 10

// knot is a point of the calibration map: a raw score and its confidence.
type knot struct{ raw, conf float64 }

// calibrated maps a raw score to a confidence, linearly between the knots
// of calibrationMap.
func calibrated(raw float64) float64 { return interpolate(calibrationMap, raw) }

// interpolate maps a raw score through the knots of a map, linearly between
// them; scores outside the map take its ends.
func interpolate(m []knot, raw float64) float64 {
	raw = min(max(raw, m[0].raw), m[len(m)-1].raw)
	i := sort.Search(len(m), func(i int) bool { return m[i].raw >= raw })
	if m[i].raw == raw {
		return m[i].conf
	}
	a, b := m[i-1], m[i]
	return a.conf + (b.conf-a.conf)*(raw-a.raw)/(b.raw-a.raw)
}

// calibrate replaces the raw scores of the chosen values, and of the rows
// of their arrays, by confidences. It runs once, after every choice is
// made, since choosing compares raw scores.
func (v *values) calibrate() {
	for p, lv := range v.leaf {
		lv.conf = calibrated(lv.conf)
		v.leaf[p] = lv
	}
	for _, items := range v.items {
		for i := range items {
			items[i].conf = calibrated(items[i].conf)
		}
	}
	for _, rows := range v.rows {
		for _, r := range rows {
			r.calibrate()
		}
	}
}
