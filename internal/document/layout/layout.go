// Package layout recovers the structure of a page from the positions of its
// words: lines, their reading order, and tables. Parsers whose source gives
// only positioned words (PDF, OCR) call Analyze on each page and LinkTables
// on the document; it works in any page unit, since every threshold is a
// multiple of the height of the page's own text.
//
// # Lines
//
// Words are grouped into rows by their vertical extent: a word joins a row
// when it overlaps the row's tallest word by at least 60% of the shorter of
// the two heights. That keeps a superscript or a word whose baseline jitters
// by a point on its line, while two columns whose lines are offset by half a
// line stay apart. A row is cut into segments wherever the horizontal gap
// between two words exceeds the row's height: far wider than any space
// between words, narrower than a column gutter or a table's column gap.
//
// # Reading order
//
// Segments (and detected tables, each as one unit) are ordered by recursive
// cuts through the white space between them, the X-Y cut: a region is split
// at every vertical gutter that runs its whole height, left to right, so two
// columns read one after the other; otherwise at the horizontal gaps between
// its rows, top to bottom. A gap between two rows that share a gutter is weak
// (it is the space between two lines of the same columns, not the end of a
// block) and is cut only when nothing else can be, one at a time, so that a
// title over two columns is split off first and the columns are found next.
// What no cut divides is a block; each of its rows is one Line, its words
// left to right.
//
// # Tables
//
// A table is a run of at least two consecutive rows that each have two or
// more segments, with no blank line between them, whose gaps line up: the gutters common to all the rows (at
// least one) divide the rows into the same columns. A row with one segment
// inside the run, such as a cell wrapped onto a second line, stays in the
// table if it crosses no gutter and the row after it continues the table.
// A blank line is a gap of most of a line that is half a line wider than the
// spacing of the rows around it, so that a block of labels and values set
// in two columns does not run into the item table under it, while a table
// whose rows are all a blank line apart stays one table.
// Two or three columns of running text line up the same way, so a run whose
// cells hold four words or more in the median is read as text columns, not a
// table. Every row of a table is a Line as well, so engines that read lines
// see a table row as a line.
//
// # Flow
//
// Formats that know their structure but hold no positions (DOCX, HTML) go
// the other way: Flow sets their paragraphs and tables on notional pages and
// makes the lines and tables as it goes, so that their words get boxes too.
//
// A table is Continued when it is the first thing at the top of its page,
// the previous page (the page numbered one less) ends with a table, and both
// have the same columns within a tolerance.
package layout

import (
	"cmp"
	"math"
	"slices"
	"strings"

	"github.com/quarrylabs/quarry/internal/document"
)

// MaxWords is the most words a page may have for its reading order and
// tables to be analysed. A page with more (a hostile or degenerate file; a
// dense real page has a few thousand) gets its lines top to bottom, left to
// right, and no tables, so that layout stays roughly linear in its input.
const MaxWords = 20000

// Analyze sets p.Lines and p.Tables from p.Words, replacing what they held.
// The words are left as they are: Line.Words and Cell.Words index into them.
func Analyze(p *document.Page) {
	p.Lines, p.Tables = nil, nil
	if len(p.Words) == 0 {
		return
	}
	a := newAnalysis(p)
	if len(p.Words) > MaxWords {
		for r := range a.rows {
			a.emitRow(r, nil)
		}
		a.finish()
		return
	}
	a.findTables()
	a.order(a.atoms())
	a.finish()
}

// analysis is the working state of one page.
type analysis struct {
	p     *document.Page
	boxes []document.Box // sanitised word boxes
	rows  []row
	unit  float64 // median row height: the page's text size
	// tables found, with the rows they cover.
	tables []table
	// tableOf[r] is the index in tables of the table holding row r, or -1.
	tableOf []int
	// out collects lines and tables in reading order.
	lines      []document.Line
	outTables  []document.Table
	emittedRow []bool
}

// row is the words of one baseline.
type row struct {
	words  []int // left to right
	top    float64
	bottom float64
	segs   []segment
}

func (r *row) height() float64 { return r.bottom - r.top }

// segment is a run of a row's words with no wide gap inside.
type segment struct {
	words  []int
	x0, x1 float64
}

type table struct {
	first, last int        // rows
	gutters     []interval // left to right
}

type interval struct{ lo, hi float64 }

func newAnalysis(p *document.Page) *analysis {
	a := &analysis{p: p, boxes: make([]document.Box, len(p.Words))}
	for i, w := range p.Words {
		a.boxes[i] = sanitize(w.Box)
	}
	a.groupRows()
	a.tableOf = make([]int, len(a.rows))
	for i := range a.tableOf {
		a.tableOf[i] = -1
	}
	a.emittedRow = make([]bool, len(a.rows))
	return a
}

