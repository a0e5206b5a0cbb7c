package builtin

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/quarrylabs/quarry/internal/document"
)

// column says which field of a row plan a table column fills, and how well
// its header names the field.
type column struct {
	field int
	score float64
}

// fragment is a piece of a cell: a cell wrapped onto a second row of the
// table gives a row its two fragments.
type fragment struct {
	page *document.Page
	cell document.Cell
}

// dataRow is one row of a table as the engine reads it: by column, the
// fragments of its cell.
type dataRow [][]fragment

// chain is a table and its continuations on the following pages, read for
// one row plan: which columns fill which fields, and the data rows.
type chain struct {
	header []string // normalized texts of the mapped header cells, by column
	cols   map[int]column
	score  float64 // sum of the mapped columns' scores
	rows   []dataRow
	above  string // the text of the line right above the table
	// zones are the boundaries between the columns of a table read from
	// its header line (nil for a parser's table).
	zones []float64
	// heads are the boxes of the header line's cells (nil for a parser's
	// table).
	heads []document.Box
	// cellZones are the boundaries between the header cells of a parser's
	// table that has their boxes: where its rows go on, by geometry, on a
	// page that does not mark them continued.
	cellZones []float64
	// closed is set after a closing summary row: the rest of the table is
	// its footer.
	closed bool
}

// readChains reads the tables of the pages for the fields of rp. A table
// is found by its header line (see lineChains), so that a table reads the
// same whatever the layout analysis made of it; a page with no such line
// falls back to the tables its parser found (CSV, Markdown), whose header
// is the first of their first three rows that names the most fields. A
// table marked Continued at the top of a page, right after a table read on
// the previous page, adds its rows to that table.
func readChains(pages []document.Page, rp *plan) []*chain {
	return readChainsIn(pages, rp, nil)
}

// readChainsIn is readChains reading page i through view(i), a view made
// already, when view is not nil.
func readChainsIn(pages []document.Page, rp *plan, view func(i int) *pageView) []*chain {
	var out []*chain
	var open *chain // the chain the next page may continue
	openPage := 0
	need := min(2, len(rp.fields))
	for pi := range pages {
		p := &pages[pi]
		if open != nil && openPage != p.Number-1 {
			open = nil
		}
		var v *pageView
		if view != nil {
			v = view(pi)
		} else {
			v = newPageView(p)
		}
		// The parser's tables win when their headers name as many fields as
		// the page's best header line: their cells are exact (CSV).
		tb, lb := 0, 0
		for _, t := range p.Tables {
			if _, cols, _ := pickHeader(t.Rows, rp.ix); len(cols) >= need {
				tb = max(tb, len(cols))
			}
		}
		for _, r := range rowsOf(v) {
			if c, ok := headerChain(v, r, rp, need); ok {
				lb = max(lb, len(c.cols))
			}
		}
		if open != nil && open.cellZones != nil && !open.closed && lb == 0 && tb == 0 &&
			(len(p.Tables) == 0 || !p.Tables[0].Continued) {
			// A parser's table the layout did not link to this page: its
			// rows may still go on here, in its header's columns.
			geo := &chain{cols: open.cols, header: open.header, zones: open.cellZones}
			if found := lineChains(v, rp, geo, need); len(found) > 0 {
				for _, c := range found {
					if c != geo {
						out = append(out, c)
					}
				}
				open.rows = append(open.rows, geo.rows...)
				open.closed = geo.closed
				if last := found[len(found)-1]; last != geo {
					open = last
				}
				openPage = p.Number
				continue
			}
		}
		useLines := lb > tb || lb == 0 && tb == 0 && open != nil && open.zones != nil
		geo := lineChains(v, rp, open, need)
		// Equal headers: the lines win when they read more rows, as when
		// an item's second row (an article number) cut the parser's table.
		useLines = useLines || lb > 0 && lb == tb && chainRows(geo) > tableRows(p.Tables, rp, need)
		if useLines && len(geo) > 0 {
			for _, c := range geo {
				if c != open {
					out = append(out, c)
				}
			}
			open, openPage = geo[len(geo)-1], p.Number
			continue
		}
		for ti, t := range p.Tables {
			if t.Continued && ti == 0 && open != nil && open.zones == nil {
				open.closed = false
				open.addRows(p, t.Rows, rp)
				openPage = p.Number
				continue
			}
			open = nil
			h, cols, score := pickHeader(t.Rows, rp.ix)
			if h < 0 || len(cols) < need {
				continue
			}
			c := &chain{cols: cols, score: score, header: make([]string, len(t.Rows[h])), above: lineAbove(p, t.Box)}
			for ci := range cols {
				c.header[ci] = norm(t.Rows[h][ci].Text)
			}
			c.cellZones = cellZones(t.Rows[h])
			c.addRows(p, t.Rows[h+1:], rp)
			out = append(out, c)
			open, openPage = c, p.Number
		}
	}
	return out
}

