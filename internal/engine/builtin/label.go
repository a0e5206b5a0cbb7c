package builtin

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// How well a label in the document names a field; see the package doc.
const (
	scoreName    = 0.95 // the property name, in any case style
	scoreTitle   = 0.90 // the property's title
	scoreSynonym = 0.80 // a built-in synonym of the name or title
	scoreFuzzy   = 0.60 // near one of those: a typo, a plural, a (qualifier)
)

// synonymGroups are labels that name the same business field, normalized
// (see norm). A property whose name or title is in a group is also looked
// for under every other label of the group.
var synonymGroups = [][]string{
	{"total", "total amount", "amount total", "grand total", "amount due", "balance due", "total due", "invoice total", "total payable", "amount payable"},
	{"vendor", "vendor name", "seller", "seller name", "supplier", "supplier name", "from", "sold by", "merchant", "issuer"},
	{"customer", "customer name", "client", "client name", "buyer", "bill to", "billed to", "sold to"},
	{"date", "invoice date", "issue date", "date of issue", "issued", "issued on", "date issued", "dated"},
	{"due date", "payment due", "payment due date", "due", "due by", "pay by"},
	{"email", "e mail", "email address", "e mail address"},
	{"phone", "phone number", "telephone", "tel", "mobile"},
	{"subtotal", "sub total"},
	{"tax", "tax amount", "vat", "sales tax", "gst"},
	{"invoice number", "invoice no", "invoice #", "invoice num", "invoice nr", "invoice id", "inv no", "inv #"},
	{"po number", "purchase order", "purchase order number", "po #", "po no"},
	{"quantity", "qty"},
	{"unit price", "price", "rate", "unit cost"},
	{"description", "item", "item description", "product"},
	{"currency", "currency code"},
}

// numberWords stand for "number" at the end of a label: "Invoice No.",
// "Order #", "Account Nr".
var numberWords = []string{"number", "no", "#", "num", "nr"}

// headerWords are common column headers that are never a value; a value
// that is one of them (or any label of the schema) is a header row or a
// label whose value is missing, not data.
var headerWords = []string{"amount", "name", "value", "notes", "note", "field", "details", "unit", "units", "code", "type", "status", "id"}

// labelIndex maps normalized labels to the fields they name.
type labelIndex struct {
	exact map[string][]labelHit
	// labels are every label of the schema (for fuzzy matching) and every
	// synonym and header word (to recognise a value that is a label).
	labels   map[string]bool
	nonValue map[string]bool
}

// labelHit is one field a label names, and how well.
type labelHit struct {
	field int
	score float64
}

func newLabelIndex(fields []field) *labelIndex {
	ix := &labelIndex{exact: map[string][]labelHit{}, labels: map[string]bool{}, nonValue: map[string]bool{}}
	add := func(label string, f int, score float64) {
		if label == "" {
			return
		}
		ix.labels[label] = true
		for i, h := range ix.exact[label] {
			if h.field == f {
				ix.exact[label][i].score = max(h.score, score)
				return
			}
		}
		ix.exact[label] = append(ix.exact[label], labelHit{f, score})
	}
	for i, f := range fields {
		if !f.scalar() {
			continue
		}
		name, title := norm(f.name), norm(f.title)
		add(name, i, scoreName)
		add(title, i, scoreTitle)
		for _, base := range []string{name, title} {
			for _, syn := range synonyms(base) {
				add(syn, i, scoreSynonym)
			}
		}
	}
	for l := range ix.labels {
		ix.nonValue[l] = true
	}
	for _, g := range synonymGroups {
		for _, l := range g {
			ix.nonValue[l] = true
		}
	}
	for _, l := range headerWords {
		ix.nonValue[l] = true
	}
	return ix
}

// synonyms returns the other labels of a normalized label: its synonym
// groups, its e-mail spelling, and the "number" variants of a label ending
// in one.
func synonyms(label string) []string {
	if label == "" {
		return nil
	}
	var out []string
	for _, g := range synonymGroups {
		for _, l := range g {
			if l == label {
				out = append(out, g...)
				break
			}
		}
	}
	// "email" is also written "e-mail", anywhere in a label.
	padded := " " + label + " "
	if strings.Contains(padded, " email ") {
		out = append(out, strings.TrimSpace(strings.ReplaceAll(padded, " email ", " e mail ")))
	} else if strings.Contains(padded, " e mail ") {
		out = append(out, strings.TrimSpace(strings.ReplaceAll(padded, " e mail ", " email ")))
	}
	words := strings.Fields(label)
	last := words[len(words)-1]
	for _, w := range numberWords {
		if last == w {
			prefix := strings.Join(words[:len(words)-1], " ")
			for _, v := range numberWords {
				out = append(out, strings.TrimSpace(prefix+" "+v))
			}
			break
		}
	}
	return out
}

