package builtin

import (
	"regexp"
	"strconv"
	"strings"
)

// numberWords are the numbers contracts spell out: "two (2) years",
// "eighteen months", "twenty-four months".
var spelledNumbers = map[string]int{
	"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
	"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
	"seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
	"sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "a": 1, "an": 1,
}

// duration is a length of time as contracts write it: "two (2) years",
// "18 months", "a three-year period", "one year".
var duration = regexp.MustCompile(`(?i)\b(?:` +
	`(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|an?)` +
	`(?:[\s-](one|two|three|four|five|six|seven|eight|nine))?` +
	`(?:\s*\((\d{1,3})\))?` +
	`|(\d{1,3}(?:\.\d)?)` +
	`)[\s-]*(?:calendar\s+|full\s+)?(year|month|week|day)s?\b`)

// parseDuration reads the duration matched at m in t as "<number> <unit>",
// digits and a unit in the plural when the number is not one.
func parseDuration(t string, m []int) (string, bool) {
	g := func(k int) string {
		if m[2*k] < 0 {
			return ""
		}
		return strings.ToLower(t[m[2*k]:m[2*k+1]])
	}
	num := ""
	switch {
	case g(3) != "":
		num = g(3)
	case g(4) != "":
		num = g(4)
	case g(1) != "":
		n := spelledNumbers[g(1)]
		if g(2) != "" {
			if n < 20 {
				return "", false
			}
			n += spelledNumbers[g(2)]
		}
		num = strconv.Itoa(n)
	}
	if num == "" {
		return "", false
	}
	unit := g(5)
	if num != "1" {
		unit += "s"
	}
	return num + " " + unit, true
}

var (
	// termOf is the agreement's term named as such before a duration:
	// "The term of this Agreement shall be two (2) years".
	termOf = regexp.MustCompile(`(?i)\bterm\s+of\s+this\s+(?:[\w-]+\s+){0,2}?(?:agreement|contract|nda)\s+(?:shall|will|is)\s+(?:be\s+)?[^.;]{0,40}$`)
	// agreementLasts is the agreement ending or lasting before a
	// duration: "This Agreement shall terminate two years after …",
	// "shall remain in effect for eighteen months", "will expire …".
	agreementLasts = regexp.MustCompile(`(?i)\bthis\s+(?:[\w-]+\s+){0,2}?(?:agreement|contract|nda)\b[^.;]{0,80}?\b(?:(?:terminate|expire|continue|last)[sd]?|remain\s+in\s+(?:full\s+)?(?:force|effect)|be\s+in\s+(?:full\s+)?(?:force|effect)|(?:cease\s+to\s+)?be\s+effective|have\s+a\s+term)\b[^.;]{0,90}$`)
	// partOf is a part of the agreement as the subject, whose own period
	// is not the agreement's term: "the non-compete portion of this
	// Agreement shall terminate after six months".
	partOf = regexp.MustCompile(`(?i)\b(?:portion|section|paragraph|article|clause|covenant)s?\s+(?:of|in|under)\s+this\s+(?:[\w-]+\s+){0,2}?(?:agreement|contract)\b`)
	// termDefined follows a duration the agreement names its term.
	termDefined = regexp.MustCompile(`(?i)^[^.;]{0,40}?\(\s*(?:the\s+|this\s+)?["“”']*\s*term\s*["“”']*\s*\)`)
	// afterEnd is a period that runs after the agreement or an event
	// ends (what survives it, a restriction after employment), not the
	// agreement's term.
	afterEnd = regexp.MustCompile(`(?i)^\s*(?:period\s+)?(?:thereafter|(?:immediately\s+)?(?:after|following|from|beyond|upon|of|prior\s+to|before)\s+(?:the\s+|any\s+|such\s+|its\s+|your\s+|his\s+|her\s+|their\s+)?(?:termination|expiration|expiry|end|cessation|occurrence|separation|resignation|employee|executive|last|receipt|notice|written\s+notice|disclosure|closing|consummation))`)
)

// Scores of an agreement's term.
const (
	scoreTermNamed = 0.85 // "The term of this Agreement shall be …", "… (the "Term")"
	scoreTermLasts = 0.75 // "This Agreement shall terminate two years after …"
)

// readTerm offers the durations the document says the agreement lasts.
func (fd *finder) readTerm(pr *prose, f int) {
	t := pr.text
	for _, m := range pr.findNear(duration, pr.wordAnchors("year", "month", "week", "day"), 40, 10) {
		val, ok := parseDuration(t, m)
		if !ok {
			continue
		}
		before := t[pr.sentenceStart(m[0], 300):m[0]]
		after := t[m[1]:min(len(t), m[1]+80)]
		if afterEnd.MatchString(after) {
			continue
		}
		score := 0.0
		switch {
		case termOf.MatchString(before), termDefined.MatchString(after):
			score = scoreTermNamed
		case agreementLasts.MatchString(before) && !partOf.MatchString(before):
			score = scoreTermLasts
		}
		if score > 0 {
			fd.emitProse(pr, f, val, m[0], m[1], score)
		}
	}
}
