package builtin

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/quarrylabs/quarry/internal/document"
)

// Dates are often printed with no label a field's names match: a receipt
// prints "ORD #50 -REG #19- 18/01/2018 10:27:03", a bill "BILL DATE :
// 20/11/2017", a letter "Munich, 5 March 2024". dateSpans finds every date
// written inside a line and offers it to the date fields by what stands
// before it and by how many other dates the document holds.

// dateInText finds dates inside running text: numeric ones (day or month
// first, or year first) and those written with a month's name.
var dateInText = regexp.MustCompile(`(?i)\b(?:[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}|[0-9]{1,2}[-/.][0-9]{1,2}[-/.](?:[0-9]{4}|[0-9]{2})|[0-9]{1,2}(?:st|nd|rd|th)?[ -]?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?,?[ -]?(?:[0-9]{4}|[0-9]{2})|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? [0-9]{1,2}(?:st|nd|rd|th)?,? [0-9]{4})\b`)

// Raw scores of dates read inside lines. A date after a word naming the
// field (its qualifier: "due", "invoice", "delivery") or, for a plain date
// field, after "date" is nearly always the one; the only date of a
// document is the date of a field that asks for no particular one more
// often than not; the first of several, less so.
const (
	scoreSpanQualified = 0.8
	scoreSpanDated     = 0.75
	scoreSpanOnly      = 0.65
	scoreSpanFirst     = 0.45
	// scoreSpanDatedOther is a date after "date" offered to a field that
	// asks for a particular one: a document often labels its one date
	// "Date", whatever the schema calls it.
	scoreSpanDatedOther = 0.5
)

// localeDateOrder reads the order of a document's numeric dates from what
// it says of where it comes from, when its dates cannot say: month first
// is the United States' way, so a document in another currency, or one
// that names a VAT, GST or other tax most countries have, writes its day
// first; one in US dollars, month first. It returns 1, -1 or 0 as
// dateOrder does.
func localeDateOrder(words []string) int {
	day, month := false, false
	for _, w := range words {
		if strings.HasPrefix(w, "€") || strings.HasPrefix(w, "£") {
			day = true
		}
		t := strings.Trim(w, ".,:;()")
		if len(t) > 5 {
			// Longer than every word below.
			continue
		}
		switch strings.ToUpper(t) {
		case "RM", "MYR", "SGD", "EUR", "€", "GBP", "£", "INR", "₹", "AUD", "NZD", "GST", "SST", "VAT",
			"MWST", "UST", "TVA", "IVA", "BTW", "HT", "TTC", "CHF":
			day = true
		case "USD", "US$":
			month = true
		}
	}
	return orderOf(day, month)
}

// dateLabels are the words that introduce a date, in the languages of the
// documents Quarry reads.
var dateLabels = map[string]bool{
	"date": true, "dated": true, "dt": true, "datum": true, "fecha": true, "data": true, "le": true,
	"du": true, "vom": true, "am": true, "issued": true, "on": true,
}

// dateField is a scalar field whose value is a date, and the words of its
// name that say which date it is.
type dateField struct {
	f          int
	qualifiers []string
	// end is the qualifier saying the field is the end of a range
	// ("to", "end", "until"), if any.
	end string
}

// rangeEnds are the words naming the end of a range of dates.
var rangeEnds = map[string]bool{"to": true, "end": true, "until": true, "till": true, "through": true,
	"thru": true, "last": true, "bis": true, "fin": true, "au": true, "hasta": true, "tot": true}

// dateFields lists the date fields and their qualifiers: the name's words
// other than "date" ("invoice" of invoice_date, "due" of due_date). A field
// named just date has none.
func (pl *plan) dateFields() []dateField {
	var out []dateField
	for i, f := range pl.fields {
		if f.list || len(f.alts) == 0 || f.alts[0].format != "date" {
			continue
		}
		df := dateField{f: i}
		for _, w := range strings.Fields(norm(f.prop.name)) {
			if !dateStopWords[w] && len(w) > 1 {
				df.qualifiers = append(df.qualifiers, w)
			}
			if rangeEnds[w] {
				df.end = w
			}
		}
		out = append(out, df)
	}
	return out
}

// dateStopWords say nothing of which date a field is.
var dateStopWords = map[string]bool{"date": true, "of": true, "the": true, "on": true, "at": true, "in": true,
	"for": true, "by": true, "day": true, "when": true, "datum": true, "fecha": true}

// spanDate is one date found inside a line.
type spanDate struct {
	page    int
	text    string
	iso     string
	box     document.Box
	context []string // normalized words before it on its line
}