// parenthetical is a qualifier a document adds to a label: "Total (USD)",
// "Date [dd/mm/yyyy]".
var parenthetical = regexp.MustCompile(`\([^)]*\)|\[[^\]]*\]`)

// maxLabelRunes bounds what can be a label; longer text before a colon is a
// sentence, and not worth comparing.
const maxLabelRunes = 60

// match returns the fields a label in the document names. Exact matches are
// the labels themselves; fuzzy ones drop a parenthetical qualifier or a
// plural s, or are one edit away from a label of six or more letters.
func (ix *labelIndex) match(text string) []labelHit {
	if utf8.RuneCountInString(text) > maxLabelRunes {
		return nil
	}
	label := norm(text)
	if label == "" {
		return nil
	}
	if hits := ix.exact[label]; hits != nil {
		return hits
	}
	var hits []labelHit
	addFuzzy := func(hs []labelHit) {
		for _, h := range hs {
			if !containsField(hits, h.field) {
				hits = append(hits, labelHit{h.field, scoreFuzzy})
			}
		}
	}
	if stripped := norm(parenthetical.ReplaceAllString(text, " ")); stripped != label {
		addFuzzy(ix.exact[stripped])
	}
	if s, ok := strings.CutSuffix(label, "s"); ok {
		addFuzzy(ix.exact[s])
	}
	if n := utf8.RuneCountInString(label); n >= 6 {
		for l := range ix.labels {
			if m := utf8.RuneCountInString(l); m >= 6 && m-n <= 1 && n-m <= 1 && editDistanceAtMostOne(label, l) {
				addFuzzy(ix.exact[l])
			}
		}
	}
	return hits
}

func containsField(hits []labelHit, f int) bool {
	for _, h := range hits {
		if h.field == f {
			return true
		}
	}
	return false
}

// isNonValue reports whether text is a label rather than a value: a header
// cell, or a label whose value is missing.
func (ix *labelIndex) isNonValue(text string) bool {
	l := norm(strings.TrimSuffix(strings.TrimSpace(text), ":"))
	return ix.nonValue[l] || ix.exact[l] != nil
}

// editDistanceAtMostOne reports whether one insertion, deletion or
// substitution turns a into b.
func editDistanceAtMostOne(a, b string) bool {
	ra, rb := []rune(a), []rune(b)
	if len(ra) > len(rb) {
		ra, rb = rb, ra
	}
	if len(rb)-len(ra) > 1 {
		return false
	}
	i := 0
	for i < len(ra) && ra[i] == rb[i] {
		i++
	}
	if len(ra) == len(rb) {
		return string(ra[i+min(1, len(ra)-i):]) == string(rb[i+min(1, len(rb)-i):])
	}
	return string(ra[i:]) == string(rb[i+1:])
}

// norm reduces a label to lowercase words separated by single spaces, so
// that every case style and punctuation names the same label:
// invoice_number, invoiceNumber, InvoiceNumber, "Invoice Number:" and
// **INVOICE-NUMBER** all become "invoice number". '#' and '%' are kept as
// words of their own ("Invoice #"); apostrophes vanish ("Buyer's" → "buyers").
func norm(s string) string {
	var b strings.Builder
	runes := []rune(s)
	space := func() {
		if b.Len() > 0 && !strings.HasSuffix(b.String(), " ") {
			b.WriteByte(' ')
		}
	}
	for i, r := range runes {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			// A capital starts a word after a lowercase letter (invoiceNumber)
			// or ends an acronym (PONumber → po number).
			if i > 0 && unicode.IsUpper(r) && (unicode.IsLower(runes[i-1]) ||
				unicode.IsUpper(runes[i-1]) && i+1 < len(runes) && unicode.IsLower(runes[i+1])) {
				space()
			}
			b.WriteRune(unicode.ToLower(r))
		case r == '\'' || r == '’':
		case r == '#' || r == '%':
			space()
			b.WriteRune(r)
			b.WriteByte(' ')
		default:
			space()
		}
	}
	return strings.TrimSpace(b.String())
}
