package builtin

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/extract"
)

// Name is what Outcome.Engine says for results of this engine.
const Name = "builtin"

// conflictWeight is how much a candidate with another value lowers the
// confidence of the chosen one, scaled by its score relative to the
// chosen one's: an equally good rival takes away 40%.
const conflictWeight = 0.4

// Engine is the built-in extraction engine: labels and values read from the
// document's text, with no model. It holds no state, so one Engine serves
// any number of jobs at once. It is a struct, built by New, so that options
// (extra synonyms, locale hints) can come later without changing callers.
type Engine struct{}

// New returns the built-in engine.
func New() *Engine { return &Engine{} }

var _ extract.Engine = (*Engine)(nil)

// Extract fills cfg.DataSchema's top-level scalar properties from doc, for
// the configuration's extraction target. Errors about the schema or the
// target are *extract.Error with CodeInvalid; a cancelled ctx returns its
// error, wrapped.
func (e *Engine) Extract(ctx context.Context, doc *document.Document, cfg extract.Configuration) (extract.Outcome, error) {
	if doc == nil {
		return extract.Outcome{}, errors.New("builtin engine: no document")
	}
	fields, err := readSchema(cfg.DataSchema)
	if err != nil {
		return extract.Outcome{}, err
	}
	ix := newLabelIndex(fields)

	var result json.RawMessage
	meta := &extract.FieldMetadata{}
	switch target := cmp.Or(cfg.ExtractionTarget, extract.TargetPerDoc); target {
	case extract.TargetPerDoc:
		fd := newFinder(fields, ix)
		for i := range doc.Pages {
			if err := ctx.Err(); err != nil {
				return extract.Outcome{}, fmt.Errorf("builtin engine: %w", err)
			}
			fd.scanPage(&doc.Pages[i])
		}
		result, meta.Document = fd.object()
	case extract.TargetPerPage:
		var objects []json.RawMessage
		meta.Pages = []json.RawMessage{}
		for i := range doc.Pages {
			if err := ctx.Err(); err != nil {
				return extract.Outcome{}, fmt.Errorf("builtin engine: %w", err)
			}
			fd := newFinder(fields, ix)
			fd.scanPage(&doc.Pages[i])
			obj, m := fd.object()
			objects = append(objects, obj)
			meta.Pages = append(meta.Pages, m)
		}
		result = jsonArray(objects)
	case extract.TargetPerTableRow:
		objects, metas, err := tableRows(ctx, doc, fields, ix)
		if err != nil {
			return extract.Outcome{}, err
		}
		result, meta.Rows = jsonArray(objects), metas
	default:
		return extract.Outcome{}, extract.Errorf(extract.CodeInvalid,
			"extraction_target %q is not one of per_doc, per_page, per_table_row", target)
	}

	words := 0
	for _, p := range doc.Pages {
		words += len(p.Words)
	}
	return extract.Outcome{
		Result:        result,
		FieldMetadata: meta,
		Usage: extract.Usage{
			NumPagesExtracted: len(doc.Pages),
			// Words stand in for tokens: the engine has no tokenizer, and a
			// model's tokenizer would give somewhat more (about 1.3 per
			// English word).
			NumDocumentTokens: words,
			// About four bytes of JSON per token, the usual rule of thumb.
			NumOutputTokens: (len(result) + 3) / 4,
		},
		Engine: Name,
	}, nil
}

// object chooses each field's value among its candidates and returns the
// result object and its metadata, both with the schema's properties in the
// schema's order.
func (fd *finder) object() (json.RawMessage, json.RawMessage) {
	values := make([]json.RawMessage, len(fd.fields))
	metas := make([]fieldMeta, len(fd.fields))
	for i := range fd.fields {
		best, conf, ok := choose(fd.found[i])
		if !ok {
			continue
		}
		values[i] = best.value.value
		metas[i] = citeOne(best, conf)
	}
	return objectJSON(fd.fields, values), metaJSON(fd.fields, metas)
}

// choose takes the best-scored candidate, the earliest on a tie, and lowers
// its confidence for every other value found: by conflictWeight times the
// best score of that value over the chosen one's.
func choose(cands []candidate) (candidate, float64, bool) {
	if len(cands) == 0 {
		return candidate{}, 0, false
	}
	best := slices.MinFunc(cands, func(a, b candidate) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.order, b.order)
	})
	var rivals []candidate // best candidate of each other value
	for _, c := range cands {
		if sameValue(c.value.value, best.value.value) {
			continue
		}
		i := slices.IndexFunc(rivals, func(r candidate) bool { return sameValue(r.value.value, c.value.value) })
		switch {
		case i < 0:
			rivals = append(rivals, c)
		case c.score > rivals[i].score:
			rivals[i] = c
		}
	}
	conf := best.score
	for _, r := range rivals {
		conf *= 1 - conflictWeight*r.score/best.score
	}
	return best, conf, true
}

// fieldMeta is the metadata of one value: where it was read and how sure
// the engine is. A null value has no citation and confidence 0.
type fieldMeta struct {
	Citation   []citation `json:"citation"`
	Confidence float64    `json:"confidence"`
}

type citation struct {
	Page          int            `json:"page"`
	MatchingText  string         `json:"matching_text"`
	BoundingBoxes []document.Box `json:"bounding_boxes"`
}

func citeOne(c candidate, conf float64) fieldMeta {
	b := c.box
	b = document.Box{X: round3(b.X), Y: round3(b.Y), W: round3(b.W), H: round3(b.H)}
	return fieldMeta{
		Citation:   []citation{{Page: c.page, MatchingText: c.text, BoundingBoxes: []document.Box{b}}},
		Confidence: round3(conf),
	}
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

// objectJSON writes the fields in order; a nil value is null, so every
// property of the schema appears.
func objectJSON(fields []field, values []json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		key, _ := json.Marshal(f.name)
		b.Write(key)
		b.WriteByte(':')
		if values[i] == nil {
			b.WriteString("null")
		} else {
			b.Write(values[i])
		}
	}
	b.WriteByte('}')
	return b.Bytes()
}

func metaJSON(fields []field, metas []fieldMeta) json.RawMessage {
	values := make([]json.RawMessage, len(fields))
	for i, m := range metas {
		if m.Citation == nil {
			m.Citation = []citation{}
		}
		values[i], _ = json.Marshal(m)
	}
	return objectJSON(fields, values)
}

func jsonArray(items []json.RawMessage) json.RawMessage {
	if len(items) == 0 {
		return json.RawMessage("[]")
	}
	var b bytes.Buffer
	b.WriteByte('[')
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(it)
	}
	b.WriteByte(']')
	return b.Bytes()
}
