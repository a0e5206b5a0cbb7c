package builtin

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/extract"
)

// Name is what Outcome.Engine says for results of this engine.
const Name = "builtin"

// Engine is the built-in extraction engine: labels and values read from the
// document's text, with no model. It holds no state, so one Engine serves
// any number of jobs at once. It is a struct, built by New, so that options
// (extra synonyms, locale hints) can come later without changing callers.
type Engine struct {
	// raw leaves confidences as the raw scores, uncalibrated (see
	// calibration.go): for fitting the calibration map, and for tests
	// that pin the scoring itself.
	raw bool
}

// New returns the built-in engine.
func New() *Engine { return &Engine{} }

var _ extract.Engine = (*Engine)(nil)

// Extract fills cfg.DataSchema from doc, for the configuration's
// extraction target. Errors about the schema or the target are
// *extract.Error with CodeInvalid; a cancelled ctx returns its error,
// wrapped.
func (e *Engine) Extract(ctx context.Context, doc *document.Document, cfg extract.Configuration) (extract.Outcome, error) {
	if doc == nil {
		return extract.Outcome{}, errors.New("builtin engine: no document")
	}
	pl, err := planFor(cfg.DataSchema)
	if err != nil {
		return extract.Outcome{}, err
	}
	root := pl.root

	var result json.RawMessage
	meta := &extract.FieldMetadata{}
	switch target := cmp.Or(cfg.ExtractionTarget, extract.TargetPerDoc); target {
	case extract.TargetPerDoc:
		if result, meta.Document, err = fill(ctx, pl, doc.Pages, e.raw); err != nil {
			return extract.Outcome{}, err
		}
	case extract.TargetPerPage:
		objects := []json.RawMessage{}
		meta.Pages = []json.RawMessage{}
		for i := range doc.Pages {
			obj, m, err := fill(ctx, pl, doc.Pages[i:i+1], e.raw)
			if err != nil {
				return extract.Outcome{}, err
			}
			objects = append(objects, obj)
			meta.Pages = append(meta.Pages, m)
		}
		result = jsonArray(objects)
	case extract.TargetPerTableRow:
		if err := ctx.Err(); err != nil {
			return extract.Outcome{}, fmt.Errorf("builtin engine: %w", err)
		}
		objects := []json.RawMessage{}
		meta.Rows = []json.RawMessage{}
		docOrder := docDateOrder(doc.Pages)
		for _, c := range readChains(doc.Pages, pl) {
			if err := ctx.Err(); err != nil {
				return extract.Outcome{}, fmt.Errorf("builtin engine: %w", err)
			}
			order := c.dateOrder(docOrder)
			for _, r := range c.rows {
				v, ok := rowValues(r, c.cols, pl, order)
				if !ok {
					continue
				}
				if !e.raw {
					v.calibrate()
					v.weighByOCR(doc.Pages)
				}
				obj, m, _ := buildObject(root, v)
				objects = append(objects, obj)
				meta.Rows = append(meta.Rows, m)
			}
		}
		result = jsonArray(objects)
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

// collect gathers the candidates of every field from the pages: labels
// and values on lines and table rows first, then what only the whole
// document shows (the letterhead, dates inside lines, amounts ending
// lines), then the agreement of amounts with their labels.
func (fd *finder) collect(ctx context.Context, pages []document.Page) error {
	fd.dayFirst = docDateOrder(pages)
	for i := range pages {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("builtin engine: %w", err)
		}
		fd.scanPage(ctx, &pages[i])
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("builtin engine: %w", err)
	}
	if len(pages) == 0 {
		return nil
	}
	fd.finishForm()
	fd.issuer(&pages[0])
	fd.dateSpans(pages)
	fd.amountLines(pages)
	fd.agree(pages)
	fd.letterhead(&pages[0])
	fd.readClauses(pages)
	fd.inferInvoice(pages)
	return nil
}

// fill extracts one object from the pages: scalars and lists from their
// lines, arrays of objects from their tables. Confidences are calibrated
// unless raw.
func fill(ctx context.Context, pl *plan, pages []document.Page, raw bool) (json.RawMessage, json.RawMessage, error) {
	fd := newFinder(pl)
	if err := fd.collect(ctx, pages); err != nil {
		return nil, nil, err
	}
	v := fd.values()
	for _, a := range pl.tables {
		if err := ctx.Err(); err != nil {
			return nil, nil, fmt.Errorf("builtin engine: %w", err)
		}
		v.rows[a] = tableArray(pages, a, pl.rows[a], fd.dayFirst)
	}
	if !raw {
		v.calibrate()
		v.weighByOCR(pages)
	}
	obj, meta, _ := buildObject(pl.root, v)
	return obj, meta, nil
}
