package builtin

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/quarrylabs/quarry/internal/document"
)

// Where a value stands relative to its label; see the package doc.
const (
	placeSameLine = 1.0  // after a separator, a tab or a column gap on the label's line, or the next cell of a table row
	placeNextLine = 0.85 // on the next line, under a label that stands alone
	parseCoerced  = 0.9  // the value had to be coerced to its type
)

// candidate is one value found for a field.
type candidate struct {
	field int
	value parsed
	text  string // the value as the document writes it
	page  int
	box   document.Box
	score float64
	order int // position in reading order, to break ties
}

// finder collects candidates from the pages of one document.
type finder struct {
	fields []field
	ix     *labelIndex
	found  [][]candidate // by field
	order  int
}

func newFinder(fields []field, ix *labelIndex) *finder {
	return &finder{fields: fields, ix: ix, found: make([][]candidate, len(fields))}
}

// lineText is a line as a string of runes, each rune knowing the word it
// comes from, so that a match in the string maps back to boxes. Words are
// joined by a space, or by a tab where the document leaves a wide gap (a tab
// or two spaces in the source, or a gap wider than a character and a half),
// because such gaps separate a label from its value as a colon does.
type lineText struct {
	runes []rune
	word  []int // index into Page.Words, or -1 between words
	off   []int // rune offset within the word
	segs  []span
	box   document.Box
}

// span is a half-open range of runes of a lineText.
type span struct{ from, to int }

const gap = '\t'

func readLine(p *document.Page, l document.Line) lineText {
	lt := lineText{box: l.Box}
	cursor := 0 // bytes of l.Text consumed
	prev := -1
	for _, wi := range l.Words {
		if wi < 0 || wi >= len(p.Words) || p.Words[wi].Text == "" {
			continue
		}
		w := p.Words[wi]
		wide := false
		if i := strings.Index(l.Text[cursor:], w.Text); i >= 0 {
			between := l.Text[cursor : cursor+i]
			wide = strings.ContainsRune(between, '\t') || utf8.RuneCountInString(between) >= 2
			cursor += i + len(w.Text)
		}
		if prev >= 0 {
			if wide || wideGap(p.Words[prev], w) {
				lt.add(gap, -1, 0)
			} else {
				lt.add(' ', -1, 0)
			}
		}
		for j, r := range []rune(w.Text) {
			lt.add(r, wi, j)
		}
		prev = wi
	}
	// Segments end at wide gaps and at pipes, which draw the columns of
	// Markdown and plain-text tables.
	from := 0
	for i := 0; i <= len(lt.runes); i++ {
		if i < len(lt.runes) && lt.runes[i] != '|' && !(lt.runes[i] == gap && lt.word[i] < 0) {
			continue
		}
		if s := lt.trimSpace(from, i); s.from < s.to {
			lt.segs = append(lt.segs, s)
		}
		from = i + 1
	}
	return lt
}

func (lt *lineText) add(r rune, word, off int) {
	lt.runes = append(lt.runes, r)
	lt.word = append(lt.word, word)
	lt.off = append(lt.off, off)
}

// wideGap reports whether the space between two words on a line is wider
// than one and a half of their average character.
func wideGap(a, b document.Word) bool {
	na, nb := utf8.RuneCountInString(a.Text), utf8.RuneCountInString(b.Text)
	if na == 0 || nb == 0 {
		return false
	}
	char := (a.Box.W/float64(na) + b.Box.W/float64(nb)) / 2
	return b.Box.X-(a.Box.X+a.Box.W) > 1.5*char+1e-9
}

func (lt *lineText) text(s span) string { return string(lt.runes[s.from:s.to]) }

func (lt *lineText) trimSpace(from, to int) span {
	for from < to && unicode.IsSpace(lt.runes[from]) {
		from++
	}
	for to > from && unicode.IsSpace(lt.runes[to-1]) {
		to--
	}
	return span{from, to}
}

// quotes pairs each opening quote with its closing one.
var quotes = map[rune]rune{'"': '"', '\'': '\'', '“': '”', '‘': '’', '«': '»', '„': '“', '`': '`'}

