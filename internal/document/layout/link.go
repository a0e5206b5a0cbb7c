package layout

import (
	"math"
	"slices"

	"github.com/quarrylabs/quarry/internal/document"
)

// edgeLines is how many lines may stand between a table and the page's edge
// for the table still to end (or start) its page: a running header or
// footer, a page number.
const edgeLines = 2

// LinkTables marks each table that continues a table of the previous page as
// Continued: the first table of a page when nothing but a running header
// stands above it, the previous page (numbered one less) ends with a table
// under which there is at most a footer, and the two have as many columns,
// starting at the same places within two text heights or 2% of the page
// width. Pages must have been through Analyze (or been built with lines and
// tables by their parser).
func LinkTables(doc *document.Document) {
	for i := 1; i < len(doc.Pages); i++ {
		prev, cur := &doc.Pages[i-1], &doc.Pages[i]
		if cur.Number != prev.Number+1 || len(prev.Tables) == 0 || len(cur.Tables) == 0 {
			continue
		}
		last, first := &prev.Tables[len(prev.Tables)-1], &cur.Tables[0]
		if linesBelow(prev, last.Box) > edgeLines || linesAbove(cur, first.Box) > edgeLines {
			continue
		}
		tol := max(2*textHeight(prev), 0.02*max(prev.Width, cur.Width))
		if sameColumns(columnEdges(last), columnEdges(first), tol) {
			first.Continued = true
		}
	}
}

// linesBelow counts the lines wholly under a box.
func linesBelow(p *document.Page, b document.Box) int {
	n := 0
	for _, l := range p.Lines {
		if l.Box.Y >= b.Y+b.H {
			n++
		}
	}
	return n
}

// linesAbove counts the lines wholly over a box.
func linesAbove(p *document.Page, b document.Box) int {
	n := 0
	for _, l := range p.Lines {
		if l.Box.Y+l.Box.H <= b.Y {
			n++
		}
	}
	return n
}

// textHeight is the median height of a page's lines, or 1 without lines.
func textHeight(p *document.Page) float64 {
	if len(p.Lines) == 0 {
		return 1
	}
	hs := make([]float64, len(p.Lines))
	for i, l := range p.Lines {
		hs[i] = l.Box.H
	}
	slices.Sort(hs)
	return max(hs[len(hs)/2], 1e-9)
}

// edges are where a table column's non-empty cells start and end: the
// leftmost left edge and the rightmost right edge, NaN for a column empty
// in every row.
type edges struct{ start, end float64 }

// columnEdges returns the edges of each column of a table.
func columnEdges(t *document.Table) []edges {
	var out []edges
	for _, row := range t.Rows {
		for k, c := range row {
			if k >= len(out) {
				out = append(out, edges{math.NaN(), math.NaN()})
			}
			if c.Text == "" {
				continue
			}
			if math.IsNaN(out[k].start) || c.Box.X < out[k].start {
				out[k].start = c.Box.X
			}
			if math.IsNaN(out[k].end) || c.Box.X+c.Box.W > out[k].end {
				out[k].end = c.Box.X + c.Box.W
			}
		}
	}
	return out
}

// sameColumns reports whether two tables have as many columns, each
// starting or ending at the same place within tol: a left-aligned column
// keeps its start from page to page, a right-aligned one (amounts) its
// end, whatever the widths of the texts in it — a header wider than the
// numbers under it goes on one page only.
func sameColumns(a, b []edges, tol float64) bool {
	if len(a) != len(b) || len(a) < 2 {
		return false
	}
	for k := range a {
		if math.IsNaN(a[k].start) || math.IsNaN(b[k].start) {
			continue
		}
		if math.Abs(a[k].start-b[k].start) > tol && math.Abs(a[k].end-b[k].end) > tol {
			return false
		}
	}
	return true
}
