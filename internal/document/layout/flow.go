package layout

import (
	"cmp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/budget"
)

// Flow sets flowing content — paragraphs and tables, as DOCX and HTML hold
// them — on notional pages, so that every word gets a box and a citation can
// point at it the way it points into a PDF. It is the reverse of Analyze: the
// structure is known and the positions are made up, plausibly. Units are
// points; a character is half its font size wide (a CJK one its full size)
// and a line 1.2 times its largest font size high, which is close to what a
// word processor draws in a proportional font, and the same for every reader
// of the same file.
//
// Pages end at PageBreak and, when FlowOptions.Paginate is set, wherever the
// content overflows the page; a table cut by either goes on as a Continued
// table on the next page.
type Flow struct {
	opts  FlowOptions
	pages []*flowPage
	y     float64 // where the next line goes on the last page
	// items of the paragraph being written.
	para []flowItem
	word strings.Builder
	// wordLen is the word's length in characters, maxWord the most it may
	// be.
	wordLen, maxWord int
	size             float64 // of the word being written: its first piece's
	// err stops the flow: too many pages, or a limit of the budget.
	err error
}

// FlowOptions describes the notional page.
type FlowOptions struct {
	// Width and Height of a page, in points. Default to US Letter, 612 by
	// 792.
	Width, Height float64
	// Margins between the page's edges and its text, in points. Default to
	// 72 (an inch) each.
	Top, Right, Bottom, Left float64
	// FontSize is the size of text given with size 0. Defaults to 11.
	FontSize float64
	// Paginate starts a new page where content would overflow one. Without
	// it pages end only at PageBreak and grow to hold what they get.
	Paginate bool
	// Header and Footer are paragraphs set in the top and bottom margins of
	// every page. Default to none.
	Header, Footer []string
	// MaxPages fails the flow once it needs more pages. Defaults to no limit
	// (0).
	MaxPages int
	// Budget counts the words, text and table cells the flow makes, and
	// the words of each page, against the server's limits; the flow stops
	// at the first limit, before it makes what would pass it. Defaults to
	// a budget at budget.Limits' defaults (nil).
	Budget *budget.Budget
}

func (o FlowOptions) withDefaults() FlowOptions {
	o.Width = cmp.Or(o.Width, 612)
	o.Height = cmp.Or(o.Height, 792)
	o.Top, o.Right, o.Bottom, o.Left = cmp.Or(o.Top, 72), cmp.Or(o.Right, 72), cmp.Or(o.Bottom, 72), cmp.Or(o.Left, 72)
	o.FontSize = cmp.Or(o.FontSize, 11)
	if o.Budget == nil {
		o.Budget = budget.New(budget.Limits{})
	}
	// A page too narrow for a character would put every word on its own
	// line with nothing to stop it; keep at least ten characters of room.
	if o.Width-o.Left-o.Right < 10*o.FontSize {
		o.Left, o.Right = 0, 0
		o.Width = max(o.Width, 10*o.FontSize)
	}
	if o.Height-o.Top-o.Bottom < 2*o.FontSize {
		o.Top, o.Bottom = 0, 0
		o.Height = max(o.Height, 2*o.FontSize)
	}
	return o
}

// flowItem is a word, a line break or a page break of a paragraph.
type flowItem struct {
	text      string
	size      float64
	lineBreak bool
	pageBreak bool
}

type flowPage struct {
	page document.Page
	// table is the index in page.Tables of the table being set on this
	// page, or -1.
	table int
}

// FlowTable is a table to set.
type FlowTable struct {
	// Widths are the columns' relative widths; they are scaled to the text
	// width. Defaults to equal columns.
	Widths []float64
	Rows   []FlowRow
}

// FlowRow is a row of a FlowTable.
type FlowRow struct {
	Cells []FlowCell
	// BreakBefore starts a new page before the row.
	BreakBefore bool
}

