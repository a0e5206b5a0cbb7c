package llm

import (
	"math"
	"slices"

	"github.com/quarrylabs/quarry/internal/document"
)

// A value printed over several lines of a table cell (a product, then its
// service period below it) is not a run of words in reading order: the
// other cells of the first line come between, and a parser may even put
// the cell's second line inside its first when it reads a table row as one
// line. wrapStreams gives grounding the cells' lines as runs of their own,
// found from where the words stand rather than from the lines or tables a
// parser gave: the page's words are put in rows by height, a row is cut
// into segments at wide gaps, and a segment continues in the segment just
// below it that starts where it starts.

// maxWrapLines is how many lines of one cell a value may cover.
const maxWrapLines = 4

type segment struct {
	row   int
	words []int // into page.Words, left to right
	box   document.Box
}

// segments puts the page's words in rows (a word joins the row whose
// middle is within half its height of its own) and cuts each row at gaps
// wider than one and a half times the words' height: wider than a space in
// any font, and than one blank in a plain-text page, where a word is one
// unit high and its letters one wide. Segments come top to bottom, left to
// right.
func segments(p *document.Page) []segment {
	order := make([]int, 0, len(p.Words))
	for i, w := range p.Words {
		if w.Box.H > 0 && w.Box.W > 0 {
			order = append(order, i)
		}
	}
	mid := func(i int) float64 { b := p.Words[i].Box; return b.Y + b.H/2 }
	slices.SortStableFunc(order, func(a, b int) int {
		if c := cmpFloat(mid(a), mid(b)); c != 0 {
			return c
		}
		return cmpFloat(p.Words[a].Box.X, p.Words[b].Box.X)
	})
	var rows [][]int
	var rowMid float64
	for _, i := range order {
		b := p.Words[i].Box
		if n := len(rows); n > 0 && math.Abs(mid(i)-rowMid) <= b.H/2 {
			rows[n-1] = append(rows[n-1], i)
			continue
		}
		rows = append(rows, []int{i})
		rowMid = mid(i)
	}
	var out []segment
	for ri, row := range rows {
		slices.SortStableFunc(row, func(a, b int) int { return cmpFloat(p.Words[a].Box.X, p.Words[b].Box.X) })
		cur := segment{row: ri}
		for _, wi := range row {
			b := p.Words[wi].Box
			if len(cur.words) > 0 {
				prev := p.Words[cur.words[len(cur.words)-1]].Box
				if b.X-(prev.X+prev.W) > 1.5*max(prev.H, b.H) {
					out = append(out, cur)
					cur = segment{row: ri}
				}
			}
			cur.words = append(cur.words, wi)
			cur.box = cur.box.Union(b)
		}
		if len(cur.words) > 0 {
			out = append(out, cur)
		}
	}
	return out
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// wrapStreams returns, for each segment, the run of it and the lines that
// continue it below, when the page's reading order (main) does not already
// give those words in that order. A line continues a segment when it is
// just below it and has a word that starts where the segment starts; it
// continues from that word (a narrow cell's next line may be printed close
// behind the cell before it: "4012345001235 breit").
func wrapStreams(p *document.Page, main *stream) []stream {
	segs := segments(p)
	pos := make(map[int]int, len(main.words)) // word index → place in main
	for i, w := range main.words {
		pos[w.idx] = i
	}
	// below finds what continues the line box of segment i at left: the
	// segment and the first of its words used.
	below := func(i int, box document.Box, left float64) (int, int) {
		best, bestWord, bestGap := -1, 0, math.Inf(1)
		// Segments come top to bottom: what continues i is after it.
		for ti := i + 1; ti < len(segs); ti++ {
			t := segs[ti]
			h := max(box.H, t.box.H)
			gap := t.box.Y - (box.Y + box.H)
			if t.box.Y-box.Y > 4*h {
				break
			}
			if gap > 1.2*h || t.row == segs[i].row || t.box.Y <= box.Y+box.H/2 || gap >= bestGap {
				continue
			}
			for k, wi := range t.words {
				if math.Abs(p.Words[wi].Box.X-left) <= h {
					best, bestWord, bestGap = ti, k, gap
					break
				}
			}
		}
		return best, bestWord
	}
	boxOf := func(si, from int) document.Box {
		var b document.Box
		for _, wi := range segs[si].words[from:] {
			b = b.Union(p.Words[wi].Box)
		}
		return b
	}
	var out []stream
	for i, seg := range segs {
		// A cell may start inside a segment ("Advertiser: Mike Bloomberg
		// 2020," over "Inc"): a run starts at each word that a line below
		// continues, and at the segment's start.
		for k, wi := range seg.words {
			left := p.Words[wi].Box.X
			box := boxOf(i, k)
			n, from := below(i, box, left)
			if k > 0 && (n < 0 || from > 0) {
				// Inside a segment only a line below that starts where
				// the word does, after a gap, tells a cell: in prose
				// some word of every line stands over some word of the
				// next.
				continue
			}
			s := stream{page: p}
			add := func(si, from int) {
				for _, wi := range segs[si].words[from:] {
					s.words = append(s.words, newStreamWord(wi, segs[si].row, p.Words[wi].Text))
				}
			}
			add(i, k)
			for lines := 1; n >= 0 && lines < maxWrapLines; lines++ {
				add(n, from)
				cur := n
				n, from = below(cur, boxOf(cur, from), left)
			}
			if len(s.words) < 2 || inOrder(s.words, pos) {
				continue
			}
			out = append(out, s)
		}
	}
	return out
}

// inOrder reports whether words follow each other in the main stream.
func inOrder(ws []streamWord, pos map[int]int) bool {
	for k := 1; k < len(ws); k++ {
		a, okA := pos[ws[k-1].idx]
		b, okB := pos[ws[k].idx]
		if !okA || !okB || b != a+1 {
			return false
		}
	}
	return true
}
