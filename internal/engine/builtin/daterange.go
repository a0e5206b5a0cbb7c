package builtin

import (
	"math"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A form often gives a period as one range, "Flight Dates: 10/01/12 -
// 10/15/12", "Period 1/27/2020 - 2/23/2020", or a range under its label
// in a box of the form. A date field whose meaning says it is where
// something starts (from, start, first, begin) takes the range's first
// date, one that says it ends (to, end, last, until) its second, when the
// range's label names what the field is about.

// rangeSide is which end of a range a date field takes.
type rangeSide int

const (
	rangeNone rangeSide = iota
	rangeStart
	rangeEnd
)

// How well a range's label names a date field of a range; see rangeLabelScore.
const (
	scoreRangeTopic   = 0.90 // the label holds a word of the field's name ("Flight Dates" for flight_begin)
	scoreRangeDesc    = 0.80 // a word the description gives ("Schedule Dates": "start of the schedule")
	scoreRangeGeneric = 0.70 // only a word for a period ("Dates", "Period", "Term")
	// rangeOther scales a generic label qualified by a word the field
	// never says ("Contract Dates", "Invoice Period" for a flight's first
	// day): the document's own period more often than not, but another
	// one where a label names the field's.
	rangeOther = 0.85
	// rangeRowSegments is how many segments make a range's line a row of
	// a table, whose ranges are one row's each.
	rangeRowSegments = 5
)

var (
	startWords = []string{"from", "start", "starting", "first", "begin", "beginning", "commencement", "commence", "since", "earliest", "opening", "von", "debut", "desde", "inicio", "vanaf", "begindatum"}
	endWords   = []string{"to", "end", "ending", "last", "until", "till", "through", "thru", "expiry", "expiration", "latest", "closing", "bis", "fin", "hasta", "tot", "einddatum"}
	// periodWords name a span of time in a label.
	periodWords = map[string]bool{"dates": true, "date": true, "period": true, "term": true, "duration": true,
		"flight": true, "schedule": true, "campaign": true, "validity": true, "coverage": true, "range": true,
		"zeitraum": true, "periode": true, "période": true, "periodo": true, "período": true, "looptijd": true, "laufzeit": true}
	// rangeStopWords say nothing of what a range is about.
	rangeStopWords = map[string]bool{"the": true, "of": true, "a": true, "an": true, "and": true, "or": true,
		"date": true, "dates": true, "day": true, "as": true, "in": true, "on": true, "at": true, "for": true,
		"yyyy": true, "mm": true, "dd": true, "this": true, "that": true, "is": true, "it": true, "by": true}
)

// dateSide reads from a date field's meaning which end of a range it is:
// its name first ("flight_begin", "end_date"), then its description ("First
// air date of the flight"). A field that says both or neither is none.
func dateSide(f *field) rangeSide {
	if len(f.alts) == 0 || f.alts[0].kind != kindString || (f.alts[0].format != "date" && f.alts[0].format != "date-time") || f.list {
		return rangeNone
	}
	s, e := f.mean.named(startWords...), f.mean.named(endWords...)
	if s == e {
		// "to" and "from" are too common in descriptions to count there.
		s = f.mean.desc["start"] || f.mean.desc["first"] || f.mean.desc["begin"] || f.mean.desc["beginning"]
		e = f.mean.desc["end"] || f.mean.desc["last"] || f.mean.desc["until"] || f.mean.desc["ending"]
	}
	switch {
	case s && !e:
		return rangeStart
	case e && !s:
		return rangeEnd
	}
	return rangeNone
}

// rangeLabelScore scores the label of a range for a field: how surely it
// is the field's period. Zero when the label says nothing of a period or
// of the field.
func rangeLabelScore(f *field, label string) float64 {
	words := strings.Fields(norm(label))
	topic, desc, period, other := false, false, false, false
	for _, w := range words {
		if rangeStopWords[w] || isSideWord(w) {
			if w == "date" || w == "dates" {
				period = true
			}
			continue
		}
		switch {
		case f.mean.name[w] || f.mean.name[stem(w)]:
			topic = true
		case f.mean.desc[w] || f.mean.desc[stem(w)]:
			desc = true
		case periodWords[w]:
			period = true
		default:
			other = true
		}
	}
	switch {
	case topic:
		return scoreRangeTopic
	case desc:
		return scoreRangeDesc
	case period && other:
		return scoreRangeGeneric * rangeOther
	case period:
		return scoreRangeGeneric
	}
	return 0
}

func isSideWord(w string) bool {
	for _, s := range startWords {
		if s == w {
			return true
		}
	}
	for _, s := range endWords {
		if s == w {
			return true
		}
	}
	return false
}

// datePattern is one numeric or written date; dateRange two of them
// joined by a dash or a word ("to", "thru", "bis").
const datePattern = `(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}[/.](?:\d{4}|\d{2})|\d{1,2}-\d{1,2}-(?:\d{4}|\d{2})|` +
	`(?:[A-Za-z]{3,9}\.? \d{1,2},? \d{4})|(?:\d{1,2} [A-Za-z]{3,9}\.? \d{4}))`

var dateRange = regexp.MustCompile(`(?i)(?:^|[^\d/.\-])(` + datePattern + `)\s*(?:-|–|—|to|thru|through|until|till|bis|au|al|tot|a)\s*(` + datePattern + `)(?:$|[^\d/.\-])`)

// scanRanges finds the date ranges of a page's lines and offers their
// ends to the date fields of a range whose label they stand by: the words
// before the range on its line, or the segment above it.
func (fd *finder) scanRanges(v *pageView, sides []rangeSide) {
	for li := range v.lines {
		lt := &v.lines[li]
		if len(lt.runes) < 13 || !hasDigitRun(lt.runes) {
			continue
		}
		s := string(lt.runes)
		for _, m := range dateRange.FindAllStringSubmatchIndex(s, -1) {
			a := span{runeIndex(s, m[2]), runeIndex(s, m[3])}
			b := span{runeIndex(s, m[4]), runeIndex(s, m[5])}
			label, place := fd.rangeLabel(v, li, a.from)
			if label == "" {
				continue
			}
			for fi, side := range sides {
				if side == rangeNone {
					continue
				}
				score := rangeLabelScore(&fd.plan.fields[fi], label) * place
				if score == 0 {
					continue
				}
				end := a
				if side == rangeEnd {
					end = b
				}
				text := lt.text(end)
				fd.emitCites(fi, text, []cite{{page: v.p.Number, text: text, box: spanBox(v.p, lt, end)}}, score)
			}
		}
	}
}

// rangeLabel is the label of a range starting at rune at of line li: the
// words before it in its segment ("Flight Dates: ", "Order Flight"), the
// segment before it on the line when the range starts its segment, or the
// segment above it, when that is text without digits; place is how sure
// the label is the range's own (see placeColumn).
func (fd *finder) rangeLabel(v *pageView, li, at int) (label string, place float64) {
	lt := &v.lines[li]
	si := -1
	for k, s := range lt.segs {
		if at >= s.from && at < s.to {
			si = k
		}
	}
	if si < 0 {
		return "", 0
	}
	if before := strings.TrimSpace(string(lt.runes[lt.segs[si].from:at])); before != "" {
		return lastWords(strings.TrimRight(before, ":：-–"), 4), placeSameLine
	}
	if si > 0 {
		prev := lt.text(lt.segs[si-1])
		if !strings.ContainsFunc(prev, unicode.IsDigit) {
			return lastWords(strings.TrimRight(prev, ":："), 4), placeSameLine
		}
	}
	// The segment above, in a form's box of a label over its value.
	var seg int = -1
	for k, r := range v.segs {
		if r.line == li && r.seg == si {
			seg = k
		}
	}
	if seg < 0 {
		return "", 0
	}
	// A label on the range's row that the reading order put on a line
	// of its own.
	if l, ok := v.leftSeg(seg); ok {
		if t := v.text(l); !strings.ContainsFunc(t, unicode.IsDigit) {
			return lastWords(strings.TrimRight(t, ":："), 4), placeSameLine
		}
	}
	if up, ok := v.above(seg); ok {
		t := v.text(up)
		if !strings.ContainsFunc(t, unicode.IsDigit) {
			// Under a column header of a table of several rows, the range
			// is one row's, not the document's.
			if v.headerOfLongTable(up) || len(lt.segs) >= rangeRowSegments {
				return strings.TrimRight(t, ":："), placeColumn
			}
			return strings.TrimRight(t, ":："), placeBelow
		}
	}
	return "", 0
}

// above returns the nearest segment over segment si, at most two blank
// lines up, that overlaps it horizontally or, failing that, ends a few
// characters left of it: a label set flush left of a box whose value is
// indented.
func (v *pageView) above(si int) (int, bool) {
	if j, ok := v.aboveWithin(si, 0); ok {
		return j, ok
	}
	return v.aboveWithin(si, 4*v.height(si))
}

// aboveWithin is above with segments widened by reach to the right.
func (v *pageView) aboveWithin(si int, reach float64) (int, bool) {
	lb := v.segs[si].box
	h := v.height(si)
	best, bestDY, bestDX := -1, math.Inf(1), math.Inf(1)
	for j, s := range v.segs {
		dy := lb.Y - (s.box.Y + s.box.H)
		if j == si || dy < -h/4 || dy > 2.5*h {
			continue
		}
		if min(lb.X+lb.W, s.box.X+s.box.W+reach)-max(lb.X, s.box.X) <= 0 {
			continue
		}
		dx := math.Abs(s.box.X - lb.X)
		if dy < bestDY-h/4 || (math.Abs(dy-bestDY) <= h/4 && dx < bestDX) {
			best, bestDY, bestDX = j, dy, dx
		}
	}
	return best, best >= 0
}

// leftSeg returns the nearest segment left of segment si on its row, in
// another line: the label of a value the reading order cut from it.
func (v *pageView) leftSeg(si int) (int, bool) {
	lb := v.segs[si].box
	h := v.height(si)
	best, bestX := -1, math.Inf(-1)
	for j, s := range v.segs {
		if j == si || s.line == v.segs[si].line || math.Abs((s.box.Y+s.box.H/2)-(lb.Y+lb.H/2)) > h/2 || s.box.X+s.box.W > lb.X {
			continue
		}
		if x := s.box.X + s.box.W; x > bestX {
			best, bestX = j, x
		}
	}
	return best, best >= 0
}

// lastWords is the last n words of s.
func lastWords(s string, n int) string {
	w := strings.Fields(s)
	if len(w) > n {
		w = w[len(w)-n:]
	}
	return strings.Join(w, " ")
}

// runeIndex converts a byte offset of s into a rune offset.
func runeIndex(s string, b int) int { return utf8.RuneCountInString(s[:b]) }

// hasDigitRun reports whether runes hold a digit, the cheap test before a
// line is matched against dateRange.
func hasDigitRun(runes []rune) bool {
	for _, r := range runes {
		if r >= '0' && r <= '9' {
			return true
		}
	}
	return false
}
