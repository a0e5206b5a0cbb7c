package llm

import (
	"strconv"
	"strings"
	"time"
	"unicode"

	unorm "golang.org/x/text/unicode/norm"
)

// Dates are grounded by reading the document's dates rather than by writing
// the model's ISO date in every form a document might use: the written
// forms are too many once five languages, ordinals, connectives and
// two-digit years multiply them. Each run of up to maxDateWords words is
// read as a date, in every way its text allows (07.11.2019 is 7 November
// or, written the American way, July 11: a reader who sees the model's
// date there accepts it).

// maxDateWords is the longest run read as one date: "le 3 juin 2016",
// "3 de junio de 2016", "Monday, 4 March 2024".
const maxDateWords = 6

// monthNames are the months in the languages the built-in engine's labels
// cover (English, German, French, Dutch, Spanish), full and abbreviated,
// lower-cased and without accents.
var monthNames = func() map[string]time.Month {
	m := map[string]time.Month{}
	for i, names := range [12]string{
		"january jan janvier janv januar jan januari enero ene jänner janner",
		"february feb febr fevrier fevr fev februar februari febrero",
		"march mar mars maerz marz mrz maart mrt marzo",
		"april apr avril avr abril",
		"may mai mei mayo",
		"june jun juin juni junio",
		"july jul juillet juil juli julio",
		"august aug aout augustus agosto ago",
		"september sep sept septembre septiembre setiembre set",
		"october oct okt oktober octobre octubre",
		"november nov novembre noviembre",
		"december dec dez dezember decembre diciembre dic",
	} {
		for _, n := range strings.Fields(names) {
			m[n] = time.Month(i + 1)
		}
	}
	return m
}()

