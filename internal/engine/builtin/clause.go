package builtin

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/quarrylabs/quarry/internal/document"
)

// Clauses are the sentences of contracts and letters that state what a
// schema asks without a label: the date an agreement is made or takes
// effect, the law that governs it, its parties, its term. Each kind is
// read for the fields whose meaning asks for it (see clauseKinds), from
// the document's running text (prose.go).
//
// Scores follow the rest of the engine (raw score ≈ chance of being
// right): a clause whose subject is the agreement itself ("This Agreement
// is made as of …") scores about as a labelled value does, a weaker form
// less, and what only looks like one (the date of another agreement it
// refers to, a standstill period) not at all.

// clauseKind is what a field asks of a contract's sentences.
type clauseKind int

const (
	clauseNone    clauseKind = iota
	clauseDate               // the date the agreement is made or takes effect
	clauseLaw                // the place whose law governs it
	clauseParties            // the parties entering into it
	clauseTerm               // how long it lasts
)

// clauseKindOf reads from a field's meaning whether a contract's sentences
// can give its value.
func clauseKindOf(f *field) clauseKind {
	m := f.mean
	if len(f.alts) == 0 {
		return clauseNone
	}
	a := f.alts[0]
	switch {
	case f.list:
		if a.kind == kindString && a.format == "" &&
			(m.named("party", "signatory", "counterparty", "contracting") || m.says("party", "signatory", "counterparty")) {
			return clauseParties
		}
	case a.kind == kindString && a.format == "date":
		if m.says("effective", "commencement", "execution", "dated", "signing", "agreement", "contract") ||
			m.named("start") {
			return clauseDate
		}
	case a.kind == kindString && a.format == "":
		switch {
		case m.named("law", "governing") || m.says("governing", "governed", "governs") ||
			f.mean.desc["law"] && m.says("applicable", "choice", "whose"):
			return clauseLaw
		case (m.named("term", "duration", "period", "length", "validity") || m.says("duration")) &&
			!m.says("payment", "notice", "price", "invoice"):
			return clauseTerm
		}
	}
	return clauseNone
}

// readClauses offers the values the document's sentences give to the
// fields that ask for them.
func (fd *finder) readClauses(pages []document.Page) {
	var kinds []clauseKind
	any := false
	for i := range fd.plan.fields {
		k := clauseKindOf(&fd.plan.fields[i])
		kinds = append(kinds, k)
		any = any || k != clauseNone
	}
	if !any {
		return
	}
	for i, k := range kinds {
		fd.found[i] = slices.DeleteFunc(fd.found[i], func(c candidate) bool { return !k.shaped(c) })
	}
	pr := newProse(pages)
	var dates []dateMention
	for i, k := range kinds {
		switch k {
		case clauseDate:
			if dates == nil {
				dates = findDates(pr)
			}
			fd.readAgreementDate(pr, i, dates)
		case clauseLaw:
			fd.readGoverningLaw(pr, i)
		case clauseParties:
			fd.readParties(pr, i)
		case clauseTerm:
			fd.readTerm(pr, i)
		}
	}
}

// shaped reports whether a value found under a label has the shape this
// kind of clause gives: a contract's heading "Governing Law; Jurisdiction"
// followed by a sentence is no label of a value, and what follows it no
// place.
func (k clauseKind) shaped(c candidate) bool {
	var s string
	if json.Unmarshal(c.value.value, &s) != nil {
		return true
	}
	switch k {
	case clauseLaw:
		return placeShaped(s)
	case clauseTerm:
		m := duration.FindStringSubmatchIndex(s)
		return m != nil && len(strings.Fields(s)) <= 4
	}
	return true
}

// placeKind is what a label's value may write before a place's name:
// "the Netherlands", "State of California".
var placeKind = regexp.MustCompile(`(?i)^(?:the\s+)?(?:(?:state|commonwealth|province|republic|kingdom|canton|territory|district)\s+of\s+(?:the\s+)?)?`)

