package builtin

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/quarrylabs/quarry/internal/document"
)

// prose is the running text of a document: its words in reading order,
// lines joined by a space (a word hyphenated at a line's end joined whole),
// pages one after another. Contracts and letters say what a schema asks in
// sentences that run across lines ("This Agreement is made as of March 3,
// 2011 by and between …"), which the line-by-line finder cannot read.
//
// Each byte of text knows the word it comes from, so that a match maps
// back to citations.
type prose struct {
	text  string
	lower string  // text in ASCII lower case, made when first asked for
	src   []int32 // by byte of text: index into refs, or -1 between words
	refs  []wordRef
	pages []document.Page
}

// wordRef is where a word of the running text stands.
type wordRef struct {
	page, line, word int // page is an index into prose.pages
}

// newProse joins the pages' lines into running text.
func newProse(pages []document.Page) *prose {
	pr := &prose{pages: pages}
	var b strings.Builder
	for pi := range pages {
		p := &pages[pi]
		for li, l := range p.Lines {
			first := true
			for _, wi := range l.Words {
				if wi < 0 || wi >= len(p.Words) || p.Words[wi].Text == "" {
					continue
				}
				w := p.Words[wi].Text
				if b.Len() > 0 {
					s := b.String()
					// A word hyphenated at the end of a line goes on in
					// lower case on the next: "confi- dential" is one word.
					if first && strings.HasSuffix(s, "-") && startsLower(w) && endsLetterBeforeHyphen(s) {
						t := s[:len(s)-1]
						b.Reset()
						b.WriteString(t)
						pr.src = pr.src[:len(t)]
					} else {
						b.WriteByte(' ')
						pr.src = append(pr.src, -1)
					}
				}
				first = false
				ref := int32(len(pr.refs))
				pr.refs = append(pr.refs, wordRef{page: pi, line: li, word: wi})
				b.WriteString(w)
				for range len(w) {
					pr.src = append(pr.src, ref)
				}
			}
		}
	}
	pr.text = b.String()
	return pr
}

func startsLower(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsLower(r)
}

func endsLetterBeforeHyphen(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s[:len(s)-1])
	return unicode.IsLetter(r)
}

// cites returns the citations of the bytes [from, to) of the text: one for
// each line the span covers, with the box of its words.
func (pr *prose) cites(from, to int) []cite {
	var out []cite
	start, last := -1, -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		r := pr.refs[pr.src[start]]
		p := &pr.pages[r.page]
		var box document.Box
		seen := -1
		for i := start; i < end; i++ {
			if pr.src[i] >= 0 && int(pr.src[i]) != seen {
				seen = int(pr.src[i])
				box = box.Union(p.Words[pr.refs[seen].word].Box)
			}
		}
		out = append(out, cite{page: p.Number, text: strings.TrimSpace(pr.text[start:end]), box: box})
		start = -1
	}
	for i := from; i < to && i < len(pr.src); i++ {
		if pr.src[i] < 0 {
			continue
		}
		r := pr.refs[pr.src[i]]
		if start >= 0 {
			s := pr.refs[pr.src[start]]
			if s.page != r.page || s.line != r.line {
				flush(last + 1)
			}
		}
		if start < 0 {
			start = i
		}
		last = i
	}
	flush(last + 1)
	return out
}

// sentenceStart returns where the sentence holding byte i starts, looking
// back at most limit bytes: after a full stop, question or exclamation
// mark followed by a space and a capital, unless the stop ends an
// abbreviation ("Inc.", "No.", "L.P.", an initial).
func (pr *prose) sentenceStart(i, limit int) int {
	lo := max(0, i-limit)
	t := pr.text
	for j := i - 1; j > lo; j-- {
		c := t[j]
		if c != '.' && c != '?' && c != '!' {
			continue
		}
		if j+2 >= len(t) || t[j+1] != ' ' {
			continue
		}
		r, _ := utf8.DecodeRuneInString(t[j+2:])
		if !unicode.IsUpper(r) && !unicode.IsDigit(r) && r != '(' && r != '"' && r != '“' {
			continue
		}
		if c == '.' && isAbbreviation(t[:j]) {
			continue
		}
		return j + 2
	}
	return lo
}

