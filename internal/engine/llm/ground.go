package llm

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/quarrylabs/quarry/internal/document"
)

// Grounding qualities: how a value was found in the document's words.
const (
	qualityExact      = 1.0  // the words read exactly as the value
	qualityNormalised = 0.9  // the same letters and digits, or the same amount or date
	qualityFuzzy      = 0.75 // times the similarity, for near matches of text
	fuzzyThreshold    = 0.8  // least similarity a fuzzy match needs
)

// citation is where a value was read; its JSON is the API's.
type citation struct {
	Page          int            `json:"page"`
	MatchingText  string         `json:"matching_text"`
	BoundingBoxes []document.Box `json:"bounding_boxes"`
}

// match is one place a value was found.
type match struct {
	quality float64
	cite    citation
}

// stream is a page's words in reading order, with what grounding compares.
type stream struct {
	page  *document.Page
	words []streamWord
}

type streamWord struct {
	idx   int // into page.Words
	line  int
	text  string
	norm  string
	canon string
}

func newStreamWord(idx, line int, text string) streamWord {
	return streamWord{idx: idx, line: line, text: text, norm: norm(text), canon: canon(text)}
}

func newStreams(pages []document.Page) []stream {
	out := make([]stream, len(pages))
	for pi := range pages {
		p := &pages[pi]
		s := stream{page: p}
		if len(p.Lines) == 0 {
			for i, w := range p.Words {
				s.words = append(s.words, newStreamWord(i, i, w.Text))
			}
		}
		for li, l := range p.Lines {
			for _, wi := range l.Words {
				if wi >= 0 && wi < len(p.Words) {
					s.words = append(s.words, newStreamWord(wi, li, p.Words[wi].Text))
				}
			}
		}
		out[pi] = s
	}
	return out
}

