package eval

import (
	"cmp"
	"math"
	"slices"
)

// Judgment is one predicted value: its confidence, and whether it equals
// the gold.
type Judgment struct {
	Confidence float64
	Correct    bool
	// Weight is how much the value counts in a fit; 0 counts as 1. A fit
	// that pools values from corpora of unequal worth gives the lesser
	// ones a smaller weight.
	Weight float64
}

// CalibrationBlock is a run of neighbouring confidences whose values a fit
// judges together: their mean confidence, lowest and highest, how many
// they are, and the share of them the fit takes to be right.
type CalibrationBlock struct {
	Confidence float64
	Lo, Hi     float64
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
		w := j.Weight
		if w == 0 {
			w = 1
		}
		right := 0.0
		if j.Correct {
			right = w
		}
		b := pool{weight: w, sumConf: w * j.Confidence, sumRight: right, count: 1, lo: j.Confidence, hi: j.Confidence}
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
		blocks[i] = pool{weight: b.weight + prior, sumConf: b.sumConf + prior*mean, sumRight: b.sumRight + prior*mean, count: b.count, lo: b.lo, hi: b.hi}
	}
	blocks = poolViolators(blocks)
	out := make([]CalibrationBlock, len(blocks))
	for i, b := range blocks {
		out[i] = CalibrationBlock{Confidence: b.sumConf / b.weight, Lo: b.lo, Hi: b.hi, Count: b.count, Share: b.sumRight / b.weight}
	}
	return out
}

// pool is a block of the fit: weighted sums of the confidences and of the
// right values, how many values it holds, and their lowest and highest
// confidence.
type pool struct {
	weight, sumConf, sumRight float64
	count                     int
	lo, hi                    float64
}

// add merges the next block, of higher confidences, into p.
func (p *pool) add(o pool) {
	p.weight += o.weight
	p.sumConf += o.sumConf
	p.sumRight += o.sumRight
	p.count += o.count
	p.hi = o.hi
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

// CalibrationSummary is how well confidences match how often values are
// right: the values binned by confidence in tenths, the expected
// calibration error over the bins, and how many values are at or above
// SureConfidence with the share of them that are right (1 when none are).
type CalibrationSummary struct {
	Bins         []Bin
	ECE          float64
	Sure         int
	SureAccuracy float64
}

// SummarizeCalibration bins judged values by confidence and measures their
// calibration.
func SummarizeCalibration(js []Judgment) CalibrationSummary {
	cal := make([]Bin, bins)
	right := make([]int, bins)
	for i := range cal {
		cal[i].Lo, cal[i].Hi = float64(i)/bins, float64(i+1)/bins
	}
	sureRight := 0
	var out CalibrationSummary
	for _, j := range js {
		k := max(min(int(j.Confidence*bins), bins-1), 0)
		cal[k].Count++
		cal[k].MeanConfidence += j.Confidence
		if j.Correct {
			right[k]++
		}
		if j.Confidence >= SureConfidence {
			out.Sure++
			if j.Correct {
				sureRight++
			}
		}
	}
	for i := range cal {
		if cal[i].Count > 0 {
			cal[i].MeanConfidence /= float64(cal[i].Count)
			cal[i].Accuracy = float64(right[i]) / float64(cal[i].Count)
			out.ECE += float64(cal[i].Count) / float64(len(js)) * math.Abs(cal[i].MeanConfidence-cal[i].Accuracy)
		}
	}
	out.Bins, out.SureAccuracy = cal, ratio(sureRight, out.Sure)
	return out
}
