package builtin

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/quarrylabs/quarry/internal/document"
)

// column says which field a table column fills, and how well its header
// names the field.
type column struct {
	field int
	score float64
}

// tableRows extracts one object per data row of the document's tables. A
// table's first non-empty row is its header, mapped to fields by the same
// label matching as elsewhere; a table whose header names no field is not a
// table of this schema and gives no rows. A table marked Continued, right
// after a table on the previous page, reuses that table's header and has
// no header row of its own.
func tableRows(ctx context.Context, doc *document.Document, fields []field, ix *labelIndex) ([]json.RawMessage, []json.RawMessage, error) {
	objects, metas := []json.RawMessage{}, []json.RawMessage{}
	var prev map[int]column // header of the last table seen
	var header []string     // its texts, to skip a header repeated in the rows
	prevPage := 0
	for pi := range doc.Pages {
		if err := ctx.Err(); err != nil {
			return nil, nil, fmt.Errorf("builtin engine: %w", err)
		}
		p := &doc.Pages[pi]
		for ti, t := range p.Tables {
			rows := t.Rows
			var cols map[int]column
			if t.Continued && ti == 0 && prev != nil && prevPage == p.Number-1 {
				cols = prev
			} else {
				h := slices.IndexFunc(rows, func(r []document.Cell) bool { return !emptyRow(r) })
				if h < 0 {
					prev = nil
					continue
				}
				cols, header, rows = mapHeader(rows[h], ix), cellTexts(rows[h]), rows[h+1:]
			}
			prev, prevPage = cols, p.Number
			if len(cols) == 0 {
				continue
			}
			for _, row := range rows {
				if emptyRow(row) || slices.Equal(cellTexts(row), header) {
					continue
				}
				obj, meta := rowObject(p, row, cols, fields)
				objects = append(objects, obj)
				metas = append(metas, meta)
			}
		}
	}
	return objects, metas, nil
}

func cellTexts(row []document.Cell) []string {
	out := make([]string, len(row))
	for i, c := range row {
		out[i] = strings.TrimSpace(c.Text)
	}
	return out
}

func emptyRow(row []document.Cell) bool {
	for _, c := range row {
		if strings.TrimSpace(c.Text) != "" {
			return false
		}
	}
	return true
}

// mapHeader assigns header cells to fields, best matches first, so that each
// column fills at most one field and each field comes from one column (the
// leftmost of equally good ones).
func mapHeader(header []document.Cell, ix *labelIndex) map[int]column {
	type pair struct {
		col   int
		field int
		score float64
	}
	var pairs []pair
	for i, c := range header {
		for _, h := range ix.match(c.Text) {
			pairs = append(pairs, pair{i, h.field, h.score})
		}
	}
	slices.SortStableFunc(pairs, func(a, b pair) int { return cmp.Compare(b.score, a.score) })
	cols := map[int]column{}
	used := map[int]bool{}
	for _, p := range pairs {
		if _, taken := cols[p.col]; taken || used[p.field] {
			continue
		}
		cols[p.col] = column{p.field, p.score}
		used[p.field] = true
	}
	return cols
}

// rowObject reads one data row. A cell that does not fit its field's type
// leaves the field null: the header says where the value is, so there is
// nowhere else to look.
func rowObject(p *document.Page, row []document.Cell, cols map[int]column, fields []field) (json.RawMessage, json.RawMessage) {
	values := make([]json.RawMessage, len(fields))
	metas := make([]fieldMeta, len(fields))
	for ci, col := range cols {
		if ci >= len(row) {
			continue
		}
		text, box, ok := cellValue(p, row[ci])
		if !ok {
			continue
		}
		v, ok := parseValue(fields[col.field].alts, text)
		if !ok {
			continue
		}
		score := col.score
		if !v.clean {
			score *= parseCoerced
		}
		values[col.field] = v.value
		metas[col.field] = citeOne(candidate{value: v, text: text, page: p.Number, box: box}, score)
	}
	return objectJSON(fields, values), metaJSON(fields, metas)
}