// dateFiller are words a written date may hold besides its day, month and
// year: weekdays and connectives ("le", "de", "den", "the", "of").
var dateFiller = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun
		montag dienstag mittwoch donnerstag freitag samstag sonntag mo di mi do fr sa so
		lundi mardi mercredi jeudi vendredi samedi dimanche lun mar mer jeu ven sam dim
		maandag dinsdag woensdag donderdag vrijdag zaterdag zondag
		lunes martes miercoles jueves viernes sabado domingo
		le de del den the of am on day`) {
		m[w] = true
	}
	return m
}()

// foldWord lower-cases a word and drops its accents ("Février" → "fevrier",
// "März" → "marz").
func foldWord(s string) string {
	var b strings.Builder
	for _, r := range unorm.NFD.String(strings.ToLower(s)) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// dateReadings returns every ISO date (YYYY-MM-DD) text can be read as, or
// nil when it is not one date. Numeric dates are read year first, day
// first and month first where the numbers allow; two-digit years are
// 2000–2069 below 70, 1970–1999 from 70. Written dates take a month name
// in any of the five languages, the day before or after it, with ordinals
// ("1st", "1er", "4."), weekdays and connectives set aside. A time of day
// after the date is ignored.
func dateReadings(text string) []string {
	// Tokens: runs of letters, runs of digits; everything else separates,
	// but numeric dates keep their separators to be told from a list of
	// numbers.
	t := strings.TrimSpace(text)
	if t == "" || !strings.ContainsFunc(t, unicode.IsDigit) {
		return nil
	}
	if r := numericDate(t); r != nil {
		return r
	}
	var day, year, month int
	var order []byte // 'd', 'm', 'y' as they come
	for _, tok := range dateTokens(t) {
		switch {
		case tok[0] >= '0' && tok[0] <= '9':
			n, err := strconv.Atoi(tok)
			if err != nil {
				return nil
			}
			switch {
			case len(tok) == 4 && year == 0:
				year = n
				order = append(order, 'y')
			case len(tok) <= 2 && day == 0 && n >= 1 && n <= 31:
				day = n
				order = append(order, 'd')
			case len(tok) == 2 && year == 0 && day != 0 && month != 0:
				year = twoDigitYear(n)
				order = append(order, 'y')
			default:
				return nil
			}
		default:
			w := strings.TrimSuffix(tok, ".")
			if m, ok := monthNames[w]; ok && month == 0 {
				month = int(m)
				order = append(order, 'm')
				continue
			}
			switch w {
			case "st", "nd", "rd", "th", "er", "e", "eme", "o", "a":
				// Ordinal endings after the day.
				if len(order) > 0 && order[len(order)-1] == 'd' {
					continue
				}
			}
			if !dateFiller[w] {
				return nil
			}
		}
	}
	if day == 0 || month == 0 || year == 0 {
		return nil
	}
	// A written date puts the month beside the day: "2024 5 March" is not
	// one, "March 5, 2024" and "5 March 2024" are.
	s := string(order)
	if s != "dmy" && s != "mdy" && s != "ymd" {
		return nil
	}
	if iso, ok := isoDateOf(year, month, day); ok {
		return []string{iso}
	}
	return nil
}

// dateTokens splits a written date into words and numbers, folded, keeping
// a dot after a word ("janv.") and dropping it after a number ("4.").
func dateTokens(t string) []string {
	var out []string
	var cur strings.Builder
	digits := false
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for _, r := range foldWord(t) {
		switch {
		case unicode.IsDigit(r):
			if !digits {
				flush()
			}
			digits = true
			cur.WriteRune(r)
		case unicode.IsLetter(r):
			if digits {
				flush()
			}
			digits = false
			cur.WriteRune(r)
		case r == '.' && !digits && cur.Len() > 0:
			cur.WriteRune(r)
			flush()
		default:
			flush()
			digits = false
		}
	}
	flush()
	return out
}

// numericDate reads dates of numbers alone: 2024-03-05, 05.03.2024,
// 3/5/24, 07-11-2019, 20180428, with an optional time after them.
func numericDate(t string) []string {
	if i := strings.IndexAny(t, " T"); i > 0 {
		// "2024-03-05 14:30", "2024-03-05T14:30:00Z".
		rest := strings.TrimSpace(t[i+1:])
		if rest != "" && strings.Contains(rest, ":") && strings.Trim(rest, "0123456789:.+-Z apmAPM") == "" {
			t = t[:i]
		}
	}
	// A label glued to the date ("DATE:21/05/2018", "21/05/2018TIME:").
	t = strings.TrimFunc(t, func(r rune) bool { return r < '0' || r > '9' })
	if len(t) >= 8 && strings.Trim(t[:8], "0123456789") == "" && (len(t) == 8 || t[8] < '0' || t[8] > '9') {
		// Year, month and day run together: "20180428", "20180428/191204".
		y, _ := strconv.Atoi(t[:4])
		m, _ := strconv.Atoi(t[4:6])
		d, _ := strconv.Atoi(t[6:8])
		if iso, ok := isoDateOf(y, m, d); ok && y >= 1900 && y < 2100 {
			return []string{iso}
		}
		return nil
	}
	var sep rune
	var parts []string
	start := 0
	for i, r := range t {
		switch {
		case r >= '0' && r <= '9':
		case r == '.' || r == '/' || r == '-':
			if sep == 0 {
				sep = r
			} else if r != sep {
				return nil
			}
			parts = append(parts, t[start:i])
			start = i + 1
		default:
			return nil
		}
	}
	parts = append(parts, t[start:])
	if len(parts) != 3 {
		return nil
	}
	n := make([]int, 3)
	for i, p := range parts {
		if p == "" || len(p) > 4 {
			return nil
		}
		n[i], _ = strconv.Atoi(p)
	}
	var out []string
	add := func(y, m, d int) {
		if iso, ok := isoDateOf(y, m, d); ok {
			for _, o := range out {
				if o == iso {
					return
				}
			}
			out = append(out, iso)
		}
	}
	switch {
	case len(parts[0]) == 4:
		add(n[0], n[1], n[2])
	case len(parts[2]) == 4 || len(parts[2]) == 2:
		y := n[2]
		if len(parts[2]) == 2 {
			y = twoDigitYear(y)
		}
		add(y, n[1], n[0]) // day first
		add(y, n[0], n[1]) // month first
	}
	return out
}

func twoDigitYear(n int) int {
	if n < 70 {
		return 2000 + n
	}
	return 1900 + n
}

func isoDateOf(y, m, d int) (string, bool) {
	if y < 1000 || m < 1 || m > 12 || d < 1 {
		return "", false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return "", false
	}
	return t.Format("2006-01-02"), true
}

// isoDay reads a model's date value: an ISO date, or an ISO timestamp's
// date.
func isoDay(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 10 {
		return "", false
	}
	if _, err := time.Parse("2006-01-02", s[:10]); err != nil {
		return "", false
	}
	if len(s) > 10 && s[10] != 'T' && s[10] != ' ' {
		return "", false
	}
	return s[:10], true
}
