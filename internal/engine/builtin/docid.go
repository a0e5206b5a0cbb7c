package builtin

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The number identifying a document is labelled in as many ways as there
// are forms: "Contract #", "Order Number", "Estimate No.", "Inv #",
// "Order / Rev:", "Contract / Revision" over "220606 / 09824097", often
// with no separator before the number ("Invoice # 950658-1 Order #
// 950658"). A schema says which kinds of number it means in the field's
// name and description ("the contract or order number on a contract, the
// invoice number on an invoice"): each kind it names before a word for
// number is looked for, written with any of those words. When several
// kinds are found, the one the document is (its title: INVOICE,
// CONTRACT) is the number identifying it.

// How well an identifier's label names the field; see docIDs.
const (
	scoreIDOwnKind  = 0.85 // the kind of number the document's title says it is
	scoreIDNameKind = 0.80 // the kind the field's name says (order_no)
	scoreIDDescKind = 0.70 // another kind the description names
	// idInline scales a number run on after its label with no separator
	// ("Contract # 575746 Date Entered …").
	idInline = 0.95
	// idBare scales a number after the bare name of its kind ("Invoice
	// 7248774"), which is a label less surely.
	idBare = 0.9
)

// idKindPhrase finds "<kind> number" and "<kind> or <kind> number" in a
// description, "number" written any of the ways numberWords lists.
var idKindPhrase = regexp.MustCompile(`(?i)\b([a-z]+)(?:\s*(?:,|or|and|/)\s*([a-z]+))?\s+(?:number|no\.?|#|num|nr\.?)(?:\W|$)`)

// notKinds are words found before "number" that name no kind of document.
var notKinds = map[string]bool{"the": true, "a": true, "an": true, "this": true, "its": true, "their": true,
	"same": true, "any": true, "total": true, "phone": true, "telephone": true, "fax": true, "whole": true,
	"of": true, "as": true, "or": true, "and": true, "identifying": true, "printed": true, "serial": true,
	"tax": true, "vat": true, "account": true, "page": true, "line": true, "item": true, "house": true, "street": true}

// otherParty are words before a number's label that make it another
// party's or another copy's number: "Alt Order #", "Agency Order #",
// "External #".
var otherParty = map[string]bool{"alt": true, "alternate": true, "agency": true, "client": true, "customer": true,
	"external": true, "previous": true, "original": true, "related": true, "parent": true, "vendor": true,
	"supplier": true, "buyer": true, "your": true, "traffic": true, "reference": true, "ref": true, "cust": true}

// idShape is what an identifier looks like: letters, digits and dashes
// with at least three digits ("1327234-1", "TV0180164", "KT20020037").
var idShape = regexp.MustCompile(`^[A-Za-z]{0,4}-?[0-9][0-9A-Za-z\-]*$`)

func isIDToken(s string) bool {
	digits := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			digits++
		}
	}
	return digits >= 3 && idShape.MatchString(s)
}

// idField is an identifier field and the kinds of number it means, its
// name's kind first.
type idField struct {
	field int
	kinds []string
	named string // the kind the field's name says, if any
	// labels maps a normalized label to the kind it names; first holds
	// their first words, so that most words are passed over unread.
	labels map[string]string
	first  map[string]bool
}

// idFieldOf reads the kinds of number an identifier field means from its
// name and description; ok is false for a field that is no document's
// number.
func idFieldOf(i int, f *field) (idField, bool) {
	if f.hint != hintID || f.list || f.section >= 0 {
		return idField{}, false
	}
	idf := idField{field: i, labels: map[string]string{}}
	if w := strings.Fields(norm(f.prop.name)); len(w) == 2 && slices.Contains(numberWords, w[1]) {
		idf.named = w[0]
		idf.kinds = append(idf.kinds, w[0])
	}
	for _, m := range idKindPhrase.FindAllStringSubmatch(f.prop.description, -1) {
		for _, k := range m[1:] {
			k = strings.ToLower(k)
			if k != "" && !notKinds[k] && !slices.Contains(idf.kinds, k) {
				idf.kinds = append(idf.kinds, k)
			}
		}
	}
	if len(idf.kinds) == 0 {
		return idField{}, false
	}
	for _, k := range idf.kinds {
		for _, n := range numberWords {
			idf.labels[k+" "+n] = k
			for _, syn := range synonyms(k + " " + n) {
				if _, ok := idf.labels[syn]; !ok {
					idf.labels[syn] = k
				}
			}
		}
		// Order forms head a number and its revision together.
		idf.labels[k+" rev"] = k
		idf.labels[k+" revision"] = k
		// A bare kind labels a number when one follows it at once
		// ("Invoice 7248774"); see docIDs.
		idf.labels[k] = k
	}
	idf.first = map[string]bool{}
	for l := range idf.labels {
		idf.first[strings.Fields(l)[0]] = true
	}
	return idf, true
}

