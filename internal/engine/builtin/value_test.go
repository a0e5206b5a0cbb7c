package builtin

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestParseValue(t *testing.T) {
	t.Parallel()
	str := alt{kind: kindString, minLength: -1, maxLength: -1}
	num := alt{kind: kindNumber, minLength: -1, maxLength: -1}
	integer := alt{kind: kindInteger, minLength: -1, maxLength: -1}
	boolean := alt{kind: kindBoolean, minLength: -1, maxLength: -1}
	date := alt{kind: kindString, format: "date", minLength: -1, maxLength: -1}
	email := alt{kind: kindString, format: "email", minLength: -1, maxLength: -1}
	stamp := alt{kind: kindString, format: "date-time", minLength: -1, maxLength: -1}
	enum := alt{kind: kindString, minLength: -1, maxLength: -1, enum: []json.RawMessage{
		json.RawMessage(`"NET 30"`), json.RawMessage(`"Paid"`), json.RawMessage(`"paid"`), json.RawMessage(`"open"`)}}
	numEnum := alt{kind: kindNumber, minLength: -1, maxLength: -1, enum: []json.RawMessage{json.RawMessage(`1.5`), json.RawMessage(`2`)}}

	tests := []struct {
		name      string
		alt       alt
		text      string
		want      string // "" when the text is not a value of the kind
		wantClean bool
	}{
		{"NumberPlain", num, "1234.56", "1234.56", true},
		{"NumberTrailingZeros", num, "10.50", "10.5", true},
		{"NumberNegative", num, "-3", "-3", true},
		{"NumberExponent", num, "1.5e3", "1500", true},
		{"NumberHugeExponent", num, "1e999", "", false},
		{"NumberUSThousands", num, "1,234.56", "1234.56", false},
		{"NumberEuropean", num, "1.234,56", "1234.56", false},
		{"NumberEuropeanNoThousands", num, "12,5", "12.5", false},
		{"NumberCommaThousandsOnly", num, "1,234", "1234", false},
		{"NumberCommaFourDecimals", num, "1,2345", "1.2345", false},
		{"NumberLeadingZeroComma", num, "0,500", "0.5", false},
		{"NumberManyDots", num, "1.234.567", "1234567", false},
		{"NumberBadGroups", num, "12,34,567", "", false},
		{"NumberSpaceGroups", num, "1 234 567,89", "1234567.89", false},
		{"NumberSwiss", num, "1'234.50", "1234.5", false},
		{"NumberDollar", num, "$1,234.56", "1234.56", false},
		{"NumberEuroAfter", num, "1.234,56 €", "1234.56", false},
		{"NumberPound", num, "£12", "12", false},
		{"NumberCodeBefore", num, "USD 1,234.56", "1234.56", false},
		{"NumberCodeAfter", num, "99.90 EUR", "99.9", false},
		{"NumberCodeGlued", num, "EUR99.90", "99.9", false},
		{"NumberUSPrefix", num, "US$ 5", "5", false},
		{"NumberNegativeCurrency", num, "-$5.00", "-5", false},
		{"NumberCurrencyThenSign", num, "$-5.00", "-5", false},
		{"NumberUnicodeMinus", num, "−7", "-7", false},
		{"NumberParentheses", num, "(20.00)", "-20", false},
		{"NumberPercent", num, "15%", "15", false},
		{"NumberPercentSpace", num, "8.5 %", "8.5", false},
		{"NumberLeadingDot", num, ".5", "0.5", false},
		{"NumberTrailingDot", num, "5.", "", false},
		{"NumberWithUnit", num, "3 pcs", "", false},
		{"NumberWithMeasure", num, "1,250.5 kg", "1250.5", false},
		{"NumberWithDuration", num, "30 days", "30", false},
		{"NumberUnitAlone", num, "kg", "", false},
		{"NumberWord", num, "twelve", "", false},
		{"NumberUnknownCode", num, "ABC 12", "", false},
		{"NumberEmpty", num, "", "", false},
		{"NumberTooLong", num, strings.Repeat("1", 70), "", false},
		{"IntegerPlain", integer, "42", "42", true},
		{"IntegerFraction", integer, "3.5", "", false},
		{"IntegerZeroFraction", integer, "3.00", "3", true},
		{"IntegerThousands", integer, "1,000", "1000", false},
		{"BoolTrue", boolean, "true", "true", true},
		{"BoolYes", boolean, "Yes", "true", false},
		{"BoolN", boolean, "n", "false", false},
		{"BoolFALSE", boolean, "FALSE", "false", false},
		{"BoolOther", boolean, "maybe", "", false},
		{"DateISO", date, "2024-03-05", "2024-03-05", true},
		{"DateISOInvalid", date, "2024-02-30", "", false},
		{"DateLeapDay", date, "29.02.2024", "2024-02-29", false},
		{"DateNotLeap", date, "29.02.2023", "", false},
		{"DateSlashes", date, "2024/3/5", "2024-03-05", false},
		{"DateUS", date, "03/05/2024", "2024-03-05", false},
		{"DateUSDay13", date, "13/05/2024", "2024-05-13", false},
		{"DateDashes", date, "03-05-2024", "2024-03-05", false},
		{"DateTwoDigitYear", date, "3/5/24", "2024-03-05", false},
		{"DateTwoDigitYear70", date, "3/5/70", "1970-03-05", false},
		{"DateDotted", date, "05.03.2024", "2024-03-05", false},
		{"DateDottedMonthFirst", date, "03.25.2024", "2024-03-25", false},
		{"DateDayMonthYear", date, "5 March 2024", "2024-03-05", false},
		{"DateOrdinal", date, "5th of Sept 2024", "2024-09-05", false},
		{"DateMonthDayYear", date, "March 5, 2024", "2024-03-05", false},
		{"DateAbbrev", date, "Mar 5 2024", "2024-03-05", false},
		{"DateWeekday", date, "Tuesday, March 5, 2024", "2024-03-05", false},
		{"DateDashedWords", date, "05-Mar-2024", "2024-03-05", false},
		{"DateYearMonthDay", date, "2024 March 5", "2024-03-05", false},
		{"DateTimestamp", date, "2024-03-05T10:30:00Z", "2024-03-05", false},
		{"DateBadMonth", date, "2024-13-01", "", false},
		{"DateBadDay", date, "April 31, 2024", "", false},
		{"DateProse", date, "next Tuesday", "", false},
		{"DateTwoNumbers", date, "12/13/14/15", "", false},
		{"DateTimeRFC3339", stamp, "2024-03-05T10:30:00+01:00", "2024-03-05T10:30:00+01:00", true},
		{"DateTimeBareDate", stamp, "2024-03-05", "", false},
		{"Email", email, "a.b@example.com", "a.b@example.com", true},
		{"EmailAngle", email, "<a@example.com>", "a@example.com", false},
		{"EmailMailto", email, "mailto:a@example.com", "a@example.com", false},
		{"EmailName", email, "Ann <a@example.com>", "", false},
		{"String", str, "Acme, Inc.", "Acme, Inc.", true},
		{"EnumExact", enum, "Paid", "Paid", true},
		{"EnumExactOther", enum, "paid", "paid", true},
		{"EnumFold", enum, "OPEN", "open", false},
		{"EnumAmbiguous", enum, "PAID", "", false},
		{"EnumSeparators", enum, "net-30", "NET 30", false},
		{"EnumMissing", enum, "closed", "", false},
		{"EnumNumber", numEnum, "1.50", "1.5", false},
		{"EnumNumberExact", numEnum, "2", "2", true},
		{"EnumNumberMissing", numEnum, "3", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := parseValue([]alt{tt.alt}, tt.text)
			if tt.want == "" {
				if ok {
					t.Errorf("parse(%q) = %s, want no value", tt.text, got.value)
				}
				return
			}
			var want any = tt.want
			if tt.alt.kind == kindString {
				b, _ := json.Marshal(tt.want)
				want = string(b)
			}
			if !ok || string(got.value) != want || got.clean != tt.wantClean {
				t.Errorf("parse(%q) = %s (clean %t, ok %t), want %s (clean %t)", tt.text, got.value, got.clean, ok, want, tt.wantClean)
			}
		})
	}
}