// FlowCell is a cell of a FlowRow.
type FlowCell struct {
	// Text is the cell's text; newlines separate its paragraphs.
	Text string
	// Size is the font size; 0 means FlowOptions.FontSize.
	Size float64
	// Span is how many columns the cell covers. Defaults to 1. The columns
	// it covers after its first hold empty cells in the document table, so
	// that every row has a cell per column.
	Span int
}

// NewFlow starts a flow on its first page.
func NewFlow(opts FlowOptions) *Flow {
	f := &Flow{opts: opts.withDefaults()}
	f.maxWord = f.opts.Budget.Limits().MaxLineLength
	f.newPage()
	return f
}

// Text adds text to the current paragraph in a font of the given size (0
// for the default). White space separates words; text with none is glued
// to the word before it, so a word split over several calls (as runs of a
// DOCX split words) stays one word.
func (f *Flow) Text(s string, size float64) {
	if f.err != nil {
		return
	}
	if size <= 0 {
		size = f.opts.FontSize
	}
	for _, r := range s {
		if unicode.IsSpace(r) {
			f.endWord()
			continue
		}
		if f.word.Len() == 0 {
			f.size = size
		}
		if f.wordLen++; f.wordLen > f.maxWord {
			f.fail(f.opts.Budget.LineError())
			return
		}
		f.word.WriteRune(r)
	}
}

func (f *Flow) endWord() {
	if f.word.Len() > 0 && f.err == nil {
		if err := f.opts.Budget.Words(1, f.word.Len()); err != nil {
			f.fail(err)
			return
		}
		f.para = append(f.para, flowItem{text: f.word.String(), size: f.size})
	}
	f.word.Reset()
	f.wordLen = 0
}

// fail stops the flow at its first error, dropping what is pending: a
// flow that failed makes nothing more.
func (f *Flow) fail(err error) {
	if f.err == nil {
		f.err = err
	}
	f.para = nil
	f.word.Reset()
	f.wordLen = 0
}

// LineBreak ends the current line without ending the paragraph.
func (f *Flow) LineBreak() {
	f.endWord()
	f.para = append(f.para, flowItem{lineBreak: true})
}

// PageBreak continues the flow on a new page, unless nothing has been set on
// the current one yet: files often mark one page end twice (DOCX writes a
// break and the rendered page end after it).
func (f *Flow) PageBreak() {
	f.endWord()
	f.para = append(f.para, flowItem{pageBreak: true})
}

// EndParagraph sets the current paragraph.
func (f *Flow) EndParagraph() {
	f.endWord()
	items := f.para
	f.para = nil
	if len(items) == 0 || f.err != nil {
		return
	}
	var run []flowItem
	set := func() {
		for _, l := range f.wrap(run, f.opts.Width-f.opts.Left-f.opts.Right) {
			f.placeLine(l)
		}
		run = run[:0]
	}
	placed := false
	for _, it := range items {
		switch {
		case it.pageBreak:
			set()
			f.breakPage()
		case it.lineBreak:
			if len(run) == 0 {
				f.y += 1.2 * f.opts.FontSize // an empty line
				continue
			}
			set()
		default:
			run = append(run, it)
			placed = true
		}
	}
	set()
	if placed {
		f.y += 0.4 * f.opts.FontSize // space between paragraphs
	}
}

// placed is a word positioned on a line, relative to the line's left edge.
type placed struct {
	text string
	size float64
	x, w float64
}

// wrap breaks words into lines of at most width points. A word wider than
// a line gets a line of its own.
func (f *Flow) wrap(words []flowItem, width float64) [][]placed {
	var lines [][]placed
	var cur []placed
	x := 0.0
	for _, it := range words {
		w := textWidth(it.text, it.size)
		space := 0.5 * it.size
		if len(cur) > 0 && x+space+w > width {
			lines = append(lines, cur)
			cur, x = nil, 0
		}
		if len(cur) > 0 {
			x += space
		}
		cur = append(cur, placed{text: it.text, size: it.size, x: x, w: w})
		x += w
	}
	if len(cur) > 0 {
		lines = append(lines, cur)
	}
	return lines
}

