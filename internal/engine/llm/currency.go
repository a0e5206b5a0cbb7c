package llm

import (
	"slices"
	"strings"
	"sync"
	"unicode"

	"github.com/bojanz/currency"
)

// A model asked for a currency writes its ISO 4217 code ("USD") where the
// document prints a symbol or a name ("$", "€", "Euro", "Rs."). The code is
// grounded on that symbol when the symbol stands for it: alone ("€", "₹"),
// or as its usual reading ("$" is the US dollar in English) when nothing on
// the pages names another currency the symbol may stand for ("CAD", "CA$").

// currencyLocales are the locales whose symbols are read: the languages the
// built-in engine's labels cover and the places whose documents reuse a
// symbol for their own currency.
var currencyLocales = []string{
	"en", "en-GB", "en-IN", "en-CA", "en-AU", "en-NZ", "en-SG", "en-HK", "en-MY", "en-PK", "en-ZA",
	"de", "de-CH", "fr", "fr-CH", "fr-CA", "nl", "es", "es-MX", "es-AR", "es-CO", "es-CL",
	"it", "pt", "pt-BR", "ms", "ja", "zh", "ko", "ru", "pl", "sv", "da", "nb", "hi", "tr", "th", "id",
}

// currencyNames are names documents print instead of a symbol, lower-cased
// and without accents, in the languages the labels cover; the symbols come
// from the CLDR through github.com/bojanz/currency.
var currencyNames = map[string][]string{
	"USD": {"dollar", "dollars", "us$", "usd$", "u.s. dollars", "us dollars", "us dollar", "dolares"},
	"EUR": {"euro", "euros"},
	"GBP": {"pound", "pounds", "pound sterling", "sterling", "gbp£", "livres sterling", "pfund"},
	"INR": {"rs", "rs.", "rupee", "rupees", "inr₹"},
	"CHF": {"franken", "sfr", "fr.", "chf."},
	"JPY": {"yen", "円"},
	"CNY": {"yuan", "rmb", "元"},
	"MYR": {"rm", "ringgit"},
}

// preferredSymbol gives the currency a symbol stands for when nothing else
// is said, for symbols several currencies use; a symbol only one currency
// uses stands for it.
var preferredSymbol = map[string]string{"$": "USD", "rs": "INR", "rs.": "INR", "¥": "JPY", "£": "GBP", "kr": "", "fr.": "CHF"}

type currencyTable struct {
	// codes lists the currencies each symbol or name stands for.
	codes map[string][]string
	// own are the symbols of each currency.
	own map[string][]string
}

var currencies = sync.OnceValue(func() *currencyTable {
	t := &currencyTable{codes: map[string][]string{}, own: map[string][]string{}}
	add := func(sym, code string) {
		sym = foldWord(strings.TrimSpace(sym))
		if sym == "" || strings.EqualFold(sym, code) {
			return
		}
		if !slices.Contains(t.codes[sym], code) {
			t.codes[sym] = append(t.codes[sym], code)
		}
		if !slices.Contains(t.own[code], sym) {
			t.own[code] = append(t.own[code], sym)
		}
	}
	for _, code := range currency.GetCurrencyCodes() {
		for _, l := range currencyLocales {
			if sym, ok := currency.GetSymbol(code, currency.NewLocale(l)); ok {
				add(sym, code)
			}
		}
	}
	for code, names := range currencyNames {
		for _, n := range names {
			add(n, code)
		}
	}
	return t
})

// isCurrencyCode reports whether s is an ISO 4217 code as a model writes
// it.
func isCurrencyCode(s string) bool {
	if len(s) != 3 || strings.ToUpper(s) != s {
		return false
	}
	return currency.IsValid(s)
}

// symbolStandsFor reports whether sym (folded) stands for code on pages
// whose words (and their currency affixes) are pageWords: the symbol is
// the code's alone, or its usual reading and no other currency it could
// be is named on the pages.
func (t *currencyTable) symbolStandsFor(sym, code string, pageWords map[string]bool) bool {
	codes := t.codes[sym]
	if !slices.Contains(codes, code) {
		return false
	}
	if len(codes) == 1 {
		return true
	}
	if preferredSymbol[sym] != code {
		return false
	}
	for _, other := range codes {
		if other == code {
			continue
		}
		if pageWords[strings.ToLower(other)] {
			return false
		}
		for _, s := range t.own[other] {
			// Another currency's own symbol ("ca$", "a$") names it;
			// the shared one does not.
			if s != sym && len(t.codes[s]) == 1 && pageWords[s] {
				return false
			}
		}
	}
	return true
}

// currencyAffixes are what a word says of a currency: the word itself, and
// what stands before and after its digits ("$12.50" → "$", "12,50€" → "€",
// "Rs.500" → "rs.").
func currencyAffixes(word string) []string {
	w := foldWord(strings.TrimRight(word, ":;,)"))
	out := []string{w}
	i := strings.IndexFunc(w, unicode.IsDigit)
	if i < 0 {
		if t := strings.TrimSuffix(w, "."); t != w {
			out = append(out, t)
		}
		return out
	}
	if pre := strings.TrimLeft(w[:i], "(-+ "); pre != "" {
		out = append(out, pre, strings.TrimSuffix(pre, "."))
	}
	j := strings.LastIndexFunc(w, unicode.IsDigit)
	if post := strings.TrimRight(strings.TrimLeft(w[j+1:], ".,-"), ".,-"); post != "" {
		out = append(out, post)
	}
	return out
}