// norm keeps only letters and digits, lower-cased: what is left when
// punctuation, spacing and case are set aside.
func norm(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// canonWords are words a document and a model write differently for the
// same thing: "&" and "and", a company's legal form and its abbreviation,
// a small number in words and in digits ("two (2) years", "2 years").
var canonWords = map[string]string{
	"ltd": "limited", "inc": "incorporated", "corp": "corporation", "co": "company", "intl": "international",
	"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8",
	"nine": "9", "ten": "10", "eleven": "11", "twelve": "12", "fifteen": "15", "eighteen": "18",
	"twenty": "20", "thirty": "30", "sixty": "60", "ninety": "90",
}

// canon is norm with the words of canonWords written one way.
func canon(s string) string {
	var b, run strings.Builder
	flush := func() {
		w := run.String()
		if c, ok := canonWords[w]; ok {
			w = c
		}
		b.WriteString(w)
		run.Reset()
	}
	for _, r := range s {
		switch {
		case r == '&':
			flush()
			b.WriteString("and")
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if run.Len() > 0 && unicode.IsDigit(r) != unicode.IsDigit(rune(run.String()[run.Len()-1])) {
				flush()
			}
			run.WriteRune(unicode.ToLower(r))
		default:
			flush()
		}
	}
	flush()
	return b.String()
}

// locate finds a scalar value in the pages: exactly, then normalised, then
// (for text) fuzzily. Amounts are compared as numbers and dates as dates,
// since the document writes them in its own way ("$1,234.56", "5.000",
// "3 juin 2016"); text is also looked for over the lines of a wrapped
// table cell, and a currency's code on the symbol or name printed for it.
// near, when set, is where the built-in engine read the same value for the
// field; of equally good matches the one at its place wins, then one on
// its page, else the first: a receipt's 60.30 is the total's when the
// built-in engine read it on the total's line, not the cash's.
func (g *grounder) locate(n *node, v any, near *citation) (match, bool) {
	var best match
	found := false
	closeness := func(m match) int {
		switch {
		case near == nil || m.cite.Page != near.Page:
			return 0
		case overlaps(m.cite.BoundingBoxes, near.BoundingBoxes):
			return 2
		}
		return 1
	}
	consider := func(m match) {
		switch {
		case !found || m.quality > best.quality:
		case m.quality == best.quality && closeness(m) > closeness(best):
		default:
			return
		}
		best, found = m, true
	}
	switch x := v.(type) {
	case json.Number:
		f, err := x.Float64()
		if err != nil {
			return match{}, false
		}
		check := func(s *stream, ws []streamWord, joined string) {
			if !amountWords(ws) {
				return
			}
			for _, a := range amountReadings(joined) {
				if math.Abs(a-f) < 0.005 {
					q := qualityNormalised
					if joined == x.String() {
						q = qualityExact
					}
					consider(makeMatch(s, ws, q))
					return
				}
			}
		}
		for si := range g.streams {
			s := &g.streams[si]
			eachWindow(s, 3, func(ws []streamWord, joined string) { check(s, ws, joined) })
			if f >= 0 {
				continue
			}
			// A sign printed as a word of its own: "- 3", "− 12,50".
			for i, w := range s.words {
				if !isMinusWord(w.text) {
					continue
				}
				joined := w.text
				for j := i + 1; j < len(s.words) && j <= i+2; j++ {
					joined += s.words[j].text
					check(s, s.words[i:j+1], joined)
				}
			}
		}
	case bool:
		words := map[bool][]string{true: {"yes", "true", "y", "x"}, false: {"no", "false", "n"}}[x]
		for si := range g.streams {
			eachWindow(&g.streams[si], 1, func(ws []streamWord, _ string) {
				for _, w := range words {
					if ws[0].norm == w {
						// A bare yes or no may belong to any question: the
						// match says little on its own.
						consider(makeMatch(&g.streams[si], ws, 0.6))
					}
				}
			})
		}
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return match{}, false
		}
		if iso, ok := isoDay(s); ok {
			g.indexDates()
			for si := range g.streams {
				st := &g.streams[si]
				for _, d := range g.dates[si] {
					if !slices.Contains(d.readings, iso) {
						continue
					}
					ws := st.words[d.start:d.end]
					q := qualityNormalised
					if joinSpaced(ws) == s {
						q = qualityExact
					}
					consider(makeMatch(st, ws, q))
				}
			}
			if found {
				return best, true
			}
		}
		nv, cv := norm(s), canon(s)
		if nv == "" {
			return match{}, false
		}
		width := len(strings.Fields(s)) + 1
		// Windows longer than this cannot be near enough in letters.
		longest := len(nv) + len(nv)/5
		for pass := range 2 {
			st := g.streams
			if pass == 1 {
				// Wrapped cells, read only for what reading order did
				// not give.
				st = g.wraps()
			}
			for si := range st {
				words := st[si].words
				for i := range words {
					if words[i].norm == "" {
						continue
					}
					jn, jc := "", ""
					for j := i; j < len(words) && j < i+width; j++ {
						jn += words[j].norm
						jc += words[j].canon
						if len(jn) > longest && len(jc) > len(cv)+len(cv)/5 {
							break
						}
						if words[j].norm == "" {
							continue
						}
						ws := words[i : j+1]
						switch {
						case jn == nv:
							q := qualityNormalised
							if joinSpaced(ws) == s {
								q = qualityExact
							}
							consider(makeMatch(&st[si], ws, q))
						case jc == cv:
							consider(makeMatch(&st[si], ws, qualityNormalised))
						case len(nv) >= 5 && abs(len(jn)-len(nv))*5 <= len(nv):
							if sim := similarity(jn, nv); sim >= fuzzyThreshold && (!found || qualityFuzzy*sim >= best.quality) {
								consider(makeMatch(&st[si], ws, qualityFuzzy*sim))
							}
						}
					}
				}
			}
			if found && best.quality >= qualityNormalised {
				break
			}
		}
		if (!found || best.quality < qualityNormalised) && isCurrencyCode(s) {
			g.locateCurrency(s, consider)
		}
	}
	return best, found
}

// qualityInferred is a currency's code found as the symbol or name the
// document prints for it.
const qualityInferred = 0.85

// locateCurrency looks for the symbols and names of the currency code on
// the pages.
func (g *grounder) locateCurrency(code string, consider func(match)) {
	t := currencies()
	if g.pageWords == nil {
		g.pageWords = map[string]bool{}
		for _, s := range g.streams {
			for _, w := range s.words {
				for _, a := range currencyAffixes(w.text) {
					g.pageWords[a] = true
				}
			}
		}
	}
	for si := range g.streams {
		s := &g.streams[si]
		for i, w := range s.words {
			for _, a := range currencyAffixes(w.text) {
				if t.symbolStandsFor(a, code, g.pageWords) {
					consider(makeMatch(s, s.words[i:i+1], qualityInferred))
					break
				}
			}
			// Names of two words: "US dollars", "pound sterling".
			if i+1 < len(s.words) {
				two := foldWord(w.text + " " + strings.TrimRight(s.words[i+1].text, ".,:;"))
				if t.symbolStandsFor(two, code, g.pageWords) {
					consider(makeMatch(s, s.words[i:i+2], qualityInferred))
				}
			}
		}
	}
}

