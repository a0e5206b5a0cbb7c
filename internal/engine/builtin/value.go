package builtin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// parsed is a value read from text: its JSON, and whether the text already
// had the value's canonical form (clean) or had to be coerced (a currency
// symbol dropped, a date reordered, a case folded).
type parsed struct {
	value json.RawMessage
	clean bool
	// plain marks a string with no format or enum: the field's hint (see
	// hint.fit) says whether it looks like the value.
	plain bool
}

// parseValue reads text as the first of the field's alternatives it fits;
// ok is false when it fits none, and the text is then not a value of the
// field.
func parseValue(alts []alt, text string) (parsed, bool) {
	return parseValueAs(alts, text, 0)
}

// parseValueAs is parseValue for a document that writes numeric dates day
// first (dayFirst 1) or month first (-1), or that does not say (0).
func parseValueAs(alts []alt, text string, dayFirst int) (parsed, bool) {
	for _, a := range alts {
		if p, ok := a.parse(text, dayFirst); ok {
			return p, true
		}
	}
	return parsed{}, false
}

func (a alt) parse(text string, dayFirst int) (parsed, bool) {
	if a.enum != nil {
		return matchEnum(a.enum, text)
	}
	switch a.kind {
	case kindInteger, kindNumber:
		r, clean, ok := parseNumber(text)
		if !ok || (a.kind == kindInteger && !r.IsInt()) || !a.numberAllowed(r) {
			return parsed{}, false
		}
		// An exponent can make a short text a huge number ("1e70"); keep
		// to numbers whose plain decimal form is itself readable.
		s := decimalString(r)
		if len(s) > maxNumberLen {
			return parsed{}, false
		}
		return parsed{value: json.RawMessage(s), clean: clean}, true
	case kindBoolean:
		b, clean, ok := parseBool(text)
		if !ok {
			return parsed{}, false
		}
		return parsed{value: json.RawMessage(strconv.FormatBool(b)), clean: clean}, true
	}
	s, clean := text, true
	switch a.format {
	case "date":
		var ok bool
		if s, clean, ok = parseDateAs(text, dayFirst); !ok {
			return parsed{}, false
		}
	case "date-time":
		if _, err := time.Parse(time.RFC3339, text); err != nil {
			return parsed{}, false
		}
	case "email", "idn-email":
		var ok bool
		if s, clean, ok = parseEmail(text); !ok {
			return parsed{}, false
		}
	case "uri", "iri", "uri-reference", "iri-reference":
		var ok bool
		if s, clean, ok = parseURI(text); !ok {
			return parsed{}, false
		}
	}
	if !a.stringAllowed(s) {
		return parsed{}, false
	}
	v, _ := json.Marshal(s)
	return parsed{value: v, clean: clean, plain: a.format == ""}, true
}

func (a alt) stringAllowed(s string) bool {
	n := utf8.RuneCountInString(s)
	return (a.minLength < 0 || n >= a.minLength) &&
		(a.maxLength < 0 || n <= a.maxLength) &&
		(a.pattern == nil || a.pattern.MatchString(s))
}

func (a alt) numberAllowed(r *big.Rat) bool {
	if a.minimum != nil && r.Cmp(a.minimum) < 0 ||
		a.maximum != nil && r.Cmp(a.maximum) > 0 ||
		a.exclusiveMinimum != nil && r.Cmp(a.exclusiveMinimum) <= 0 ||
		a.exclusiveMaximum != nil && r.Cmp(a.exclusiveMaximum) >= 0 {
		return false
	}
	if a.multipleOf != nil && a.multipleOf.Sign() > 0 {
		return new(big.Rat).Quo(r, a.multipleOf).IsInt()
	}
	return true
}

// matchEnum finds the enum value the text names: the same JSON value is
// clean; a string equal but for case or separators ("net-30" for "NET 30"),
// or a number or boolean written another way, is coerced. When the text
// could be several values, it is none.
func matchEnum(vals []json.RawMessage, text string) (parsed, bool) {
	var loose []json.RawMessage
	for _, v := range vals {
		var s string
		switch {
		case json.Unmarshal(v, &s) == nil:
			if s == text {
				return parsed{value: v, clean: true}, true
			}
			if strings.EqualFold(s, text) || (norm(s) != "" && norm(s) == norm(text)) {
				loose = append(loose, v)
			}
		case v[0] == 't' || v[0] == 'f':
			if b, _, ok := parseBool(text); ok && strconv.FormatBool(b) == string(v) {
				loose = append(loose, v)
			}
		default:
			want, ok1 := new(big.Rat).SetString(string(v))
			got, _, ok2 := parseNumber(text)
			if ok1 && ok2 && want.Cmp(got) == 0 {
				if text == string(v) {
					return parsed{value: v, clean: true}, true
				}
				loose = append(loose, v)
			}
		}
	}
	if len(loose) == 1 {
		return parsed{value: loose[0]}, true
	}
	return parsed{}, false
}

