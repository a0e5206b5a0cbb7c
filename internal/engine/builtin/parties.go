package builtin

import (
	"math"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/quarrylabs/quarry/internal/document"
)

// A contract names its parties in its opening sentence: "This Agreement
// is made by and between Acme Inc., a Delaware corporation (the
// "Company"), and John Smith ("Employee")". readParties reads that list:
// each party's name as written, without what describes it (its kind of
// company, its address) or the role the contract gives it.

var (
	// between opens the list of parties.
	between = regexp.MustCompile(`(?i)\b(?:by\s+and\s+between|by\s+and\s+among|between|among|entre|zwischen|tussen)\s+`)
	// listEnd is where the list of parties stops: the sentence goes on
	// with what the agreement is for, or the recitals begin.
	listEnd = regexp.MustCompile(`(?i)(?:;|:|\bwhereas\b|\brecitals?\b|\bwitnesseth\b|\bw\s?i\s?t\s?n\s?e\s?s\s?s|\bbackground\b|\bpreamble\b|` +
		`,?\s+(?:to\s+(?:allow|set|establish|govern|protect|ensure|facilitate|provide)|regarding|relating|concerning|effective|as\s+of|dated|pursuant|for\s+the\s+purpose|with\s+respect|in\s+connection|and\s+is\s+entered|is\s+(?:made|entered|dated|effective)|shall|will|hereby|under\s+which|wherein|each\s+(?:having|of)|collectively|on\s+the\s+date)\b)`)
	// partyCut ends a party's name where a description of it starts: ", a
	// Delaware corporation", " having its principal place of business",
	// ", with offices at", "d/b/a", ", located at".
	partyCut = regexp.MustCompile(`(?:,?\s+(?:an?|the|having|with|whose|located|organi[sz]ed|incorporated\s+(?:in|under)|its|each|who|which|residing|resident|domiciled|doing|d/b/a|dba|f/k/a|formerly|including|together|acting|through|on\s+behalf|on\s+the|hereinafter|herein|as\s+(?:a|an|the|successor|agent|representative)|individually|in\s+its|solely|of\s+\d|at\s+\d)\b|\s+\d{3,}|\s*["“”(]|,\s*$)`)
	// itemSplit separates the parties of a list.
	itemSplit = regexp.MustCompile(`(?i)\s*(?:¦\s*,?\s*(?:and\s+|&\s+)?|,\s+and\s+|,?\s+and/or\s+|;\s*|\s+and\s*,?\s+)`)
	// nameGoesOn is what follows an "and" inside a name: "Eli Lilly and
	// Company", "Sears, Roebuck and Co.".
	nameGoesOn    = regexp.MustCompile(`^(?i:company|co\b|sons|associates|partners)`)
	agreementWord = regexp.MustCompile(`(?i)\bagreement\b`)
	zeroRun       = regexp.MustCompile("\x00+")
	// quotedTerm is a term the document defines in quotes: ("Company").
	quotedTerm = regexp.MustCompile(`["“]([^"”]{1,40})["”]`)
)

// roleWords are what a contract calls a party instead of naming it.
var roleWords = map[string]bool{
	"undersigned": true, "you": true, "me": true, "us": true, "we": true, "i": true, "company": true,
	"employee": true, "employer": true, "executive": true, "party": true, "parties": true, "recipient": true,
	"discloser": true, "buyer": true, "seller": true, "purchaser": true, "client": true, "consultant": true,
	"contractor": true, "licensee": true, "licensor": true, "investor": true, "director": true, "bank": true,
	"individual": true, "each": true, "other": true, "others": true, "name": true, "it": true, "them": true,
	"counterparty": true, "member": true, "managing": true, "advisor": true, "manager": true,
	"officer": true, "president": true, "general": true, "partner": true, "affiliates": true, "subsidiaries": true, "person": true, "persons": true,
}

// Scores of a list of parties.
const (
	scorePartiesThis  = 0.75 // "This Agreement … by and between A and B"
	scorePartiesStart = 0.6  // "… between A and B" in the document's opening, its subject unsaid
)