// cellZones are the boundaries between a header row's cells, halfway
// between neighbours, or nil when the cells have no boxes left to right.
func cellZones(header []document.Cell) []float64 {
	var zones []float64
	for i := 0; i+1 < len(header); i++ {
		a, b := header[i].Box, header[i+1].Box
		if a.W <= 0 || b.W <= 0 || b.X < a.X+a.W {
			return nil
		}
		zones = append(zones, (a.X+a.W+b.X)/2)
	}
	return zones
}

// row is the segments of a page at one height, left to right.
type segRow []int

// rowsOf groups a page's segments into rows by their vertical position,
// top to bottom.
func rowsOf(v *pageView) []segRow {
	order := make([]int, len(v.segs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		return cmp.Or(cmp.Compare(v.segs[a].box.Y, v.segs[b].box.Y), cmp.Compare(v.segs[a].box.X, v.segs[b].box.X))
	})
	var rows []segRow
	for _, si := range order {
		if n := len(rows); n > 0 {
			first := v.segs[rows[n-1][0]].box
			if math.Abs(v.segs[si].box.Y-first.Y) < v.height(si)/2 {
				rows[n-1] = append(rows[n-1], si)
				continue
			}
		}
		rows = append(rows, segRow{si})
	}
	for _, r := range rows {
		slices.SortFunc(r, func(a, b int) int { return cmp.Compare(v.segs[a].box.X, v.segs[b].box.X) })
	}
	return rows
}

// lineChains finds tables by their header line: a row of segments of which
// at least need name a field. Its segments are the columns; each column
// reaches halfway to its neighbours, so a right-aligned amount under
// "Amount" and a long description under "Description" both land in their
// column. The rows below are the table's, one data row per line, until a
// blank gap of more than two lines, a line that reads as prose across the
// columns, or the next header. When open continues onto this page (its
// layout table is marked Continued) and no header starts the page, the
// lines at the top are open's rows.
func lineChains(v *pageView, rp *plan, open *chain, need int) []*chain {
	rows := rowsOf(v)
	var out []*chain
	cur := (*chain)(nil)
	start := math.Inf(-1) // where open's rows start on this page
	switch {
	case open == nil || open.zones == nil:
	case len(v.p.Tables) > 0 && v.p.Tables[0].Continued:
		cur, open.closed = open, false
		start = v.p.Tables[0].Box.Y
		out = append(out, open)
	case !open.closed:
		if y, ok := open.continuesAt(v, rows, rp); ok {
			cur, start = open, y
			out = append(out, open)
		}
	}
	prevBottom := math.Inf(-1)
	notes := false // after a note under an item, until the next item
	for ri, r := range rows {
		top := v.segs[r[0]].box.Y
		h := v.height(r[0])
		if c, ok := headerChain(v, r, rp, need); ok {
			c.above = ""
			if ri > 0 {
				c.above = v.text(rows[ri-1][0])
			}
			cur, notes = c, false
			out = append(out, c)
			prevBottom = top + h
			continue
		}
		if cur == nil {
			continue
		}
		if cur == open && top < start-h/2 {
			continue // a running header above the continued table
		}
		afterGap := prevBottom > math.Inf(-1) && top-prevBottom > 0.8*h
		if afterGap && (top-prevBottom > 2.5*h || len(r) == 1 && len(cur.cols) > 1) {
			// Far below, or a lone line of text after a blank line: the
			// table has ended, unless an item follows (see items.go).
			goOn, skip := cur.gapContinues(v, rows, ri, rp, prevBottom)
			if !goOn || cur.closed {
				cur = nil
				continue
			}
			if skip {
				prevBottom, notes = top+h, true
				continue
			}
		}
		cells, ok := cur.cells(v, r)
		if !ok {
			// Prose ends the table, unless it is a note under an item
			// and another item follows.
			if goOn, _ := cur.gapContinues(v, rows, ri, rp, prevBottom); goOn && !cur.closed {
				prevBottom, notes = top+h, true
				continue
			}
			cur = nil
			continue
		}
		prevBottom = top + h
		if cur.closed {
			continue
		}
		if notes {
			if !cur.isItem(v.p, cells, rp) {
				continue // the rest of the notes under an item
			}
			notes = false
		}
		cur.addRows(v.p, [][]document.Cell{cells}, rp)
	}
	return out
}

