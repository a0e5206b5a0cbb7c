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
	{0.1220, 0.1877},
	{0.1460, 0.1897}, // 2 values, raw 0.122 to 0.146, 0.195 right after shrinking
	{0.1710, 0.5305},
	{0.2400, 0.5325}, // 21 values, raw 0.171 to 0.240, 0.547 right after shrinking
	{0.2490, 0.7454},
	{0.5250, 0.7474}, // 344 values, raw 0.249 to 0.525, 0.768 right after shrinking
	{0.5300, 0.7855},
	{0.5600, 0.7875}, // 61 values, raw 0.530 to 0.560, 0.809 right after shrinking
	{0.5620, 0.8642},
	{0.6330, 0.8662}, // 697 values, raw 0.562 to 0.633, 0.890 right after shrinking
	{0.6500, 0.9057},
	{0.7000, 0.9077}, // 529 values, raw 0.650 to 0.700, 0.933 right after shrinking
	{0.7090, 0.9160},
	{0.7500, 0.9180}, // 532 values, raw 0.709 to 0.750, 0.943 right after shrinking
	{0.7580, 0.9329},
	{0.9500, 0.9349}, // 920 values, raw 0.758 to 0.950, 0.961 right after shrinking
	{0.9580, 0.9701},
	{1.0000, 0.9721}, // 129 values, raw 0.958 to 1.000, 0.999 right after shrinking
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