// readParties offers the parties an agreement's opening sentence names.
func (fd *finder) readParties(pr *prose, f int) {
	t := pr.text
	limit := min(len(t), 6000)
	defined := map[string]bool{}
	for _, m := range quotedTerm.FindAllStringSubmatch(t[:limit], -1) {
		defined[norm(m[1])] = true
	}
	for _, m := range between.FindAllStringIndex(t[:limit], -1) {
		sent := t[pr.sentenceStart(m[0], 400):m[0]]
		score := 0.0
		switch {
		case dateSubject.MatchString(sent) && !otherAgreement.MatchString(sent[dateSubject.FindStringIndex(sent)[1]:]):
			score = scorePartiesThis
		case m[0] < 1500 && agreementWord.MatchString(sent):
			score = scorePartiesStart
		default:
			continue
		}
		end := pr.sentenceEnd(m[1], 700)
		if e := listEnd.FindStringIndex(t[m[1]:end]); e != nil {
			end = m[1] + e[0]
		}
		items := fd.partyItems(pr, f, m[1], end, defined, score)
		if len(items) == 0 {
			continue
		}
		if len(items) == 1 {
			score *= 0.7
			for i := range items {
				items[i].score *= 0.7
			}
		}
		fd.addList(f, listCandidate{items: items, score: score, order: fd.order})
		return
	}
	fd.readSignatures(pr, f, defined)
}

// signedBy is the line an officer signs on for a company: "By: /s/ Jane
// Roe", "BY:", "By ____".
var signedBy = regexp.MustCompile(`^(?i:by)\b\s*[:;]?`)

// signedSelf is a signature of one's own: "/s/ John Smith".
var signedSelf = regexp.MustCompile(`^/s/\s*(.+)$`)

// Score of a party read from a signature block.
const scoreSignature = 0.5

// readSignatures reads the parties from the signature blocks, where the
// opening sentence names none (letters, undertakings): the company over
// the line its officer signs "By:", and whoever signs "/s/ Name" for
// themselves.
func (fd *finder) readSignatures(pr *prose, f int, defined map[string]bool) {
	lc := listCandidate{score: scoreSignature, order: fd.order}
	seen := map[string]bool{}
	add := func(pi, li int, text string) {
		if c := partyCut.FindStringIndex(text); c != nil {
			text = text[:c[0]]
		}
		text = strings.TrimSpace(strings.TrimRight(strings.TrimSpace(text), ":,"))
		if !isPartyName(text, defined) || seen[norm(text)] || strings.ContainsAny(text, "0123456789/:") {
			return
		}
		p := &pr.pages[pi]
		l := p.Lines[li]
		seen[norm(text)] = true
		if c, ok := fd.parse(f, text, []cite{{page: p.Number, text: text, box: l.Box}}, scoreSignature); ok {
			lc.items = append(lc.items, c)
		}
	}
	for pi := range pr.pages {
		p := &pr.pages[pi]
		for li, l := range p.Lines {
			text := strings.TrimSpace(l.Text)
			switch {
			case signedBy.MatchString(text):
				if above := signerAbove(p, li); above >= 0 {
					add(pi, above, p.Lines[above].Text)
				}
			case signedSelf.MatchString(text) && !signsForAnother(p, li):
				add(pi, li, signedSelf.FindStringSubmatch(text)[1])
			}
		}
	}
	fd.addList(f, lc)
}

// officerLine is a line of a signature block that says its signer signs
// for a company: "By:", "Title: President", "Its: Managing Member".
var officerLine = regexp.MustCompile(`^(?i:by|title|its)\b`)

// signsForAnother reports whether the "/s/ Name" of line li signs for a
// company: "By:" over it, a title under it.
func signsForAnother(p *document.Page, li int) bool {
	if above := signerAbove(p, li); above >= 0 && officerLine.MatchString(strings.TrimSpace(p.Lines[above].Text)) {
		return true
	}
	// Under it, "By:" starts the next block; only a title is this one's.
	for i := li + 1; i < len(p.Lines) && i <= li+3; i++ {
		if t := strings.TrimSpace(p.Lines[i].Text); officerLine.MatchString(t) && !signedBy.MatchString(t) {
			return true
		}
	}
	return false
}

// signerAbove returns the nearest line over line li that starts in its
// column, at most three lines up, or -1.
func signerAbove(p *document.Page, li int) int {
	b := p.Lines[li].Box
	best, bestDY := -1, 3.5*max(b.H, 1)
	for i, l := range p.Lines {
		dy := b.Y - l.Box.Y
		if i == li || dy <= 0 || dy > bestDY || math.Abs(l.Box.X-b.X) > 2*max(b.H, 1) {
			continue
		}
		best, bestDY = i, dy
	}
	return best
}

