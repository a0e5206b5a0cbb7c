package eval

import (
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Kind is how two values of a field are compared, chosen by the field's
// schema: its type, and its format for dates.
type Kind int

const (
	// KindString compares the letters and digits of two strings.
	KindString Kind = iota
	// KindNumber compares numbers, reading numbers written as text.
	KindNumber
	// KindDate compares dates, reading dates written as text.
	KindDate
)

// kindOf chooses the comparison for a scalar schema: a number or integer
// type, then a date or date-time format, then a string type; a schema that
// says none of these compares as numbers when the gold is a number.
func kindOf(schema map[string]any, gold any) Kind {
	types := schemaTypes(schema)
	switch {
	case types["number"] || types["integer"]:
		return KindNumber
	case schema["format"] == "date" || schema["format"] == "date-time":
		return KindDate
	case types["string"]:
		return KindString
	}
	if _, ok := gold.(float64); ok {
		return KindNumber
	}
	return KindString
}

// Equal reports whether a predicted value says what the gold value says,
// compared as kind says:
//
//   - strings after Unicode NFKC, with accents removed, case folded, and
//     everything but letters and digits dropped, so that spacing and
//     punctuation do not matter ("K (TAMAN DAYA)" equals "K(TAMAN DAYA)");
//   - numbers numerically, within 0.001, text read after removing currency
//     symbols and codes, spaces and thousands separators, a lone separator
//     read either as a decimal point or between thousands;
//   - dates as ISO dates, text read day-first or month-first when numeric
//     and with month names in English, French, German, Dutch, Spanish,
//     Italian, Portuguese and Polish, a time after the date ignored.
//
// A number or date that cannot be read on either side is compared as a
// string. These are the rules of the scorer that comes with the real
// documents the engine is measured on, so that both give the same figures.
func Equal(kind Kind, gold, pred any) bool {
	switch kind {
	case KindNumber:
		g, p := numberReadings(gold), numberReadings(pred)
		if len(g) > 0 && len(p) > 0 {
			for _, b := range p {
				if math.Abs(g[0]-b) <= 1e-3 {
					return true
				}
			}
			return false
		}
	case KindDate:
		g, p := dateReadings(gold), dateReadings(pred)
		if len(g) > 0 && len(p) > 0 {
			for _, d := range p {
				if d == g[0] {
					return true
				}
			}
			return false
		}
	}
	return foldString(gold) == foldString(pred)
}

// isNull reports whether a value counts as absent: null, a blank string,
// an empty array or object.
func isNull(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

var folder = cases.Fold()

// foldString is a value's text reduced to what Equal compares of strings.
func foldString(v any) string {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case bool:
		s = strconv.FormatBool(x)
	case float64:
		if x == math.Trunc(x) {
			s = strconv.FormatFloat(x, 'f', -1, 64)
		} else {
			s = strconv.FormatFloat(x, 'g', -1, 64)
		}
	case nil:
		s = "None"
	default:
		b, _ := json.Marshal(x)
		s = string(b)
	}
	s = norm.NFKD.String(norm.NFKC.String(s))
	s = strings.Map(func(r rune) rune {
		if norm.NFD.PropertiesString(string(r)).CCC() != 0 {
			return -1
		}
		return r
	}, s)
	s = folder.String(s)
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsNumber(r) {
			return r
		}
		return -1
	}, s)
}

// currencyCodes are the codes numberReadings removes when they stand
// alone, not inside a word; currencySigns are removed wherever they are.
var (
	currencyCodes = []string{"RM", "MYR", "USD", "US$", "EUR", "GBP", "INR", "PLN", "SGD", "CHF", "JPY", "CNY",
		"AUD", "CAD", "HKD", "NZD", "IDR", "THB", "PHP", "VND", "Rs", "Rp", "zł", "zl", "kr"}
	currencySigns = "$€£¥₹₩₽₺₪฿₫"
)

func isASCIILetter(r rune) bool { return r < utf8.RuneSelf && unicode.IsLetter(r) }

