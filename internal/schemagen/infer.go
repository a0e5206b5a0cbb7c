package schemagen

import (
	"regexp"
	"slices"
	"strings"
)

// Words in a field's name that say what kind of value it holds. The last
// word weighs most ("amount due date" is a date), so hints are looked up
// from the end of the name.
var (
	numberWords = []string{
		"amount", "total", "subtotal", "price", "cost", "fee", "fees", "tax", "vat", "gst", "balance",
		"sum", "salary", "wage", "payment", "discount", "charge", "charges", "rate", "percent",
		"percentage", "weight", "height", "width", "length", "value", "revenue", "income", "profit",
	}
	integerWords = []string{"count", "quantity", "qty", "age", "year", "pages", "units"}
	dateWords    = []string{"date", "dob", "birthday", "birthdate", "deadline"}
	stampWords   = []string{"timestamp", "datetime"}
	emailWords   = []string{"email", "mail"}
	booleanWords = []string{"paid", "approved", "signed", "active", "verified", "valid", "confirmed", "completed"}
	// stringWords end names of text, whatever words come before them:
	// "payment method", "price list name".
	stringWords = []string{
		"name", "description", "title", "address", "type", "status", "method", "currency", "terms",
		"note", "notes", "label", "category", "mode", "unit", "period", "city", "country", "street", "text",
	}
	// idWords end names of identifiers: their values may be all digits,
	// but they are codes, not quantities ("Invoice No: 0042" keeps its
	// leading zeros as a string).
	idWords = []string{"number", "no", "nr", "num", "id", "code", "ref", "reference", "zip", "postcode", "phone", "iban", "account", "sku"}
)

// fromName guesses a property from its name alone, as when a prompt lists
// fields: total_amount → number, due_date → a date, item_count → integer,
// is_paid → boolean; anything else is a string. The words are read from the
// end, and the first that says something decides: "date_of_birth" is a date,
// "price_list_name" a string.
func fromName(name string) Property {
	w := words(name)
	switch {
	case len(w) > 1 && (w[0] == "is" || w[0] == "has" || w[0] == "was"):
		return Property{Type: "boolean"}
	case len(w) > 2 && (w[0] == "number" || w[0] == "num") && w[1] == "of":
		return Property{Type: "integer"}
	case len(w) == 1 && slices.Contains(booleanWords, w[0]):
		return Property{Type: "boolean"}
	case len(w) > 1 && w[len(w)-1] == "address" && slices.Contains(emailWords, w[len(w)-2]):
		return Property{Type: "string", Format: "email"}
	}
	for i := len(w) - 1; i >= 0; i-- {
		word, last := w[i], i == len(w)-1
		switch {
		case slices.Contains(dateWords, word):
			return Property{Type: "string", Format: "date"}
		case slices.Contains(stampWords, word):
			return Property{Type: "string", Format: "date-time"}
		case slices.Contains(emailWords, word) && last:
			return Property{Type: "string", Format: "email"}
		case last && (slices.Contains(idWords, word) || slices.Contains(stringWords, word)):
			return Property{Type: "string"}
		case slices.Contains(numberWords, word):
			return Property{Type: "number"}
		case slices.Contains(integerWords, word):
			return Property{Type: "integer"}
		}
	}
	return Property{Type: "string"}
}

var (
	integerValue = regexp.MustCompile(`^[+-]?[1-9][0-9]{0,8}$|^0$`)
	// decimalValue is an amount in either convention (1,234.56 or
	// 1.234,56), maybe signed or with a currency or percent sign.
	decimalValue  = regexp.MustCompile(`^[+-]?(?:[$€£¥₹]|(?:USD|EUR|GBP|CHF|JPY|CAD|AUD|INR)\s?)?[+-]?(?:[0-9]{1,3}(?:[,. ' ][0-9]{3})+|[0-9]+)(?:[.,][0-9]+)?(?:\s?(?:[$€£¥₹%]|USD|EUR|GBP|CHF|JPY|CAD|AUD|INR))?$`)
	groupedDigits = regexp.MustCompile(`^[0-9]{1,3}(?:[,. '][0-9]{3})+$`)
	emailValue    = regexp.MustCompile(`^[^\s@<>()]+@[^\s@<>()]+\.[A-Za-z]{2,}$`)
	isoDate       = regexp.MustCompile(`^[0-9]{4}-[01][0-9]-[0-3][0-9]$`)
	isoStamp      = regexp.MustCompile(`^[0-9]{4}-[01][0-9]-[0-3][0-9][T ][0-2][0-9]:[0-5][0-9](?::[0-5][0-9](?:\.[0-9]+)?)?(?:Z|[+-][0-2][0-9]:?[0-5][0-9])?$`)
	numericDate   = regexp.MustCompile(`^(?:[0-3]?[0-9][/.-][01]?[0-9][/.-](?:[0-9]{4}|[0-9]{2})|[0-9]{4}/[01]?[0-9]/[0-3]?[0-9])$`)
	monthName     = `(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?`
	wordDate      = regexp.MustCompile(`(?i)^(?:` + monthName + `\s+[0-3]?[0-9](?:st|nd|rd|th)?,?\s+[0-9]{4}|[0-3]?[0-9](?:st|nd|rd|th)?\s+` + monthName + `,?\s+[0-9]{4})$`)
)

// fromValue guesses a property from a value as it appears in a document.
func fromValue(v string) Property {
	v = strings.TrimSpace(v)
	switch strings.ToLower(v) {
	case "yes", "no", "true", "false":
		return Property{Type: "boolean"}
	}
	switch {
	case emailValue.MatchString(v):
		return Property{Type: "string", Format: "email"}
	case isoStamp.MatchString(v):
		return Property{Type: "string", Format: "date-time"}
	case isoDate.MatchString(v), numericDate.MatchString(v), wordDate.MatchString(v):
		return Property{Type: "string", Format: "date"}
	case integerValue.MatchString(v):
		return Property{Type: "integer"}
	case decimalValue.MatchString(v) && strings.ContainsAny(v, "0123456789"):
		if groupedDigits.MatchString(v) {
			// Digits in groups of three and nothing else (1,200): a
			// count in one convention, an amount in the other; a count
			// is the usual reading.
			return Property{Type: "integer"}
		}
		return Property{Type: "number"}
	}
	return Property{Type: "string"}
}

// labelled combines what a label's name and its value say: the value decides,
// except that an identifier stays a string even when it is all digits, and a
// whole number under an amount's name is a number (the next invoice's total
// will have cents).
func labelled(name, value string) Property {
	p := fromValue(value)
	byName := fromName(name)
	w := words(name)
	switch {
	case (p.Type == "integer" || p.Type == "number") && slices.Contains(idWords, w[len(w)-1]):
		return Property{Type: "string"}
	case p.Type == "integer" && byName.Type == "number":
		return Property{Type: "number"}
	}
	return p
}
