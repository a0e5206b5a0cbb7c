package builtin

import (
	"math"
	"slices"
	"strings"

	"github.com/quarrylabs/quarry/internal/document"
)

// recordTables reads the document's fields from tables of one data row
// under a header that names them: "Customer | Invoice Number | Invoice
// Date | Total" over "Acme | INV-9 | 2024-04-01 | 99.00". The header says
// which cell is which field whatever the columns' order; a table of
// several rows holds many values per column and is left to the labels
// above it (see standalone) and to arrays of objects (see tableArray).
//
// Tables are found as tableArray finds them (readChains), in the parser's
// tables (CSV, Markdown, HTML, spreadsheets, Word) and in the header lines
// of laid-out pages (PDF, text), for the fields outside arrays. A cell is
// as sure a place as the value beside its label: surer than the words
// under a header that reading by lines clips to the header's width.
//
// It reads one page at a time, through the view scanPage made: a table of
// one row seldom runs onto the next page.
func (fd *finder) recordTables(v *pageView) {
	if fd.plan.scalars < 2 || !mayHoldRecord(v, fd.plan) {
		// A header names two fields at least (see readChains).
		return
	}
	page := []document.Page{*v.p}
	for _, c := range readChainsIn(page, fd.plan, func(int) *pageView { return v }) {
		if len(c.rows) != 1 {
			continue
		}
		row := c.rows[0]
		for ci, col := range c.cols {
			if ci >= len(row) || fd.plan.fields[col.field].list {
				continue
			}
			parts, cites := fragmentValues(row[ci], func(fr fragment) document.Cell { return c.withinColumn(fr, ci) })
			if len(parts) == 0 {
				continue
			}
			fd.emitCites(col.field, strings.Join(parts, " "), cites, col.score*placeSameLine)
		}
	}
}

// mayHoldRecord is a quick test before the tables of a page are read for
// records: a parser's table, or a line of which two segments are labels,
// as written, of fields of one value.
func mayHoldRecord(v *pageView, pl *plan) bool {
	if len(v.p.Tables) > 0 {
		return true
	}
	line, n := -1, 0
	for si, s := range v.segs {
		if len(v.lines[s.line].segs) < 2 {
			continue
		}
		if s.line != line {
			line, n = s.line, 0
		}
		if slices.ContainsFunc(pl.ix.exact[v.normText(si)], func(h labelHit) bool {
			return !h.scoped && !pl.fields[h.field].list
		}) {
			if n++; n == 2 {
				return true
			}
		}
	}
	return false
}

// withinColumn is a fragment's cell cut to the words whose middle stands
// between the headers beside column ci's, for a table read from its
// header line: where the layout ran two cells together ("12 Main St,
// Austin Nurse" under "Address" and "Occupation") the cell holds the next
// column's words too.
func (c *chain) withinColumn(fr fragment, ci int) document.Cell {
	if c.heads == nil || len(fr.cell.Words) == 0 {
		return fr.cell
	}
	lo, hi := math.Inf(-1), math.Inf(1)
	if ci > 0 && ci-1 < len(c.heads) {
		lo = c.heads[ci-1].X + c.heads[ci-1].W
	}
	if ci+1 < len(c.heads) {
		hi = c.heads[ci+1].X
	}
	var kept []int
	var texts []string
	for _, w := range fr.cell.Words {
		if w < 0 || w >= len(fr.page.Words) {
			continue
		}
		b := fr.page.Words[w].Box
		if mid := b.X + b.W/2; mid >= lo && mid < hi {
			kept = append(kept, w)
			texts = append(texts, fr.page.Words[w].Text)
		}
	}
	if len(kept) == len(fr.cell.Words) {
		return fr.cell
	}
	return document.Cell{Text: strings.Join(texts, " "), Words: kept}
}
