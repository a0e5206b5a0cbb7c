package extract

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/quarrylabs/quarry/internal/document"
)

// Keys of a field's metadata entry that the configuration's flags govern.
var (
	citationKeys   = []string{"citation"}
	confidenceKeys = []string{"confidence", "extraction_confidence", "parsing_confidence"}
)

// ShowMetadata makes an engine's field metadata what the API shows for a
// job run with cfg on doc:
//
//   - citations only when cfg.CiteSources, confidences only when
//     cfg.ConfidenceScores, as the hosted service documents those flags
//     (expand=extract_metadata then shows what else there is, such as a
//     model's reasoning);
//   - every bounding box in points, whatever the format (see
//     document.PointsPerUnit), with its page's size in points beside it
//     as page_dimensions {width, height}, so that a viewer can scale a
//     highlight to any drawing of the page.
//
// Engines keep their own units and report everything; the worker calls this
// once on a run's outcome, before it is stored.
func ShowMetadata(m *FieldMetadata, result json.RawMessage, doc *document.Document, cfg Configuration) (*FieldMetadata, error) {
	if m == nil {
		return nil, nil
	}
	var res any
	if len(result) > 0 {
		if err := json.Unmarshal(result, &res); err != nil {
			return nil, fmt.Errorf("decode result: %w", err)
		}
	}
	pages := map[int]document.Page{}
	sx, sy := 1.0, 1.0
	if doc != nil {
		sx, sy = doc.PointsPerUnit()
		for _, p := range doc.Pages {
			pages[p.Number] = p
		}
	}
	fix := func(entry map[string]any) {
		if !cfg.CiteSources {
			for _, k := range citationKeys {
				delete(entry, k)
			}
		}
		if !cfg.ConfidenceScores {
			for _, k := range confidenceKeys {
				delete(entry, k)
			}
		}
		cites, _ := entry["citation"].([]any)
		for _, c := range cites {
			c, ok := c.(map[string]any)
			if !ok {
				continue
			}
			boxes, _ := c["bounding_boxes"].([]any)
			for _, b := range boxes {
				if b, ok := b.(map[string]any); ok {
					scale(b, "x", sx)
					scale(b, "w", sx)
					scale(b, "y", sy)
					scale(b, "h", sy)
				}
			}
			n, _ := c["page"].(float64)
			if p, ok := pages[int(n)]; ok && p.Width > 0 && p.Height > 0 {
				c["page_dimensions"] = map[string]float64{"width": round2(p.Width * sx), "height": round2(p.Height * sy)}
			}
		}
	}
	out := &FieldMetadata{}
	var err error
	if out.Document, err = rewrite(m.Document, res, fix); err != nil {
		return nil, err
	}
	items, _ := res.([]any)
	item := func(i int) any {
		if i < len(items) {
			return items[i]
		}
		return nil
	}
	for i, raw := range m.Pages {
		r, err := rewrite(raw, item(i), fix)
		if err != nil {
			return nil, err
		}
		out.Pages = append(out.Pages, r)
	}
	for i, raw := range m.Rows {
		r, err := rewrite(raw, item(i), fix)
		if err != nil {
			return nil, err
		}
		out.Rows = append(out.Rows, r)
	}
	return out, nil
}

func scale(b map[string]any, k string, by float64) {
	if v, ok := b[k].(float64); ok {
		b[k] = round2(v * by)
	}
}

// round2 keeps two decimals, a hundredth of a point: finer than any
// drawing, and short on the wire.
func round2(v float64) float64 { return math.Round(v*100) / 100 }

// rewrite calls fix on every entry of one metadata tree, walked beside the
// result it describes.
func rewrite(raw json.RawMessage, result any, fix func(map[string]any)) (json.RawMessage, error) {
	if len(raw) == 0 {
		return raw, nil
	}
	var meta any
	if err := json.Unmarshal(raw, &meta); err != nil {
		return nil, fmt.Errorf("decode field metadata: %w", err)
	}
	eachEntry(result, meta, fix)
	out, err := json.Marshal(meta)
	if err != nil {
		return nil, fmt.Errorf("encode field metadata: %w", err)
	}
	return out, nil
}

// eachEntry calls fn on every entry of meta, which mirrors the shape of the
// result v: a scalar's metadata is an entry, an array's a list with one
// element per element, an object's an object keyed by field. The result's
// shape decides, so a field named "citation" is still a field.
func eachEntry(v, meta any, fn func(map[string]any)) {
	switch v := v.(type) {
	case map[string]any:
		if mo, ok := meta.(map[string]any); ok {
			for k, mv := range mo {
				eachEntry(v[k], mv, fn)
			}
		}
	case []any:
		if ml, ok := meta.([]any); ok {
			for i, mv := range ml {
				var e any
				if i < len(v) {
					e = v[i]
				}
				eachEntry(e, mv, fn)
			}
		}
	case nil:
		// A value left null or out: its metadata is an entry, unless it is
		// an object's or a list's, whose members are walked as nulls.
		switch m := meta.(type) {
		case map[string]any:
			if isEntry(m) {
				fn(m)
				return
			}
			for _, mv := range m {
				eachEntry(nil, mv, fn)
			}
		case []any:
			for _, mv := range m {
				eachEntry(nil, mv, fn)
			}
		}
	default:
		if m, ok := meta.(map[string]any); ok {
			fn(m)
		}
	}
}

// isEntry tells a scalar's metadata entry from an object's metadata when the
// result has no value to say which.
func isEntry(m map[string]any) bool {
	if len(m) == 0 {
		return true
	}
	for _, k := range append(append([]string{"reasoning"}, citationKeys...), confidenceKeys...) {
		if _, ok := m[k]; ok {
			return true
		}
	}
	return false
}