// placeShaped reports whether a value reads as the name of a place or
// places ("England and Wales"), as a governing law is named.
func placeShaped(s string) bool {
	s = strings.TrimSpace(s)
	for _, part := range strings.Split(s, " and ") {
		part = part[len(placeKind.FindString(part)):]
		if _, to, name := placeAt(part, 0); name == "" || to != len(part) {
			return false
		}
	}
	return s != ""
}

// emitProse offers the text of bytes [from, to) as a value of field f.
func (fd *finder) emitProse(pr *prose, f int, value string, from, to int, score float64) {
	if cites := pr.cites(from, to); len(cites) > 0 {
		fd.emitCites(f, value, cites, score)
	}
}

// --- Dates --------------------------------------------------------------

// dateMention is a calendar date written in words or digits in running
// text, with its ISO form.
type dateMention struct {
	from, to int
	iso      string
}

const monthNames = `january|february|march|april|may|june|july|august|september|october|november|december|` +
	`jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec`

// proseDate matches the ways contracts write a date: "March 3, 2011",
// "the 3rd day of March, 2011", "this 6th of February, 1999", "3 March
// 2011", "December 9 th , 2014", "03/03/2011", "5/12/09" (month first, as
// US filings write it).
var proseDate = regexp.MustCompile(`(?i)\b(?:` +
	`(\d{1,2})\s?(?:st|nd|rd|th)?\s+(?:day\s+)?(?:of\s+)?(` + monthNames + `)\.?,?\s*(\d{4})` +
	`|(` + monthNames + `)\.?\s+(\d{1,2})\s?(?:st|nd|rd|th)?\s*,?\s*(\d{4})` +
	`|(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})` +
	`)\b`)

