package builtin

import (
	"context"
	"math"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/quarrylabs/quarry/internal/document"
)

// Where a value stands relative to its label; see the package doc.
const (
	placeSameLine = 1.0  // after a separator, a tab or a column gap on the label's line, or the next cell of a table row
	placeBelow    = 0.85 // under a label that has no value beside it
	placeColumn   = 0.5  // under a column header of a table of several rows: one of many
	parseCoerced  = 0.9  // the value had to be coerced to its type
)

// cite is where a value was read: the text as the document writes it and
// the box of its characters.
type cite struct {
	page int
	text string
	box  document.Box
}

// candidate is one value found for a field: for a list, one item.
type candidate struct {
	field int
	value parsed
	cites []cite
	score float64
	order int // position in reading order, to break ties
}

// listCandidate is one list found for a list field: its items in order,
// from one place (a line, a block under a label, a table column).
type listCandidate struct {
	items []candidate
	score float64
	order int
}

// finder collects candidates from the pages of one document.
type finder struct {
	plan *plan
	// dayFirst says how the document writes numeric dates (see
	// dateOrder): 1 day first, -1 month first, 0 unknown.
	dayFirst int
	found    [][]candidate     // by field
	places   map[placeKey]bool // where candidates were read; see add
	lists    [][]listCandidate // by field, for lists
	order    int
	form     formState // what the form mechanisms found so far (forms.go)
}