// parseBool reads yes/no, true/false and y/n in any case; only JSON's own
// true and false are clean.
func parseBool(text string) (b, clean, ok bool) {
	switch strings.ToLower(text) {
	case "true", "yes", "y":
		return true, text == "true", true
	case "false", "no", "n":
		return false, text == "false", true
	}
	return false, false, false
}

// maxNumberLen bounds the text read as a number; longer text is no amount
// anyone writes, and big.Rat must not be handed a huge exponent.
const maxNumberLen = 64

var jsonNumber = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]{1,2})?$`)

// currencyCodes are the ISO 4217 codes read as part of an amount ("USD
// 1,234.56", "1.234,56 EUR"): the currencies of most invoices, not the whole
// list, so that a random three-letter word is never taken for one.
var currencyCodes = map[string]bool{
	"USD": true, "EUR": true, "GBP": true, "JPY": true, "CNY": true, "CHF": true, "CAD": true,
	"AUD": true, "NZD": true, "SEK": true, "NOK": true, "DKK": true, "PLN": true, "CZK": true,
	"HUF": true, "RON": true, "INR": true, "BRL": true, "MXN": true, "ZAR": true, "SGD": true,
	"HKD": true, "KRW": true, "TRY": true, "ILS": true, "AED": true, "SAR": true, "THB": true,
	"IDR": true, "MYR": true, "PHP": true, "TWD": true, "VND": true, "NGN": true, "KES": true,
}

// currencyWords are the local symbols some currencies are written with in
// letters, before or after the amount: the ringgit's RM, the rupee's Rs,
// the rupiah's Rp, the krona's kr, the złoty's zł.
var currencyWords = map[string]bool{"RM": true, "Rs": true, "Rs.": true, "RS": true, "Rp": true, "RP": true,
	"kr": true, "kr.": true, "KR": true, "zł": true, "ZŁ": true, "Kč": true, "Ft": true, "Fr.": true}

// isCurrencyCode reports whether a word is a currency written in letters.
func isCurrencyCode(w string) bool { return currencyCodes[w] || currencyWords[w] }

// groupChars separate thousands in some conventions but are never a
// decimal point: spaces (plain, no-break, narrow no-break) and apostrophes
// (Swiss "1'234.50").
const groupChars = " \u00a0\u202f'’"

// parseNumber reads an amount as people write it. Clean is JSON's own
// number syntax. Coerced are: a currency symbol or ISO code before or after,
// a sign before or after the symbol, accounting parentheses for negatives, a
// trailing percent sign (15% reads as 15, the number written), and
// thousands separators in either convention. The decimal separator is the
// last of '.' and ',' when both occur; a lone ',' is thousands only in the
// shape "1,234" (one to three digits, a comma, three digits), and a lone '.'
// is always a decimal point: "1.234" is one and a quarter-ish, never 1234.
// Anything else left in the text (units, words) means it is not a number.
func parseNumber(text string) (r *big.Rat, clean, ok bool) {
	t := strings.TrimSpace(text)
	if t == "" || len(t) > maxNumberLen {
		return nil, false, false
	}
	if jsonNumber.MatchString(t) {
		r, ok := new(big.Rat).SetString(t)
		return r, true, ok
	}
	neg := false
	if strings.HasPrefix(t, "(") && strings.HasSuffix(t, ")") {
		neg, t = true, t[1:len(t)-1]
	}
	signed, percent := false, false
	for changed := true; changed; {
		changed = false
		t = strings.TrimSpace(t)
		if code, rest, found := strings.Cut(t, " "); found && isCurrencyCode(code) {
			t, changed = rest, true
		} else if len(t) > 3 && currencyCodes[t[:3]] && !isLetter(t[3:]) {
			t, changed = t[3:], true
		} else if len(t) > 2 && currencyWords[t[:2]] && !isLetter(t[2:]) {
			t, changed = t[2:], true
		}
		if i := strings.LastIndexByte(t, ' '); i >= 0 && isCurrencyCode(t[i+1:]) {
			t, changed = t[:i], true
		} else if len(t) > 3 && currencyCodes[t[len(t)-3:]] && !lastIsLetter(t[:len(t)-3]) {
			t, changed = t[:len(t)-3], true
		}
		if m := currencyPrefix.FindString(t); m != "" {
			t, changed = t[len(m):], true
		}
		if r, size := utf8.DecodeLastRuneInString(t); size > 0 && unicode.Is(unicode.Sc, r) {
			t, changed = t[:len(t)-size], true
		}
		if r, size := utf8.DecodeRuneInString(t); !signed && (r == '-' || r == '+' || r == '−') {
			neg = neg != (r != '+')
			t, signed, changed = t[size:], true, true
		}
		if !percent && strings.HasSuffix(t, "%") {
			t, percent, changed = t[:len(t)-1], true, true
		}
	}
	// A unit after the number is written by the value, not part of it:
	// "1,250.5 kg", "30 days".
	if i := strings.LastIndexByte(t, ' '); i > 0 && unitWords[strings.ToLower(t[i+1:])] {
		t = strings.TrimSpace(t[:i])
	}
	digits, ok := normalizeDigits(t)
	if !ok {
		return nil, false, false
	}
	if neg {
		digits = "-" + digits
	}
	r, ok = new(big.Rat).SetString(digits)
	return r, false, ok
}

// unitWords are units of measure written after a quantity: a number
// followed by one of them reads as the number ("41.5 kg", "30 days").
// Counted things are not among them: "3 pcs" or "42 items" may be a count
// or part of a phrase, and a count field has its own label. Property names
// ending in a unit are labelled without it (see baseLabels).
var unitWords = map[string]bool{
	"kg": true, "kgs": true, "g": true, "lb": true, "lbs": true, "t": true, "tonnes": true, "tons": true,
	"m": true, "km": true, "cm": true, "mm": true, "l": true, "ml": true, "m3": true, "cbm": true,
	"days": true, "weeks": true, "months": true, "years": true, "hours": true, "hrs": true, "minutes": true,
	"percent": true, "pct": true,
}

// currencyPrefix is a currency symbol with the letters some countries put
// before it (US$, R$, HK$).
var currencyPrefix = regexp.MustCompile(`^[A-Z]{0,3}\p{Sc}`)

// isLetter and lastIsLetter tell a code glued to digits ("USD12") from one
// inside a word.
func isLetter(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLetter(r)
}

func lastIsLetter(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return unicode.IsLetter(r)
}

// normalizeDigits turns digits with separators into a plain decimal
// ("1.234,56" → "1234.56"), or reports that the text is not one.
func normalizeDigits(t string) (string, bool) {
	if t == "" || strings.Trim(t, "0123456789.,"+groupChars) != "" {
		return "", false
	}
	grouped := strings.ContainsAny(t, groupChars)
	dots, commas := strings.Count(t, "."), strings.Count(t, ",")
	var dec, thousands string
	switch {
	case dots > 0 && commas > 0:
		dec, thousands = ".", ","
		if strings.LastIndexByte(t, ',') > strings.LastIndexByte(t, '.') {
			dec, thousands = ",", "."
		}
	case dots > 1:
		thousands = "."
	case commas > 1:
		thousands = ","
	case dots == 1:
		dec = "."
	case commas == 1:
		before, after, _ := strings.Cut(t, ",")
		if !grouped && len(after) == 3 && len(before) >= 1 && len(before) <= 3 && before[0] != '0' {
			thousands = ","
		} else {
			dec = ","
		}
	}
	intPart, frac := t, ""
	if dec != "" {
		var found bool
		intPart, frac, found = strings.Cut(t, dec)
		if !found || strings.Contains(frac, dec) || frac == "" || strings.Trim(frac, "0123456789") != "" {
			return "", false
		}
	}
	// Separated groups must be the real thing: one to three digits, then
	// threes, with nothing before, after or between.
	var groups []string
	var cur strings.Builder
	for _, r := range intPart {
		if strings.ContainsRune(thousands+groupChars, r) {
			groups = append(groups, cur.String())
			cur.Reset()
			continue
		}
		cur.WriteRune(r)
	}
	groups = append(groups, cur.String())
	if len(groups) > 1 {
		if len(groups[0]) == 0 || len(groups[0]) > 3 {
			return "", false
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return "", false
			}
		}
	}
	whole := strings.Join(groups, "")
	if strings.Trim(whole, "0123456789") != "" {
		return "", false
	}
	if whole == "" {
		whole = "0" // ".5"
	}
	if frac != "" {
		return whole + "." + frac, true
	}
	return whole, true
}

// decimalString writes a number read from decimal text in its shortest
// exact decimal form: integers without a point, and no trailing zeros.
func decimalString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	// The denominator of a decimal is 2^a·5^b; max(a, b) digits are exact.
	d := new(big.Int).Set(r.Denom())
	digits := 0
	for _, p := range []int64{2, 5} {
		n, q, m := 0, new(big.Int), new(big.Int)
		bp := big.NewInt(p)
		for {
			q.QuoRem(d, bp, m)
			if m.Sign() != 0 {
				break
			}
			d.Set(q)
			n++
		}
		digits = max(digits, n)
	}
	return r.FloatString(digits)
}

var emailAddress = regexp.MustCompile(`^[^\s@<>()",;]+@[^\s@<>()",;]+\.[^\s@<>()",;.]+$`)

// parseEmail accepts an address alone, or wrapped as <addr> or mailto:addr
// (coerced).
func parseEmail(text string) (string, bool, bool) {
	s := strings.TrimPrefix(strings.TrimSuffix(strings.TrimPrefix(text, "<"), ">"), "mailto:")
	if !emailAddress.MatchString(s) {
		return "", false, false
	}
	return s, s == text, true
}

var (
	isoDate    = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})$`)
	ymdDate    = regexp.MustCompile(`^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$`)
	isoStamp   = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$`)
	slashDate  = regexp.MustCompile(`^(\d{1,2})[/-](\d{1,2})[/-](\d{4}|\d{2})$`)
	dottedDate = regexp.MustCompile(`^(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})$`)
	dayToken   = regexp.MustCompile(`^(\d{1,2})(st|nd|rd|th)?$`)
	yearToken  = regexp.MustCompile(`^\d{4}$`)
)