// sanitize makes a box safe to compute with: no NaN or infinity, no negative
// size. Hostile files can hold any number; layout must still terminate and
// stay consistent.
func sanitize(b document.Box) document.Box {
	fix := func(v float64) float64 {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return 0
		}
		return v
	}
	b = document.Box{X: fix(b.X), Y: fix(b.Y), W: max(fix(b.W), 0), H: max(fix(b.H), 0)}
	return b
}

// groupRows puts every word in a row and cuts rows into segments.
func (a *analysis) groupRows() {
	idx := make([]int, len(a.boxes))
	for i := range idx {
		idx[i] = i
	}
	center := func(i int) float64 { return a.boxes[i].Y + a.boxes[i].H/2 }
	slices.SortStableFunc(idx, func(i, j int) int {
		return cmp.Or(cmp.Compare(center(i), center(j)), cmp.Compare(a.boxes[i].X, a.boxes[j].X))
	})
	// ref[r] is the tallest word of row r, the row's reference extent.
	var ref []int
	for _, w := range idx {
		b := a.boxes[w]
		best, bestOverlap := -1, 0.0
		// Words come by their centre, so only the last few rows can hold
		// this one; a raised superscript may have opened a row just before.
		for r := max(len(a.rows)-3, 0); r < len(a.rows); r++ {
			rb := a.boxes[ref[r]]
			overlap := min(b.Y+b.H, rb.Y+rb.H) - max(b.Y, rb.Y)
			need := 0.6 * min(b.H, rb.H)
			if min(b.H, rb.H) == 0 {
				// A zero-height word belongs to a row its middle is in.
				need, overlap = 0, min(b.Y+b.H, rb.Y+rb.H)-max(b.Y, rb.Y)
			}
			if overlap >= need && overlap >= 0 && (best < 0 || overlap > bestOverlap) {
				best, bestOverlap = r, overlap
			}
		}
		if best < 0 {
			a.rows = append(a.rows, row{})
			ref = append(ref, w)
			best = len(a.rows) - 1
		}
		a.rows[best].words = append(a.rows[best].words, w)
		if b.H > a.boxes[ref[best]].H {
			ref[best] = w
		}
	}
	heights := make([]float64, 0, len(a.rows))
	for r := range a.rows {
		rw := &a.rows[r]
		rb := a.boxes[ref[r]]
		rw.top, rw.bottom = rb.Y, rb.Y+rb.H
		slices.SortStableFunc(rw.words, func(i, j int) int { return cmp.Compare(a.boxes[i].X, a.boxes[j].X) })
		heights = append(heights, rw.height())
	}
	slices.SortStableFunc(a.rows, func(x, y row) int { return cmp.Compare(x.top+x.bottom, y.top+y.bottom) })
	slices.Sort(heights)
	a.unit = heights[len(heights)/2]
	if a.unit <= 0 {
		a.unit = 1
	}
	for r := range a.rows {
		a.rows[r].segs = a.segments(&a.rows[r])
	}
}

// segments cuts a row at gaps wider than its height.
func (a *analysis) segments(r *row) []segment {
	gap := r.height()
	if gap <= 0 {
		gap = a.unit
	}
	var segs []segment
	for _, w := range r.words {
		b := a.boxes[w]
		if n := len(segs); n > 0 && b.X-segs[n-1].x1 <= gap {
			s := &segs[n-1]
			s.words = append(s.words, w)
			s.x1 = max(s.x1, b.X+b.W)
			continue
		}
		segs = append(segs, segment{words: []int{w}, x0: b.X, x1: b.X + b.W})
	}
	return segs
}

// finish stores the lines and tables found.
func (a *analysis) finish() {
	a.p.Lines = a.lines
	a.p.Tables = a.outTables
}

// emitRow appends row r as a line, or only the given words of it when words
// is not nil (the part of the row inside one block).
func (a *analysis) emitRow(r int, words []int) {
	if words == nil {
		words = a.rows[r].words
	}
	if len(words) == 0 {
		return
	}
	words = slices.Clone(words)
	slices.SortStableFunc(words, func(i, j int) int { return cmp.Compare(a.boxes[i].X, a.boxes[j].X) })
	a.lines = append(a.lines, a.line(words))
}

// line builds the Line of words given left to right.
func (a *analysis) line(words []int) document.Line {
	var sb strings.Builder
	var box document.Box
	for i, w := range words {
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(a.p.Words[w].Text)
		box = box.Union(a.boxes[w])
	}
	return document.Line{Words: words, Text: sb.String(), Box: box}
}