func newFinder(pl *plan) *finder {
	return &finder{plan: pl, found: make([][]candidate, len(pl.fields)), lists: make([][]listCandidate, len(pl.fields))}
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
	// The line's text holds its words and what separates them, each
	// separator read as one rune: enough room, allocated once.
	if n := utf8.RuneCountInString(l.Text) + len(l.Words); n > 0 {
		lt.runes = make([]rune, 0, n)
		ints := make([]int, 0, 2*n)
		lt.word, lt.off = ints[:0:n], ints[n:n]
	}
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
		j := 0
		for _, r := range w.Text {
			lt.add(r, wi, j)
			j++
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

// isNull also takes a rule ("-----", a Markdown table's "|:---|") for no
// value.
func isNull(text string) bool {
	return nullWords[strings.ToLower(text)] || strings.Trim(text, "-–—=_:|+ ") == ""
}

// segRef is one segment of a line of a page: a run of words between wide
// gaps, the unit a label or a value occupies.
type segRef struct {
	line, seg int
	box       document.Box
}

// pageView is a page read for finding values: its lines as runes, and
// their segments with boxes, so that "below" and "in the same column" are
// questions of geometry, whatever order the lines come in.
type pageView struct {
	p     *document.Page
	lines []lineText
	segs  []segRef
	// inSection lists, by segment, the sections (plan.sections) it belongs to.
	inSection map[int][]int
	// texts and norms hold each segment's text, as written and as norm
	// gives it, once asked for: several readers read the same segments.
	texts, norms []string
	read, normed []bool
}

func newPageView(p *document.Page) *pageView {
	v := &pageView{p: p, lines: make([]lineText, len(p.Lines)), segs: make([]segRef, 0, len(p.Lines)), inSection: map[int][]int{}}
	for i, l := range p.Lines {
		v.lines[i] = readLine(p, l)
		for si, s := range v.lines[i].segs {
			v.segs = append(v.segs, segRef{line: i, seg: si, box: spanBox(p, &v.lines[i], s)})
		}
	}
	return v
}

func (v *pageView) text(si int) string {
	if v.texts == nil {
		v.texts, v.read = make([]string, len(v.segs)), make([]bool, len(v.segs))
	}
	if !v.read[si] {
		s := v.segs[si]
		v.texts[si], v.read[si] = v.lines[s.line].text(v.lines[s.line].segs[s.seg]), true
	}
	return v.texts[si]
}

// normText is norm of a segment's text.
func (v *pageView) normText(si int) string {
	if v.norms == nil {
		v.norms, v.normed = make([]string, len(v.segs)), make([]bool, len(v.segs))
	}
	if !v.normed[si] {
		v.norms[si], v.normed[si] = norm(v.text(si)), true
	}
	return v.norms[si]
}

// height is a segment's height, never zero.
func (v *pageView) height(si int) float64 { return max(v.segs[si].box.H, 1e-9) }

// titleWords name kinds of documents; a first line holding one is the
// document's title, not the name of its issuer.
var titleWords = map[string]bool{
	"invoice": true, "receipt": true, "statement": true, "order": true, "purchase": true, "form": true,
	"application": true, "agreement": true, "contract": true, "bill": true, "lading": true, "quote": true,
	"quotation": true, "resume": true, "curriculum": true, "vitae": true, "cv": true, "report": true,
	"summary": true, "tax": true, "account": true, "delivery": true, "note": true, "packing": true,
	"list": true, "credit": true, "debit": true, "memo": true, "page": true, "confidential": true,
}

// letterhead offers the first line of the document's first page as the
// value of the fields that name its issuer or subject (see
// isLetterheadField) for which nothing labelled was found: receipts print
// the store's name first, résumés the candidate's. The line must read as a
// name: a few words, no digits, no colon, no label and no document title.
func (fd *finder) letterhead(p *document.Page) {
	if p.Number != 1 || len(p.Lines) == 0 {
		return
	}
	l := p.Lines[0]
	text := strings.TrimSpace(l.Text)
	words := strings.Fields(text)
	if len(words) == 0 || len(words) > 6 || strings.ContainsAny(text, ":0123456789@") ||
		!strings.ContainsFunc(text, unicode.IsLetter) || fd.plan.ix.isNonValue(text) || len(fd.plan.ix.match(text)) > 0 {
		return
	}
	for _, w := range strings.Fields(norm(text)) {
		if titleWords[w] {
			return
		}
	}
	for i, f := range fd.plan.fields {
		if f.letterhead && len(fd.found[i]) == 0 {
			fd.emitCites(i, text, []cite{{page: p.Number, text: text, box: l.Box}}, scoreLetterhead)
		}
	}
}

// scanPage collects the candidates of one page: sections first, so that
// scoped labels know where they stand, then label and value pairs on
// lines, then table rows read as label, value. It stops early when ctx
// ends (a page may hold thousands of lines, each read for every field);
// the caller checks ctx after it.
func (fd *finder) scanPage(ctx context.Context, p *document.Page) {
	v := newPageView(p)
	for si := range v.segs {
		if si%64 == 0 && ctx.Err() != nil {
			return
		}
		fd.markSection(v, si)
	}
	for si := range v.segs {
		if si%64 == 0 && ctx.Err() != nil {
			return
		}
		fd.scanSegment(v, si)
	}
	fd.scanInvoice(v)
	fd.scanForm(v)
	fd.recordTables(v)
	for _, t := range p.Tables {
		for _, row := range t.Rows {
			fd.scanRow(p, row)
		}
	}
}

// headingSections returns the sections whose label is a segment's whole
// text, a colon at most after it ("Bill To:").
func (fd *finder) headingSections(v *pageView, si int) []int {
	// norm drops the colon after a heading as it drops all punctuation.
	n := v.normText(si)
	if n == "" {
		return nil
	}
	if ids := fd.plan.sectIx[n]; ids != nil {
		return ids
	}
	// A heading misread by one letter ("Bi1led To") is still the heading,
	// as a label is (see labelIndex.match), unless it is another field's
	// label as written ("Invoice No" is not "Invoice To").
	rn := utf8.RuneCountInString(n)
	if rn < 6 || fd.plan.ix.exact[n] != nil || fd.plan.ix.nonValue[n] {
		return nil
	}
	var out []int
	for m := rn - 1; m <= rn+1; m++ {
		for _, l := range fd.plan.sectLong[m] {
			if !editDistanceAtMostOneN(n, l, rn, m) {
				continue
			}
			for _, id := range fd.plan.sectIx[l] {
				if !slices.Contains(out, id) {
					out = append(out, id)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// markSection finds the sections a heading segment opens and records the
// segments under it as theirs; it also reads the unlabelled lines of the
// block as the section's name, address, e-mail and phone.
func (fd *finder) markSection(v *pageView, si int) {
	ids := fd.headingSections(v, si)
	if len(ids) == 0 {
		return
	}
	members := v.column(si, 12, nil)
	for _, m := range members {
		v.inSection[m] = append(v.inSection[m], ids...)
	}
	block := v.column(si, 8, fd.looksLabelled)
	for _, id := range ids {
		fd.readBlock(v, fd.plan.sections[id], block)
	}
}

// looksLabelled reports whether a segment is "label: value" or a heading,
// which ends a block of address lines.
func (fd *finder) looksLabelled(v *pageView, si int) bool {
	lt := &v.lines[v.segs[si].line]
	s := lt.segs[v.segs[si].seg]
	if lt.runes[s.to-1] == ':' || len(fd.headingSections(v, si)) > 0 || fd.plan.ix.isNonValue(lt.text(s)) {
		return true
	}
	for i := s.from; i < s.to && i-s.from <= 30; i++ {
		if lt.runes[i] == ':' && (i+1 == s.to || lt.runes[i+1] == ' ') {
			return true
		}
	}
	return fd.hasLabel(lt, s)
}

// column returns the segments under segment si that stand in its column,
// row after row with no blank line between, at most limit rows, stopping
// before a segment for which stop is true. The column runs from the
// segment's left edge to the next segment on its row.
func (v *pageView) column(si, limit int, stop func(*pageView, int) bool) []int {
	hb := v.segs[si].box
	h := v.height(si)
	lo, hi := hb.X-h, v.columnEnd(si)
	var out []int
	bottom := hb.Y + hb.H
	for range limit {
		next, top := []int(nil), math.Inf(1)
		for j, s := range v.segs {
			if s.box.Y < bottom-h/4 || s.box.X < lo || s.box.X >= hi {
				continue
			}
			switch {
			case s.box.Y < top-h/2:
				next, top = []int{j}, s.box.Y
			case math.Abs(s.box.Y-top) <= h/2:
				next = append(next, j)
			}
		}
		// A blank line (in text, a line of its own; in a PDF, a gap taller
		// than the text) ends the block.
		if len(next) == 0 || top-bottom > 0.8*h {
			break
		}
		for _, j := range next {
			if stop != nil && stop(v, j) {
				return out
			}
		}
		out = append(out, next...)
		bottom = top + v.segs[next[0]].box.H
	}
	return out
}

// columnEnd is where the column of segment si ends: at the next segment
// on its row, or nowhere.
func (v *pageView) columnEnd(si int) float64 {
	hb := v.segs[si].box
	h := v.height(si)
	hi := math.Inf(1)
	for j, s := range v.segs {
		if j != si && math.Abs(s.box.Y-hb.Y) < h/2 && s.box.X > hb.X {
			hi = min(hi, s.box.X)
		}
	}
	return hi
}

// columnStart is where the column of segment si starts, when a segment
// stands left of it on its row, so that text reaching in from there is
// another column's; else nowhere.
func (v *pageView) columnStart(si int) float64 {
	hb := v.segs[si].box
	h := v.height(si)
	for j, s := range v.segs {
		if j != si && math.Abs(s.box.Y-hb.Y) < h/2 && s.box.X < hb.X {
			return hb.X - h
		}
	}
	return math.Inf(-1)
}

// clip narrows a span of a line to the words that start in [lo, hi): in a
// row of values under a row of labels, a value the layout ran into its
// neighbour ("97205 Engineer" with no gap) still stops where the next
// label's column starts.
func clip(p *document.Page, lt *lineText, s span, lo, hi float64) span {
	in := func(i int) bool {
		w := lt.word[i]
		return w < 0 || p.Words[w].Box.X >= lo && p.Words[w].Box.X < hi
	}
	from, to := s.from, s.to
	for from < to && (lt.word[from] < 0 || !in(from)) {
		from++
	}
	end := from
	for end < to && in(end) {
		end++
	}
	return trimValue(lt.runes, span{from, end})
}

// readBlock reads the unlabelled lines under a section heading: an e-mail
// address or a phone number by their look, then the first other line as
// the name and the rest as the address, as invoices write "Bill To:".
func (fd *finder) readBlock(v *pageView, s section, block []int) {
	var rest []int
	for _, si := range block {
		text := strings.TrimSpace(v.text(si))
		switch {
		case s.email >= 0 && fd.tryBlockValue(v, s.email, si, text):
		case s.phone >= 0 && isPhone(text) && fd.tryBlockValue(v, s.phone, si, text):
		default:
			rest = append(rest, si)
		}
	}
	if s.name >= 0 && len(rest) > 0 {
		fd.tryBlockValue(v, s.name, rest[0], strings.TrimSpace(v.text(rest[0])))
		rest = rest[1:]
	}
	if s.address >= 0 && len(rest) > 0 {
		fd.emitBlock(v, s.address, rest, scoreBlock, math.Inf(-1), math.Inf(1))
	}
}

func (fd *finder) tryBlockValue(v *pageView, f, si int, text string) bool {
	return fd.emitCites(f, text, []cite{{page: v.p.Number, text: text, box: v.segs[si].box}}, scoreBlock)
}

// emitBlock records lines as one value, joined by ", " as an address is
// written on one line, with a citation per line.
//
// The lines are cut to the column [lo, hi) (see clip). A line that is the
// one above wrapped, because its first word would not have fitted before
// hi, continues it after a space instead: "181 Bridge Street, Boston, MA"
// over "02110" is one line of an address, not two.
func (fd *finder) emitBlock(v *pageView, f int, segs []int, score, lo, hi float64) {
	var value string
	var cites []cite
	prevRight, prevChar, prevComma := 0.0, 0.0, false
	for _, si := range segs {
		lt := &v.lines[v.segs[si].line]
		sp := clip(v.p, lt, lt.segs[v.segs[si].seg], lo, hi)
		if sp.from >= sp.to {
			continue
		}
		t := strings.ReplaceAll(lt.text(sp), string(gap), " ")
		box := spanBox(v.p, lt, sp)
		first := v.p.Words[lt.word[sp.from]].Box
		switch {
		case value == "":
			value = t
		case prevRight+prevChar+first.W > hi && prevComma:
			value += ", " + t
		case prevRight+prevChar+first.W > hi:
			value += " " + t
		default:
			value = strings.TrimRight(value, ",") + ", " + t
		}
		prevRight, prevChar = box.X+box.W, box.W/float64(max(sp.to-sp.from, 1))
		// trimValue took off a comma ending the line; a wrapped line
		// after it keeps it.
		prevComma = sp.to < len(lt.runes) && lt.runes[sp.to] == ','
		cites = append(cites, cite{page: v.p.Number, text: t, box: box})
	}
	if value = strings.TrimRight(value, ","); value != "" {
		fd.emitCites(f, value, cites, score)
	}
}

// scanSegment looks for "label SEP value" in one segment, where SEP is a
// colon, an equals sign or a dash between spaces, and for a label standing
// alone whose value is the next segment or the one below.
func (fd *finder) scanSegment(v *pageView, si int) {
	ref := v.segs[si]
	lt := &v.lines[ref.line]
	seg := lt.segs[ref.seg]
	for i := seg.from; i < seg.to && i-seg.from <= maxLabelRunes; i++ {
		if !isSeparator(lt.runes, seg, i) {
			continue
		}
		hits := fd.hits(v, si, string(lt.runes[seg.from:i]))
		val := trimValue(lt.runes, span{i + 1, seg.to})
		if val.from < val.to {
			fd.objectLabel(v.p, lt, string(lt.runes[seg.from:i]), val)
		}
		if len(hits) == 0 {
			continue
		}
		if val.from < val.to {
			fd.emitLine(v.p, lt, hits, val, placeSameLine)
			return
		}
		fd.standalone(v, si, hits)
		return
	}
	if hits := fd.hits(v, si, lt.text(seg)); len(hits) > 0 {
		fd.standalone(v, si, hits)
		return
	}
	fd.trailingLabel(v, si)
}

// placeTrailing is the factor of a value after a label that ends a
// segment of other words: "KECI+KCFW Combo KECI+KCFW Advertiser", where
// the layout ran a column's text into the label before the value's gap.
const placeTrailing = 0.75

// trailingLabel reads the next segment of the line as the value of a
// label, as written, that ends segment si after other words.
func (fd *finder) trailingLabel(v *pageView, si int) {
	ref := v.segs[si]
	lt := &v.lines[ref.line]
	if ref.seg+1 >= len(lt.segs) {
		return
	}
	words := strings.Fields(v.normText(si))
	for k := min(3, len(words)-1); k >= 1; k-- {
		all := fd.plan.ix.exact[strings.Join(words[len(words)-k:], " ")]
		var hits []labelHit
		for _, h := range all {
			if !h.scoped {
				hits = append(hits, labelHit{h.field, h.score * placeTrailing, false})
			}
		}
		if len(hits) == 0 {
			continue
		}
		next := lt.segs[ref.seg+1]
		val := trimValue(lt.runes, next)
		if val.from < val.to && !fd.plan.ix.isNonValue(lt.text(val)) && !fd.hasLabel(lt, next) {
			fd.emitLine(v.p, lt, hits, val, placeSameLine)
		}
		return
	}
}

// hits matches a label written in segment si, keeping scoped hits only
// inside their section.
//
// Outside any section of its field, a scoped label still counts when it
// names one field only ("Phone:" on an invoice whose schema has a phone
// for the vendor alone), with scoreOutside.
func (fd *finder) hits(v *pageView, si int, text string) []labelHit {
	all := fd.plan.ix.match(text)
	scoped := 0
	for _, h := range all {
		if h.scoped {
			scoped++
		}
	}
	out := all[:0:0]
	for _, h := range all {
		if h.scoped && !slices.Contains(v.inSection[si], fd.plan.fields[h.field].section) {
			if scoped > 1 || len(v.inSection[si]) > 0 {
				continue
			}
			h.score *= scoreOutside
		}
		out = append(out, h)
	}
	return out
}

// objectLabel reads "Customer: Globex Corporation", a nested object's
// label with a value beside it, as the name of the object.
func (fd *finder) objectLabel(p *document.Page, lt *lineText, label string, val span) {
	for _, id := range fd.plan.sectIx[norm(label)] {
		s := fd.plan.sections[id]
		if s.name < 0 {
			continue
		}
		score := scoreSynonym
		for _, l := range s.labels {
			if l.text == norm(label) {
				score = l.score
			}
		}
		text := strings.ReplaceAll(lt.text(val), string(gap), " ")
		if !isNull(text) {
			fd.emitCites(s.name, text, []cite{{page: p.Number, text: text, box: spanBox(p, lt, val)}}, score*placeSameLine)
		}
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
// them) or, when that is missing or is another label, the nearest segment
// below that overlaps the label. A field whose value spans lines (an
// address, a list) takes the block below.
func (fd *finder) standalone(v *pageView, si int, hits []labelHit) {
	ref := v.segs[si]
	lt := &v.lines[ref.line]
	if ref.seg+1 < len(lt.segs) {
		val := trimValue(lt.runes, lt.segs[ref.seg+1])
		if val.from < val.to && !fd.plan.ix.isNonValue(lt.text(val)) && !fd.hasLabel(lt, lt.segs[ref.seg+1]) &&
			fd.emitLine(v.p, lt, hits, val, placeSameLine) {
			return
		}
		// Nothing beside the label fits it: in a row of labels over a row
		// of values, the next cell is the next label.
	} else if ri, ok := v.right(si); ok {
		// The value stands on the label's row but in another line: the
		// reading order cut the row at the gap between them, as it does
		// for a column of labels beside a column of values.
		rl := &v.lines[v.segs[ri].line]
		rs := rl.segs[v.segs[ri].seg]
		val := trimValue(rl.runes, rs)
		if val.from < val.to && !fd.plan.ix.isNonValue(rl.text(val)) && !fd.hasLabel(rl, rs) &&
			fd.emitLine(v.p, rl, hits, val, placeSameLine) {
			return
		}
	}
	var blockHits, lineHits []labelHit
	for _, h := range hits {
		if f := fd.plan.fields[h.field]; f.list || f.hint == hintAddress {
			blockHits = append(blockHits, h)
		} else {
			lineHits = append(lineHits, h)
		}
	}
	if len(blockHits) > 0 {
		if block := v.column(si, 12, fd.looksLabelled); len(block) > 0 {
			for _, h := range blockHits {
				fd.emitBlockHit(v, si, h, block)
			}
		}
	}
	if len(lineHits) == 0 {
		return
	}
	bi, ok := v.below(si)
	if !ok {
		return
	}
	bl := &v.lines[v.segs[bi].line]
	pick := bl.segs[v.segs[bi].seg]
	val := clip(v.p, bl, pick, v.columnStart(si), v.columnEnd(si))
	if val.from >= val.to || fd.plan.ix.isNonValue(bl.text(val)) || fd.hasLabel(bl, pick) {
		return
	}
	place := placeBelow
	if v.headerOfLongTable(si) {
		place = placeColumn
	}
	fd.emitLine(v.p, bl, lineHits, val, place)
}

// emitBlockHit reads the block under a label for a list (one item per
// line, or per comma when a line holds several) or an address (the lines
// joined).
func (fd *finder) emitBlockHit(v *pageView, si int, h labelHit, block []int) {
	f := fd.plan.fields[h.field]
	if !f.list {
		fd.emitBlock(v, h.field, block, h.score*placeBelow, v.columnStart(si), v.columnEnd(si))
		return
	}
	lc := listCandidate{score: h.score * placeBelow, order: fd.order}
	bulletX := math.Inf(1) // left edge of the first bulleted line
	for _, si := range block {
		lt := &v.lines[v.segs[si].line]
		s := lt.segs[v.segs[si].seg]
		from := skipBullet(lt.runes, s)
		// A list whose items have bullets ends at a line without one that
		// is not indented under them: the heading of what follows ("Work
		// Experience" under the skills), where no blank line set it off.
		switch x := v.segs[si].box.X; {
		case from > s.from:
			bulletX = min(bulletX, x)
		case x <= bulletX+v.height(si)/2:
			fd.addList(h.field, lc)
			return
		}
		s.from = from
		lc.items = append(lc.items, fd.splitItems(v.p, lt, h.field, s, lc.score)...)
	}
	fd.addList(h.field, lc)
}

// right returns the nearest segment to the right of segment si on its row,
// when si ends its line: the first thing after the label, left to right.
func (v *pageView) right(si int) (int, bool) {
	lb := v.segs[si].box
	h := v.height(si)
	best, bestX := -1, math.Inf(1)
	for j, s := range v.segs {
		if j == si || math.Abs((s.box.Y+s.box.H/2)-(lb.Y+lb.H/2)) > h/2 || s.box.X < lb.X+lb.W {
			continue
		}
		if s.box.X < bestX {
			best, bestX = j, s.box.X
		}
	}
	return best, best >= 0
}

// below returns the nearest segment under segment si, at most two blank
// lines down, that overlaps it horizontally.
func (v *pageView) below(si int) (int, bool) {
	lb := v.segs[si].box
	h := v.height(si)
	best, bestDY, bestDX := -1, math.Inf(1), math.Inf(1)
	for j, s := range v.segs {
		dy := s.box.Y - (lb.Y + lb.H)
		if j == si || dy < -h/4 || dy > 2.5*h {
			continue
		}
		if min(lb.X+lb.W, s.box.X+s.box.W)-max(lb.X, s.box.X) <= 0 {
			continue
		}
		dx := math.Abs(s.box.X - lb.X)
		if dy < bestDY-h/4 || (math.Abs(dy-bestDY) <= h/4 && dx < bestDX) {
			best, bestDY, bestDX = j, dy, dx
		}
	}
	return best, best >= 0
}

// headerOfLongTable reports whether segment si is a header cell of a table
// with more than one data row, where the cell under it is one of many.
func (v *pageView) headerOfLongTable(si int) bool {
	b := v.segs[si].box
	for _, t := range v.p.Tables {
		if len(t.Rows) < 3 {
			continue
		}
		for _, c := range t.Rows[0] {
			if c.Box.W > 0 && min(b.X+b.W, c.Box.X+c.Box.W)-max(b.X, c.Box.X) > 0 && math.Abs(c.Box.Y-b.Y) < v.height(si)/2 {
				return true
			}
		}
	}
	return false
}

// hasLabel reports whether a segment is itself "label: …" or "label:", so
// that the line under a lone label is not taken for its value when it is
// the next field.
func (fd *finder) hasLabel(lt *lineText, s span) bool {
	if lt.runes[s.to-1] == ':' {
		return true
	}
	for i := s.from; i < s.to && i-s.from <= maxLabelRunes; i++ {
		if isSeparator(lt.runes, s, i) && len(fd.plan.ix.match(string(lt.runes[s.from:i]))) > 0 {
			return true
		}
	}
	return false
}

// emitLine records the value in span v of a line for every field the label
// names that the value fits; a list field splits it into items.
//
// It reports whether any field took the value; a null word counts as
// taken, since it says the value is absent.
func (fd *finder) emitLine(p *document.Page, lt *lineText, hits []labelHit, v span, place float64) bool {
	text := strings.ReplaceAll(lt.text(v), string(gap), " ")
	if isNull(text) {
		return true
	}
	box := spanBox(p, lt, v)
	took := false
	for _, h := range hits {
		if fd.plan.fields[h.field].list {
			lc := listCandidate{score: h.score * place, order: fd.order}
			lc.items = fd.splitItems(p, lt, h.field, v, lc.score)
			took = took || len(lc.items) > 0
			fd.addList(h.field, lc)
			continue
		}
		if fd.emitCites(h.field, text, []cite{{page: p.Number, text: text, box: box}}, h.score*place) {
			took = true
		}
	}
	return took
}

// isItemSeparator splits a list written on one line: "Go, SQL; Kubernetes".
func isItemSeparator(r rune) bool {
	return r == ',' || r == ';' || r == '|' || r == '•' || r == '·' || r == gap
}

// splitItems reads the items of a list in a span of a line.
func (fd *finder) splitItems(p *document.Page, lt *lineText, f int, s span, score float64) []candidate {
	var out []candidate
	from := s.from
	for i := s.from; i <= s.to; i++ {
		if i < s.to && !isItemSeparator(lt.runes[i]) {
			continue
		}
		// A comma splits only when a space follows: "1,234" is one number.
		if i < s.to && lt.runes[i] == ',' && i+1 < s.to && lt.runes[i+1] != ' ' && lt.runes[i+1] != gap {
			continue
		}
		if it := trimValue(lt.runes, span{from, i}); it.from < it.to {
			text := strings.ReplaceAll(lt.text(it), string(gap), " ")
			if c, ok := fd.parse(f, text, []cite{{page: p.Number, text: text, box: spanBox(p, lt, it)}}, score); ok {
				out = append(out, c)
			}
		}
		from = i + 1
	}
	return out
}

// skipBullet returns where the text of a list line starts after its
// bullet: "-", "*", "•", "1.", "a)".
func skipBullet(runes []rune, s span) int {
	i := s.from
	switch {
	case i < s.to && strings.ContainsRune("-*•·–—▪◦", runes[i]):
		i++
	default:
		j := i
		for j < s.to && j-i < 3 && (unicode.IsDigit(runes[j]) || (j == i && unicode.IsLetter(runes[j]) && j+1 < s.to && runes[j+1] == ')')) {
			j++
		}
		if j > i && j < s.to && (runes[j] == '.' || runes[j] == ')') && j+1 < s.to && runes[j+1] == ' ' {
			i = j + 1
		}
	}
	for i < s.to && unicode.IsSpace(runes[i]) {
		i++
	}
	if i >= s.to {
		return s.from
	}
	return i
}

// scanRow reads a table row as label/value pairs: a cell naming a field,
// then the next non-empty cell as its value, as in a two-column CSV of
// "label,value" rows or a "Total | | 10.00" row under line items. A header
// row does not pair up because its cells are all labels. Scoped labels do
// not count: a table row is no section.
func (fd *finder) scanRow(p *document.Page, row []document.Cell) {
	for i, c := range row {
		var hits []labelHit
		for _, h := range fd.plan.ix.match(c.Text) {
			if !h.scoped {
				hits = append(hits, h)
			}
		}
		if len(hits) == 0 {
			continue
		}
		for _, v := range row[i+1:] {
			if strings.TrimSpace(v.Text) == "" {
				continue
			}
			if !fd.plan.ix.isNonValue(v.Text) && !fd.plan.ix.twoLabels(v.Text) {
				if text, box, ok := cellValue(p, v); ok {
					for _, h := range hits {
						fd.emitCites(h.field, text, []cite{{page: p.Number, text: text, box: box}}, h.score*placeSameLine)
					}
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

// parse reads text as a value of field f: its type, then its hint. The
// score is the label and place score times how clean the value was and
// how well it fits.
func (fd *finder) parse(f int, text string, cites []cite, score float64) (candidate, bool) {
	fl := &fd.plan.fields[f]
	if fl.concept != conceptNone {
		t, fit, ok := fd.readConcept(fl, text)
		if !ok {
			return candidate{}, false
		}
		text, score = t, score*fit
	}
	v, ok := parseValueAs(fl.alts, text, fd.dayFirst)
	if !ok {
		return candidate{}, false
	}
	if !v.clean {
		score *= parseCoerced
	}
	if v.plain {
		fit, ok := fl.hint.fit(text)
		if !ok {
			return candidate{}, false
		}
		score *= fit
	}
	c := candidate{field: f, value: v, cites: cites, score: score, order: fd.order}
	fd.order++
	return c, true
}

// emitCites records text as a candidate of a scalar field if it fits.
func (fd *finder) emitCites(f int, text string, cites []cite, score float64) bool {
	if fd.plan.fields[f].list {
		return false
	}
	c, ok := fd.parse(f, text, cites, score)
	if !ok {
		return false
	}
	fd.add(c)
	return true
}

// placeKey is where a candidate of a field was read.
type placeKey struct {
	field, page int
	box         document.Box
}

// add keeps one candidate per place and value: the same cell can be found
// both as a line and as a table row.
func (fd *finder) add(c candidate) {
	list := fd.found[c.field]
	// Most candidates are new: a set of the places already taken spares
	// them a look through the field's list, which grows with the pages.
	// A key in the set may be stale (a reader may drop candidates), so
	// a hit still looks.
	k := placeKey{c.field, c.cites[0].page, c.cites[0].box}
	if fd.places == nil {
		fd.places = map[placeKey]bool{}
	}
	if !fd.places[k] {
		fd.places[k] = true
		fd.found[c.field] = append(list, c)
		return
	}
	for i, o := range list {
		if o.cites[0].page == c.cites[0].page && o.cites[0].box == c.cites[0].box && sameValue(o.value.value, c.value.value) {
			if c.score > o.score {
				list[i].score = c.score
			}
			return
		}
	}
	fd.found[c.field] = append(list, c)
}

func (fd *finder) addList(f int, lc listCandidate) {
	if len(lc.items) == 0 {
		return
	}
	fd.order++
	fd.lists[f] = append(fd.lists[f], lc)
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
