package builtin

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/quarrylabs/quarry/internal/document"
)

// A receipt, an invoice or a letter opens with its issuer's letterhead: a
// name, often with a legal form ("SDN BHD", "GmbH", "Inc."), then a postal
// address over a few lines, then phone, fax, tax and registration numbers.
// None of it is labelled, so the label finder cannot read it; issuer reads
// the block by what its lines look like and offers the name and the
// address to the fields whose meaning asks for the issuer's.

// Raw scores of letterhead values (see the package doc's Confidence): a
// name with a legal form is the issuer's far more often than any other
// first line, and an address ending at a postcode line is read whole more
// often than not.
const (
	scoreIssuerLegal   = 0.7
	scoreIssuerAbove   = 0.55
	scoreIssuerAddress = 0.6
	// letterheadLines is how far down the first page a letterhead reaches.
	letterheadLines = 14
)

// issuerParties are words that make a field about the issuer of a
// document; counterParties make it about someone else.
var (
	issuerParties = []string{"company", "business", "merchant", "store", "shop", "vendor", "seller", "supplier",
		"issuer", "issued", "issuing", "restaurant", "retailer", "trader", "firm", "biller", "lieferant", "verkaufer", "verkäufer",
		"fournisseur", "vendeur", "leverancier", "proveedor", "vendedor"}
	counterParties = []string{"customer", "buyer", "client", "recipient", "billed", "bill", "billing", "consignee", "payer",
		"purchaser", "ship", "shipping", "delivery", "deliver", "advertiser", "agency", "employee", "patient",
		"kunde", "kaufer", "käufer", "acheteur", "koper", "comprador", "cliente", "empfanger", "empfänger", "destinataire"}
)

// wantsIssuerName reports whether a field asks for the name of whoever
// issued the document: a plain top-level string whose words name the
// issuer and no other party.
func wantsIssuerName(f *field) bool {
	if f.section >= 0 || f.list || f.hint != hintNone || len(f.alts) == 0 ||
		f.alts[0].kind != kindString || f.alts[0].format != "" || f.alts[0].enum != nil {
		return false
	}
	if f.mean.says(counterParties...) || wantsIssuerAddress(f) {
		return false
	}
	return f.letterhead || f.mean.named(issuerParties...)
}

// wantsIssuerAddress reports whether a field asks for the issuer's postal
// address: an address field that names no other party.
func wantsIssuerAddress(f *field) bool {
	addressy := f.hint == hintAddress || f.hint == hintNone && f.mean.says("street", "postcode", "postal", "zip") &&
		!f.mean.named("name", "number", "phone", "email")
	return f.section < 0 && !f.list && addressy && len(f.alts) > 0 &&
		f.alts[0].kind == kindString && !f.mean.says(counterParties...)
}

// legalForms are the words of company names' legal forms, normalized.
var legalForms = map[string]bool{
	"bhd": true, "berhad": true, "sdn": true, "ltd": true, "limited": true, "llc": true, "inc": true,
	"incorporated": true, "corp": true, "corporation": true, "plc": true, "llp": true, "pte": true, "pty": true,
	"gmbh": true, "ag": true, "kg": true, "ohg": true, "ug": true, "sarl": true, "sas": true, "sa": true,
	"srl": true, "spa": true, "bv": true, "nv": true, "oy": true, "ab": true, "enterprise": true,
	"enterprises": true, "trading": true, "co": true, "company": true, "holdings": true,
}

// businessWords often end a shop's trading name.
var businessWords = map[string]bool{
	"store": true, "stores": true, "mart": true, "market": true, "supermarket": true, "minimarket": true,
	"restaurant": true, "restoran": true, "cafe": true, "bakery": true, "hardware": true, "pharmacy": true,
	"stationery": true, "books": true, "bookstore": true, "hotel": true, "motor": true, "services": true,
	"industries": true, "trader": true, "traders": true, "shop": true, "kedai": true, "perniagaan": true,
	"deco": true, "electrical": true, "optical": true, "clinic": true, "station": true, "petrol": true,
}

// streetWords mark a line of a postal address, in the languages of the
// documents Quarry reads.
var streetWords = map[string]bool{
	"jalan": true, "jln": true, "jl": true, "lorong": true, "taman": true, "tmn": true, "lot": true, "no": true,
	"street": true, "st": true, "road": true, "rd": true, "avenue": true, "ave": true, "blvd": true,
	"boulevard": true, "drive": true, "lane": true, "suite": true, "floor": true, "level": true,
	"block": true, "blk": true, "bandar": true, "kawasan": true, "persiaran": true, "batu": true,
	"kampung": true, "kg": true, "plaza": true, "building": true, "wisma": true, "bangunan": true,
	"strasse": true, "straße": true, "str": true, "platz": true, "weg": true, "allee": true, "rue": true,
	"chemin": true, "place": true, "straat": true, "laan": true, "plein": true, "calle": true,
	"avenida": true, "pob": true, "box": true, "industrial": true, "park": true,
	"seksyen": true, "section": true, "jaya": true, "centre": true, "center": true, "mall": true,
	"square": true, "tower": true, "unit": true,
}