// textWidth is the notional width of a word.
func textWidth(s string, size float64) float64 {
	n := 0.0
	for _, r := range s {
		if wide(r) {
			n += 1
		} else {
			n += 0.5
		}
	}
	return n * size
}

// wide reports whether r is set in a full em: Han, kana and Hangul.
func wide(r rune) bool {
	return r >= 0x1100 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r))
}

func lineHeight(l []placed) float64 {
	h := 0.0
	for _, p := range l {
		h = max(h, 1.2*p.size)
	}
	return h
}

// placeLine sets one line of a paragraph at the left margin.
func (f *Flow) placeLine(l []placed) {
	h := lineHeight(l)
	f.makeRoom(h)
	if f.err != nil {
		return
	}
	pg := f.last()
	if err := f.opts.Budget.PageWords(len(pg.page.Words) + len(l)); err != nil {
		f.fail(err)
		return
	}
	pg.table = -1
	line := document.Line{}
	for i, w := range l {
		line.Words = append(line.Words, f.addWord(pg, f.opts.Left+w.x, f.y, h, w))
		if i > 0 {
			line.Text += " "
		}
		line.Text += w.text
		line.Box = line.Box.Union(pg.page.Words[line.Words[i]].Box)
	}
	pg.page.Lines = append(pg.page.Lines, line)
	f.y += h
}

// addWord adds a word on a line whose top is y and height h, its bottom on
// the line's bottom, and returns its index.
func (f *Flow) addWord(pg *flowPage, x, y, h float64, w placed) int {
	pg.page.Words = append(pg.page.Words, document.Word{
		Text: w.text,
		Box:  document.Box{X: x, Y: y + h - 1.2*w.size, W: w.w, H: 1.2 * w.size},
	})
	return len(pg.page.Words) - 1
}

// makeRoom starts a new page if h more points would overflow this one.
func (f *Flow) makeRoom(h float64) {
	if f.opts.Paginate && f.y+h > f.opts.Height-f.opts.Bottom && !f.empty() {
		f.newPage()
	}
}

func (f *Flow) last() *flowPage { return f.pages[len(f.pages)-1] }

// empty reports whether nothing has been set on the current page: blank
// lines and paragraph spacing alone do not make a page.
func (f *Flow) empty() bool { return len(f.last().page.Words) == 0 }

// breakPage is a page break asked for by the content.
func (f *Flow) breakPage() {
	if !f.empty() {
		f.newPage()
	}
}

func (f *Flow) newPage() {
	if f.err != nil {
		return
	}
	if f.opts.MaxPages > 0 && len(f.pages) >= f.opts.MaxPages {
		f.err = TooManyPages(f.opts.MaxPages)
		return
	}
	f.pages = append(f.pages, &flowPage{table: -1, page: document.Page{
		Number: len(f.pages) + 1, Width: f.opts.Width, Height: f.opts.Height,
	}})
	f.y = f.opts.Top
}

// TooManyPages is the error of a document over the page limit.
func TooManyPages(limit int) error { return budget.PagesError(limit) }