// continuesAt reports whether a page goes on with the chain's rows where
// the layout did not mark it continued (a column empty on a whole page
// makes its table look like another one), and where they start: one of the
// first three rows of the page, after a running header at most and before
// any header line, fits the chain's columns and gives at least two of its
// fields (one for a single-column table) a value of their type.
func (c *chain) continuesAt(v *pageView, rows []segRow, rp *plan) (float64, bool) {
	need := min(2, len(c.cols))
	for ri, r := range rows {
		if ri >= 3 {
			break
		}
		if _, ok := headerChain(v, r, rp, need); ok {
			return 0, false
		}
		if len(r) < need {
			continue
		}
		cells, ok := c.cells(v, r)
		if !ok || summaryKind(cells, c.cols) != summaryNone {
			continue
		}
		row := make(dataRow, len(cells))
		for ci, cell := range cells {
			if strings.TrimSpace(cell.Text) != "" {
				row[ci] = []fragment{{v.p, cell}}
			}
		}
		vals, _ := rowValues(row, c.cols, rp, 0)
		if len(vals.leaf)+len(vals.items) >= need {
			return v.segs[r[0]].box.Y, true
		}
	}
	return 0, false
}

// headerChain reads a row as a table header if enough of its segments are
// labels of the plan's fields.
func headerChain(v *pageView, r segRow, rp *plan, need int) (*chain, bool) {
	if len(r) < 2 {
		return nil, false
	}
	header := make([]document.Cell, len(r))
	for i, si := range r {
		header[i] = document.Cell{Text: v.text(si), Box: v.segs[si].box}
	}
	cols := mapHeader(header, rp.ix)
	if len(cols) < max(need, 1) {
		return nil, false
	}
	c := &chain{cols: cols, header: make([]string, len(r))}
	for ci, col := range cols {
		c.score += col.score
		c.header[ci] = norm(header[ci].Text)
	}
	for i := 0; i+1 < len(r); i++ {
		a, b := v.segs[r[i]].box, v.segs[r[i+1]].box
		c.zones = append(c.zones, (a.X+a.W+b.X)/2)
	}
	for _, si := range r {
		c.heads = append(c.heads, v.segs[si].box)
	}
	return c, true
}