// trimValue strips what surrounds a value without being part of it: spaces,
// the comma or semicolon ending a JSON or CSV-ish line, Markdown emphasis
// with asterisks, and a pair of quotes.
func trimValue(runes []rune, s span) span {
	for changed := true; changed && s.from < s.to; {
		changed = false
		for s.from < s.to && unicode.IsSpace(runes[s.from]) {
			s.from, changed = s.from+1, true
		}
		for s.to > s.from && (unicode.IsSpace(runes[s.to-1]) || runes[s.to-1] == ',' || runes[s.to-1] == ';') {
			s.to, changed = s.to-1, true
		}
		// Markdown emphasis: a pair around the value, or the closing half
		// of a pair around the label ("**Total:** 5").
		lead, trail := 0, 0
		for s.from+lead < s.to && runes[s.from+lead] == '*' {
			lead++
		}
		for s.to-trail-1 >= s.from+lead && runes[s.to-trail-1] == '*' {
			trail++
		}
		switch {
		case lead > 0 && lead == trail:
			s.from, s.to, changed = s.from+lead, s.to-trail, true
		case lead > 0 && trail == 0:
			s.from, changed = s.from+lead, true
		case trail > 0 && lead == 0:
			s.to, changed = s.to-trail, true
		}
		if s.to-s.from >= 2 && quotes[runes[s.from]] == runes[s.to-1] && quotes[runes[s.from]] != 0 {
			s.from, s.to, changed = s.from+1, s.to-1, true
		}
	}
	return s
}

// nullWords say a value is absent. The engine keeps looking rather than
// taking them as the value.
var nullWords = map[string]bool{
	"null": true, "n/a": true, "none": true, "nil": true, "-": true, "–": true, "—": true,
	"{": true, "[": true, "{}": true, "[]": true, "not applicable": true,
}

func isNull(text string) bool { return nullWords[strings.ToLower(text)] }

// scanPage collects the candidates of one page: from its lines, then from
// its tables.
func (fd *finder) scanPage(p *document.Page) {
	lines := make([]lineText, len(p.Lines))
	for i, l := range p.Lines {
		lines[i] = readLine(p, l)
	}
	for li := range lines {
		for si := range lines[li].segs {
			fd.scanSegment(p, lines, li, si)
		}
	}
	for _, t := range p.Tables {
		for _, row := range t.Rows {
			fd.scanRow(p, row)
		}
	}
}

// scanSegment looks for "label SEP value" in one segment, where SEP is a
// colon, an equals sign or a dash between spaces, and for a label standing
// alone whose value is the next segment or the next line.
func (fd *finder) scanSegment(p *document.Page, lines []lineText, li, si int) {
	lt := &lines[li]
	seg := lt.segs[si]
	for i := seg.from; i < seg.to && i-seg.from <= maxLabelRunes; i++ {
		if !isSeparator(lt.runes, seg, i) {
			continue
		}
		hits := fd.ix.match(string(lt.runes[seg.from:i]))
		if len(hits) == 0 {
			continue
		}
		if v := trimValue(lt.runes, span{i + 1, seg.to}); v.from < v.to {
			fd.emitLine(p, lt, hits, v, placeSameLine)
			return
		}
		fd.standalone(p, lines, li, si, hits)
		return
	}
	if hits := fd.ix.match(lt.text(seg)); len(hits) > 0 {
		fd.standalone(p, lines, li, si, hits)
	}
}

// isSeparator reports whether rune i of the segment separates a label from
// its value.
func isSeparator(runes []rune, seg span, i int) bool {
	switch runes[i] {
	case ':', '=', '：':
		return true
	case '-', '–', '—':
		return i > seg.from && i+1 < seg.to && runes[i-1] == ' ' && runes[i+1] == ' '
	}
	return false
}

// standalone handles a label with nothing after it in its segment: the
// value is the next segment of the line (a tab or a column gap separated
// them) or, when the label is alone on its line, the part of the next line
// below it.
func (fd *finder) standalone(p *document.Page, lines []lineText, li, si int, hits []labelHit) {
	lt := &lines[li]
	if si+1 < len(lt.segs) {
		v := trimValue(lt.runes, lt.segs[si+1])
		if v.from < v.to && !fd.ix.isNonValue(lt.text(v)) {
			fd.emitLine(p, lt, hits, v, placeSameLine)
		}
		return
	}
	if len(lt.segs) != 1 || li+1 >= len(lines) {
		return
	}
	next := &lines[li+1]
	// Blank lines may separate them, but not more than two.
	if next.box.Y-lt.box.Y > 3*max(lt.box.H, 1e-9) || len(next.segs) == 0 {
		return
	}
	label := lt.segs[si]
	pick := next.segs[0]
	lx0, lx1 := lt.boxOf(p, label)
	for _, s := range next.segs {
		if x0, x1 := next.boxOf(p, s); x0 < lx1 && lx0 < x1 {
			pick = s
			break
		}
	}
	v := trimValue(next.runes, pick)
	if v.from >= v.to || fd.ix.isNonValue(next.text(v)) || fd.hasLabel(next, pick) {
		return
	}
	fd.emitLine(p, next, hits, v, placeNextLine)
}