func isMinusWord(s string) bool { return s == "-" || s == "\u2212" || s == "\u2013" }

// dateSpan is a run of a stream's words read as a date.
type dateSpan struct {
	start, end int
	readings   []string
}

// indexDates reads the dates of every stream once: for each word that may
// start one, the shortest run from it that reads as a date.
func (g *grounder) indexDates() {
	if g.dates != nil {
		return
	}
	g.dates = make([][]dateSpan, len(g.streams))
	for si, s := range g.streams {
		for i, w := range s.words {
			if w.norm == "" {
				continue
			}
			if _, month := monthNames[strings.TrimSuffix(foldWord(w.text), ".")]; !month && !strings.ContainsFunc(w.text, unicode.IsDigit) {
				continue
			}
			text := ""
			for j := i; j < len(s.words) && j < i+maxDateWords; j++ {
				if j > i {
					text += " "
				}
				text += s.words[j].text
				if r := dateReadings(text); r != nil {
					g.dates[si] = append(g.dates[si], dateSpan{start: i, end: j + 1, readings: r})
					break
				}
			}
		}
	}
}

// wraps returns the pages' wrapped cells as streams (see wrapStreams),
// found once.
func (g *grounder) wraps() []stream {
	if g.wrapped == nil {
		g.wrapped = []stream{}
		for si := range g.streams {
			g.wrapped = append(g.wrapped, wrapStreams(g.streams[si].page, &g.streams[si])...)
		}
	}
	return g.wrapped
}

// eachWindow calls fn for every run of 1 to width consecutive words of the
// stream, with the words joined without spaces. A run never starts or ends
// with a word of punctuation alone (a table's rule, a dash), which would
// widen the citation for nothing.
func eachWindow(s *stream, width int, fn func(ws []streamWord, joined string)) {
	for i := range s.words {
		if s.words[i].norm == "" {
			continue
		}
		joined := ""
		for j := i; j < len(s.words) && j < i+width; j++ {
			joined += s.words[j].text
			if s.words[j].norm != "" {
				fn(s.words[i:j+1], joined)
			}
		}
	}
}

// amountWords reports whether words can spell one amount: each holds a
// digit, but for one at either end that is a currency's sign or code
// ("USD", "€", "Rs."), so that a label before an amount ("Total:", "vor
// Ort") is not cited with it.
func amountWords(ws []streamWord) bool {
	bare := 0
	for i, w := range ws {
		if strings.ContainsFunc(w.text, unicode.IsDigit) {
			continue
		}
		if bare++; bare > 1 || (i > 0 && i < len(ws)-1) || !isCurrencyWord(w.text) {
			return false
		}
	}
	return true
}

// isCurrencyWord reports whether a word is a currency's sign, code or
// short name: "$", "EUR", "Rs.", "kr".
func isCurrencyWord(w string) bool {
	if !strings.ContainsFunc(w, unicode.IsLetter) {
		return len([]rune(w)) <= 3
	}
	if isCurrencyCode(w) {
		return true
	}
	_, ok := currencies().codes[foldWord(w)]
	return ok && len([]rune(w)) <= 4
}

func joinSpaced(ws []streamWord) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.text
	}
	return strings.Join(parts, " ")
}

// makeMatch cites the words: one box per line they cover, so that a value
// wrapped over two lines is not boxed with everything between.
func makeMatch(s *stream, ws []streamWord, q float64) match {
	c := citation{Page: s.page.Number, MatchingText: joinSpaced(ws)}
	var box document.Box
	line := ws[0].line
	for _, w := range ws {
		if w.line != line {
			c.BoundingBoxes = append(c.BoundingBoxes, roundBox(box))
			box, line = document.Box{}, w.line
		}
		box = box.Union(s.page.Words[w.idx].Box)
	}
	c.BoundingBoxes = append(c.BoundingBoxes, roundBox(box))
	return match{quality: q, cite: c}
}