// cells places a row's segments in the chain's columns, by where their
// middle falls. A segment that crosses a column boundary by more than half
// of the next column's width is prose, not a cell: the table has ended.
func (c *chain) cells(v *pageView, r segRow) ([]document.Cell, bool) {
	cells := make([]document.Cell, len(c.zones)+1)
	for _, si := range r {
		b := v.segs[si].box
		crossed := 0
		for _, z := range c.zones {
			if z > b.X+v.height(si) && z < b.X+b.W-v.height(si) {
				crossed++
			}
		}
		if crossed >= 2 {
			return nil, false
		}
		mid := b.X + b.W/2
		k, _ := slices.BinarySearch(c.zones, mid)
		lt := &v.lines[v.segs[si].line]
		s := lt.segs[v.segs[si].seg]
		text := strings.ReplaceAll(lt.text(s), string(gap), " ")
		if strings.Trim(text, "-:=_|+ ") == "" {
			continue // a rule or a Markdown delimiter row
		}
		cell := &cells[k]
		if cell.Text != "" {
			cell.Text += " "
		}
		cell.Text += text
		cell.Box = cell.Box.Union(b)
		for i := s.from; i < s.to; i++ {
			if w := lt.word[i]; w >= 0 && !slices.Contains(cell.Words, w) {
				cell.Words = append(cell.Words, w)
			}
		}
	}
	if emptyRow(cells) {
		return cells, len(r) > 0
	}
	return cells, true
}

// pickHeader chooses the header row of a table.
func pickHeader(rows [][]document.Cell, ix *labelIndex) (int, map[int]column, float64) {
	best, bestCols, bestScore := -1, map[int]column(nil), 0.0
	seen := 0
	for i, r := range rows {
		if emptyRow(r) {
			continue
		}
		if seen++; seen > 3 {
			break
		}
		cols := mapHeader(r, ix)
		score := 0.0
		for _, c := range cols {
			score += c.score
		}
		if score > bestScore {
			best, bestCols, bestScore = i, cols, score
		}
	}
	return best, bestCols, bestScore
}

// addRows appends the data rows of one table part. Summary rows (totals,
// taxes, balances) are left out: after a closing one (a total, a subtotal,
// "carried forward") the rest of the part is the invoice's footer, not
// items. A row with a single non-empty cell of text, under a row of items,
// is that row's cell wrapped onto a second line.
func (c *chain) addRows(p *document.Page, rows [][]document.Cell, rp *plan) {
	start := len(c.rows)
	for _, r := range rows {
		if emptyRow(r) || c.isHeader(r) {
			continue
		}
		if c.closed {
			return
		}
		switch summaryKind(r, c.cols) {
		case summaryClosing:
			c.closed = true
			return
		case summaryOpening:
			continue
		}
		if len(c.rows) > 0 {
			last := c.rows[len(c.rows)-1]
			switch kind := c.subRow(r, rp, last); kind {
			case rowSkip:
				continue
			case rowFill:
				c.fill(p, r, rp, last)
				continue
			case rowWrap:
				c.fill(p, r, rp, last)
				continue
			}
		}
		if ci, ok := c.wrapped(r, rp); ok && len(c.rows) > start {
			last := c.rows[len(c.rows)-1]
			last[ci] = append(last[ci], fragment{p, r[ci]})
			continue
		}
		row := make(dataRow, len(r))
		for ci, cell := range r {
			if strings.TrimSpace(cell.Text) != "" {
				row[ci] = []fragment{{p, cell}}
			}
		}
		c.rows = append(c.rows, row)
	}
}

// isHeader reports whether a row repeats the chain's header, as tables
// continued on a new page often do.
func (c *chain) isHeader(r []document.Cell) bool {
	matched := 0
	for ci := range c.cols {
		if ci < len(r) && norm(r[ci].Text) == c.header[ci] {
			matched++
		}
	}
	return matched == len(c.cols)
}