// Table sets a table below what came before. Its rows are never split: a
// row that does not fit on the page goes to the next one, and the table
// goes on there as a Continued table.
func (f *Flow) Table(t FlowTable) {
	f.EndParagraph()
	if f.err != nil {
		return
	}
	ncol := len(t.Widths)
	for _, r := range t.Rows {
		n := 0
		for _, c := range r.Cells {
			n += max(c.Span, 1)
		}
		ncol = max(ncol, n)
	}
	if ncol == 0 {
		return
	}
	// Every row gets a cell per column, spanned or not.
	if len(t.Rows) > f.opts.Budget.CellsLeft()/ncol {
		f.fail(f.opts.Budget.CellsError())
		return
	}
	if err := f.opts.Budget.Cells(ncol * len(t.Rows)); err != nil {
		f.fail(err)
		return
	}
	widths := make([]float64, ncol)
	total := 0.0
	for k := range widths {
		if k < len(t.Widths) && t.Widths[k] > 0 && t.Widths[k] < 1e9 {
			widths[k] = t.Widths[k]
		}
		total += widths[k]
	}
	// Columns without a width get the average of the others.
	known := 0
	for _, w := range widths {
		if w > 0 {
			known++
		}
	}
	avg := 1.0
	if known > 0 {
		avg = total / float64(known)
	}
	total = 0
	for k := range widths {
		if widths[k] == 0 {
			widths[k] = avg
		}
		total += widths[k]
	}
	textWidth := f.opts.Width - f.opts.Left - f.opts.Right
	left := make([]float64, ncol+1)
	left[0] = f.opts.Left
	for k, w := range widths {
		left[k+1] = left[k] + w/total*textWidth
	}
	f.last().table = -1
	for _, r := range t.Rows {
		f.tableRow(r, left)
		if f.err != nil {
			return
		}
	}
	f.last().table = -1
	f.y += 0.4 * f.opts.FontSize
}

// tableRow sets one row of a table whose column k spans left[k] to
// left[k+1].
func (f *Flow) tableRow(r FlowRow, left []float64) {
	ncol := len(left) - 1
	pad := 0.2 * f.opts.FontSize
	type cellLayout struct {
		col, span int
		lines     [][]placed
	}
	var cells []cellLayout
	col := 0
	for _, c := range r.Cells {
		if col >= ncol {
			break
		}
		span := min(max(c.Span, 1), ncol-col)
		size := c.Size
		if size <= 0 {
			size = f.opts.FontSize
		}
		var lines [][]placed
		for para := range strings.SplitSeq(c.Text, "\n") {
			var words []flowItem
			for _, w := range strings.Fields(para) {
				if err := f.opts.Budget.Words(1, len(w)); err != nil {
					f.fail(err)
					return
				}
				if err := f.opts.Budget.Line(utf8.RuneCountInString(w)); err != nil {
					f.fail(err)
					return
				}
				words = append(words, flowItem{text: w, size: size})
			}
			lines = append(lines, f.wrap(words, left[col+span]-left[col]-2*pad)...)
		}
		cells = append(cells, cellLayout{col: col, span: span, lines: lines})
		col += span
	}
	// Line k of the row is as high as the highest of the cells' line k.
	var heights []float64
	for _, c := range cells {
		for k, l := range c.lines {
			if k >= len(heights) {
				heights = append(heights, 0)
			}
			heights[k] = max(heights[k], lineHeight(l))
		}
	}
	if len(heights) == 0 {
		heights = []float64{1.2 * f.opts.FontSize}
	}
	rowH := 2 * pad
	for _, h := range heights {
		rowH += h
	}
	if r.BreakBefore {
		f.breakPage()
	}
	f.makeRoom(rowH)
	if f.err != nil {
		return
	}
	pg := f.last()
	n := 0
	for _, c := range cells {
		for _, l := range c.lines {
			n += len(l)
		}
	}
	if err := f.opts.Budget.PageWords(len(pg.page.Words) + n); err != nil {
		f.fail(err)
		return
	}
	if pg.table < 0 {
		pg.page.Tables = append(pg.page.Tables, document.Table{Continued: len(pg.page.Words) == 0 && f.continuing()})
		pg.table = len(pg.page.Tables) - 1
	}
	tbl := &pg.page.Tables[pg.table]
	top := f.y
	row := make([]document.Cell, ncol)
	for k := range row {
		row[k].Box = document.Box{X: left[k], Y: top, W: left[k+1] - left[k], H: rowH}
	}
	lines := make([]document.Line, len(heights))
	for _, c := range cells {
		cell := &row[c.col]
		cell.Box.W = left[c.col+c.span] - left[c.col]
		y := top + pad
		for k, l := range c.lines {
			for _, w := range l {
				i := f.addWord(pg, left[c.col]+pad+w.x, y, heights[k], w)
				cell.Words = append(cell.Words, i)
				lines[k].Words = append(lines[k].Words, i)
			}
			y += heights[k]
		}
		texts := make([]string, len(cell.Words))
		for i, w := range cell.Words {
			texts[i] = pg.page.Words[w].Text
		}
		cell.Text = strings.Join(texts, " ")
	}
	// Spanned columns hold empty cells of no width, at the column's start.
	for _, c := range cells {
		for k := c.col + 1; k < c.col+c.span; k++ {
			row[k].Box.W = 0
		}
	}
	for _, l := range lines {
		if len(l.Words) == 0 {
			continue
		}
		texts := make([]string, len(l.Words))
		for i, w := range l.Words {
			texts[i] = pg.page.Words[w].Text
			l.Box = l.Box.Union(pg.page.Words[w].Box)
		}
		l.Text = strings.Join(texts, " ")
		pg.page.Lines = append(pg.page.Lines, l)
	}
	tbl.Rows = append(tbl.Rows, row)
	for _, c := range row {
		tbl.Box = tbl.Box.Union(c.Box)
	}
	f.y = top + rowH
}

