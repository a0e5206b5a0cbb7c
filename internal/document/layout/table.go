package layout

import (
	"cmp"
	"slices"

	"github.com/quarrylabs/quarry/internal/document"
)

// maxRowGap is how far apart (in units of text height) two rows may be and
// still be rows of one table: a table's rows are set like lines of text, so
// a wider gap is the end of the table.
const maxRowGap = 1.5

// proseWords is the median number of words per cell from which aligned rows
// are read as columns of running text rather than as a table.
const proseWords = 4

// findTables finds the runs of rows that form tables and records them.
func (a *analysis) findTables() {
	for i := 0; i < len(a.rows); {
		if len(a.rows[i].segs) < 2 {
			i++
			continue
		}
		gut := a.interiorGaps(i)
		last, multi := i, 1
		for j := i + 1; j < len(a.rows) && a.close(j-1, j) && !a.blankBetween(i, j); j++ {
			if len(a.rows[j].segs) >= 2 {
				g := a.keepFree(gut, j)
				if len(g) == 0 {
					break
				}
				gut, last = g, j
				multi++
				continue
			}
			// A one-segment row stays only inside the table: it must fit
			// the columns and the next row must carry the table on.
			if len(a.keepFree(gut, j)) != len(gut) || j+1 >= len(a.rows) ||
				len(a.rows[j+1].segs) < 2 || !a.close(j, j+1) || len(a.keepFree(gut, j+1)) == 0 {
				break
			}
			last = j
		}
		if multi >= 2 && !a.isProse(i, last, gut) {
			t := len(a.tables)
			a.tables = append(a.tables, table{first: i, last: last, gutters: gut})
			for r := i; r <= last; r++ {
				a.tableOf[r] = t
			}
			i = last + 1
			continue
		}
		i++
	}
}

// close reports whether row j follows row i closely enough to share a table.
func (a *analysis) close(i, j int) bool {
	return a.rows[j].top-a.rows[i].bottom <= maxRowGap*a.unit
}

// gap is the white space between rows j-1 and j.
func (a *analysis) gap(j int) float64 { return a.rows[j].top - a.rows[j-1].bottom }

// blankBetween reports whether a blank line separates row j from the row
// above it, in a run of rows that started at row first: a gap of most of a
// line that is half a line wider than the table's own spacing. The spacing
// is the gap above row j-1 when the run has one, else the gap below row j,
// so that a label and value block over an item table ends at the blank
// line between them, while a table set with a blank line between all its
// rows stays one table.
func (a *analysis) blankBetween(first, j int) bool {
	g := a.gap(j)
	if g < 0.75*a.unit {
		return false
	}
	var ref float64
	switch {
	case j-1 > first:
		ref = a.gap(j - 1)
	case j+1 < len(a.rows) && a.close(j, j+1):
		ref = a.gap(j + 1)
	default:
		return false
	}
	return g > ref+a.unit/2
}

// minGutter is the narrowest white space that separates table columns.
func (a *analysis) minGutter() float64 { return a.unit / 2 }

// interiorGaps are the gaps between the segments of row r.
func (a *analysis) interiorGaps(r int) []interval {
	segs := a.rows[r].segs
	var out []interval
	for k := 1; k < len(segs); k++ {
		lo := segs[k-1].x1
		for _, s := range segs[:k] {
			lo = max(lo, s.x1)
		}
		if segs[k].x0-lo >= a.minGutter() {
			out = append(out, interval{lo, segs[k].x0})
		}
	}
	return out
}

// keepFree narrows gutters to the parts row r leaves blank, dropping those
// that become narrower than a gutter.
func (a *analysis) keepFree(gutters []interval, r int) []interval {
	var out []interval
	for _, g := range gutters {
		parts := []interval{g}
		for _, s := range a.rows[r].segs {
			var next []interval
			for _, p := range parts {
				if s.x1 <= p.lo || s.x0 >= p.hi {
					next = append(next, p)
					continue
				}
				if s.x0 > p.lo {
					next = append(next, interval{p.lo, s.x0})
				}
				if s.x1 < p.hi {
					next = append(next, interval{s.x1, p.hi})
				}
			}
			parts = next
		}
		// A segment inside a gutter splits it; the widest part is the
		// gutter now, so a table keeps one gutter per column boundary.
		best := interval{}
		for _, p := range parts {
			if p.hi-p.lo > best.hi-best.lo {
				best = p
			}
		}
		if best.hi-best.lo >= a.minGutter() {
			out = append(out, best)
		}
	}
	return out
}

// column returns the column of a word: how many gutters lie left of its
// centre.
func (a *analysis) column(gutters []interval, w int) int {
	c := a.boxes[w].X + a.boxes[w].W/2
	k := 0
	for _, g := range gutters {
		if (g.lo+g.hi)/2 < c {
			k++
		}
	}
	return k
}

// isProse reports whether aligned rows are columns of running text: few
// columns whose cells are mostly long.
func (a *analysis) isProse(first, last int, gutters []interval) bool {
	if len(gutters) > 2 {
		return false
	}
	var counts []int
	for r := first; r <= last; r++ {
		n := make([]int, len(gutters)+1)
		for _, w := range a.rows[r].words {
			n[a.column(gutters, w)]++
		}
		for _, c := range n {
			if c > 0 {
				counts = append(counts, c)
			}
		}
	}
	slices.Sort(counts)
	return len(counts) > 0 && counts[(len(counts)-1)/2] >= proseWords
}

// buildTable makes the document table of t.
func (a *analysis) buildTable(t table) document.Table {
	ncol := len(t.gutters) + 1
	// left[k] is where column k starts, for the box of an empty cell.
	left := make([]float64, ncol)
	for k := range left {
		if k > 0 {
			left[k] = t.gutters[k-1].hi
		} else {
			left[k] = a.boxes[a.rows[t.first].words[0]].X
			for r := t.first; r <= t.last; r++ {
				for _, w := range a.rows[r].words {
					left[0] = min(left[0], a.boxes[w].X)
				}
			}
		}
	}
	var out document.Table
	for r := t.first; r <= t.last; r++ {
		rw := a.rows[r]
		cells := make([]document.Cell, ncol)
		for _, w := range rw.words {
			k := a.column(t.gutters, w)
			cells[k].Words = append(cells[k].Words, w)
		}
		for k := range cells {
			c := &cells[k]
			if len(c.Words) == 0 {
				c.Box = document.Box{X: left[k], Y: rw.top, W: 0, H: rw.height()}
				continue
			}
			slices.SortStableFunc(c.Words, func(i, j int) int { return cmp.Compare(a.boxes[i].X, a.boxes[j].X) })
			l := a.line(c.Words)
			c.Text, c.Box = l.Text, l.Box
			out.Box = out.Box.Union(c.Box)
		}
		out.Rows = append(out.Rows, cells)
	}
	return out
}