// wrapped reports whether a row is a cell of the row above wrapped onto a
// second line: one non-empty cell, in a column of plain text.
func (c *chain) wrapped(r []document.Cell, rp *plan) (int, bool) {
	only := -1
	for ci, cell := range r {
		if strings.TrimSpace(cell.Text) == "" {
			continue
		}
		if only >= 0 {
			return 0, false
		}
		only = ci
	}
	col, ok := c.cols[only]
	if !ok {
		return 0, false
	}
	f := rp.fields[col.field]
	if f.list || len(f.alts) == 0 || f.alts[0].kind != kindString || f.alts[0].format != "" || f.alts[0].enum != nil || f.hint != hintNone {
		return 0, false
	}
	// A text that reads as a number or a date is a value of its own row.
	if _, _, ok := parseNumber(r[only].Text); ok {
		return 0, false
	}
	if _, _, ok := parseDate(r[only].Text); ok {
		return 0, false
	}
	return only, true
}

// Kinds of summary rows.
const (
	summaryNone    = iota
	summaryOpening // a balance brought forward: skipped, items follow
	summaryClosing // a total, a tax, a balance carried forward: the items are over
)

// openingLabels and closingLabels name summary rows, normalized.
var (
	openingLabels = []string{"opening balance", "beginning balance", "previous balance", "balance brought forward", "brought forward", "starting balance", "balance forward"}
	// Discounts, shipping and fees are not among them: invoices list them
	// as items as often as under the subtotal.
	closingLabels = []string{"total", "subtotal", "sub total", "grand total", "tax", "vat", "gst", "sales tax", "amount due", "balance due", "total due",
		"closing balance", "ending balance", "new balance", "balance carried forward", "carried forward", "net total", "total amount", "amount paid"}
)

// summaryKind tells a summary row from an item: a cell that is a summary
// label, with at least one column left empty, as a total row leaves the
// quantity blank.
func summaryKind(r []document.Cell, cols map[int]column) int {
	empty := false
	for ci := range cols {
		if ci >= len(r) || strings.TrimSpace(r[ci].Text) == "" {
			empty = true
		}
	}
	for _, cell := range r {
		if strings.TrimSpace(cell.Text) == "" {
			empty = true
		}
	}
	if !empty && !totalCellFirst(r) {
		return summaryNone
	}
	for _, cell := range r {
		l := labelCore(cell.Text)
		if l == "" {
			continue
		}
		switch {
		case slices.Contains(openingLabels, l):
			return summaryOpening
		case slices.Contains(closingLabels, l) || strings.HasPrefix(l, "total ") || strings.HasPrefix(l, "subtotal ") ||
			strings.HasSuffix(l, " total"):
			return summaryClosing
		}
	}
	return summaryNone
}