func TestNorm(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"invoice_number", "invoice number"},
		{"invoiceNumber", "invoice number"},
		{"InvoiceNumber", "invoice number"},
		{"INVOICE-NUMBER", "invoice number"},
		{`  "Invoice Number:" `, "invoice number"},
		{"**Invoice No.**", "invoice no"},
		{"Invoice#", "invoice #"},
		{"PONumber", "po number"},
		{"Buyer's name", "buyers name"},
		{"E-mail", "e mail"},
		{"Tax %", "tax %"},
		{"Größe", "größe"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := norm(tt.in); got != tt.want {
			t.Errorf("norm(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEditDistanceAtMostOne(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want bool
	}{
		{"invoice", "invoice", true},
		{"invoice", "invoce", true},
		{"invoice", "invoices", true},
		{"invoice", "invoica", true},
		{"invoice", "involve", false},
		{"total", "subtotal", false},
		{"", "a", true},
		{"größe", "grösse", false},
		{"größe", "grße", true},
		{"é", "èé", true}, // the bytes differ inside a rune
		{"aé", "aè", true},
		{"éx", "èy", false},
	}
	for _, tt := range tests {
		if got := editDistanceAtMostOne(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistanceAtMostOne(%q, %q) = %t, want %t", tt.a, tt.b, got, tt.want)
		}
	}
}

// FuzzNorm holds norm, which reads its string in place, to the plain
// reading of it as a slice of runes.
func FuzzNorm(f *testing.F) {
	for _, s := range []string{"invoiceNumber", "PONumber", "Buyer's name", "Tax %", "Größe", "ÀBc\xffD", "a#b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := norm(s), normRunes(s); got != want {
			t.Errorf("norm(%q) = %q, want %q", s, got, want)
		}
	})
}