// stripCurrency replaces each currency sign, and each code not touching a
// letter (with a dot after it, as in "Rs."), by repl.
func stripCurrency(s, repl string) string {
	var b strings.Builder
	prev := rune(-1)
	for i := 0; i < len(s); {
		if !isASCIILetter(prev) {
			if n := currencyCodeAt(s[i:]); n > 0 {
				r, _ := utf8.DecodeRuneInString(s[i+n:])
				if i+n == len(s) || !isASCIILetter(r) {
					i += n
					if strings.HasPrefix(s[i:], ".") {
						i++
					}
					b.WriteString(repl)
					prev = -1
					if i > 0 {
						prev, _ = utf8.DecodeLastRuneInString(s[:i])
					}
					continue
				}
			}
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if strings.ContainsRune(currencySigns, r) {
			b.WriteString(repl)
		} else {
			b.WriteRune(r)
		}
		prev = r
		i += size
	}
	return b.String()
}

// currencyCodeAt is the length of the currency code s starts with, in any
// case, or 0.
func currencyCodeAt(s string) int {
	for _, c := range currencyCodes {
		n := 0
		for range c {
			if n >= len(s) {
				break
			}
			_, size := utf8.DecodeRuneInString(s[n:])
			n += size
		}
		if utf8.RuneCountInString(c) == utf8.RuneCountInString(s[:n]) && strings.EqualFold(c, s[:n]) {
			return n
		}
	}
	return 0
}

var (
	numberToken  = regexp.MustCompile(`[-+\x{2212}(]?\d(?:[\d.,'\x{a0}\x{202f} ]*\d)?\)?-?`)
	numberSpaces = regexp.MustCompile(`[\s\x{85}\p{Z}\x{1c}-\x{1f}'\x{2019}_]`)
	numberBody   = regexp.MustCompile(`^[0-9.,]*[0-9][0-9.,]*$`)
)

// numberReadings are the numbers a value may mean: one, or two for a lone
// separator that may be a decimal point or a thousands separator (the
// decimal reading first). Text that is not a number but holds exactly one
// ("Total: RM 9.00") is read as that number.
func numberReadings(v any) []float64 {
	out := bareNumberReadings(v)
	if s, ok := v.(string); ok && len(out) == 0 {
		toks := numberToken.FindAllString(stripCurrency(norm.NFKC.String(s), " "), -1)
		if len(toks) == 1 {
			out = bareNumberReadings(toks[0])
		}
	}
	return out
}

func bareNumberReadings(v any) []float64 {
	switch x := v.(type) {
	case float64:
		if math.IsInf(x, 0) || math.IsNaN(x) {
			return nil
		}
		return []float64{x}
	case string:
		return numberTextReadings(x)
	}
	return nil
}

func numberTextReadings(s string) []float64 {
	s = strings.TrimFunc(norm.NFKC.String(s), isSpace)
	s = stripCurrency(s, "")
	s = strings.ReplaceAll(s, "%", "")
	s = numberSpaces.ReplaceAllString(s, "")
	neg := false
	if strings.HasPrefix(s, "(") && strings.HasSuffix(s, ")") && len(s) >= 2 {
		neg, s = true, s[1:len(s)-1]
	}
	if strings.HasSuffix(s, "-") {
		neg, s = true, s[:len(s)-1]
	}
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "\u2212"):
		neg, s = true, s[len("\u2212"):]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	if !numberBody.MatchString(s) {
		return nil
	}
	var texts []string
	dot, comma := strings.LastIndex(s, "."), strings.LastIndex(s, ",")
	switch {
	case dot >= 0 && comma >= 0:
		dec, th := ".", ","
		if comma > dot {
			dec, th = ",", "."
		}
		texts = append(texts, strings.ReplaceAll(strings.ReplaceAll(s, th, ""), dec, "."))
	case dot >= 0 || comma >= 0:
		sep := "."
		if comma >= 0 {
			sep = ","
		}
		parts := strings.Split(s, sep)
		grouped := len(parts[0]) >= 1 && len(parts[0]) <= 3
		for _, p := range parts[1:] {
			grouped = grouped && len(p) == 3
		}
		if len(parts) > 2 {
			if grouped {
				texts = append(texts, strings.ReplaceAll(s, sep, ""))
			}
		} else {
			texts = append(texts, parts[0]+"."+parts[1])
			if grouped {
				texts = append(texts, parts[0]+parts[1])
			}
		}
	default:
		texts = append(texts, s)
	}
	var out []float64
	for _, t := range texts {
		f, err := strconv.ParseFloat(t, 64)
		if err != nil {
			continue
		}
		if neg {
			f = -f
		}
		out = append(out, f)
	}
	return out
}

