package builtin

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// How well a label in the document names a field; see the package doc.
const (
	scoreName        = 0.95 // the property name, in any case style
	scoreTitle       = 0.90 // the property's title
	scoreSynonym     = 0.80 // a built-in synonym of the name or title
	scoreDescription = 0.75 // a label the description quotes, or a short description itself
	scoreFuzzy       = 0.60 // near one of those: a typo, a plural, a (qualifier)
	// scoreOutside scales a nested property's own label ("Phone") found
	// outside its object's section, when no other property has that label.
	scoreOutside = 0.6
	// scoreBlock is a line of a block under a section label ("Bill To:")
	// taken for a name or an address by its position in the block.
	scoreBlock = 0.75
	// scoreLetterhead is the first line of a document taken, unlabelled,
	// for the name of its issuer or subject.
	scoreLetterhead = 0.5
)

// synonymGroups are labels that name the same business field, normalized
// (see norm). A property whose name or title is in a group is also looked
// for under every other label of the group.
var synonymGroups = [][]string{
	{"total", "total amount", "amount total", "grand total", "amount due", "balance due", "total due", "invoice total", "total payable", "amount payable", "total amount due", "total to pay", "order total", "po total"},
	{"vendor", "vendor name", "seller", "seller name", "supplier", "supplier name", "from", "sold by", "merchant", "issuer", "store", "store name"},
	{"customer", "customer name", "client", "client name", "buyer", "bill to", "billed to", "sold to", "invoice to", "ordered by", "purchaser"},
	{"date", "invoice date", "issue date", "date of issue", "issued", "issued on", "date issued", "dated"},
	{"due date", "payment due", "payment due date", "due", "due by", "pay by"},
	{"email", "e mail", "email address", "e mail address"},
	{"phone", "phone number", "telephone", "tel", "mobile", "phone no"},
	{"website", "web", "url", "homepage", "web site"},
	{"subtotal", "sub total", "net total", "total before tax"},
	{"tax", "tax amount", "vat", "sales tax", "gst", "total tax", "vat amount", "tax total"},
	{"invoice number", "invoice no", "invoice #", "invoice num", "invoice nr", "invoice id", "inv no", "inv #"},
	{"po number", "purchase order", "purchase order number", "p o number", "order reference"},
	{"order number", "order no", "order #", "order id"},
	{"quantity", "qty", "qty ordered", "quantity ordered", "units", "hours", "hrs"},
	{"unit price", "price", "rate", "unit cost", "price each", "each"},
	{"amount", "line total", "line amount", "extended price", "ext price", "net amount"},
	{"description", "item", "item description", "product", "details", "particulars", "narrative", "memo", "transaction details", "service", "article", "description of goods", "goods", "goods description"},
	{"sku", "item code", "product code", "part number", "part no", "item no", "item #", "article no"},
	{"currency", "currency code"},
	{"ship to", "deliver to", "consignee", "recipient", "delivery address", "shipping address"},
	{"shipper", "ship from", "sender", "consignor"},
	{"carrier", "shipped via", "ship via", "courier", "shipping method", "shipping line"},
	{"tracking number", "tracking no", "tracking #", "tracking id", "tracking", "waybill", "waybill number", "awb"},
	{"ship date", "shipping date", "date shipped", "dispatch date", "shipped on", "date of shipment", "shipment date"},
	{"delivery date", "expected delivery", "deliver by", "delivery by", "estimated delivery"},
	{"weight", "gross weight", "total weight", "total gross weight"},
	{"account number", "account no", "account #", "acct no", "acct #", "account"},
	{"opening balance", "beginning balance", "previous balance", "balance brought forward", "starting balance"},
	{"closing balance", "ending balance", "new balance", "balance carried forward", "final balance"},
	{"debit", "withdrawal", "withdrawals", "money out", "paid out"},
	{"credit", "deposit", "deposits", "money in", "paid in"},
	{"balance", "running balance"},
	{"payment method", "paid by", "payment type", "tender", "paid with"},
	{"tip", "gratuity"},
	{"skills", "technical skills", "key skills", "core skills", "competencies"},
	{"job title", "position", "role", "designation", "current title"},
	{"company", "company name", "employer", "organization", "organisation"},
	{"address", "street address", "mailing address", "home address", "residential address", "postal address"},
	{"location", "city", "based in"},
	{"payment terms", "terms", "terms of payment", "payment conditions"},
	{"receipt number", "receipt no", "receipt #", "transaction number", "transaction no"},
	{"account holder", "account name", "account owner", "account holder name"},
	{"order date", "po date", "date of order", "ordered on", "date", "issue date"},
	{"bill of lading number", "b l number", "bol number", "bl number", "bill of lading"},
	{"port of loading", "loading port", "pol", "port of shipment"},
	{"port of discharge", "discharge port", "port of destination", "destination port", "pod"},
	{"packages", "no of packages", "number of packages", "pkgs", "pieces", "cartons", "packages count"},
	{"full name", "name", "applicant name", "name of applicant", "applicant"},
	{"date of birth", "dob", "birth date", "birthdate"},
	{"application date", "date of application", "date submitted", "submission date", "date applied"},
	{"occupation", "profession"},
	{"annual income", "yearly income", "income", "annual salary"},
	{"start date", "start", "from", "since", "effective date", "commencement date"},
	{"end date", "end", "to", "until", "expiry date", "expiration date", "termination date"},
	{"contract value", "total contract value", "contract amount", "contract price", "fees", "contract sum"},
	{"provider", "service provider", "contractor", "consultant"},
	{"governing law", "applicable law", "jurisdiction"},
	{"notice period", "termination notice", "notice"},
	{"auto renewal", "automatic renewal", "renews automatically", "auto renew"},
	{"merchant name", "merchant", "store", "store name", "shop"},
}