// postcode is a line's postal code: four to six digits before a place
// name or after a region, as "81100 JOHOR BAHRU", "D-80333 München",
// "Austin, TX 78701", and not a registration number's "801580-T".
var postcode = regexp.MustCompile(`(^|[\s,.:])([A-Z]{1,2}-)?[0-9]{4,6},?\s+\pL|\b[A-Z]{2},?\s+[0-9]{5}(-[0-9]{4})?(\s|,|\.|$)`)

// afterPostcode reports whether a line after the postcode's can still be
// the address's: a place, a state, a branch's name, not a number of its
// own or a label.
func afterPostcode(l letterLine) bool {
	return !l.stop && !l.post && !l.legal && !registration(l) && !strings.Contains(l.text, ":") &&
		len(l.words) > 0 && len(l.words) <= 5
}

// thoroughfares name the street a house number stands before.
var thoroughfares = map[string]bool{
	"jalan": true, "jln": true, "jl": true, "lorong": true, "persiaran": true, "street": true, "st": true, "road": true,
	"rd": true, "avenue": true, "ave": true, "blvd": true, "boulevard": true, "drive": true, "dr": true,
	"lane": true, "ln": true, "way": true, "strasse": true, "straße": true, "str": true, "rue": true,
	"chemin": true, "straat": true, "laan": true, "calle": true, "avenida": true,
}

// holdsPostcode reports whether a line holds a postcode where postcode
// finds one: a number before the name of a street ("LOT 2685 JLN GENTING",
// "1234 Main Street") is the house's, not a postcode.
func holdsPostcode(text string) bool {
	for _, m := range postcode.FindAllStringSubmatchIndex(text, -1) {
		if m[2] < 0 {
			// The second form: a state and its ZIP code.
			return true
		}
		_, size := utf8.DecodeLastRuneInString(text[:m[1]])
		rest := text[m[1]-size:] // from the letter after the number
		if i := strings.IndexByte(rest, ','); i >= 0 {
			rest = rest[:i]
		}
		street := false
		for _, w := range strings.Fields(rest) {
			if thoroughfares[strings.ToLower(strings.Trim(w, ".,;:()"))] {
				street = true
				break
			}
		}
		if !street {
			return true
		}
	}
	return false
}

// labelledNumber is a line that gives a number under a label, "COMPANY NO:
// 002643278-A", "BR NO.: (124525-H)": a registration, not an address.
var labelledNumber = regexp.MustCompile(`^[^:]{1,25}:\s*\(?[A-Z]{0,3}[0-9][0-9A-Z-]*\)?\s*$`)

// digitRun is the length of the longest run of digits in text.
func digitRun(text string) int {
	longest, n := 0, 0
	for i := 0; i < len(text); i++ {
		if isDigit(text[i]) {
			n++
			longest = max(longest, n)
		} else {
			n = 0
		}
	}
	return longest
}

// isDate reports whether a whole line is a date.
func isDate(text string) bool {
	_, _, ok := parseDate(text)
	return ok
}

// trailingRegistration is a registration number printed after a name on
// its line: "AEON CO. (M) BHD (126926-H)".
var trailingRegistration = regexp.MustCompile(`\s*\(?[A-Z]{0,3}[0-9]{4,}[-‐ ]?[A-Z]?\)?\s*$`)

// letterLine is one line of a letterhead with what it looks like.
type letterLine struct {
	line   int
	text   string
	words  []string // normalized
	legal  bool     // ends in or holds a legal form
	trade  bool     // holds a business word
	street bool     // holds a street word with a number, or a postcode
	post   bool     // holds a postcode
	stop   bool     // phone, fax, tax or registration number, e-mail, a date: the block ends
	name   bool     // reads as a name: letters, few words, no label
}

// stopWords end a letterhead's address: what follows it.
var stopWords = map[string]bool{
	"tel": true, "telephone": true, "phone": true, "fax": true, "email": true, "mail": true, "gst": true,
	"sst": true, "vat": true, "reg": true, "registration": true, "roc": true, "tin": true, "www": true,
	"http": true, "https": true, "hp": true, "mobile": true, "whatsapp": true, "ust": true, "steuernummer": true,
	"siret": true, "siren": true, "kvk": true, "btw": true, "cif": true, "nif": true, "abn": true,
	"receipt": true, "invoice": true, "cashier": true, "date": true, "time": true, "table": true,
}