// isSpace is Python's idea of white space, which the scorer's rules are
// written in.
func isSpace(r rune) bool {
	return unicode.IsSpace(r) || r == 0x1c || r == 0x1d || r == 0x1e || r == 0x1f
}

// monthNames maps a month's names and abbreviations, lower case, in the
// languages dates are read in, to its number.
var monthNames = func() map[string]time.Month {
	m := map[string]time.Month{}
	for i, names := range []string{
		"january jan janv janvier januar jän jaen januari enero ene gennaio genn janeiro styczeń styczen sty stycznia",
		"february feb febr fev fév févr fevr février fevrier februar februari febrero gen febbraio fevereiro luty lut lutego",
		"march mar mars märz maerz marz mrt maart marzo março marco marzec marca",
		"april apr avr avril abril abr aprile kwiecień kwiecien kwi kwietnia",
		"may mai mei mayo maggio mag maio maj maja",
		"june jun juin juni junio giugno giu junho czerwiec cze czerwca",
		"july jul juil juillet juli julio luglio lug julho lipiec lip lipca",
		"august aug aout août augustus agosto ago sierpień sierpien sie sierpnia",
		"september sep sept septembre settembre set setembro septiembre wrzesień wrzesien wrz września wrzesnia",
		"october oct okt octobre oktober octubre ottobre ott outubro out październik pazdziernik paz października pazdziernika",
		"november nov novembre noviembre novembro listopad lis listopada",
		"december dec dez déc decembre décembre dezember diciembre dic dicembre dezembro grudzień grudzien gru grudnia",
	} {
		for _, n := range strings.Fields(names) {
			m[n] = time.Month(i + 1)
		}
	}
	return m
}()

func monthOf(word string) time.Month {
	w := strings.Trim(folder.String(word), ".")
	if m, ok := monthNames[w]; ok {
		return m
	}
	return monthNames[stripMarks(w)]
}

func stripMarks(s string) string {
	return strings.Map(func(r rune) rune {
		if norm.NFD.PropertiesString(string(r)).CCC() != 0 {
			return -1
		}
		return r
	}, norm.NFKD.String(s))
}

func yearOf(y string) int {
	n, _ := strconv.Atoi(y)
	if len(y) <= 2 {
		if n < 70 {
			return n + 2000
		}
		return n + 1900
	}
	return n
}

func isoDate(y int, m time.Month, d int) (string, bool) {
	if y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 {
		return "", false
	}
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d || t.Month() != m {
		return "", false
	}
	return t.Format("2006-01-02"), true
}

// A datePattern is tried at each position of the text in turn, anchored
// there, or only at the start when whole is true. Where a date may not
// follow a digit, noDigitBefore is true and positions after a digit are
// skipped. A date may not run on into a digit either, which the pattern
// checks by matching one more character that is not a digit, or the end;
// the search after a failed match resumes where its last group ended.
type datePattern struct {
	re            *regexp.Regexp
	whole         bool
	noDigitBefore bool
	build         func(m []string) []ymd
}

type ymd struct {
	y int
	m time.Month
	d int
}

const (
	dateSpace = `[\s\x{85}\p{Z}\x{1c}-\x{1f}]`
	dateWord  = `[\pL\p{Nl}\p{No}]+\.?`
	notDigit  = `(?:\D|$)`
)

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