// partyItems reads the names in the list of parties at bytes [from, to).
func (fd *finder) partyItems(pr *prose, f, from, to int, defined map[string]bool, score float64) []candidate {
	t := pr.text
	// Parentheticals ("the Company", "hereinafter Employee") end a name;
	// mark each with ¦, keeping byte offsets.
	b := []byte(t[from:to])
	depth := 0
	for i, c := range b {
		switch {
		case c == '(':
			depth++
			b[i] = 0
		case c == ')' && depth > 0:
			depth--
			b[i] = 0
		case depth > 0:
			b[i] = 0
		}
	}
	s := string(b)
	// Runs of zero bytes become the marker: split on them as on ¦.
	s = zeroRun.ReplaceAllStringFunc(s, func(z string) string {
		return "¦" + strings.Repeat(" ", len(z)-len("¦"))
	})
	var out []candidate
	seen := map[string]bool{}
	pos := 0
	for _, sep := range append(itemSplit.FindAllStringIndex(s, -1), []int{len(s), len(s)}) {
		if sep[1] < len(s) && nameGoesOn.MatchString(s[sep[1]:]) && strings.Contains(strings.ToLower(s[sep[0]:sep[1]]), "and") {
			continue
		}
		item := s[pos:sep[0]]
		start := pos
		pos = sep[1]
		// Leading connectives and the undersigned's role ("the
		// undersigned Yu Zhou").
		trim := len(item) - len(strings.TrimLeft(item, " ,"))
		item, start = item[trim:], start+trim
		for _, lead := range []string{"the undersigned ", "and ", "& "} {
			if len(item) > len(lead) && strings.EqualFold(item[:len(lead)], lead) {
				item, start = item[len(lead):], start+len(lead)
			}
		}
		if c := partyCut.FindStringIndex(item); c != nil {
			item = item[:c[0]]
		}
		item = strings.TrimRight(item, " ,")
		if !isPartyName(item, defined) || seen[norm(item)] {
			continue
		}
		seen[norm(item)] = true
		cites := pr.cites(from+start, from+start+len(item))
		if c, ok := fd.parse(f, item, cites, score); ok && len(cites) > 0 {
			out = append(out, c)
		}
	}
	return out
}

// isPartyName reports whether text reads as the name of a company or a
// person: a few words, the first capitalised, not only a role the
// contract defines ("Company", "Employee") nor a pronoun.
func isPartyName(text string, defined map[string]bool) bool {
	words := strings.Fields(text)
	if len(words) == 0 || len(words) > 10 || strings.ContainsAny(text, "[]_¦") {
		return false
	}
	r, _ := utf8.DecodeRuneInString(text)
	if !unicode.IsUpper(r) && !unicode.IsDigit(r) {
		return false
	}
	n := norm(text)
	if n == "" {
		return false
	}
	if strings.HasPrefix(n, "the ") {
		n = n[4:]
	}
	if defined[n] && len(strings.Fields(n)) == 1 || roleWords[n] {
		return false
	}
	allRole := true
	for _, w := range strings.Fields(n) {
		if !roleWords[w] && !defined[w] && w != "and" && w != "of" && w != "the" {
			allRole = false
		}
		if notInNames[w] {
			return false
		}
	}
	if allRole || strings.Trim(n, "x ") == "" {
		return false
	}
	// Every word of a name is capitalised but for its connectives and
	// legal forms: "in consideration of", "AEP may be" are no names.
	for _, w := range words {
		r, _ := utf8.DecodeRuneInString(w)
		if unicode.IsLower(r) && !nameConnectives[strings.ToLower(strings.Trim(w, ".,"))] {
			return false
		}
	}
	return true
}

// nameConnectives are the words of a name that need no capital.
var nameConnectives = map[string]bool{
	"of": true, "and": true, "the": true, "de": true, "du": true, "la": true, "le": true, "von": true, "van": true,
	"der": true, "den": true, "y": true, "e": true, "for": true, "&": true, "incorporated": true, "inc": true,
	"corporation": true, "company": true, "limited": true, "plc": true, "llc": true, "ltd": true, "bv": true,
	"nv": true, "gmbh": true, "sa": true, "ag": true, "co": true, "dba": true, "und": true,
	"et": true, "en": true, "het": true, "del": true, "des": true, "di": true, "da": true, "zu": true,
}

// notInNames are words a party's name never holds: a document's title
// or heading run into the list.
var notInNames = map[string]bool{
	"agreement": true, "exhibit": true, "amendment": true, "schedule": true, "confidentiality": true,
	"nondisclosure": true, "accepted": true, "agreed": true, "witness": true, "whereof": true,
	"signature": true, "signed": true, "name": true, "title": true, "date": true, "defendant": true, "plaintiff": true, "hereto": true, "hereof": true,
}
