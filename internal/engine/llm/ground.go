package llm

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"

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
	idx  int // into page.Words
	line int
	text string
	norm string
}

func newStreams(pages []document.Page) []stream {
	out := make([]stream, len(pages))
	for pi := range pages {
		p := &pages[pi]
		s := stream{page: p}
		if len(p.Lines) == 0 {
			for i, w := range p.Words {
				s.words = append(s.words, streamWord{idx: i, line: i, text: w.Text, norm: norm(w.Text)})
			}
		}
		for li, l := range p.Lines {
			for _, wi := range l.Words {
				if wi >= 0 && wi < len(p.Words) {
					s.words = append(s.words, streamWord{idx: wi, line: li, text: p.Words[wi].Text, norm: norm(p.Words[wi].Text)})
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

// locate finds a scalar value in the pages: exactly, then normalised, then
// (for text) fuzzily. Amounts are compared as numbers and dates as dates,
// since the document writes them in its own way ("$1,234.56", "March 5,
// 2024"). near, when set, is where the built-in engine read the same
// value for the field; of equally good matches the one at its place wins,
// then one on its page, else the first: a receipt's 60.30 is the total's
// when the built-in engine read it on the total's line, not the cash's.
func locate(streams []stream, n *node, v any, near *citation) (match, bool) {
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
		for si := range streams {
			eachWindow(&streams[si], 3, func(ws []streamWord, joined string) {
				if !amountWords(ws) {
					return
				}
				if a, ok := parseAmount(joined); ok && math.Abs(a-f) < 0.005 {
					q := qualityNormalised
					if joined == x.String() {
						q = qualityExact
					}
					consider(makeMatch(&streams[si], ws, q))
				}
			})
		}
	case bool:
		words := map[bool][]string{true: {"yes", "true", "y", "x"}, false: {"no", "false", "n"}}[x]
		for si := range streams {
			eachWindow(&streams[si], 1, func(ws []streamWord, _ string) {
				for _, w := range words {
					if ws[0].norm == w {
						// A bare yes or no may belong to any question: the
						// match says little on its own.
						consider(makeMatch(&streams[si], ws, 0.6))
					}
				}
			})
		}
	case string:
		s := strings.TrimSpace(x)
		if s == "" {
			return match{}, false
		}
		variants := []string{s}
		if n.format == "date" || n.format == "date-time" {
			variants = append(variants, dateVariants(s)...)
		}
		for _, variant := range variants {
			nv := norm(variant)
			if nv == "" {
				continue
			}
			width := len(strings.Fields(variant)) + 1
			for si := range streams {
				eachWindow(&streams[si], width, func(ws []streamWord, joined string) {
					spaced := joinSpaced(ws)
					switch {
					case spaced == variant:
						q := qualityExact
						if variant != s {
							q = qualityNormalised
						}
						consider(makeMatch(&streams[si], ws, q))
					case joinNorm(ws) == nv:
						consider(makeMatch(&streams[si], ws, qualityNormalised))
					case len(nv) >= 5:
						jn := joinNorm(ws)
						if abs(len(jn)-len(nv))*5 > len(nv) {
							return
						}
						if sim := similarity(jn, nv); sim >= fuzzyThreshold {
							consider(makeMatch(&streams[si], ws, qualityFuzzy*sim))
						}
					}
				})
			}
			if found && best.quality >= qualityNormalised {
				break
			}
		}
	}
	return best, found
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
// digit, or is as short as a currency code or sign ("USD", "€"), so that a
// label before an amount ("Total:") is not cited with it.
func amountWords(ws []streamWord) bool {
	for _, w := range ws {
		if !strings.ContainsFunc(w.text, unicode.IsDigit) && len([]rune(w.text)) > 3 {
			return false
		}
	}
	return true
}

func joinSpaced(ws []streamWord) string {
	parts := make([]string, len(ws))
	for i, w := range ws {
		parts[i] = w.text
	}
	return strings.Join(parts, " ")
}

func joinNorm(ws []streamWord) string {
	var b strings.Builder
	for _, w := range ws {
		b.WriteString(w.norm)
	}
	return b.String()
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

// parseAmount reads a number as documents write it: a currency symbol or
// code around it, thousands separators in either decimal convention,
// accounting parentheses, a trailing percent sign.
func parseAmount(s string) (float64, bool) {
	s = strings.TrimSpace(s)
	neg := false
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") {
		neg, s = true, s[1:len(s)-1]
	}
	s = strings.TrimFunc(s, func(r rune) bool { return !unicode.IsDigit(r) && r != '-' && r != '.' && r != ',' })
	s = strings.TrimSuffix(strings.TrimPrefix(s, "."), ".")
	if strings.HasPrefix(s, "-") {
		neg, s = !neg, s[1:]
	}
	if s == "" {
		return 0, false
	}
	for _, r := range s {
		if !unicode.IsDigit(r) && r != '.' && r != ',' && r != ' ' && r != '\'' {
			return 0, false
		}
	}
	s = strings.NewReplacer(" ", "", "'", "").Replace(s)
	lastDot, lastComma := strings.LastIndex(s, "."), strings.LastIndex(s, ",")
	switch {
	case lastDot >= 0 && lastComma >= 0:
		if lastComma > lastDot {
			s = strings.ReplaceAll(s, ".", "")
			s = strings.Replace(s, ",", ".", 1)
		} else {
			s = strings.ReplaceAll(s, ",", "")
		}
	case lastComma >= 0:
		// One comma before exactly two digits is a decimal comma; anything
		// else separates thousands.
		if strings.Count(s, ",") == 1 && len(s)-lastComma-1 == 2 {
			s = strings.Replace(s, ",", ".", 1)
		} else {
			s = strings.ReplaceAll(s, ",", "")
		}
	case strings.Count(s, ".") > 1:
		s = strings.ReplaceAll(s, ".", "")
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	if neg {
		f = -f
	}
	return f, true
}

// dateVariants writes an ISO date the ways documents commonly do.
func dateVariants(iso string) []string {
	t, err := time.Parse("2006-01-02", iso)
	if err != nil {
		if t, err = time.Parse(time.RFC3339, iso); err != nil {
			return nil
		}
	}
	layouts := []string{
		"January 2, 2006", "January 2 2006", "2 January 2006", "Jan 2, 2006", "2 Jan 2006", "Jan. 2, 2006",
		"01/02/2006", "02/01/2006", "1/2/2006", "2/1/2006", "02.01.2006", "2.1.2006", "01-02-2006", "02-01-2006",
		"2006/01/02", "02-Jan-2006", "2-Jan-2006", "01/02/06", "02/01/06",
	}
	out := make([]string, 0, len(layouts))
	for _, l := range layouts {
		out = append(out, t.Format(l))
	}
	return out
}