var months = map[string]time.Month{
	"january": 1, "february": 2, "march": 3, "april": 4, "may": 5, "june": 6, "july": 7,
	"august": 8, "september": 9, "october": 10, "november": 11, "december": 12,
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
	"sept": 9, "oct": 10, "nov": 11, "dec": 12,
}

var weekdays = map[string]bool{
	"monday": true, "tuesday": true, "wednesday": true, "thursday": true, "friday": true,
	"saturday": true, "sunday": true, "mon": true, "tue": true, "tues": true, "wed": true,
	"thu": true, "thur": true, "thurs": true, "fri": true, "sat": true, "sun": true,
}

// parseDate reads a calendar date and writes it as ISO 8601 (YYYY-MM-DD),
// clean when it already was. Numeric dates with slashes or dashes are read
// month first (03/05/2024 is March 5, the US order) unless the first number
// cannot be a month; dates with dots are read day first (05.03.2024 is 5
// March, the European order) unless the second cannot be. Two-digit years
// are 2000–2069 below 70 and 1970–1999 from 70, as POSIX strptime does.
// Month names are English, full or abbreviated, in "5 March 2024",
// "March 5, 2024" or "2024 March 5" order, with an optional weekday. A date
// with a time of day keeps the date.
func parseDate(text string) (string, bool, bool) {
	return parseDateAs(text, 0)
}