// documentKind is what a page says the document is, by a title of its
// own in the top third of the first page: "INVOICE", "DUPLICATE INVOICE",
// "Contract"; "" when no kind of the fields is such a title.
func documentKind(v *pageView, ids []idField) string {
	if v.p.Number != 1 {
		return ""
	}
	for si := range v.segs {
		if v.p.Height > 0 && v.segs[si].box.Y > v.p.Height/3 {
			continue
		}
		words := strings.Fields(v.normText(si))
		if len(words) == 0 || len(words) > 3 {
			continue
		}
		kind := ""
		for _, w := range words {
			switch {
			case titleQualifiers[w]:
			case kind == "" && isKind(ids, w):
				kind = w
			default:
				kind = "-"
			}
		}
		if kind != "" && kind != "-" {
			return kind
		}
	}
	// A title run into the header's first line ("DUPLICATE INVOICE
	// Property Invoice #"): a kind written in capitals, not as a label.
	for si := range v.segs {
		if v.p.Height > 0 && v.segs[si].box.Y > v.p.Height/3 {
			continue
		}
		words := strings.Fields(v.text(si))
		for i, w := range words {
			if len(w) < 4 || strings.ToUpper(w) != w || !isKind(ids, strings.ToLower(w)) {
				continue
			}
			if i+1 < len(words) && kindLabelNext[norm(words[i+1])] {
				continue // "INVOICE NO", "INVOICE TO:", "INVOICE DATE" are labels
			}
			return strings.ToLower(w)
		}
	}
	return ""
}

// kindLabelNext are words after a kind that make the two a label, not a
// title.
var kindLabelNext = map[string]bool{"no": true, "nr": true, "num": true, "number": true, "#": true, "to": true,
	"date": true, "dates": true, "period": true, "month": true, "address": true, "total": true, "amount": true,
	"terms": true, "for": true, "from": true, "type": true, "id": true, "ref": true}

// titleQualifiers stand beside a document's kind in its title.
var titleQualifiers = map[string]bool{"duplicate": true, "copy": true, "original": true, "revised": true,
	"final": true, "confirmation": true, "tax": true, "proforma": true, "pro": true, "forma": true, "official": true, "billing": true}

func isKind(ids []idField, w string) bool {
	for _, id := range ids {
		if slices.Contains(id.kinds, w) {
			return true
		}
	}
	return false
}

// docIDs looks for the labels of identifier fields in each segment of a
// page, at its start or after a word that is no party's ("KMSP Invoice #
// 950658-1"), and takes the number after the label in its segment, or,
// for a label alone, the next segment of its row or the one below.
func (fd *finder) docIDs(v *pageView, ids []idField, kind string) {
	for si := range v.segs {
		ref := v.segs[si]
		lt := &v.lines[ref.line]
		seg := lt.segs[ref.seg]
		words := wordSpans(lt.runes, seg)
		var nw []string // the words normalized, read when a label may start
		var fold [32]byte
		for _, id := range ids {
			for wi := 0; wi < len(words); wi++ {
				if !id.first[string(firstFold(fold[:0], lt.runes[words[wi].from:words[wi].to]))] {
					continue
				}
				if nw == nil {
					nw = normWords(lt, words)
				}
				if wi > 0 && otherParty[nw[wi-1]] {
					continue
				}
				k, end := id.matchAt(nw, wi)
				if k == "" {
					continue
				}
				bare := joinWords(nw[wi:end]) == k
				score := scoreIDDescKind
				switch {
				case k == kind && !bare:
					score = scoreIDOwnKind
				case kind != "" && k != kind && !bare && slices.Contains(id.kinds, kind):
					// The document is a kind the field names, and this is
					// another kind's number: an invoice's order number.
					continue
				case k == id.named:
					score = scoreIDNameKind
				}
				if end < len(words) {
					// The number after the label in its segment.
					next := words[end]
					if t := strings.TrimLeft(lt.text(next), ":#"); isIDToken(t) || (t == "" && end+1 < len(words) && isIDToken(lt.text(words[end+1]))) {
						if t == "" {
							next = words[end+1]
						}
						place := placeSameLine
						if !strings.ContainsAny(lt.text(span{words[end-1].from, next.from}), ":#") {
							place = idInline
						}
						fd.emitID(v, lt, id.field, next, score*place)
					}
					wi = end - 1
					continue
				}
				if bare {
					// A bare kind ("Invoice") is a label only with its
					// number beside it.
					fd.idNext(v, si, id.field, score*idBare)
					break
				}
				if wi > 0 {
					// A label ending a segment it does not start takes
					// only the number beside it.
					fd.idNext(v, si, id.field, score*idInline)
					break
				}
				fd.idBeside(v, si, id.field, score)
				break
			}
		}
	}
}