// continuing reports whether the table being set had rows on the previous
// page, which makes its part on this page Continued.
func (f *Flow) continuing() bool {
	if len(f.pages) < 2 {
		return false
	}
	prev := f.pages[len(f.pages)-2]
	return prev.table >= 0
}

// Pages finishes the flow and returns its pages, or the error that stopped
// it (too many pages).
func (f *Flow) Pages() ([]document.Page, error) {
	f.EndParagraph()
	if f.err != nil {
		return nil, f.err
	}
	// A trailing page break leaves an empty last page; a page is only made
	// by content.
	if n := len(f.pages); n > 1 && len(f.pages[n-1].page.Words) == 0 {
		f.pages = f.pages[:n-1]
	}
	out := make([]document.Page, len(f.pages))
	for i, pg := range f.pages {
		out[i] = pg.page
		if !f.opts.Paginate {
			out[i].Height = max(out[i].Height, bottomOf(&out[i])+f.opts.Bottom)
		}
		f.margins(&out[i])
		if f.err != nil {
			return nil, f.err
		}
	}
	return out, nil
}

func bottomOf(p *document.Page) float64 {
	b := 0.0
	for _, w := range p.Words {
		b = max(b, w.Box.Y+w.Box.H)
	}
	return b
}

// margins sets the header above and the footer below a page's text: the
// header's lines come first in reading order, the footer's last.
func (f *Flow) margins(p *document.Page) {
	width := f.opts.Width - f.opts.Left - f.opts.Right
	set := func(paras []string, y float64) []document.Line {
		var out []document.Line
		for _, para := range paras {
			var words []flowItem
			for _, w := range strings.Fields(para) {
				if err := f.opts.Budget.Words(1, len(w)); err != nil {
					f.fail(err)
					return nil
				}
				words = append(words, flowItem{text: w, size: f.opts.FontSize})
			}
			for _, l := range f.wrap(words, width) {
				h := lineHeight(l)
				var line document.Line
				for i, w := range l {
					p.Words = append(p.Words, document.Word{
						Text: w.text,
						Box:  document.Box{X: f.opts.Left + w.x, Y: y + h - 1.2*w.size, W: w.w, H: 1.2 * w.size},
					})
					line.Words = append(line.Words, len(p.Words)-1)
					if i > 0 {
						line.Text += " "
					}
					line.Text += w.text
					line.Box = line.Box.Union(p.Words[len(p.Words)-1].Box)
				}
				out = append(out, line)
				y += h
			}
		}
		return out
	}
	lh := 1.2 * f.opts.FontSize
	if header := set(f.opts.Header, f.opts.Top/2-lh/2); len(header) > 0 {
		p.Lines = append(header, p.Lines...)
	}
	footerY := p.Height - f.opts.Bottom/2 - lh/2
	p.Lines = append(p.Lines, set(f.opts.Footer, footerY)...)
}
