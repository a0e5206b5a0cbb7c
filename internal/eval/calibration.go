package eval

import (
	"cmp"
	"slices"
)

// Judgment is one predicted value: its confidence, and whether it equals
// the gold.
type Judgment struct {
	Confidence float64
	Correct    bool
}

// CalibrationBlock is a run of neighbouring confidences whose values a fit
// judges together: their mean confidence, how many they are, and the share
// of them the fit takes to be right.
type CalibrationBlock struct {
	Confidence float64
	Count      int
	Share      float64
}

// FitCalibration fits a monotone map from confidence to the chance of being
// right: isotonic regression by pool-adjacent-violators, with each block's
// share of right values shrunk towards its mean confidence as if that
// confidence were prior more values, then pooled again so that the shares
// still rise. The prior keeps a block of few values near the confidence it
// was given, rather than at whatever share a handful of values happens to
// have. The blocks come in order of confidence, with strictly rising shares;
// with no judgments there are none.
func FitCalibration(js []Judgment, prior float64) []CalibrationBlock {
	// Values of one confidence form one block to start with: the scores
	// are products of a few factors, so many values share each.
	sorted := slices.SortedFunc(slices.Values(js), func(a, b Judgment) int { return cmp.Compare(a.Confidence, b.Confidence) })
	var blocks []pool
	for i, j := range sorted {
		right := 0.0
		if j.Correct {
			right = 1
		}
		b := pool{weight: 1, sumConf: j.Confidence, sumRight: right, count: 1}
		if i > 0 && sorted[i-1].Confidence == j.Confidence {
			blocks[len(blocks)-1].add(b)
			continue
		}
		blocks = append(blocks, b)
	}
	blocks = poolViolators(blocks)
	// Shrink: the prior adds weight at the block's mean confidence.
	for i, b := range blocks {
		mean := b.sumConf / b.weight
		blocks[i] = pool{weight: b.weight + prior, sumConf: b.sumConf + prior*mean, sumRight: b.sumRight + prior*mean, count: b.count}
	}
	blocks = poolViolators(blocks)
	out := make([]CalibrationBlock, len(blocks))
	for i, b := range blocks {
		out[i] = CalibrationBlock{Confidence: b.sumConf / b.weight, Count: b.count, Share: b.sumRight / b.weight}
	}
	return out
}

// pool is a block of the fit: weighted sums of the confidences and of the
// right values, and how many values it holds.
type pool struct {
	weight, sumConf, sumRight float64
	count                     int
}

func (p *pool) add(o pool) {
	p.weight += o.weight
	p.sumConf += o.sumConf
	p.sumRight += o.sumRight
	p.count += o.count
}

func (p pool) share() float64 { return p.sumRight / p.weight }

// poolViolators merges neighbouring blocks until their shares strictly
// rise: the pool-adjacent-violators algorithm.
func poolViolators(in []pool) []pool {
	var out []pool
	for _, b := range in {
		out = append(out, b)
		for n := len(out); n > 1 && out[n-2].share() >= out[n-1].share(); n = len(out) {
			out[n-2].add(out[n-1])
			out = out[:n-1]
		}
	}
	return out
}