func readLetterLine(ix *labelIndex, p *document.Page, i int) letterLine {
	text := strings.TrimSpace(p.Lines[i].Text)
	ll := letterLine{line: i, text: text, words: strings.Fields(norm(text))}
	digits := 0
	for _, r := range text {
		if unicode.IsDigit(r) {
			digits++
		}
	}
	for _, w := range ll.words {
		switch {
		case legalForms[w]:
			ll.legal = true
			if w == "co" || w == "company" || w == "trading" {
				// "& Co" and "Trading" end a name but also begin a line
				// of other text; they count only at the line's end.
				ll.legal = w == ll.words[len(ll.words)-1]
			}
		case businessWords[w]:
			ll.trade = true
		}
		if stopWords[w] {
			ll.stop = true
		}
		if streetWords[w] && digits > 0 {
			ll.street = true
		}
	}
	if strings.Contains(strings.ToUpper(text), "S/B") {
		ll.legal = true
	}
	// norm splits "GmbH" as it splits camelCase ("gmb h"), and a German
	// street is one word with the street in it ("Lindenstraße"): a legal
	// form norm split and a street word ending a word are looked for in
	// the line's own words.
	for _, w := range strings.Fields(text) {
		lw := strings.ToLower(strings.Trim(w, ".,()"))
		if legalForms[lw] && strings.Contains(norm(w), " ") {
			ll.legal = true
		}
		if digits > 0 && compoundStreet(lw) {
			ll.street = true
		}
	}
	// Postcodes, phones, dates and registration numbers all hold digits:
	// a line without any is spared their patterns.
	if digits > 0 {
		if digitRun(text) >= 4 && holdsPostcode(text) {
			ll.post, ll.street = true, true
		}
		if isPhone(text) {
			ll.stop = true
		}
		if mayHoldDate(text) && (hasDateInText(text) || isDate(text)) {
			ll.stop = true
		}
		if strings.Contains(text, ":") && labelledNumber.MatchString(text) {
			ll.street, ll.post = false, false
		}
	}
	if strings.Contains(text, "@") {
		ll.stop = true
	}
	if ll.stop {
		ll.street, ll.post = false, false
	}
	letters := 0
	for _, r := range text {
		if unicode.IsLetter(r) {
			letters++
		}
	}
	ll.name = len(ll.words) > 0 && len(ll.words) <= 8 && letters >= 3 && digits*3 <= letters &&
		!strings.Contains(text, ":") && !ll.stop && !ll.post && !ix.isNonValue(text)
	if ll.name {
		for _, w := range ll.words {
			if titleWords[w] {
				ll.name = false
				break
			}
		}
	}
	return ll
}

// compoundStreet reports whether a word is a street name written as one
// word with its kind, as German and Dutch write them: "Lindenstraße",
// "Hauptstr", "Rosenweg", "Kalverstraat".
func compoundStreet(w string) bool {
	for _, end := range []string{"straße", "strasse", "str", "weg", "platz", "allee", "gasse", "straat", "laan", "plein"} {
		if len(w) > len(end)+2 && strings.HasSuffix(w, end) {
			return true
		}
	}
	return false
}

// issuer offers the letterhead's name and address of the first page to the
// fields asking for the issuer's, where no label gave them.
func (fd *finder) issuer(p *document.Page) {
	if p.Number != 1 || len(p.Lines) == 0 {
		return
	}
	var nameFields, addrFields []int
	for i := range fd.plan.fields {
		f := &fd.plan.fields[i]
		switch {
		case wantsIssuerName(f) && len(fd.found[i]) == 0:
			nameFields = append(nameFields, i)
		case wantsIssuerAddress(f) && len(fd.found[i]) == 0:
			addrFields = append(addrFields, i)
		}
	}
	if len(nameFields) == 0 && len(addrFields) == 0 {
		return
	}
	// The name stands above the first line that ends a letterhead (see
	// issuerName): lines after it are read only for an address.
	lines := make([]letterLine, 0, letterheadLines)
	for i := 0; i < len(p.Lines) && i < letterheadLines; i++ {
		lines = append(lines, readLetterLine(fd.plan.ix, p, i))
		if i > 0 && lines[i].stop {
			break
		}
	}
	name, score := issuerName(lines)
	if name >= 0 {
		from := nameStart(lines, name)
		var texts []string
		var cites []cite
		for _, l := range lines[from : name+1] {
			t := l.text
			if l.legal {
				t = trailingRegistration.ReplaceAllString(t, "")
			}
			texts = append(texts, t)
			cites = append(cites, cite{page: p.Number, text: t, box: p.Lines[l.line].Box})
		}
		for _, f := range nameFields {
			fd.emitCites(f, strings.Join(texts, " "), cites, score)
		}
	}
	if len(addrFields) == 0 {
		return
	}
	for i := len(lines); i < len(p.Lines) && i < letterheadLines; i++ {
		lines = append(lines, readLetterLine(fd.plan.ix, p, i))
	}
	addr := issuerAddress(lines, name)
	if len(addr) == 0 {
		return
	}
	texts := make([]string, len(addr))
	cites := make([]cite, len(addr))
	for k, i := range addr {
		texts[k] = lines[i].text
		cites[k] = cite{page: p.Number, text: lines[i].text, box: p.Lines[lines[i].line].Box}
	}
	for _, f := range addrFields {
		fd.emitCites(f, strings.Join(texts, " "), cites, scoreIssuerAddress)
	}
}