// parseDateAs is parseDate for a document whose other dates showed the
// order of its numeric dates: dayFirst 1 reads 03/05/2024 as 3 May, -1 as
// March 5, 0 by the rules of parseDate.
func parseDateAs(text string, dayFirst int) (string, bool, bool) {
	t := strings.TrimSpace(text)
	atoi := func(s string) int { n, _ := strconv.Atoi(s); return n }
	var y, m, d int
	switch {
	case isoDate.MatchString(t):
		g := isoDate.FindStringSubmatch(t)
		y, m, d = atoi(g[1]), atoi(g[2]), atoi(g[3])
		s, ok := isoString(y, m, d)
		return s, ok, ok
	case ymdDate.MatchString(t):
		g := ymdDate.FindStringSubmatch(t)
		y, m, d = atoi(g[1]), atoi(g[2]), atoi(g[3])
	case isoStamp.MatchString(t):
		g := isoStamp.FindStringSubmatch(t)
		y, m, d = atoi(g[1]), atoi(g[2]), atoi(g[3])
	case slashDate.MatchString(t):
		g := slashDate.FindStringSubmatch(t)
		m, d, y = atoi(g[1]), atoi(g[2]), year(g[3])
		if m > 12 && d <= 12 || dayFirst > 0 && d <= 12 {
			m, d = d, m
		}
	case dottedDate.MatchString(t):
		g := dottedDate.FindStringSubmatch(t)
		d, m, y = atoi(g[1]), atoi(g[2]), year(g[3])
		if m > 12 && d <= 12 || dayFirst < 0 && m <= 12 && d <= 12 {
			m, d = d, m
		}
	default:
		var ok bool
		if y, m, d, ok = wordDate(t); !ok {
			return "", false, false
		}
	}
	s, ok := isoString(y, m, d)
	return s, false, ok
}