// oneWay are synonyms that hold in one direction only: a line item's
// amount is often headed "Total", but the document's total is never headed
// "Amount" alone.
var oneWay = map[string][]string{
	"amount":     {"total"},
	"unit price": {"unit cost", "cost"},
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
	// byRunes holds the labels of six or more letters by their length in
	// runes, the candidates of match's one-edit comparison, which only
	// compares labels whose lengths differ by one at most.
	byRunes map[int][]string
}

// labelHit is one field a label names, and how well. A scoped hit counts
// only inside the section of the field's parent object: "Email" names
// customer.email only under "Bill To:".
type labelHit struct {
	field  int
	score  float64
	scoped bool
}

// label is one way a document may name a field.
type label struct {
	text   string // normalized
	score  float64
	scoped bool
}

func newLabelIndex(fields []field) *labelIndex {
	ix := &labelIndex{exact: map[string][]labelHit{}, labels: map[string]bool{}, nonValue: map[string]bool{}, byRunes: map[int][]string{}}
	for i, f := range fields {
		for _, l := range f.labels {
			ix.add(l, i)
		}
	}
	for l := range ix.labels {
		ix.nonValue[l] = true
		if n := utf8.RuneCountInString(l); n >= 6 {
			ix.byRunes[n] = append(ix.byRunes[n], l)
		}
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

// add indexes one label of field f, keeping the best score and the widest
// scope when several ways lead to the same label.
func (ix *labelIndex) add(l label, f int) {
	if l.text == "" {
		return
	}
	ix.labels[l.text] = true
	for i, h := range ix.exact[l.text] {
		if h.field == f {
			ix.exact[l.text][i].score = max(h.score, l.score)
			ix.exact[l.text][i].scoped = h.scoped && l.scoped
			return
		}
	}
	ix.exact[l.text] = append(ix.exact[l.text], labelHit{f, l.score, l.scoped})
}

// baseLabels are the labels of a property on its own: its name, its title,
// what its description quotes, and their synonyms. An array is also named
// by its singular ("skill" for skills).
func baseLabels(p *prop) []label {
	var out []label
	add := func(text string, score float64) {
		if text == "" {
			return
		}
		for i, l := range out {
			if l.text == text {
				out[i].score = max(l.score, score)
				return
			}
		}
		out = append(out, label{text: text, score: score})
	}
	name, title := norm(p.name), norm(p.title)
	add(name, scoreName)
	add(title, scoreTitle)
	// A name that ends in its unit (notice_period_days, weight_kg) is
	// labelled without it in documents, which write the unit by the value.
	if words := strings.Fields(name); len(words) >= 2 && unitWords[words[len(words)-1]] {
		add(strings.Join(words[:len(words)-1], " "), scoreSynonym)
	}
	if p.shape == shapeArray {
		if s, ok := strings.CutSuffix(name, "s"); ok && len(s) >= 3 {
			add(s, scoreName)
		}
	}
	for _, d := range descriptionLabels(p.description) {
		add(d, scoreDescription)
	}
	for _, l := range slices.Clone(out) {
		for _, syn := range synonyms(l.text) {
			add(syn, min(l.score, scoreSynonym))
		}
	}
	return out
}

// leafLabels are the labels of the property at the end of path (the root
// left out). A top-level property is named by its own labels anywhere. A
// nested one is named anywhere by its parent's label followed by its own
// ("customer email", "bill to e-mail"), and by its own label alone only
// inside its parent's section, scoped.
func leafLabels(path []*prop) []label {
	leaf := baseLabels(path[len(path)-1])
	if len(path) == 1 {
		return leaf
	}
	parent := baseLabels(path[len(path)-2])
	var out []label
	for _, l := range leaf {
		out = append(out, label{text: l.text, score: l.score, scoped: true})
		for _, pl := range parent {
			text := pl.text + " " + l.text
			if strings.HasPrefix(l.text, pl.text+" ") {
				text = l.text // vendor.vendor_name
			}
			out = append(out, label{text: text, score: min(l.score, pl.score)})
		}
	}
	if len(path) > 2 {
		var names []string
		for _, p := range path {
			names = append(names, norm(p.name))
		}
		out = append(out, label{text: strings.Join(names, " "), score: scoreName})
	}
	return out
}

// quotedLabel is a label a description quotes: `labelled "Amount Due"`.
var quotedLabel = regexp.MustCompile(`["“]([^"”]{2,40})["”]`)

// descriptionLabels are the labels a description gives: the phrases it
// quotes, or the description itself when it is as short as a label.
func descriptionLabels(d string) []string {
	var out []string
	for _, m := range quotedLabel.FindAllStringSubmatch(d, -1) {
		out = append(out, norm(m[1]))
	}
	if out == nil && len(strings.Fields(d)) <= 3 {
		if l := norm(strings.TrimSuffix(strings.TrimSpace(d), ".")); l != "" {
			out = append(out, l)
		}
	}
	return out
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
	for _, l := range append([]string{label}, out...) {
		for _, w := range oneWay[l] {
			if !slices.Contains(out, w) {
				out = append(out, w)
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
	// A label ending in "number" (or "no", "#") is written with any of
	// them, its synonyms too: "Purchase Order No." for po_number.
	for _, l := range append([]string{label}, out...) {
		words := strings.Fields(l)
		if len(words) == 0 || !slices.Contains(numberWords, words[len(words)-1]) {
			continue
		}
		prefix := strings.Join(words[:len(words)-1], " ")
		for _, v := range numberWords {
			if w := prefix + " " + v; !slices.Contains(out, w) {
				out = append(out, w)
			}
		}
	}
	return out
}

// parenthetical is a qualifier a document adds to a label: "Total (USD)",
// "Date [dd/mm/yyyy]".
var parenthetical = regexp.MustCompile(`\([^)]*\)|\[[^\]]*\]`)

// ratePart is a rate written after a label: "VAT 20%", "Tax 8.5 %".
var ratePart = regexp.MustCompile(`\s*[0-9]+([.,][0-9]+)?\s*%\s*$`)

// labelCore is a label without its qualifiers: a parenthetical and a rate
// ("Total (EUR)" and "GST 15%" name total and gst).
func labelCore(text string) string {
	// The patterns need a bracket and a percent sign: text without them is
	// spared their scans.
	if strings.ContainsAny(text, "([") {
		text = parenthetical.ReplaceAllString(text, " ")
	}
	if strings.Contains(text, "%") {
		text = ratePart.ReplaceAllString(text, "")
	}
	return norm(text)
}

// maxLabelRunes bounds what can be a label; longer text before a colon is a
// sentence, and not worth comparing.
const maxLabelRunes = 60

// match returns the fields a label in the document names. Exact matches are
// the labels themselves; fuzzy ones drop a parenthetical qualifier or a
// plural s, read "rn" as "m", or are one edit away from a label of six or
// more letters.
func (ix *labelIndex) match(text string) []labelHit {
	if utf8.RuneCountInString(text) > maxLabelRunes {
		return nil
	}
	return ix.matchNorm(text, norm(text))
}

// matchNorm is match for a text and norm of it.
func (ix *labelIndex) matchNorm(text, label string) []labelHit {
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
				hits = append(hits, labelHit{h.field, min(h.score, scoreFuzzy), h.scoped})
			}
		}
	}
	// Without a bracket or a percent sign, labelCore has nothing to strip.
	if strings.ContainsAny(text, "([%") {
		if stripped := labelCore(text); stripped != label {
			addFuzzy(ix.exact[stripped])
		}
	}
	if s, ok := strings.CutSuffix(label, "s"); ok {
		addFuzzy(ix.exact[s])
	}
	// "rn" is how a scan most often misreads "m" ("Horne Address", "Date
	// Subrnitted"): two letters for one, which one edit cannot undo.
	if strings.Contains(label, "rn") {
		addFuzzy(ix.exact[strings.ReplaceAll(label, "rn", "m")])
	}
	if n := utf8.RuneCountInString(label); n >= 6 {
		for m := n - 1; m <= n+1; m++ {
			for _, l := range ix.byRunes[m] {
				// One edit of a string of six or more runes leaves its
				// first or its last byte as it was: a cheap test first.
				if (label[0] == l[0] || label[len(label)-1] == l[len(l)-1]) && editDistanceAtMostOneN(label, l, n, m) {
					addFuzzy(ix.exact[l])
				}
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
	// norm drops the colon as it drops all punctuation.
	l := norm(text)
	if ix.nonValue[l] || ix.exact[l] != nil || isFormLabel(l) {
		return true
	}
	// A label misread by one letter ("Acc0unt No.") is still a label.
	// Values with digits are left alone unless they read as a label:
	// "PO-1044" is one letter from no label worth the risk.
	return utf8.RuneCountInString(l) >= 6 && utf8.RuneCountInString(text) <= maxLabelRunes && len(ix.matchNorm(text, l)) > 0
}

// twoLabels reports whether text is two labels side by side ("Date of
// Birth Email"), as a table cell is when the layout merged two columns of
// a row of labels.
func (ix *labelIndex) twoLabels(text string) bool {
	words := strings.Fields(text)
	for k := 1; k < len(words); k++ {
		if ix.isNonValue(strings.Join(words[:k], " ")) && ix.isNonValue(strings.Join(words[k:], " ")) {
			return true
		}
	}
	return false
}

// editDistanceAtMostOne reports whether one insertion, deletion or
// substitution of a rune turns a into b. It reads the strings in place:
// it runs for every label of a near length, for every line of a document.
func editDistanceAtMostOne(a, b string) bool {
	return editDistanceAtMostOneN(a, b, utf8.RuneCountInString(a), utf8.RuneCountInString(b))
}

// editDistanceAtMostOneN is editDistanceAtMostOne for strings of na and nb
// runes, where the caller knows them.
func editDistanceAtMostOneN(a, b string, na, nb int) bool {
	if na > nb {
		a, b, na, nb = b, a, nb, na
	}
	if nb-na > 1 {
		return false
	}
	// The common prefix, cut back to a rune's start: the bytes before i
	// are the same in both, so it is a rune boundary in both.
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	for i > 0 && i < len(a) && !utf8.RuneStart(a[i]) {
		i--
	}
	_, wb := utf8.DecodeRuneInString(b[i:])
	if na == nb {
		_, wa := utf8.DecodeRuneInString(a[i:])
		return a[i+wa:] == b[i+wb:]
	}
	return a[i:] == b[i+wb:]
}

// norm reduces a label to lowercase words separated by single spaces, so
// that every case style and punctuation names the same label:
// invoice_number, invoiceNumber, InvoiceNumber, "Invoice Number:" and
// **INVOICE-NUMBER** all become "invoice number". '#' and '%' are kept as
// words of their own ("Invoice #"); apostrophes vanish ("Buyer's" → "buyers").
func norm(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	// spaced: b is empty or ends with a space, so a space is not due.
	spaced := true
	space := func() {
		if !spaced {
			b.WriteByte(' ')
			spaced = true
		}
	}
	prev := utf8.RuneError
	for i := 0; i < len(s); {
		// Most text is ASCII: its letters and digits are classified and
		// lowered by byte, sparing the Unicode tables.
		if c := s[i]; c < utf8.RuneSelf {
			lower, upper := 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z'
			switch {
			case lower || '0' <= c && c <= '9':
				b.WriteByte(c)
				spaced = false
			case upper:
				if i > 0 && (unicode.IsLower(prev) || unicode.IsUpper(prev) && unicode.IsLower(firstRune(s[i+1:]))) {
					space()
				}
				b.WriteByte(c + 'a' - 'A')
				spaced = false
			case c == '\'':
			case c == '#' || c == '%':
				space()
				b.WriteByte(c)
				b.WriteByte(' ')
				spaced = true
			default:
				space()
			}
			prev = rune(c)
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			// A capital starts a word after a lowercase letter (invoiceNumber)
			// or ends an acronym (PONumber → po number).
			if i > 0 && unicode.IsUpper(r) && (unicode.IsLower(prev) ||
				unicode.IsUpper(prev) && unicode.IsLower(firstRune(s[i+w:]))) {
				space()
			}
			b.WriteRune(unicode.ToLower(r))
			spaced = false
		case r == '\'' || r == '’':
		case r == '#' || r == '%':
			space()
			b.WriteRune(r)
			b.WriteByte(' ')
			spaced = true
		default:
			space()
		}
		prev = r
		i += w
	}
	return strings.TrimSuffix(b.String(), " ")
}

// firstRune is s's first rune; utf8.RuneError when s is empty.
func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}