// sentenceEnd returns where the sentence holding byte i ends, looking
// ahead at most limit bytes.
func (pr *prose) sentenceEnd(i, limit int) int {
	t := pr.text
	hi := min(len(t), i+limit)
	for j := i; j < hi; j++ {
		c := t[j]
		if c != '.' && c != '?' && c != '!' {
			continue
		}
		if j+2 < len(t) && t[j+1] != ' ' {
			continue
		}
		if j+2 < len(t) {
			r, _ := utf8.DecodeRuneInString(t[j+2:])
			if !unicode.IsUpper(r) && !unicode.IsDigit(r) && r != '(' && r != '"' && r != '“' {
				continue
			}
		}
		if c == '.' && isAbbreviation(t[:j]) {
			continue
		}
		return j
	}
	return hi
}

// abbreviations end with a full stop that ends no sentence.
var abbreviations = map[string]bool{
	"inc": true, "corp": true, "co": true, "ltd": true, "no": true, "nos": true, "mr": true, "mrs": true,
	"ms": true, "dr": true, "jr": true, "sr": true, "st": true, "llc": true, "lp": true, "l.p": true,
	"n.a": true, "u.s": true, "s.a": true, "b.v": true, "n.v": true, "plc": true, "vs": true, "v": true,
	"etc": true, "e.g": true, "i.e": true, "sec": true, "art": true, "par": true, "para": true,
	"ltda": true, "gmbh": true, "ag": true, "s.p.a": true, "pty": true, "bros": true, "assn": true,
	"dept": true, "ave": true, "blvd": true, "ste": true, "fig": true, "approx": true,
}

// isAbbreviation reports whether text ends with an abbreviation or an
// initial, so that a full stop after it ends no sentence.
func isAbbreviation(text string) bool {
	k := strings.LastIndexAny(text, " (\"“")
	w := strings.ToLower(text[k+1:])
	if utf8.RuneCountInString(w) == 1 {
		return true // an initial: "John Q. Public"
	}
	// Letters with dots between them: "P.F", "L.L.C", "U.S.A".
	return abbreviations[w] || strings.Contains(w, ".") && utf8.RuneCountInString(w) <= 6
}

// findNear runs re over the parts of the text near the anchors only: from
// before bytes ahead of each anchor to after bytes past it, widened to
// whole words, overlapping parts merged. A pattern that always holds an
// anchor (a year's four digits, the word "year") then matches as over the
// whole text, at a fraction of the cost on a long document. Indexes are
// into the text.
func (pr *prose) findNear(re *regexp.Regexp, anchors []int, before, after int) [][]int {
	t := pr.text
	var out [][]int
	lo, hi := -1, -1
	run := func() {
		if lo < 0 {
			return
		}
		for _, m := range re.FindAllStringSubmatchIndex(t[lo:hi], -1) {
			for i := range m {
				if m[i] >= 0 {
					m[i] += lo
				}
			}
			out = append(out, m)
		}
	}
	for _, a := range anchors {
		from, to := max(0, a-before), min(len(t), a+after)
		for from > 0 && t[from-1] != ' ' {
			from--
		}
		for to < len(t) && t[to] != ' ' {
			to++
		}
		if lo >= 0 && from <= hi {
			hi = max(hi, to)
			continue
		}
		run()
		lo, hi = from, to
	}
	run()
	return out
}

// yearAnchors are where the text holds four digits in a row or a slash
// between digits: every date of proseDate does.
func (pr *prose) yearAnchors() []int {
	t := pr.text
	var out []int
	digits := 0
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
			if digits == 4 {
				out = append(out, i)
			}
		case c == '/' && digits > 0:
			out = append(out, i)
			digits = 0
		default:
			digits = 0
		}
	}
	return out
}

// wordAnchors are where any of the words (lower case, ASCII) starts in
// the text, whatever its case, in order.
func (pr *prose) wordAnchors(words ...string) []int {
	if pr.lower == "" {
		b := []byte(pr.text)
		for i, c := range b {
			if c >= 'A' && c <= 'Z' {
				b[i] = c + 'a' - 'A'
			}
		}
		pr.lower = string(b)
	}
	var out []int
	for _, w := range words {
		for i := 0; ; {
			j := strings.Index(pr.lower[i:], w)
			if j < 0 {
				break
			}
			out = append(out, i+j)
			i += j + len(w)
		}
	}
	slices.Sort(out)
	return out
}