// dateOrder reads how a document writes numeric dates from those that can
// only be read one way: 19/05/2024 is day first, 05/19/2024 month first.
// It returns 1 (day first), -1 (month first), or 0 when the dates do not
// say or disagree.
func dateOrder(texts []string) int {
	day, month := false, false
	for _, t := range texts {
		// Both patterns begin and end with a digit.
		if len(t) < 6 || !isDigit(t[0]) || !isDigit(t[len(t)-1]) || !strings.ContainsAny(t, "/-.") {
			continue
		}
		g := slashDate.FindStringSubmatch(t)
		if g == nil {
			g = dottedDate.FindStringSubmatch(t)
		}
		if g == nil {
			continue
		}
		a, _ := strconv.Atoi(g[1])
		b, _ := strconv.Atoi(g[2])
		switch {
		case a > 12 && a <= 31 && b <= 12:
			day = true
		case b > 12 && b <= 31 && a <= 12:
			month = true
		}
	}
	return orderOf(day, month)
}

// orderOf is 1 when only day first was seen, -1 when only month first, 0
// when neither or both.
func orderOf(day, month bool) int {
	switch {
	case day && !month:
		return 1
	case month && !day:
		return -1
	}
	return 0
}

func year(s string) int {
	y, _ := strconv.Atoi(s)
	if len(s) == 2 {
		if y < 70 {
			return 2000 + y
		}
		return 1900 + y
	}
	return y
}

// wordDate reads a date with an English month name.
func wordDate(t string) (y, m, d int, ok bool) {
	var toks []string
	for _, tok := range strings.FieldsFunc(strings.ToLower(t), func(r rune) bool {
		return unicode.IsSpace(r) || r == ',' || r == '.' || r == '-' || r == '/'
	}) {
		if !weekdays[tok] && tok != "of" {
			toks = append(toks, tok)
		}
	}
	if len(toks) != 3 {
		return 0, 0, 0, false
	}
	day := func(s string) (int, bool) {
		g := dayToken.FindStringSubmatch(s)
		if g == nil {
			return 0, false
		}
		n, _ := strconv.Atoi(g[1])
		return n, true
	}
	for _, order := range [][3]int{{0, 1, 2}, {1, 0, 2}, {2, 1, 0}} { // D M Y, M D Y, Y M D
		dt, mt, yt := toks[order[0]], toks[order[1]], toks[order[2]]
		mon, isMonth := months[mt]
		dd, isDay := day(dt)
		if isMonth && isDay && yearToken.MatchString(yt) {
			yy, _ := strconv.Atoi(yt)
			return yy, int(mon), dd, true
		}
	}
	return 0, 0, 0, false
}

// isoString writes a date that exists on the calendar.
func isoString(y, m, d int) (string, bool) {
	if y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 {
		return "", false
	}
	tm := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if tm.Day() != d || int(tm.Month()) != m {
		return "", false
	}
	return fmt.Sprintf("%04d-%02d-%02d", y, m, d), true
}

// sameValue reports whether two JSON values are equal, numbers by value.
func sameValue(a, b json.RawMessage) bool {
	if bytes.Equal(a, b) {
		return true
	}
	ra, ok1 := new(big.Rat).SetString(string(a))
	rb, ok2 := new(big.Rat).SetString(string(b))
	return ok1 && ok2 && ra.Cmp(rb) == 0
}
