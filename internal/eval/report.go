package eval

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"text/tabwriter"
	"time"
)

// Report is the outcome of a run.
type Report struct {
	// Documents is how many documents were run; Failed how many of them
	// the parser or engine failed on (they count as predicting nothing).
	Documents int `json:"documents"`
	Failed    int `json:"failed"`
	Pages     int `json:"pages"`
	// Seconds is the run's wall time.
	Seconds float64 `json:"seconds"`
	// Split is the part of the manifest that was run; Paraphrased says
	// whether the engine saw the schemas reworded.
	Split       Split `json:"split"`
	Paraphrased bool  `json:"paraphrased,omitempty"`
	// Images says whether only documents with an image were run, and
	// whether they were read from it (see Config.Images).
	Images Images `json:"images,omitempty"`
	// Overall and ByType are the scores of all documents and of each type.
	Overall Scores            `json:"overall"`
	ByType  map[string]Scores `json:"by_type"`
	// Calibration bins the predicted values by confidence, in tenths.
	Calibration []Bin `json:"calibration"`
	// ECE is the expected calibration error: the bins' gaps between mean
	// confidence and accuracy, weighted by their share of values.
	ECE float64 `json:"ece"`
	// Sure counts the values reported with a confidence of at least
	// SureConfidence, and SureAccuracy is the share of them that are
	// right (1 when there are none).
	Sure         int     `json:"sure"`
	SureAccuracy float64 `json:"sure_accuracy"`
	// Judgments are the predicted values the calibration table bins, for
	// fitting a calibration map (see FitCalibration). They are left out
	// of report.json, whose table sums them up.
	Judgments []Judgment `json:"-"`
}

// Scores are the measures of a set of documents.
type Scores struct {
	Documents int       `json:"documents"`
	Fields    Counts    `json:"fields"`
	Rows      Counts    `json:"rows"`
	Citations Citations `json:"citations"`
	// ByField splits the field counts by the field's path, array indexes
	// dropped ("total", "lines[].amount", "parties[]").
	ByField map[string]Counts `json:"by_field,omitempty"`
}

func (s *Scores) add(c *comparison) {
	s.Documents++
	s.Fields.add(c.fields)
	s.Rows.add(c.rows)
	s.Citations.add(c.cites)
	if s.ByField == nil {
		s.ByField = map[string]Counts{}
	}
	for f, t := range c.byField {
		fc := s.ByField[f]
		fc.add(Counts{TP: t.tp, FP: t.np - t.tp, FN: t.ng - t.tp})
		s.ByField[f] = fc
	}
}

func (s *Scores) finish() {
	s.Fields.finish()
	s.Rows.finish()
	s.Citations.Accuracy = ratio(s.Citations.RightPage, s.Citations.Values)
	for f, c := range s.ByField {
		c.finish()
		s.ByField[f] = c
	}
}

// Bin is one confidence range [Lo, Hi) (the last includes 1).
type Bin struct {
	Lo             float64 `json:"lo"`
	Hi             float64 `json:"hi"`
	Count          int     `json:"count"`
	MeanConfidence float64 `json:"mean_confidence"`
	Accuracy       float64 `json:"accuracy"`
}

const bins = 10

// SureConfidence is the confidence from which a value counts as one the
// engine is sure of: a user who trusts such values unchecked should find
// nine in ten of them right.
const SureConfidence = 0.9

func newReport(results []*docResult, took time.Duration) *Report {
	rep := &Report{Documents: len(results), Seconds: took.Seconds(), ByType: map[string]Scores{}}
	for _, r := range results {
		if r.failed {
			rep.Failed++
		}
		rep.Pages += r.pages
		rep.Overall.add(r.cmp)
		s := rep.ByType[r.entry.Type]
		s.add(r.cmp)
		rep.ByType[r.entry.Type] = s
		for _, j := range r.cmp.judged {
			rep.Judgments = append(rep.Judgments, Judgment{Confidence: j.conf, Correct: j.correct})
		}
	}
	rep.Overall.finish()
	// Fields are named within a type; across types the same name may
	// mean different things.
	rep.Overall.ByField = nil
	for t, s := range rep.ByType {
		s.finish()
		rep.ByType[t] = s
	}
	cal := SummarizeCalibration(rep.Judgments)
	rep.Calibration, rep.ECE, rep.Sure, rep.SureAccuracy = cal.Bins, cal.ECE, cal.Sure, cal.SureAccuracy
	return rep
}