// findDates returns every date of the text in order.
func findDates(pr *prose) []dateMention {
	text := pr.text
	out := []dateMention{}
	for _, m := range pr.findNear(proseDate, pr.yearAnchors(), 40, 12) {
		g := func(k int) string {
			if m[2*k] < 0 {
				return ""
			}
			return text[m[2*k]:m[2*k+1]]
		}
		var d, mo, y int
		switch {
		case g(1) != "":
			d, mo, y = atoi(g(1)), monthNumber(g(2)), atoi(g(3))
		case g(4) != "":
			mo, d, y = monthNumber(g(4)), atoi(g(5)), atoi(g(6))
		default:
			mo, d, y = atoi(g(7)), atoi(g(8)), year(g(9))
		}
		if iso, ok := isoString(y, mo, d); ok {
			out = append(out, dateMention{from: m[0], to: m[1], iso: iso})
		}
	}
	return out
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

func monthNumber(s string) int { return int(months[strings.ToLower(s)]) }

// Scores of an agreement's date.
const (
	scoreDateDefined  = 0.9  // followed by (the "Effective Date")
	scoreDateThis     = 0.85 // "This Agreement is made as of …"
	scoreDateLetter   = 0.5  // a letter's date, on a line of its own at the top: half the time the agreement's
	scoreDateWitness  = 0.6  // "have executed this Agreement as of …", "Accepted and agreed as of …"
	scoreDatePreamble = 0.52 // "… Agreement dated as of …" at the document's start, its subject unsaid
	scoreDateSigned   = 0.4  // "Date: 5/12/09" by a signature
)

var (
	// dateLead is what comes right before the date an agreement is made,
	// dated or effective: the verb and its connectives.
	dateLead = regexp.MustCompile(`(?i)\b(?:made|entered\s+into|entered|dated|executed|effective|signed|concluded|commenc\w*|starting|beginning|begins|starts)` +
		`(?:\s*,|\s+(?:and|made|entered|into|effective|is|as|of|on|this|the|from|day|upon|to|be|shall|will|become|becomes))*\s*$`)
	// dateSubject is the agreement as the subject of the sentence.
	dateSubject = regexp.MustCompile(`(?i)\b(?:this|the\s+within)\b[^.;]{0,120}?\b(?:agreement|amendment|contract|letter|undertaking|nda|memorandum|covenant|arrangement)\b`)
	// otherAgreement names another agreement, which a date after it is
	// the date of: "the Merger Agreement dated …".
	otherAgreement = regexp.MustCompile(`\b(?:the|an?|that|certain|such|said|its|any|our|your|my)\s+(?:(?:[A-Z][\w-]*\s+){1,6}(?:Agreement|Contract|Letter|Plan)|(?:[A-Z][\w-]*\s+){0,4}(?:Letter\s+of\s+Intent|Term\s+Sheet|Memorandum\s+of\s+Understanding))\b`)
	// dateDefined follows a date that the agreement defines as its own.
	dateDefined = regexp.MustCompile(`(?i)^\s*[,(]?\s*\(?\s*(?:the|this|hereinafter|referred\s+to\s+as|the\s+)*\s*["“”']*\s*(?:effective|commencement|start|execution|agreement)\s+date`)
	// witnessLead is the closing "have executed this Agreement as of",
	// or a counterparty's "Accepted and agreed as of".
	witnessLead = regexp.MustCompile(`(?i)(?:\b(?:executed|signed|entered\s+into)\s+this\s+(?:[\w-]+\s+){0,3}?(?:agreement|amendment|contract|letter)\s+(?:as\s+of|on|effective)\s+(?:this\s+|the\s+)?(?:date\s+of\s+)?` +
		`|\b(?:accepted|agreed)(?:\s+(?:and|to|agreed|accepted))*\s+(?:as\s+of|on|this)\s+(?:the\s+)?)$`)
	// signedLead is a date's label by a signature: "Date:", "Dated".
	signedLead = regexp.MustCompile(`\b(?:Date|DATE|Dated|DATED)\s*:?\s*$`)
)

// readAgreementDate offers the dates an agreement says it is made or
// takes effect on.
func (fd *finder) readAgreementDate(pr *prose, f int, dates []dateMention) {
	effective := fd.plan.fields[f].mean.says("effective", "commencement", "start")
	for _, d := range dates {
		before := pr.text[pr.sentenceStart(d.from, 400):d.from]
		after := pr.text[d.to:min(len(pr.text), d.to+60)]
		score := 0.0
		switch {
		case dateDefined.MatchString(after):
			score = scoreDateDefined
			if !effective && !strings.Contains(strings.ToLower(after), "effective") {
				score = scoreDateThis
			}
		case dateLead.MatchString(before):
			lead := dateLead.FindStringIndex(before)[0]
			switch {
			case ownDate(before[:lead]) || dateSubject.MatchString(before[lead:]):
				score = scoreDateThis
			case d.from < 600 && !otherAgreement.MatchString(before[:lead]):
				score = scoreDatePreamble
			}
		case witnessLead.MatchString(before):
			score = scoreDateWitness
		case signedLead.MatchString(before):
			score = scoreDateSigned
		case pr.letterDate(d):
			score = scoreDateLetter
		}
		if score > 0 {
			fd.emitProse(pr, f, d.iso, d.from, d.to, score)
		}
	}
}

// ownDate reports whether the words before a date's verb make the
// agreement itself its subject ("This Confidentiality Agreement (the
// "Agreement") is dated …"), not another agreement it names ("This
// Agreement supersedes the Merger Agreement dated …").
func ownDate(before string) bool {
	ms := dateSubject.FindAllStringIndex(before, -1)
	if len(ms) == 0 {
		return false
	}
	return !otherAgreement.MatchString(before[ms[len(ms)-1][1]:])
}

// letterDate reports whether a date stands on a line of its own among
// the first lines of a page, as a letter's date does.
func (pr *prose) letterDate(d dateMention) bool {
	if pr.src[d.from] < 0 || pr.src[d.to-1] < 0 {
		return false
	}
	r := pr.refs[pr.src[d.from]]
	if r.line > 20 || pr.refs[pr.src[d.to-1]].line != r.line {
		return false
	}
	l := pr.pages[r.page].Lines[r.line]
	return len(l.Words) > 0 && len(strings.Fields(l.Text)) == len(strings.Fields(pr.text[d.from:d.to]))
}

// --- Governing law ------------------------------------------------------

// lawOf is "the laws of the State of", the words before the place whose
// law governs, in English, French, Spanish, German and Dutch.
var lawOf = regexp.MustCompile(`(?i)\b(?:` +
	`(?:laws?|statutes)\s+(?:and\s+[a-z ]{0,30}?\s+)?of\s+(?:the\s+)?` +
	`|(?:droit|lois?)\s+(?:de\s+l['’]état\s+d[eu]\s+|du\s+|de\s+la\s+|de\s+l['’]|des\s+|de\s+)` +
	`|(?:leyes|legislación|derecho)\s+(?:del\s+estado\s+de\s+|del\s+|de\s+la\s+|de\s+los\s+|de\s+)` +
	`|recht\s+(?:der|des|van(?:\s+de\s+staat)?)\s+` +
	`)(?:(?:state|commonwealth|province|republic|kingdom|grand\s+duchy|federal\s+republic|canton|territory|district)\s+of\s+(?:the\s+)?)?`)

// lawVerb says the sentence is a governing-law clause: the agreement is
// governed, construed, interpreted or enforced under that law. "organized
// under the laws of Delaware" says where a party was incorporated, and is
// no such clause.
var lawVerb = regexp.MustCompile(`(?i)\b(?:govern\w*|constru\w*|interpret\w*|enforc\w*|determined|concluded|régi\w*|soumis\w*|regir\w*|regid\w*|rige|unterlieg\w*|beheerst|onderworpen)\b`)

// incorporated is the other use of "laws of": a party's place of
// incorporation.
var incorporated = regexp.MustCompile(`(?i)\b(?:organi[sz]ed|incorporated|formed|existing|registered|constituted)\s+(?:and\s+existing\s+)?under\s+the\s+laws?\s+of\s+[^,;]{0,40}$`)

// placeWord is a capitalised word of a place name.
var placeWord = regexp.MustCompile(`^\p{Lu}[\p{L}.'’-]*`)

// placeStop ends a place name written in capitals ("DELAWARE APPLICABLE
// TO …") or runs it into the next words.
var placeStop = map[string]bool{
	"applicable": true, "without": true, "and": true, "excluding": true, "exclusive": true, "as": true,
	"in": true, "to": true, "except": true, "regardless": true, "notwithstanding": true, "including": true,
	"for": true, "other": true, "that": true, "which": true, "governing": true, "with": true, "its": true,
	"the": true, "hereof": true, "thereof": true, "but": true, "or": true, "shall": true, "will": true,
	"without-": true, "provided": true, "exclusively": true, "then": true, "if": true, "law": true, "laws": true,
	"sans": true, "sin": true, "ohne": true, "zonder": true, "y": true, "et": true, "und": true, "en": true,
	"state": true, "usa": true, "u.s.a": true, "u.s": true, "county": true,
	"page": true, "exhibit": true, "section": true, "any": true, "all": true, "by": true, "at": true, "on": true,
}

// Scores of a governing law.
const (
	scoreLawGoverned  = 0.9  // "governed by the laws of …"
	scoreLawConstrued = 0.85 // "construed in accordance with the laws of …"
)

// placeLaw is "governed by Kansas law": the place before the word law.
var placeLaw = regexp.MustCompile(`(?i)\b(?:govern\w*|constru\w*|interpret\w*|enforc\w*)\s+(?:\w+\s+){0,4}?(?:by|under|with|to)\s+(?:the\s+)?(?:internal\s+|substantive\s+|domestic\s+)?`)

// readGoverningLaw offers the places whose law the document says governs
// it, by name only ("Delaware", not "the State of Delaware").
func (fd *finder) readGoverningLaw(pr *prose, f int) {
	t := pr.text
	for _, m := range pr.findNear(lawOf, pr.wordAnchors("law", "statute", "droit", "loi", "leyes", "legisla", "derecho", "recht"), 0, 90) {
		from, to, name := placeAt(t, m[1])
		if name == "" || incorporated.MatchString(t[max(0, m[0]-60):m[1]]) {
			continue
		}
		// The verb stands before the law ("governed by the laws of …") or
		// after it ("The laws of the State of Nevada shall govern …").
		score := lawScore(t[pr.sentenceStart(m[0], 300):m[0]], 1)
		if score == 0 {
			score = lawScore(t[to:pr.sentenceEnd(to, 200)], 0.95)
		}
		if score > 0 {
			fd.emitLaw(pr, f, name, from, to, score)
		}
	}
	for _, m := range pr.findNear(placeLaw, pr.wordAnchors("govern", "constru", "interpret", "enforc"), 0, 120) {
		from, to, name := placeAt(t, m[1])
		if name != "" && strings.HasPrefix(strings.ToLower(t[to:]), " law") {
			fd.emitLaw(pr, f, name, from, to, lawScore(t[m[0]:m[1]], 1))
		}
	}
}

// lawScore scores a governing-law clause by its verb, scaled by k; 0
// when the words hold none.
func lawScore(words string, k float64) float64 {
	verbs := lawVerb.FindAllString(words, -1)
	if len(verbs) == 0 {
		return 0
	}
	score := scoreLawConstrued
	for _, v := range verbs {
		if strings.HasPrefix(strings.ToLower(v), "govern") {
			score = scoreLawGoverned
		}
	}
	return score * k
}

func (fd *finder) emitLaw(pr *prose, f int, name string, from, to int, score float64) {
	// The federal law of a country beside a state's is rarely the one the
	// clause chooses.
	if n := norm(name); n == "united states" || n == "united states of america" || n == "us" {
		score *= 0.6
	}
	fd.emitProse(pr, f, name, from, to, score)
}

// placeAt reads a place name at byte i of t: up to four capitalised
// words ("New York", "District of Columbia"), stopping at a word that
// cannot be part of it. A name written in capitals is given in title case.
func placeAt(t string, i int) (from, to int, name string) {
	from, to = i, i
	var words []string
	j := i
	for len(words) < 4 {
		for j < len(t) && t[j] == ' ' {
			j++
		}
		w := placeWord.FindString(t[j:])
		w = strings.TrimRight(w, ".'’-")
		if w == "" {
			// "of" inside a name: "District of Columbia".
			if len(words) > 0 && strings.HasPrefix(t[j:], "of ") && placeWord.MatchString(t[j+3:]) {
				if nw := strings.TrimRight(placeWord.FindString(t[j+3:]), ".'’-"); !placeStop[strings.ToLower(nw)] {
					words = append(words, "of")
					j += 3
					continue
				}
			}
			break
		}
		if placeStop[strings.ToLower(w)] {
			break
		}
		words = append(words, w)
		j += len(w)
		to = j
	}
	if len(words) == 0 || words[len(words)-1] == "of" {
		return 0, 0, ""
	}
	name = strings.Join(words, " ")
	if !strings.ContainsFunc(name, unicode.IsLower) {
		name = titleCase(name)
	}
	return from, to, name
}

// titleCase writes "NEW YORK" as "New York".
func titleCase(s string) string {
	words := strings.Fields(strings.ToLower(s))
	for i, w := range words {
		if w == "of" && i > 0 {
			continue
		}
		r, n := utf8.DecodeRuneInString(w)
		words[i] = string(unicode.ToUpper(r)) + w[n:]
	}
	return strings.Join(words, " ")
}
