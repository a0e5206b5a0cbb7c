package builtin

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/extract"
)

// MaxCandidates is how many values Candidates gives a field at most: the
// runners-up worth a second look, not every number on the page.
const MaxCandidates = 3

// Candidate is one value the engine found for a field, and where.
type Candidate struct {
	// Value is the value as the result would hold it (JSON).
	Value json.RawMessage
	// Confidence is how sure the engine is of this value over the others
	// it found, calibrated as the result's confidences are: the first
	// candidate's is the one Extract reports when it chooses it.
	Confidence float64
	// Page, Text and Box are the first place the value was read.
	Page int
	Text string
	Box  document.Box
}

// FieldCandidates are the values found for one scalar field of the schema.
type FieldCandidates struct {
	// Path is the property names from the root object down to the field.
	Path []string
	// Values are distinct values, best first, at most MaxCandidates.
	Values []Candidate
}

// Candidates returns, for each scalar field of cfg's schema that is not in
// an array, the values the engine found for it: not only the one Extract
// chooses but the ones it weighed against it (a TOTAL beside a TOTAL
// ROUNDED, a date in a header beside one in a sentence), so that a reader
// who can check them against the text (a model) starts from all of them.
//
// It reads doc as one object, as the per_doc target does, whatever
// cfg.ExtractionTarget says: a caller that wants one page's candidates
// passes a document of that page. A value scored below what Extract would
// report at all is left out, as is one whose rivals leave it no
// confidence. Fields with no values are left out; the rest come in the
// schema's order.
func (e *Engine) Candidates(ctx context.Context, doc *document.Document, cfg extract.Configuration) ([]FieldCandidates, error) {
	if doc == nil {
		return nil, errors.New("builtin engine: no document")
	}
	pl, err := planFor(cfg.DataSchema)
	if err != nil {
		return nil, err
	}
	fd := newFinder(pl)
	if err := fd.collect(ctx, doc.Pages); err != nil {
		return nil, err
	}
	paths := scalarPaths(pl.root)
	var out []FieldCandidates
	for i, f := range pl.fields {
		path, ok := paths[f.prop]
		if f.list || !ok {
			continue
		}
		vals := rankCandidates(fd.found[i])
		for j := range vals {
			if !e.raw {
				vals[j].Confidence = round3(calibrated(vals[j].Confidence))
			}
		}
		if len(vals) > 0 {
			out = append(out, FieldCandidates{Path: path, Values: vals})
		}
	}
	return out, nil
}

// rankCandidates keeps the best candidate of each value, best first (the
// earliest on a tie, as choose does), and gives each the raw confidence
// choose would give it were it chosen: its score, lowered for every other
// value by conflictWeight times that value's score over its own. A rival
// scored higher lowers it more than an equal one, down to nothing.
func rankCandidates(cands []candidate) []Candidate {
	var best []candidate // best candidate of each value
	for _, c := range cands {
		i := slices.IndexFunc(best, func(b candidate) bool { return sameValue(b.value.value, c.value.value) })
		switch {
		case i < 0:
			best = append(best, c)
		case c.score > best[i].score || c.score == best[i].score && c.order < best[i].order:
			best[i] = c
		}
	}
	slices.SortFunc(best, func(a, b candidate) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.order, b.order)
	})
	var out []Candidate
	for _, c := range best {
		if c.score < minScore || len(out) == MaxCandidates {
			break
		}
		conf := min(c.score, 1) // as choose caps it
		for _, r := range best {
			if !sameValue(r.value.value, c.value.value) {
				conf *= max(0, 1-conflictWeight*r.score/c.score)
			}
		}
		if conf <= 0 {
			continue
		}
		k := Candidate{Value: c.value.value, Confidence: conf}
		if len(c.cites) > 0 {
			k.Page, k.Text, k.Box = c.cites[0].page, c.cites[0].text, c.cites[0].box
		}
		out = append(out, k)
	}
	return out
}

// scalarPaths maps each scalar property reached from root through objects
// only to its path of property names.
func scalarPaths(root *prop) map[*prop][]string {
	out := map[*prop][]string{}
	var walk func(p *prop, path []string)
	walk = func(p *prop, path []string) {
		switch p.shape {
		case shapeScalar:
			out[p] = path
		case shapeObject:
			for _, c := range p.props {
				walk(c, append(path[:len(path):len(path)], c.name))
			}
		}
	}
	walk(root, nil)
	return out
}