// issuerName picks the letterhead's name: the first line with a legal form
// before the address ends; else the name-like line nearest above the
// address; else none. It returns the line's index in lines, or -1.
func issuerName(lines []letterLine) (int, float64) {
	end := len(lines)
	for i, l := range lines {
		if l.stop && i > 0 {
			end = i
			break
		}
	}
	for i := range end {
		if lines[i].legal && !lines[i].post && !lines[i].stop && len(lines[i].words) <= 10 {
			return i, scoreIssuerLegal
		}
	}
	first := -1
	for i := range end {
		if lines[i].street {
			first = i
			break
		}
	}
	for i := first - 1; i >= 0; i-- {
		if lines[i].name {
			s := scoreIssuerAbove
			if lines[i].trade {
				s += 0.1
			}
			return i, s
		}
		if !registration(lines[i]) {
			break
		}
	}
	return -1, 0
}

// nameStart finds the first line of a name whose legal form stands on its
// own line ("NANDO'S CHICKENLAND MALAYSIA" over "SDN BHD"): lines above are
// joined while the name so far begins with a legal form or a business
// word, or opens a parenthesis it does not close.
func nameStart(lines []letterLine, name int) int {
	from := name
	for from > 0 && from > name-2 {
		l := lines[from]
		first := ""
		if len(l.words) > 0 {
			first = l.words[0]
		}
		joined := ""
		for _, x := range lines[from : name+1] {
			joined += x.text + " "
		}
		open := strings.Count(joined, "(") != strings.Count(joined, ")")
		if !(legalForms[first] || businessWords[first] || open) || !lines[from-1].name {
			break
		}
		from--
	}
	return from
}

// registration reports whether a line is a company registration number
// printed under the name, "(65351-M)", "(CO.REG : 933109-X)", which an
// address may follow.
func registration(l letterLine) bool {
	t := strings.Trim(l.text, "() ")
	if t == "" || labelledNumber.MatchString(l.text) {
		return true
	}
	for _, w := range l.words {
		if w == "reg" || w == "registration" || w == "roc" || w == "co" && strings.Contains(l.text, "NO") {
			return true
		}
		if streetWords[w] {
			return false
		}
	}
	digits := 0
	for _, r := range t {
		if unicode.IsDigit(r) {
			digits++
		}
	}
	return len(strings.Fields(t)) <= 2 && digits*2 >= len(strings.ReplaceAll(t, " ", ""))
}

// issuerAddress reads the address lines after the name: from the first
// line that looks like part of an address to the line before a stop (a
// phone, a tax number, a date), ending one line after the postcode line
// at most, when that line is a short place name. It returns indexes into
// lines.
func issuerAddress(lines []letterLine, name int) []int {
	start := -1
	// A date, a registration or a tax number may stand between the name
	// and the address.
	for i := name + 1; i < len(lines) && i <= name+4; i++ {
		if lines[i].street && !strings.HasPrefix(lines[i].text, "(") {
			start = i
			break
		}
	}
	if start < 0 {
		return nil
	}
	var out []int
	for i := start; i < len(lines) && len(out) < 6; i++ {
		l := lines[i]
		if l.stop || (i > start && l.legal) {
			break
		}
		if registration(l) && !l.post {
			break
		}
		out = append(out, i)
		if l.post {
			// A place, a state, a branch may follow the postcode's line,
			// up to the line that ends the letterhead.
			for j := i + 1; j < len(lines) && j <= i+2 && afterPostcode(lines[j]); j++ {
				out = append(out, j)
			}
			break
		}
	}
	return out
}
