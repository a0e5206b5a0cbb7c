package builtin

import (
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// field is one value the finder looks for on the page's lines: a scalar of
// the schema reached through objects only, or an array of scalars (a list,
// whose value is split into items). Arrays of objects come from tables, not
// from lines (see table.go).
type field struct {
	prop   *prop
	alts   []alt // of the value, or of each item of a list
	list   bool
	hint   hint
	labels []label
	// section is the index in schemaPlan.sections of the object whose
	// section scoped labels must stand in, or -1 at the top level.
	section int
	// letterhead marks the name of whoever the document is from or about
	// (merchant_name, name), which the first line may give unlabelled.
	letterhead bool
	// mean is what the field is about, from all its words (meaning.go).
	mean meaning
	// concept is what invoice field it is, if any (concept.go).
	concept concept
}

// section is a nested object whose properties may stand in a block under
// its own label ("Bill To:" over a name, an address and an e-mail).
type section struct {
	prop   *prop
	labels []label
	// name, address, email and phone are the fields of its properties that
	// a block's unlabelled lines fill by what they look like; -1 if none.
	name, address, email, phone int
}

// plan is what the engine looks for, read once from the schema: the
// fields of the lines, the sections of nested objects, and the arrays of
// objects that tables fill.
type plan struct {
	root     *prop
	fields   []field
	byProp   map[*prop]int // field of a scalar or a list
	sections []section
	tables   []*prop // arrays of objects, filled from tables
	// rows are the plans of the tables' rows, read once with this plan,
	// which the plan cache then shares between jobs.
	rows   map[*prop]*plan
	ix     *labelIndex
	sectIx map[string][]int // normalized label → sections
	// sectLong are sectIx's labels of six or more runes, by their length
	// in runes, which headingSections reads misread by one letter.
	sectLong map[int][]string
	form     *formFields // what the form mechanisms look for (forms.go)
	// amounts are the number fields amountLines reads (amounts.go).
	amounts *amountFields
	// byConcept lists the fields by their invoice concept (concept.go).
	byConcept map[concept][]int
	// scalars counts the fields that take one value (not lists).
	scalars int
}

// newPlan walks the schema from root. Properties inside arrays of objects
// are not fields of the lines: they belong to a table row (see rowPlan).
func newPlan(root *prop) *plan {
	pl := &plan{root: root, byProp: map[*prop]int{}, sectIx: map[string][]int{}}
	var walk func(p *prop, path []*prop, sect int)
	walk = func(p *prop, path []*prop, sect int) {
		switch p.shape {
		case shapeScalar:
			pl.addField(field{prop: p, alts: p.alts, hint: hintOf(p), labels: leafLabels(path), section: sect})
		case shapeArray:
			if p.items.shape == shapeScalar {
				pl.addField(field{prop: p, alts: p.items.alts, list: true, hint: hintOf(p.items), labels: leafLabels(path), section: sect})
			} else {
				pl.tables = append(pl.tables, p)
			}
		case shapeObject:
			child := sect
			if len(path) > 0 {
				child = len(pl.sections)
				s := section{prop: p, labels: baseLabels(p), name: -1, address: -1, email: -1, phone: -1}
				pl.sections = append(pl.sections, s)
				for _, l := range s.labels {
					pl.sectIx[l.text] = append(pl.sectIx[l.text], child)
				}
			}
			for _, c := range p.props {
				walk(c, append(path[:len(path):len(path)], c), child)
			}
		}
	}
	walk(root, nil, -1)
	for i := range pl.fields {
		f := &pl.fields[i]
		if f.section < 0 || f.list {
			continue
		}
		s := &pl.sections[f.section]
		switch n := norm(f.prop.name); {
		case f.hint == hintEmail && s.email < 0:
			s.email = i
		case f.hint == hintPhone && s.phone < 0:
			s.phone = i
		case f.hint == hintAddress && s.address < 0:
			s.address = i
		case (n == "name" || strings.HasSuffix(n, " name") || n == "company" || n == "organization") && s.name < 0:
			s.name = i
		}
	}
	for i := range pl.fields {
		pl.fields[i].letterhead = isLetterheadField(&pl.fields[i])
	}
	pl.ix = newLabelIndex(pl.fields)
	pl.form = newFormFields(pl)
	pl.amounts = newAmountFields(pl)
	pl.sectLong = map[int][]string{}
	for l := range pl.sectIx {
		if n := utf8.RuneCountInString(l); n >= 6 {
			pl.sectLong[n] = append(pl.sectLong[n], l)
		}
	}
	pl.byConcept = map[concept][]int{}
	for i, f := range pl.fields {
		if !f.list {
			pl.scalars++
		}
		if f.concept != conceptNone {
			pl.byConcept[f.concept] = append(pl.byConcept[f.concept], i)
		}
	}
	pl.rows = make(map[*prop]*plan, len(pl.tables))
	for _, a := range pl.tables {
		pl.rows[a] = newPlan(a.items)
	}
	return pl
}

// letterheadOwners are the words before "name" in a property naming the
// party a document is from or about: its letterhead.
var letterheadOwners = map[string]bool{"": true, "full": true, "merchant": true, "vendor": true, "store": true,
	"business": true, "seller": true, "supplier": true, "issuer": true, "bank": true, "candidate": true, "shop": true}

// isLetterheadField reports whether a field names the party whose name a
// document prints first, unlabelled: a top-level plain string called
// name, full_name, merchant_name, vendor and the like. A customer's or
// another party's name is never the letterhead.
func isLetterheadField(f *field) bool {
	if f.section >= 0 || f.list || f.hint != hintNone || len(f.alts) == 0 ||
		f.alts[0].kind != kindString || f.alts[0].format != "" || f.alts[0].enum != nil {
		return false
	}
	words := strings.Fields(norm(f.prop.name))
	switch {
	case len(words) == 1:
		return words[0] == "name" || words[0] == "merchant" || words[0] == "vendor" || words[0] == "seller" ||
			words[0] == "supplier" || words[0] == "issuer" || words[0] == "store"
	case len(words) == 2:
		return words[1] == "name" && letterheadOwners[words[0]]
	}
	return false
}

func (pl *plan) addField(f field) {
	f.mean = meaningOf(f.prop)
	f.concept = conceptOf(&f)
	f.labels = f.concept.labels(f.labels)
	if f.section < 0 {
		f.labels = append(f.labels, cueLabels(&f)...)
	}
	f.labels = append(f.labels, roleLabels(&f)...)
	pl.byProp[f.prop] = len(pl.fields)
	pl.fields = append(pl.fields, f)
}

// hint is what a string field's name says its value looks like. A value
// that does not look like it is no value of the field: "Phone: see
// website" leaves phone null rather than filled with words.
type hint int

const (
	hintNone hint = iota
	hintPhone
	hintEmail
	hintURL
	hintAddress
	hintID
)

// hintOf reads a hint from the words of a property's name and title.
func hintOf(p *prop) hint {
	words := strings.Fields(norm(p.name) + " " + norm(p.title))
	has := func(ws ...string) bool {
		for _, w := range words {
			for _, x := range ws {
				if w == x {
					return true
				}
			}
		}
		return false
	}
	last := ""
	if n := strings.Fields(norm(p.name)); len(n) > 0 {
		last = n[len(n)-1]
	}
	switch {
	case has("phone", "telephone", "tel", "mobile", "fax", "cell"):
		return hintPhone
	case has("email", "mail") && !has("address") || has("email"):
		return hintEmail
	case has("url", "website", "homepage", "uri", "link"):
		return hintURL
	case has("address") && !has("ip"):
		return hintAddress
	case last == "number" || last == "no" || last == "num" || last == "nr" || last == "id" || last == "#" || last == "code" ||
		last == "ref" || last == "reference" || last == "sku" || last == "iban" || last == "swift" || last == "bic":
		return hintID
	}
	return hintNone
}

// fit checks a string value against the field's hint and says how well it
// fits: 1 for a perfect fit, less for a plausible one, ok false when the
// text cannot be such a value.
func (h hint) fit(s string) (float64, bool) {
	switch h {
	case hintPhone:
		return 1, isPhone(s)
	case hintEmail:
		_, _, ok := parseEmail(s)
		return 1, ok
	case hintURL:
		_, _, ok := parseURI(s)
		return 1, ok
	case hintID:
		// An identifier is a few tokens, usually with a digit in them.
		if len(strings.Fields(s)) > 4 {
			return 0, false
		}
		if strings.ContainsFunc(s, unicode.IsDigit) {
			return 1, true
		}
		return 0.8, true
	}
	return 1, true
}

// phoneShape is what a phone number is written with: digits, spaces,
// dots, dashes, parentheses, a leading + and an extension.
var phoneShape = regexp.MustCompile(`^(tel:)?\+?[0-9 ()./\-]+((ext\.?|x)\s*[0-9]+)?$`)

// isPhone accepts the ways phone numbers are written: 7 to 15 digits with
// spaces, dots, dashes, parentheses, a leading + and an extension.
func isPhone(s string) bool {
	// Seven digits at least, counted before the pattern is run.
	if asciiDigits(s) < 7 {
		return false
	}
	t := strings.ToLower(strings.TrimSpace(s))
	if !phoneShape.MatchString(t) {
		return false
	}
	digits := 0
	for _, r := range strings.SplitN(t, "x", 2)[0] {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	return digits >= 7 && digits <= 15
}

// asciiDigits counts the digits 0 to 9 in s.
func asciiDigits(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			n++
		}
	}
	return n
}