// matchAt matches the longest label of the field starting at normalized
// word wi, of up to four words; it returns the label's kind and the word
// after it.
func (id idField) matchAt(nw []string, wi int) (string, int) {
	for n := min(4, len(nw)-wi); n >= 1; n-- {
		if k, ok := id.labels[joinWords(nw[wi:wi+n])]; ok {
			return k, wi + n
		}
	}
	return "", 0
}

// normWords normalizes each word (see norm); a word of punctuation alone
// ("/", "-") normalizes to "".
func normWords(lt *lineText, words []span) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = norm(lt.text(w))
	}
	return out
}

// joinWords joins normalized words as norm joins them, leaving out the
// empty ones: "order", "", "rev" is "order rev", as norm("Order / Rev").
func joinWords(ws []string) string {
	if len(ws) == 1 {
		return ws[0]
	}
	var b strings.Builder
	for _, w := range ws {
		if w == "" {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	return b.String()
}

// firstFold appends to buf the first run of letters or digits of a word,
// lowercased: cheap (no allocation for a short word, and a map looks a
// byte slice up without one), and the first word of norm(word) for the
// words labels start with.
func firstFold(buf []byte, rs []rune) []byte {
	prev := ' '
	for i, r := range rs {
		switch {
		case unicode.IsUpper(r) && (unicode.IsLower(prev) ||
			unicode.IsUpper(prev) && i+1 < len(rs) && unicode.IsLower(rs[i+1])):
			// "GrossTotal" and "PONumber" are two words, as norm reads them.
			return buf
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			prev = r
			buf = utf8.AppendRune(buf, unicode.ToLower(r))
		case r == '#' && len(buf) == 0:
			return append(buf, '#')
		case len(buf) == 0:
			// Emphasis or a quote before the word: "**Total".
		default:
			return buf
		}
	}
	return buf
}

// idBeside takes the number for a label alone in its segment: the next
// segment of its row, else the nearest segment below it; of a value
// written "220606 / 09824097" under "Contract / Revision", the first part.
func (fd *finder) idBeside(v *pageView, si, f int, score float64) {
	if fd.idNext(v, si, f, score) {
		return
	}
	if bi, ok := v.below(si); ok {
		bl := &v.lines[v.segs[bi].line]
		fd.tryID(v, bl, bl.segs[v.segs[bi].seg], f, score*placeBelow)
	}
}

// idNext takes the number in the next segment of a label's row.
func (fd *finder) idNext(v *pageView, si, f int, score float64) bool {
	ref := v.segs[si]
	lt := &v.lines[ref.line]
	if ref.seg+1 < len(lt.segs) {
		return fd.tryID(v, lt, lt.segs[ref.seg+1], f, score)
	}
	if ri, ok := v.right(si); ok {
		rl := &v.lines[v.segs[ri].line]
		return fd.tryID(v, rl, rl.segs[v.segs[ri].seg], f, score)
	}
	return false
}

// tryID takes the number a segment starts with, after a code of a few
// capitals at most ("WTAE 2015092-1", a station's or a branch's code
// printed before the number).
func (fd *finder) tryID(v *pageView, lt *lineText, s span, f int, score float64) bool {
	words := wordSpans(lt.runes, s)
	if len(words) >= 2 && isCode(lt.text(words[0])) {
		words = words[1:]
	}
	if len(words) == 0 || !isIDToken(strings.TrimLeft(lt.text(words[0]), "#:")) {
		return false
	}
	fd.emitID(v, lt, f, words[0], score)
	return true
}

// isCode reports whether a word is a short code in capitals: "WTAE".
func isCode(w string) bool {
	if len(w) < 2 || len(w) > 5 {
		return false
	}
	for _, r := range w {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

func (fd *finder) emitID(v *pageView, lt *lineText, f int, s span, score float64) {
	for s.from < s.to && (lt.runes[s.from] == '#' || lt.runes[s.from] == ':') {
		s.from++
	}
	text := lt.text(s)
	fd.emitCites(f, text, []cite{{page: v.p.Number, text: text, box: spanBox(v.p, lt, s)}}, score)
}

// wordSpans cuts a span of a line at spaces and gaps.
func wordSpans(runes []rune, s span) []span { return appendWordSpans(nil, runes, s) }

// appendWordSpans appends the words of a span to out, as wordSpans finds them.
func appendWordSpans(out []span, runes []rune, s span) []span {
	from := -1
	for i := s.from; i <= s.to; i++ {
		if i == s.to || unicode.IsSpace(runes[i]) {
			if from >= 0 {
				out = append(out, span{from, i})
				from = -1
			}
			continue
		}
		if from < 0 {
			from = i
		}
	}
	return out
}