var datePatterns = []datePattern{
	// 2018-12-25, 2018/12/25, 2018.12.25
	{regexp.MustCompile(`^(\d{4})` + dateSpace + `*[-/.]` + dateSpace + `*(\d{1,2})` + dateSpace + `*[-/.]` + dateSpace + `*(\d{1,2})` + notDigit), false, true,
		func(m []string) []ymd { return []ymd{{atoi(m[1]), time.Month(atoi(m[2])), atoi(m[3])}} }},
	// 20181225, the whole text
	{regexp.MustCompile(`^(\d{4})(\d{2})(\d{2})$`), true, false,
		func(m []string) []ymd { return []ymd{{atoi(m[1]), time.Month(atoi(m[2])), atoi(m[3])}} }},
	// 25/12/2018, 5-3-18, 25.12.2018: day first, then month first
	{regexp.MustCompile(`^(\d{1,2})` + dateSpace + `*[-/.]` + dateSpace + `*(\d{1,2})` + dateSpace + `*[-/.]` + dateSpace + `*(\d{4}|\d{2})` + notDigit), false, true,
		func(m []string) []ymd {
			y := yearOf(m[3])
			return []ymd{{y, time.Month(atoi(m[2])), atoi(m[1])}, {y, time.Month(atoi(m[1])), atoi(m[2])}}
		}},
	// 25 Dec 2018, 25-DEC-18, 02/JAN/2017, 7. Mai 2014
	{regexp.MustCompile(`^(\d{1,2})\.?` + dateSpace + `*[-/ ]?` + dateSpace + `*(` + dateWord + `)` + dateSpace + `*[-/ ,]?` + dateSpace + `*(\d{4}|\d{2})` + notDigit), false, true,
		func(m []string) []ymd { return []ymd{{yearOf(m[3]), monthOf(m[2]), atoi(m[1])}} }},
	// Dec 25, 2018; December 25 2018; OCT 3, 2016
	{regexp.MustCompile(`^(` + dateWord + `)` + dateSpace + `*[-/ ]?` + dateSpace + `*(\d{1,2})` + dateSpace + `*,?` + dateSpace + `*[-/ ]?` + dateSpace + `*(\d{4}|\d{2})` + notDigit), false, false,
		func(m []string) []ymd { return []ymd{{yearOf(m[3]), monthOf(m[1]), atoi(m[2])}} }},
	// 2018 Dec 25
	{regexp.MustCompile(`^(\d{4})` + dateSpace + `*[-/ ]?` + dateSpace + `*(` + dateWord + `)` + dateSpace + `*[-/ ]?` + dateSpace + `*(\d{1,2})` + notDigit), false, true,
		func(m []string) []ymd { return []ymd{{atoi(m[1]), monthOf(m[2]), atoi(m[3])}} }},
}

// dateReadings are the ISO dates the first date in a value may be: one, or
// two for a numeric date that reads both day-first and month-first (the
// day-first reading first). A time after the date is ignored.
func dateReadings(v any) []string {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	s = dropOrdinals(strings.TrimFunc(norm.NFKC.String(s), isSpace))
	for _, p := range datePatterns {
		for pos := 0; pos < len(s) && (pos == 0 || !p.whole); {
			if p.noDigitBefore && pos > 0 {
				if r, _ := utf8.DecodeLastRuneInString(s[:pos]); unicode.IsDigit(r) {
					_, size := utf8.DecodeRuneInString(s[pos:])
					pos += size
					continue
				}
			}
			m := p.re.FindStringSubmatchIndex(s[pos:])
			if m == nil {
				_, size := utf8.DecodeRuneInString(s[pos:])
				pos += size
				continue
			}
			groups := make([]string, len(m)/2)
			for g := range groups {
				if m[2*g] >= 0 {
					groups[g] = s[pos+m[2*g] : pos+m[2*g+1]]
				}
			}
			var out []string
			for _, d := range p.build(groups) {
				if iso, ok := isoDate(d.y, d.m, d.d); ok && !contains(out, iso) {
					out = append(out, iso)
				}
			}
			if len(out) > 0 {
				return out
			}
			// The next search starts where the last group ended: the
			// character checked after it is not part of the match.
			pos += m[len(m)-1]
		}
	}
	return nil
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// ordinalSuffixes follow a day's number: 1st, 2nd, 3rd, 4th, 1er, 1e, 1º.
var ordinalSuffixes = []string{"st", "nd", "rd", "th", "er", "e", "º"}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) || r == '_' }

// dropOrdinals removes the suffix after a number that makes it an
// ordinal, where the suffix ends a word.
func dropOrdinals(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		b.WriteString(s[i : i+size])
		i += size
		if !unicode.IsDigit(r) {
			continue
		}
		j := i
		for j < len(s) {
			w, n := utf8.DecodeRuneInString(s[j:])
			if !isSpace(w) {
				break
			}
			j += n
		}
		for _, suf := range ordinalSuffixes {
			if !strings.HasPrefix(s[j:], suf) {
				continue
			}
			end := j + len(suf)
			if next, _ := utf8.DecodeRuneInString(s[end:]); end < len(s) && isWordRune(next) {
				continue
			}
			i = end
			break
		}
	}
	return b.String()
}
