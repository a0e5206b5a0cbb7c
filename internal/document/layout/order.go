package layout

import (
	"cmp"
	"slices"
)

// atom is what the X-Y cut moves around: one segment of a row, or a whole
// table.
type atom struct {
	x0, x1 float64
	r0, r1 int   // first and last row
	words  []int // a segment's words; nil for a table
	table  int   // index in analysis.tables, or -1
}

// atoms returns the page's segments and tables.
func (a *analysis) atoms() []atom {
	var out []atom
	for t, tb := range a.tables {
		at := atom{r0: tb.first, r1: tb.last, table: t, x0: a.boxes[a.rows[tb.first].words[0]].X}
		at.x1 = at.x0
		for r := tb.first; r <= tb.last; r++ {
			for _, w := range a.rows[r].words {
				at.x0 = min(at.x0, a.boxes[w].X)
				at.x1 = max(at.x1, a.boxes[w].X+a.boxes[w].W)
			}
		}
		out = append(out, at)
	}
	for r, rw := range a.rows {
		if a.tableOf[r] >= 0 {
			continue
		}
		for _, s := range rw.segs {
			out = append(out, atom{x0: s.x0, x1: s.x1, r0: r, r1: r, words: s.words, table: -1})
		}
	}
	return out
}

// order emits the lines and tables of a region in reading order.
func (a *analysis) order(region []atom) {
	if len(region) == 0 {
		return
	}
	r0, r1 := region[0].r0, region[0].r1
	for _, at := range region {
		r0, r1 = min(r0, at.r0), max(r1, at.r1)
	}
	if r0 == r1 || (len(region) == 1 && region[0].table >= 0) {
		a.leaf(region)
		return
	}
	if parts := a.verticalCut(region); len(parts) > 1 {
		for _, p := range parts {
			a.order(p)
		}
		return
	}
	if parts := a.horizontalCut(region); len(parts) > 1 {
		for _, p := range parts {
			a.order(p)
		}
		return
	}
	a.leaf(region)
}

// verticalCut splits a region at every gutter running its whole height,
// returning the parts left to right, or nil.
func (a *analysis) verticalCut(region []atom) [][]atom {
	sorted := slices.Clone(region)
	slices.SortStableFunc(sorted, func(x, y atom) int { return cmp.Compare(x.x0, y.x0) })
	var parts [][]atom
	start, right := 0, sorted[0].x1
	for i := 1; i < len(sorted); i++ {
		if sorted[i].x0-right >= a.unit {
			parts = append(parts, sorted[start:i])
			start = i
		}
		right = max(right, sorted[i].x1)
	}
	if start == 0 {
		return nil
	}
	return append(parts, sorted[start:])
}

// horizontalCut splits a region between rows: at every strong gap, or else
// at the widest weak one (see the package doc). It returns the parts top to
// bottom, or nil when no row boundary is free of tables.
func (a *analysis) horizontalCut(region []atom) [][]atom {
	x0, x1 := region[0].x0, region[0].x1
	byRow := map[int][]atom{}
	var rows []int
	for _, at := range region {
		x0, x1 = min(x0, at.x0), max(x1, at.x1)
		for r := at.r0; r <= at.r1; r++ {
			if _, ok := byRow[r]; !ok {
				rows = append(rows, r)
			}
			byRow[r] = append(byRow[r], at)
		}
	}
	slices.Sort(rows)
	var strong []int // indexes into rows: cut after rows[i]
	weak, weakGap := -1, 0.0
	for i := 0; i+1 < len(rows); i++ {
		ra, rb := rows[i], rows[i+1]
		if spans(byRow[ra], rb) {
			continue
		}
		if !a.shareGutter(byRow[ra], byRow[rb], x0, x1) {
			strong = append(strong, i)
			continue
		}
		if gap := a.rows[rb].top - a.rows[ra].bottom; weak < 0 || gap > weakGap {
			weak, weakGap = i, gap
		}
	}
	cuts := strong
	if len(cuts) == 0 {
		if weak < 0 {
			return nil
		}
		cuts = []int{weak}
	}
	// part[k] holds the atoms whose first row lies between cut k-1 and cut k.
	parts := make([][]atom, len(cuts)+1)
	for _, at := range region {
		k, _ := slices.BinarySearchFunc(cuts, at.r0, func(c, r int) int { return cmp.Compare(rows[c], r) })
		parts[k] = append(parts[k], at)
	}
	return parts
}

// spans reports whether one of the atoms also covers row r.
func spans(atoms []atom, r int) bool {
	for _, at := range atoms {
		if at.r1 >= r && at.r0 <= r {
			return true
		}
	}
	return false
}

// shareGutter reports whether two rows leave a common vertical strip blank
// strictly inside the region [x0, x1], at least a unit wide.
func (a *analysis) shareGutter(ra, rb []atom, x0, x1 float64) bool {
	free := blank(ra, x0, x1)
	for _, g := range blank(rb, x0, x1) {
		for _, f := range free {
			lo, hi := max(g.lo, f.lo), min(g.hi, f.hi)
			if hi-lo >= a.unit && lo > x0 && hi < x1 {
				return true
			}
		}
	}
	return false
}

// blank returns the parts of [x0, x1] no atom covers.
func blank(atoms []atom, x0, x1 float64) []interval {
	sorted := slices.Clone(atoms)
	slices.SortStableFunc(sorted, func(x, y atom) int { return cmp.Compare(x.x0, y.x0) })
	var out []interval
	at := x0
	for _, s := range sorted {
		if s.x0 > at {
			out = append(out, interval{at, s.x0})
		}
		at = max(at, s.x1)
	}
	if at < x1 {
		out = append(out, interval{at, x1})
	}
	return out
}

// leaf emits a block: its rows top to bottom, each as one line, and each
// table (with its rows as lines) where its first row comes.
func (a *analysis) leaf(region []atom) {
	sorted := slices.Clone(region)
	slices.SortStableFunc(sorted, func(x, y atom) int {
		return cmp.Or(cmp.Compare(x.r0, y.r0), cmp.Compare(x.x0, y.x0))
	})
	for i := 0; i < len(sorted); {
		at := sorted[i]
		if at.table >= 0 {
			a.emitTable(at.table)
			i++
			continue
		}
		var words []int
		j := i
		for ; j < len(sorted) && sorted[j].table < 0 && sorted[j].r0 == at.r0; j++ {
			words = append(words, sorted[j].words...)
		}
		a.emitRow(at.r0, words)
		i = j
	}
}

// emitTable emits table t and its rows as lines.
func (a *analysis) emitTable(t int) {
	tb := a.tables[t]
	a.outTables = append(a.outTables, a.buildTable(tb))
	for r := tb.first; r <= tb.last; r++ {
		a.emitRow(r, nil)
	}
}