// Print writes the report as tables.
func (r *Report) Print(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%d documents (%d failed), %d pages, %.1f s, %.1f pages/s", r.Documents, r.Failed, r.Pages, r.Seconds, float64(r.Pages)/max(r.Seconds, 1e-9))
	if r.Split != "" && r.Split != SplitAll {
		fmt.Fprintf(tw, "; %s split", r.Split)
	}
	if r.Paraphrased {
		fmt.Fprint(tw, "; schemas paraphrased")
	}
	switch r.Images {
	case ImagesText:
		fmt.Fprint(tw, "; documents with an image, read from their text")
	case ImagesOCR:
		fmt.Fprint(tw, "; documents with an image, read from it by OCR")
	}
	fmt.Fprint(tw, "\n\n")
	fmt.Fprintln(tw, "type\tdocs\tfield P\tfield R\tfield F1\trow P\trow R\trow F1\tcitation page\t")
	types := make([]string, 0, len(r.ByType))
	for t := range r.ByType {
		types = append(types, t)
	}
	slices.Sort(types)
	line := func(name string, s Scores) {
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%.3f\t%s\t%s\t%s\t%.3f\t\n", name, s.Documents,
			s.Fields.Precision, s.Fields.Recall, s.Fields.F1, rowCell(s, s.Rows.Precision), rowCell(s, s.Rows.Recall), rowCell(s, s.Rows.F1), s.Citations.Accuracy)
	}
	for _, t := range types {
		line(t, r.ByType[t])
	}
	line("overall", r.Overall)
	fmt.Fprintf(tw, "\nconfidence\tvalues\tmean confidence\taccuracy\t\n")
	for _, b := range r.Calibration {
		if b.Count == 0 {
			fmt.Fprintf(tw, "%.1f–%.1f\t0\t–\t–\t\n", b.Lo, b.Hi)
			continue
		}
		fmt.Fprintf(tw, "%.1f–%.1f\t%d\t%.3f\t%.3f\t\n", b.Lo, b.Hi, b.Count, b.MeanConfidence, b.Accuracy)
	}
	fmt.Fprintf(tw, "\nexpected calibration error: %.3f\n", r.ECE)
	fmt.Fprintf(tw, "values at >= %.1f: %d, right %.1f%%\n", SureConfidence, r.Sure, 100*r.SureAccuracy)
	return tw.Flush()
}

// PrintFields writes a table of each type's fields: precision, recall and
// F1 of each, with the counts they come from.
func (r *Report) PrintFields(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "type\tfield\tP\tR\tF1\tright\tgold\tpredicted\t")
	for _, t := range slices.Sorted(maps.Keys(r.ByType)) {
		s := r.ByType[t]
		for _, f := range slices.Sorted(maps.Keys(s.ByField)) {
			c := s.ByField[f]
			fmt.Fprintf(tw, "%s\t%s\t%.3f\t%.3f\t%.3f\t%d\t%d\t%d\t\n", t, f, c.Precision, c.Recall, c.F1, c.TP, c.TP+c.FN, c.TP+c.FP)
		}
	}
	return tw.Flush()
}

// rowCell prints a row measure, or a dash for documents without tables.
func rowCell(s Scores, v float64) string {
	if s.Rows.TP+s.Rows.FP+s.Rows.FN == 0 {
		return "–"
	}
	return fmt.Sprintf("%.3f", v)
}