// overlaps reports whether any box of a shares some area with any of b.
func overlaps(a, b []document.Box) bool {
	for _, x := range a {
		for _, y := range b {
			if x.X < y.X+y.W && y.X < x.X+x.W && x.Y < y.Y+y.H && y.Y < x.Y+x.H {
				return true
			}
		}
	}
	return false
}

func roundBox(b document.Box) document.Box {
	return document.Box{X: round3(b.X), Y: round3(b.Y), W: round3(b.W), H: round3(b.H)}
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// similarity is one minus the edit distance over the longer length.
func similarity(a, b string) float64 {
	ra, rb := []rune(a), []rune(b)
	if len(ra) == 0 && len(rb) == 0 {
		return 1
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return 1 - float64(prev[len(rb)])/float64(max(len(ra), len(rb)))
}

// parseAmount reads a number as documents write it (see amountReadings),
// taking the likelier reading where the text allows two.
func parseAmount(s string) (float64, bool) {
	r := amountReadings(s)
	if len(r) == 0 {
		return 0, false
	}
	return r[0], true
}

// amountReadings reads a number as documents write it, in every decimal
// and grouping convention: a currency symbol, code or unit around it
// ("€12,34", "5.000 Stück" read as one word "5.000Stück", "12,5h"),
// thousands grouped by dots, commas, apostrophes or spaces, a sign before
// or after it ("-3", "−3", "3-") or accounting parentheses ("(3)"), a
// trailing percent sign. A lone separator before exactly three digits may
// group thousands or mark decimals ("5.000" is 5000 on a German delivery
// note and 5 elsewhere): both readings are returned, the likelier first
// (a comma groups, a dot marks decimals, as in English). Any other lone
// separator marks decimals ("12,3400" is 12.34, "12,5" is 12.5).
func amountReadings(s string) []float64 {
	s = strings.TrimSpace(s)
	neg := false
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		neg, s = true, s[1:len(s)-1]
	}
	isMinus := func(r rune) bool { return r == '-' || r == '\u2212' || r == '\u2013' }
	keep := func(r rune) bool {
		return unicode.IsDigit(r) || isMinus(r) || r == '.' || r == ','
	}
	// Symbols, codes and units go; a sign may sit on either side of them
	// ("-€12.00", "€-12.00", "12.00-").
	for range 2 {
		s = strings.TrimFunc(s, func(r rune) bool { return !keep(r) })
		if r, size := utf8.DecodeRuneInString(s); size > 0 && isMinus(r) {
			neg, s = !neg, s[size:]
		} else if r, size := utf8.DecodeLastRuneInString(s); size > 0 && isMinus(r) {
			neg, s = !neg, s[:len(s)-size]
		}
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "."), ".")
	s = strings.TrimSuffix(s, ",")
	if s == "" {
		return nil
	}
	var digits strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9', r == '.', r == ',':
			digits.WriteRune(r)
		case r == ' ', r == '\'', r == '\u2019', r == '\u00a0', r == '\u2009', r == '\u202f':
			// Grouping that leaves nothing to read.
		default:
			return nil
		}
	}
	s = digits.String()
	if strings.Trim(s, ".,") == "" {
		return nil
	}
	var texts []string
	lastDot, lastComma := strings.LastIndex(s, "."), strings.LastIndex(s, ",")
	switch {
	case lastDot >= 0 && lastComma >= 0:
		// Both: the last one marks decimals.
		if lastComma > lastDot {
			texts = []string{strings.Replace(strings.ReplaceAll(s, ".", ""), ",", ".", 1)}
		} else {
			texts = []string{strings.ReplaceAll(s, ",", "")}
		}
	case lastDot < 0 && lastComma < 0:
		texts = []string{s}
	default:
		sep, at := ".", lastDot
		if lastComma >= 0 {
			sep, at = ",", lastComma
		}
		grouped := strings.ReplaceAll(s, sep, "")
		decimal := strings.Replace(s, sep, ".", 1)
		switch {
		case strings.Count(s, sep) > 1:
			texts = []string{grouped}
		case len(s)-at-1 == 3 && strings.Trim(s[:at], "0") != "":
			if sep == "," {
				texts = []string{grouped, decimal}
			} else {
				texts = []string{decimal, grouped}
			}
		default:
			texts = []string{decimal}
		}
	}
	out := make([]float64, 0, len(texts))
	for _, t := range texts {
		f, err := strconv.ParseFloat(t, 64)
		if err != nil {
			continue
		}
		if neg {
			f = -f
		}
		out = append(out, f)
	}
	return out
}