// lineAbove is the text of the line that ends closest above a box, within
// three of its lines: a table's caption ("Line items", "Transactions").
func lineAbove(p *document.Page, b document.Box) string {
	best, bestY := "", -1.0
	for _, l := range p.Lines {
		bottom := l.Box.Y + l.Box.H
		if bottom <= b.Y+1e-9 && bottom > bestY && b.Y-bottom <= 3*max(l.Box.H, 1e-9) {
			best, bestY = l.Text, bottom
		}
	}
	return best
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
// leftmost of equally good ones). Scoped labels do not count: a header cell
// "Name" names a top-level name, not the name of a nested object.
func mapHeader(header []document.Cell, ix *labelIndex) map[int]column {
	type pair struct {
		col   int
		field int
		score float64
	}
	var pairs []pair
	for i, c := range header {
		for _, h := range ix.match(c.Text) {
			if !h.scoped {
				pairs = append(pairs, pair{i, h.field, h.score})
			}
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

// rowValues reads one data row for the fields of rp. A cell that does not
// fit its field's type leaves the field empty: the header says where the
// value is, so there is nowhere else to look.
func rowValues(row dataRow, cols map[int]column, rp *plan, dayFirst int) (*values, bool) {
	v := newValues()
	found := false
	fd := newFinder(rp)
	fd.dayFirst = dayFirst
	for ci, col := range cols {
		if ci >= len(row) || len(row[ci]) == 0 {
			continue
		}
		parts, cites := fragmentValues(row[ci], func(fr fragment) document.Cell { return fr.cell })
		if len(parts) == 0 {
			continue
		}
		f := rp.fields[col.field]
		if f.list {
			var items []leafValue
			for i, part := range strings.Split(strings.Join(parts, ", "), ",") {
				part = strings.TrimSpace(part)
				if c, ok := fd.parse(col.field, part, []cite{cites[min(i, len(cites)-1)]}, col.score); ok && part != "" {
					items = append(items, leafValue{value: c.value.value, cites: c.cites, conf: c.score})
				}
			}
			if len(items) > 0 {
				v.items[f.prop], found = items, true
			}
			continue
		}
		c, ok := fd.parse(col.field, strings.Join(parts, " "), cites, col.score)
		if !ok {
			continue
		}
		v.leaf[f.prop], found = leafValue{value: c.value.value, cites: c.cites, conf: c.score}, true
	}
	return v, found
}

// fragmentValues reads the values of a cell's fragments, each through
// cell, and where they stand.
func fragmentValues(frags []fragment, cell func(fragment) document.Cell) ([]string, []cite) {
	var parts []string
	var cites []cite
	for _, fr := range frags {
		text, box, ok := cellValue(fr.page, cell(fr))
		if !ok {
			continue
		}
		parts = append(parts, text)
		cites = append(cites, cite{page: fr.page.Number, text: text, box: box})
	}
	return parts, cites
}

// tableArray fills an array of objects from the tables of the pages: the
// chain whose header names the most of the items' fields (a caption naming
// the array breaks ties), and every other chain with the same columns,
// since a table the layout could not link across a page break is still the
// same list. One element per data row; rp is the plan of a row.
func tableArray(pages []document.Page, a *prop, rp *plan, docOrder int) []*values {
	if len(rp.fields) == 0 {
		return nil
	}
	chains := readChains(pages, rp)
	if len(chains) == 0 {
		return nil
	}
	labels := baseLabels(a)
	rank := func(c *chain) float64 {
		s := c.score
		above := norm(strings.TrimRight(strings.TrimSpace(c.above), ":"))
		for _, l := range labels {
			if above == l.text {
				s += 0.5
			}
		}
		return s
	}
	best := slices.MaxFunc(chains, func(x, y *chain) int { return cmp.Compare(rank(x), rank(y)) })
	var out []*values
	for _, c := range chains {
		if c != best && !sameColumns(c, best) {
			continue
		}
		order := c.dateOrder(docOrder)
		for _, r := range c.rows {
			if v, ok := rowValues(r, c.cols, rp, order); ok {
				out = append(out, v)
			}
		}
	}
	return out
}

// dateOrder is how the chain's numeric dates are written (see dateOrder):
// as its own cells show, or else as the document does (docOrder).
func (c *chain) dateOrder(docOrder int) int {
	var texts []string
	for _, r := range c.rows {
		for _, frags := range r {
			for _, fr := range frags {
				texts = append(texts, strings.Fields(fr.cell.Text)...)
			}
		}
	}
	if o := dateOrder(texts); o != 0 {
		return o
	}
	return docOrder
}

// docDateOrder is how the pages write numeric dates (see dateOrder).
func docDateOrder(pages []document.Page) int {
	var texts []string
	for _, p := range pages {
		for _, w := range p.Words {
			texts = append(texts, w.Text)
		}
	}
	if o := dateOrder(texts); o != 0 {
		return o
	}
	if o := languageDateOrder(texts); o != 0 {
		return o
	}
	return localeDateOrder(texts)
}

// sameColumns reports whether two chains fill the same fields from headers
// written the same way.
func sameColumns(a, b *chain) bool {
	if len(a.cols) != len(b.cols) {
		return false
	}
	fields := map[int]string{}
	for ci, c := range a.cols {
		fields[c.field] = a.header[ci]
	}
	for ci, c := range b.cols {
		if h, ok := fields[c.field]; !ok || h != b.header[ci] {
			return false
		}
	}
	return true
}
