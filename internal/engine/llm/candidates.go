package llm

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/engine/builtin"
	"github.com/quarrylabs/quarry/internal/extract"
)

// candidateFinder is what the built-in engine offers beyond Extract: every
// value it weighed for each field, not only the one it chose. A Builtin
// that does not offer it leaves the model with the chosen values alone.
type candidateFinder interface {
	Candidates(ctx context.Context, doc *document.Document, cfg extract.Configuration) ([]builtin.FieldCandidates, error)
}

// candidates are the built-in engine's values for the scalar fields of
// one document (or one page, for per_page).
type candidates []builtin.FieldCandidates

// findCandidates asks the built-in engine for the values it weighed in
// doc, or returns none when it cannot say.
func (e *Engine) findCandidates(ctx context.Context, doc *document.Document, cfg extract.Configuration) (candidates, error) {
	cf, ok := e.cfg.Builtin.(candidateFinder)
	if !ok {
		return nil, nil
	}
	fcs, err := cf.Candidates(ctx, doc, cfg)
	if err != nil {
		return nil, fmt.Errorf("llm engine: built-in candidates: %w", err)
	}
	return fcs, nil
}

// maxCandidateRunes bounds a value as the prompt shows it: the model needs
// enough to find it in the text, and a long address or clause is in the
// document anyway.
const maxCandidateRunes = 60

// candidatesHeader introduces the candidates in the prompt. The model is
// told they are suggestions, since the built-in engine is often unsure and
// sometimes wrong, and a model that copies them gains nothing.
const candidatesHeader = "Values the rule-based reader weighed for some fields, best first, each with its confidence (0 to 1) and page. They are suggestions to verify against the document's text, not answers: the right value may be another one, or none."

// render writes the candidates of the fields of n that were read on pages
// (all pages when pages is nil), one line per field, such as
// "- total candidates: 60.3 (0.83, p1), 60.31 (0.75, p1)". It returns ""
// when there are none, so that the prompt says nothing.
func (cs candidates) render(n *node, pages []document.Page) string {
	var b strings.Builder
	for _, fc := range cs {
		if at(n, fc.Path) == nil {
			continue
		}
		var shown []string
		for _, c := range fc.Values {
			if len(shown) == builtin.MaxCandidates {
				break
			}
			if pages != nil && !onPages(pages, c.Page) {
				continue
			}
			shown = append(shown, fmt.Sprintf("%s (%.2f, p%d)", shortValue(c.Value), c.Confidence, c.Page))
		}
		if len(shown) == 0 {
			continue
		}
		fmt.Fprintf(&b, "- %s candidates: %s\n", strings.Join(fc.Path, "."), strings.Join(shown, ", "))
	}
	if b.Len() == 0 {
		return ""
	}
	return candidatesHeader + "\n" + strings.TrimSuffix(b.String(), "\n")
}

// at returns the scalar node at path under n, or nil when n asks for no
// such field (a second pass asks for some fields only).
func at(n *node, path []string) *node {
	for _, name := range path {
		if n == nil || n.kind != kindObject {
			return nil
		}
		var next *node
		for _, f := range n.props {
			if f.name == name {
				next = f.n
				break
			}
		}
		n = next
	}
	if n == nil || n.kind != kindScalar {
		return nil
	}
	return n
}

func onPages(pages []document.Page, number int) bool {
	for _, p := range pages {
		if p.Number == number {
			return true
		}
	}
	return false
}

// shortValue writes a candidate's JSON value, a long string cut short.
func shortValue(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil || utf8.RuneCountInString(s) <= maxCandidateRunes {
		return string(raw)
	}
	cut := []rune(s)[:maxCandidateRunes]
	return string(mustJSON(string(cut) + "…"))
}

// lookup indexes the candidates by field for grounding (see pathKey), their
// values decoded as the model's reply is.
func (cs candidates) lookup() map[string][]groundCandidate {
	if len(cs) == 0 {
		return nil
	}
	out := make(map[string][]groundCandidate, len(cs))
	for _, fc := range cs {
		key := pathKey(fc.Path)
		for _, c := range fc.Values {
			v, err := decodeOrdered(c.Value)
			if err != nil || c.Page == 0 {
				continue
			}
			cite := citation{Page: c.Page, MatchingText: c.Text, BoundingBoxes: []document.Box{roundBox(c.Box)}}
			out[key] = append(out[key], groundCandidate{value: v, cite: cite})
		}
	}
	return out
}

// groundCandidate is a candidate as grounding compares it.
type groundCandidate struct {
	value any
	cite  citation
}

// pathKey joins property names with a byte no name is expected to hold.
func pathKey(path []string) string { return strings.Join(path, "\x00") }