// parseURI reads an absolute URI. A web address written without a scheme
// ("www.acme.example", "acme.example/shop") is given https://, coerced,
// since format "uri" requires a scheme and that is what the address means.
func parseURI(text string) (string, bool, bool) {
	s := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(text), "<"), ">")
	if s == "" || strings.ContainsAny(s, " \t\"<>") {
		return "", false, false
	}
	u, err := url.Parse(s)
	if err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "") && schemeOK(u.Scheme) {
		return s, s == text, true
	}
	host, _, _ := strings.Cut(s, "/")
	if strings.Contains(s, "@") || !strings.Contains(host, ".") || !domainShape.MatchString(host) {
		return "", false, false
	}
	u, err = url.Parse("https://" + s)
	if err != nil || u.Host == "" {
		return "", false, false
	}
	return "https://" + s, false, true
}

// schemeOK keeps scheme-like prefixes that are not schemes ("Note:x") out.
func schemeOK(s string) bool {
	switch strings.ToLower(s) {
	case "http", "https", "ftp", "ftps", "mailto", "tel", "urn", "file", "sftp", "ws", "wss":
		return true
	}
	return false
}

// domainShape is a host name with a top-level domain of letters.
var domainShape = regexp.MustCompile(`^([a-zA-Z0-9-]+\.)+[a-zA-Z]{2,}(:[0-9]+)?$`)