// dateSpans offers the dates inside the document's lines to the date
// fields no label gave a value.
func (fd *finder) dateSpans(pages []document.Page) {
	var dfs []dateField
	for _, df := range fd.plan.dateFields() {
		// What a label gave is better evidence, and a date inside
		// another line would only stand as its rival.
		// The start or end of a range is the range reader's to give
		// (daterange.go): a lone date is neither.
		// A contract's date is the sentence reader's (clause.go), which
		// tells the agreement's own from another's it names.
		f := &fd.plan.fields[df.f]
		if len(fd.found[df.f]) == 0 && dateSide(f) == rangeNone && clauseKindOf(f) != clauseDate {
			dfs = append(dfs, df)
		}
	}
	if len(dfs) == 0 {
		return
	}
	var dates []spanDate
	distinct := map[string]bool{}
	for pi := range pages {
		p := &pages[pi]
		for _, l := range p.Lines {
			if !hasDateInText(l.Text) {
				continue
			}
			lt := readLine(p, l)
			text := string(lt.runes)
			for _, m := range dateInText.FindAllStringIndex(text, -1) {
				raw := text[m[0]:m[1]]
				iso, _, ok := parseDateAs(raw, fd.dayFirst)
				if !ok {
					continue
				}
				from, to := utf8.RuneCountInString(text[:m[0]]), utf8.RuneCountInString(text[:m[1]])
				dates = append(dates, spanDate{
					page: p.Number, text: raw, iso: iso,
					box:     spanBox(p, &lt, span{from, to}),
					context: strings.Fields(norm(text[:m[0]])),
				})
				distinct[iso] = true
			}
		}
	}
	if len(dates) == 0 {
		return
	}
	// A qualifier no line of the document uses cannot tell its dates
	// apart ("purchased" of purchased_on on a receipt that writes only
	// "Date"): the field is then read as one that asks for no particular
	// date.
	used := map[string]bool{}
	for pi := range pages {
		for _, l := range pages[pi].Lines {
			for _, w := range strings.Fields(norm(l.Text)) {
				used[w], used[stem(w)] = true, true
			}
		}
	}
	for k, df := range dfs {
		if df.end == "" && !slices.ContainsFunc(df.qualifiers, func(q string) bool { return used[q] || used[stem(q)] }) {
			dfs[k].qualifiers = nil
		}
	}
	for _, df := range dfs {
		for i, d := range dates {
			score := 0.0
			near := d.context
			if len(near) > 4 {
				near = near[len(near)-4:]
			}
			switch {
			case df.end != "" && !anyWord(near, []string{df.end}):
				// The end of a range is the second of two dates that the
				// same words introduce; without its own word it is not
				// told from the start.
				continue
			case len(df.qualifiers) > 0 && anyWord(near, df.qualifiers):
				score = scoreSpanQualified
			case len(df.qualifiers) > 0 && anyLabel(near, dateLabels):
				score = scoreSpanDatedOther
			case len(df.qualifiers) > 0:
				// A field that asks for a particular date takes no
				// unlabelled date.
				continue
			case anyLabel(near, dateLabels):
				score = scoreSpanDated
			case len(distinct) == 1:
				score = scoreSpanOnly
			case i == 0:
				score = scoreSpanFirst
			default:
				continue
			}
			fd.emitCites(df.f, d.text, []cite{{page: d.page, text: d.text, box: d.box}}, score)
		}
	}
}

// mayHoldDate is a quick test before dateInText's: see dateHint.
func mayHoldDate(s string) bool { return dateHint(s) >= 0 }

// hasDateInText reports whether dateInText finds a date in s. It runs the
// pattern from a little before the first hint of one (dateHint): every
// date it finds begins at most five bytes before its hint, and starting
// after a space keeps \b as it reads in the whole line.
func hasDateInText(s string) bool {
	h := dateHint(s)
	if h < 0 {
		return false
	}
	from := max(0, h-6)
	for from > 0 && s[from-1] != ' ' {
		from--
	}
	return dateInText.MatchString(s[from:])
}

// dateHint is where the first hint of a date in s stands, -1 where there
// is none: two date separators around one or two digits, between digits
// ("5.3.2024", "2024-03-05"; an amount, "412.00", has one), or, in a text
// with a digit, a word beginning with a month's name, or glued to a day
// ("5thmar").
func dateHint(s string) int {
	hint := -1
	for i := 1; i+1 < len(s); i++ {
		if !isDateSep(s[i]) || !isDigit(s[i-1]) {
			continue
		}
		j := i + 1
		for j < len(s) && j-i <= 3 && isDigit(s[j]) {
			j++
		}
		if n := j - i - 1; (n == 1 || n == 2) && j+1 < len(s) && isDateSep(s[j]) && isDigit(s[j+1]) {
			hint = i
			break
		}
	}
	if !strings.ContainsAny(s, "0123456789") {
		return hint
	}
	for i := 0; i+3 <= len(s) && (hint < 0 || i < hint); i++ {
		if isASCIILetter(s[i]) && (i == 0 || !isASCIILetter(s[i-1]) || daySuffixBefore(s, i)) {
			if _, ok := months[strings.ToLower(s[i:i+3])]; ok {
				return i
			}
		}
	}
	return hint
}

// daySuffixBefore reports whether an ordinal's suffix after a digit ends
// at i: "5th" in "5thmar".
func daySuffixBefore(s string, i int) bool {
	if i < 3 || !isDigit(s[i-3]) {
		return false
	}
	switch strings.ToLower(s[i-2 : i]) {
	case "st", "nd", "rd", "th":
		return true
	}
	return false
}

func isDigit(c byte) bool       { return c >= '0' && c <= '9' }
func isDateSep(c byte) bool     { return c == '/' || c == '.' || c == '-' }
func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func anyWord(words, want []string) bool {
	for _, w := range words {
		for _, x := range want {
			if w == x || stem(w) == stem(x) {
				return true
			}
		}
	}
	return false
}

func anyLabel(words []string, set map[string]bool) bool {
	for _, w := range words {
		if set[w] {
			return true
		}
	}
	return false
}
