package pdf

import (
	"math"
	"unicode/utf8"

	"github.com/quarrylabs/quarry/internal/document"
)

// char is one character of a page, its box on the displayed page. A space
// (r == ' ') has no box: it only separates words.
type char struct {
	r   rune
	box document.Box
}

// gapRatio is how far apart, as a fraction of a character's size, two
// characters may stand and still be one word. A space is about 0.25 em wide
// and a loose box about 1.2 em high, so 0.3 of the size cuts at gaps of about
// a space and a half: PDFs that place words one by one without spaces are cut
// between words, while letter spacing and kerning stay within a word.
const gapRatio = 0.3

// words groups characters into words, in the order PDFium gives them.
func words(chars []char) []document.Word {
	var (
		out []document.Word
		// text holds the words' texts end to end, ends[i] where that of
		// out[i] ends: all of a page's words share one string, instead of
		// one allocation or more each.
		text  []byte
		ends  []int
		start int
		box   document.Box
		prev  *char
	)
	flush := func() {
		if len(text) > start {
			out = append(out, document.Word{Box: roundBox(box)})
			ends = append(ends, len(text))
		}
		start = len(text)
		box = document.Box{}
		prev = nil
	}
	for i := range chars {
		c := &chars[i]
		if c.r == ' ' {
			flush()
			continue
		}
		if prev != nil && apart(prev.box, c.box) {
			flush()
		}
		text = utf8.AppendRune(text, c.r)
		box = box.Union(c.box)
		prev = c
	}
	flush()
	all := string(text)
	start = 0
	for i, end := range ends {
		out[i].Text = all[start:end]
		start = end
	}
	return out
}

// apart reports whether b cannot continue the word whose last character is
// a: it is off a's line, or too far from it along the line. Which way the
// line runs is taken from the two boxes, so vertical and rotated text is cut
// the same way as horizontal text.
func apart(a, b document.Box) bool {
	size := max(a.W, a.H, b.W, b.H)
	if size == 0 {
		return false
	}
	dx := (b.X + b.W/2) - (a.X + a.W/2)
	dy := (b.Y + b.H/2) - (a.Y + a.H/2)
	if math.Abs(dx) >= math.Abs(dy) {
		// Horizontal: b must overlap a's band and start near a's end.
		if math.Abs(dy) > min(a.H, b.H)/2 {
			return true
		}
		gap := max(b.X-(a.X+a.W), a.X-(b.X+b.W))
		return gap > gapRatio*size
	}
	if math.Abs(dx) > min(a.W, b.W)/2 {
		return true
	}
	gap := max(b.Y-(a.Y+a.H), a.Y-(b.Y+b.H))
	return gap > gapRatio*size
}