// normRunes is norm on a slice of runes.
func normRunes(s string) string {
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

// FuzzEditDistanceAtMostOne holds editDistanceAtMostOne, which compares
// bytes in place, to the distance of the strings as slices of runes.
func FuzzEditDistanceAtMostOne(f *testing.F) {
	for _, p := range [][2]string{{"invoice", "invoce"}, {"größe", "grösse"}, {"größe", "grße"}, {"é", "e"}, {"aé", "aè"}, {"", "ü"}} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if !utf8.ValidString(a) || !utf8.ValidString(b) {
			return // labels and lines are valid text
		}
		if got, want := editDistanceAtMostOne(a, b), levenshtein([]rune(a), []rune(b)) <= 1; got != want {
			t.Errorf("editDistanceAtMostOne(%q, %q) = %t, want %t", a, b, got, want)
		}
	})
}

// levenshtein is the edit distance of a and b.
func levenshtein(a, b []rune) int {
	row := make([]int, len(b)+1)
	for j := range row {
		row[j] = j
	}
	for i := range a {
		prev := row[0]
		row[0] = i + 1
		for j := range b {
			cur := row[j+1]
			cost := 1
			if a[i] == b[j] {
				cost = 0
			}
			row[j+1] = min(row[j+1]+1, row[j]+1, prev+cost)
			prev = cur
		}
	}
	return row[len(b)]
}

// FuzzParseValue reads arbitrary text as every kind of value and asserts
// what must hold of whatever it accepts: JSON of the right kind, and a
// canonical form that reads back as itself, clean. Seeds are the cases of
// TestParseValue.
func FuzzParseValue(f *testing.F) {
	for _, s := range []string{"1234.56", "1.234,56 €", "(20.00)", "15%", "USD 1,234.56", "$-5.00", "1'234.50",
		"03/05/2024", "5th of Sept 2024", "Tuesday, March 5, 2024", "29.02.2024", "2024-03-05T10:30:00Z",
		"<a@example.com>", "mailto:a@example.com", "www.acme.example/shop", "https://acme.example", "Yes", "n",
		"+1 (415) 555-0123", "1e999", "", "−7", ".5", "12,34,567"} {
		f.Add(s, 0)
	}
	alts := []alt{
		{kind: kindNumber, minLength: -1, maxLength: -1},
		{kind: kindInteger, minLength: -1, maxLength: -1},
		{kind: kindBoolean, minLength: -1, maxLength: -1},
		{kind: kindString, format: "date", minLength: -1, maxLength: -1},
		{kind: kindString, format: "date-time", minLength: -1, maxLength: -1},
		{kind: kindString, format: "email", minLength: -1, maxLength: -1},
		{kind: kindString, format: "uri", minLength: -1, maxLength: -1},
		{kind: kindString, minLength: -1, maxLength: -1},
	}
	f.Fuzz(func(t *testing.T, text string, dayFirst int) {
		if !utf8.ValidString(text) {
			return // parsers hand engines UTF-8 only
		}
		for _, a := range alts {
			p, ok := a.parse(text, dayFirst%2)
			if !ok {
				continue
			}
			var v any
			if err := json.Unmarshal(p.value, &v); err != nil {
				t.Fatalf("%s/%s: parse(%q) = %s, not JSON: %v", a.kind, a.format, text, p.value, err)
			}
			var canonical string
			switch a.kind {
			case kindNumber, kindInteger:
				if _, isNum := v.(float64); !isNum {
					t.Fatalf("%s: parse(%q) = %s, not a number", a.kind, text, p.value)
				}
				canonical = string(p.value)
			case kindBoolean:
				canonical = string(p.value)
			default:
				s, isString := v.(string)
				if !isString {
					t.Fatalf("%s: parse(%q) = %s, not a string", a.format, text, p.value)
				}
				canonical = s
			}
			if a.format == "date" && !isoDate.MatchString(canonical) {
				t.Fatalf("date: parse(%q) = %q, not YYYY-MM-DD", text, canonical)
			}
			again, ok := a.parse(canonical, 0)
			if !ok || !again.clean || !sameValue(again.value, p.value) {
				t.Fatalf("%s/%s: parse(%q) = %s, which reads back as %s (ok %t, clean %t)", a.kind, a.format, text, p.value, again.value, ok, again.clean)
			}
		}
	})
}