// boxOf returns the horizontal extent of a span.
func (lt *lineText) boxOf(p *document.Page, s span) (float64, float64) {
	b := spanBox(p, lt, s)
	return b.X, b.X + b.W
}

// hasLabel reports whether a segment is itself "label: …" or "label:", so
// that the line under a lone label is not taken for its value when it is
// the next field.
func (fd *finder) hasLabel(lt *lineText, s span) bool {
	if lt.runes[s.to-1] == ':' {
		return true
	}
	for i := s.from; i < s.to && i-s.from <= maxLabelRunes; i++ {
		if isSeparator(lt.runes, s, i) && len(fd.ix.match(string(lt.runes[s.from:i]))) > 0 {
			return true
		}
	}
	return false
}

// emitLine records the value in span v of a line for every field the label
// names that the value fits.
func (fd *finder) emitLine(p *document.Page, lt *lineText, hits []labelHit, v span, place float64) {
	text := strings.ReplaceAll(lt.text(v), string(gap), " ")
	if isNull(text) {
		return
	}
	fd.emit(p, hits, text, spanBox(p, lt, v), place)
}

// scanRow reads a table row as label/value pairs: a cell naming a field,
// then the next non-empty cell as its value, as in a two-column CSV of
// "label,value" rows. A header row does not pair up because its cells are
// all labels.
func (fd *finder) scanRow(p *document.Page, row []document.Cell) {
	for i, c := range row {
		hits := fd.ix.match(c.Text)
		if len(hits) == 0 {
			continue
		}
		for _, v := range row[i+1:] {
			if strings.TrimSpace(v.Text) == "" {
				continue
			}
			if !fd.ix.isNonValue(v.Text) {
				if text, box, ok := cellValue(p, v); ok {
					fd.emit(p, hits, text, box, placeSameLine)
				}
			}
			break
		}
	}
}

// cellValue is a cell's text trimmed like any value, and the box of its
// words (of the cell when it has none).
func cellValue(p *document.Page, c document.Cell) (string, document.Box, bool) {
	runes := []rune(c.Text)
	v := trimValue(runes, span{0, len(runes)})
	text := string(runes[v.from:v.to])
	if text == "" || isNull(text) {
		return "", document.Box{}, false
	}
	var box document.Box
	for _, w := range c.Words {
		if w >= 0 && w < len(p.Words) {
			box = box.Union(p.Words[w].Box)
		}
	}
	if box == (document.Box{}) {
		box = c.Box
	}
	return text, box, true
}

func (fd *finder) emit(p *document.Page, hits []labelHit, text string, box document.Box, place float64) {
	for _, h := range hits {
		v, ok := parseValue(fd.fields[h.field].alts, text)
		if !ok {
			continue
		}
		score := h.score * place
		if !v.clean {
			score *= parseCoerced
		}
		c := candidate{field: h.field, value: v, text: text, page: p.Number, box: box, score: score, order: fd.order}
		fd.order++
		fd.add(c)
	}
}

// add keeps one candidate per place and value: the same cell can be found
// both as a line and as a table row.
func (fd *finder) add(c candidate) {
	list := fd.found[c.field]
	for i, o := range list {
		if o.page == c.page && o.box == c.box && sameValue(o.value.value, c.value.value) {
			if c.score > o.score {
				list[i].score = c.score
			}
			return
		}
	}
	fd.found[c.field] = append(list, c)
}

// spanBox is the box of the words a span covers. A word only partly covered
// gives the matching fraction of its box, exact for character cells and
// close for proportional fonts, so that "Total:$5" cites the amount alone.
func spanBox(p *document.Page, lt *lineText, s span) document.Box {
	var box document.Box
	for i := s.from; i < s.to; {
		wi := lt.word[i]
		if wi < 0 {
			i++
			continue
		}
		lo := lt.off[i]
		for i < s.to && lt.word[i] == wi {
			i++
		}
		hi := lt.off[i-1] + 1
		w := p.Words[wi]
		b := w.Box
		if n := utf8.RuneCountInString(w.Text); lo > 0 || hi < n {
			x0 := b.X + b.W*float64(lo)/float64(n)
			x1 := b.X + b.W*float64(hi)/float64(n)
			b.X, b.W = x0, x1-x0
		}
		box = box.Union(b)
	}
	return box
}
