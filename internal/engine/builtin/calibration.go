package builtin

import "sort"

// A raw score (label × place × parse × fit, lowered by rivals; see the
// package doc) ranks values well but is no probability: on the generated
// corpus nearly every value scored 0.7 to 0.9 is right. The confidence the
// engine reports is the raw score through calibrationMap, a monotone
// piecewise-linear map fitted so that among values given confidence c,
// about c of them are right.
//
// # How the map was fitted
//
// TestRefitCalibration (calibration_test.go) generates a corpus of 320
// documents with seed 7 (never seed 1, on which the README reports, so the
// figures there are held out), runs the engine with raw scores, and judges
// every value against the gold. It then:
//
//  1. pools the values into blocks by pool-adjacent-violators, so that the
//     share of right values rises from block to block (isotonic
//     regression);
//  2. shrinks each block's share towards its mean raw score, as if the raw
//     score were calibrationPrior more values: the generator's documents
//     are cleaner than real ones and its values almost always right, so a
//     block of few values, as the low scores are, stays near its raw
//     score instead of jumping to the corpus's near-certainty, and the
//     blocks are pooled again so that the shares still rise;
//  3. scales the shares by calibrationCap, so that no value is reported as
//     certain: real documents go wrong in ways the generator never does
//     (a label no synonym covers, a scan misread), and a value at the cap
//     is still wrong about one time in forty;
//  4. makes a knot of each block (mean raw score, scaled share), between
//     (0, 0) and (1, calibrationCap).
//
// Below the first block's mean the map falls linearly to 0: scores that low
// (a fuzzy label under a table header, a value with rivals) are rare in the
// generated corpus and right there more often than they would be in real
// documents, so they stay low rather than borrow the corpus's certainty.
//
// The knots rise strictly, so the map keeps the raw score's order: of two
// values, the one the engine is surer of keeps the higher confidence.
//
// To refit after changing the scoring or the generator, run
//
//	go test ./internal/engine/builtin -run TestRefitCalibration -refit -v
//
// and paste the table it prints here.
var calibrationMap = []knot{
	{0, 0},
	{0.677, 0.966}, // 2270 values, 0.9909 right after shrinking
	{0.793, 0.972}, // 4360 values, 0.9965 right after shrinking
	{0.904, 0.974}, // 4213 values, 0.9989 right after shrinking
	{1, calibrationCap},
}

// calibrationCap is the confidence of a raw score of 1, the highest the
// engine reports; see calibrationMap.
const calibrationCap = 0.975

// calibrationPrior is how many values the raw score counts for when a block
// of the fit is shrunk towards it; see calibrationMap.
const calibrationPrior = 50

// knot is a point of the calibration map: a raw score and its confidence.
type knot struct{ raw, conf float64 }

// calibrated maps a raw score to a confidence, linearly between the knots
// of calibrationMap.
func calibrated(raw float64) float64 {
	m := calibrationMap
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
