package builtin

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
)

// concept is what an invoice field is, read from all its words (see
// meaning): its number, its date, its parties' names and VAT ids, its
// currency and its totals. A field with a concept is also looked for under
// the labels invoices print for it in the languages of invoiceGroups, and
// its values must look like one (a VAT id has a country prefix, a currency
// is an ISO code, a name is no address). Properties inside a nested object
// have no concept: their meaning is their parent's too.
type concept int

const (
	conceptNone concept = iota
	conceptInvoiceNumber
	conceptInvoiceDate
	conceptSellerName
	conceptBuyerName
	conceptSellerVAT
	conceptBuyerVAT
	conceptCurrency
	conceptNetTotal
	conceptTaxTotal
	conceptGrandTotal
	conceptAmountDue
	// conceptQuantity is a line item's quantity, written with its unit
	// ("20 Stk", "3,00 m²").
	conceptQuantity
	// conceptItemText is a line item's text: its product or service.
	conceptItemText
)

// conceptAnchors name each concept's group in invoiceGroups by its first
// label.
var conceptAnchors = map[concept]string{
	conceptInvoiceNumber: "invoice number",
	conceptInvoiceDate:   "invoice date",
	conceptSellerName:    "seller",
	conceptBuyerName:     "buyer",
	conceptSellerVAT:     "vat id",
	conceptBuyerVAT:      "vat id",
	conceptCurrency:      "currency",
	conceptNetTotal:      "total before tax",
	conceptTaxTotal:      "tax amount",
	conceptGrandTotal:    "grand total",
	conceptAmountDue:     "amount due",
	conceptItemText:      "description",
}

// Words of a field's name that say what it is about, in the languages of
// invoiceGroups.
var (
	invoiceWords = []string{"invoice", "bill", "facture", "rechnung", "factuur", "factura", "credit", "gutschrift", "avoir"}
	idWords      = []string{"number", "no", "nr", "num", "id", "#", "ref", "reference", "numero", "nummer", "identifier"}
	sellerWords  = []string{"seller", "vendor", "supplier", "issuer", "merchant", "verkäufer", "lieferant", "fournisseur", "vendeur",
		"leverancier", "proveedor", "vendedor"}
	buyerWords = []string{"buyer", "customer", "client", "purchaser", "käufer", "kunde", "acheteur", "klant", "koper", "cliente", "comprador"}
	vatWords   = []string{"vat", "tva", "btw", "iva", "ust", "mwst", "uid", "ustid", "vatin"}
	taxWords   = []string{"tax", "vat", "tva", "btw", "iva", "gst", "mwst", "ust", "steuer", "steuerbetrag", "umsatzsteuer"}
	// notPartyName are words of fields about a party that are not its
	// name: its address, its contacts, its identifiers.
	notPartyName = []string{"address", "street", "city", "zip", "postcode", "country", "phone", "email", "mail", "iban", "bic",
		"id", "number", "no", "nr", "vat", "tax", "contact", "reference", "ref", "code"}
)

// conceptOf reads a top-level scalar field's concept from its meaning.
func conceptOf(f *field) concept {
	if f.section >= 0 || f.list || len(f.alts) == 0 {
		return conceptNone
	}
	m := f.mean
	numeric := false
	for _, a := range f.alts {
		if a.kind == kindNumber || a.kind == kindInteger {
			numeric = true
		}
	}
	if numeric && m.named("quantity", "qty", "units", "pieces", "pcs", "menge", "anzahl", "quantité", "qté", "aantal", "cantidad") {
		return conceptQuantity
	}
	// A line item's amount or price is no invoice total.
	if m.named("line", "item", "unit", "price", "quantity", "qty", "rate", "percent", "percentage") ||
		m.saysPhrase(f.prop, "line total") || m.saysPhrase(f.prop, "per unit") {
		return conceptNone
	}
	if numeric {
		switch {
		case m.named("due", "payable", "outstanding", "zahlbetrag") || m.named("balance") && !m.named("opening", "previous"):
			return conceptAmountDue
		case m.named("incl", "including", "gross", "brutto", "ttc", "grand") || m.named("with") && m.named(taxWords...):
			return conceptGrandTotal
		case m.named("net", "netto", "excl", "excluding", "ht", "pretax", "untaxed", "subtotal") || m.named("before") && m.named("tax"):
			return conceptNetTotal
		case m.named(taxWords...) && !m.named("id", "number", "base", "taxable"):
			return conceptTaxTotal
		case m.named("total", "gesamtbetrag", "totaal") && !m.named("count", "items", "pages", "weight", "hours"):
			return conceptGrandTotal
		}
		return conceptNone
	}
	if f.alts[0].kind != kindString || f.alts[0].enum != nil {
		return conceptNone
	}
	if m.named("description", "product", "item", "article", "designation", "text", "service", "goods", "label", "wording") &&
		!m.named(notPartyName...) && !m.named("date", "price", "amount", "total", "quantity", "qty", "sku", "type", "category") &&
		f.alts[0].format == "" {
		return conceptItemText
	}
	buyer := m.named(buyerWords...)
	switch {
	case m.named(vatWords...) || m.named("tax") && m.named("id", "identification", "registration"):
		// A text field named for VAT is its id ("supplier_vat"), not an
		// amount or a rate.
		if m.named("rate", "percent", "amount", "total", "sum") {
			return conceptNone
		}
		if buyer {
			return conceptBuyerVAT
		}
		return conceptSellerVAT
	case m.named("currency", "währung", "devise", "valuta", "moneda", "divisa"):
		return conceptCurrency
	case (m.named("date", "datum") && (m.named(invoiceWords...) || m.named("issue", "issued")) ||
		m.named("issued", "issue") && f.alts[0].format == "date") &&
		!m.named("due", "delivery", "order", "payment", "service", "shipping"):
		return conceptInvoiceDate
	case m.named(invoiceWords...) && m.named(idWords...):
		return conceptInvoiceNumber
	case m.named(notPartyName...) && !m.named("name"):
		return conceptNone
	case m.named(sellerWords...) && !m.named(buyerWords...):
		return conceptSellerName
	case buyer:
		return conceptBuyerName
	}
	return conceptNone
}

// conceptLabels are the labels invoices print for the concept, at the
// score of a synonym. A document total's name ("net amount") also matches
// the line items' synonyms of its words ("amount", "line total"); those
// labels give way to the concept's own.
func (c concept) labels(have []label) []label {
	if c == conceptNone || c == conceptQuantity {
		return have
	}
	group := conceptGroup(c)
	out := have
	if c >= conceptNetTotal && c <= conceptAmountDue {
		out = nil
		for _, l := range have {
			if l.score != scoreSynonym || slices.Contains(group, l.text) || !lineItemLabel(l.text) {
				out = append(out, l)
			}
		}
	}
	for _, t := range group {
		if !slices.ContainsFunc(out, func(l label) bool { return l.text == t }) {
			out = append(out, label{text: t, score: scoreSynonym})
		}
	}
	return out
}

// lineItemLabel reports whether a label names a column of line items
// (an amount, a price, a quantity, a description) in a synonym group.
func lineItemLabel(text string) bool {
	for _, g := range synonymGroups {
		switch g[0] {
		case "amount", "unit price", "quantity", "description":
			if slices.Contains(g, text) {
				return true
			}
		}
	}
	return false
}

// conceptGroup is the concept's group of invoiceGroups.
func conceptGroup(c concept) []string {
	anchor := conceptAnchors[c]
	for _, g := range invoiceGroups {
		if g[0] == anchor {
			return g
		}
	}
	return nil
}

// read checks text against what a value of the concept looks like and
// returns the value to parse (a VAT id without its spaces, a currency as
// its ISO code) and how well it fits; ok is false when it cannot be one.
func (c concept) read(text string) (string, float64, bool) {
	switch c {
	case conceptSellerVAT, conceptBuyerVAT:
		if loc := vatID.FindStringIndex(text); loc != nil {
			return compactVAT(text[loc[0]:loc[1]]), 1, true
		}
		return "", 0, false
	case conceptCurrency:
		if code, ok := currencyOf(text); ok {
			return code, 1, true
		}
		return "", 0, false
	case conceptSellerName, conceptBuyerName:
		return text, 1, nameLike(text)
	case conceptInvoiceNumber:
		t := strings.TrimSpace(text)
		// One token with a digit, or two whose last has one ("INV
		// 2024-001"): "2024118 vom" is a number and the sentence going on.
		words := strings.Fields(t)
		if len(words) == 0 || len(words) > 2 || !strings.ContainsFunc(words[len(words)-1], unicode.IsDigit) {
			return "", 0, false
		}
		if _, _, ok := parseDate(t); ok {
			return "", 0, false
		}
		return t, 1, true
	case conceptQuantity:
		if m := quantityUnit.FindStringSubmatch(text); m != nil {
			return m[1], 1, true
		}
	}
	return text, 1, true
}

// quantityUnit is a quantity and the unit written after it, as an item
// row prints them ("20 Stk", "3,00 m²", "1 pce", "6 h"), and what the row
// runs on with ("20 Stk 19 % VAT"): the number is the quantity.
var quantityUnit = regexp.MustCompile(`^\s*([-+]?[0-9][0-9.,' ]*?)\s*(?:[\p{L}]{1,6}\.?|m²|m³|m2|m3)(?:\s.*)?$`)

// vatID is a European VAT identification number: a country prefix and the
// national format, spaces or dots allowed between groups of digits
// ("DE 123 456 789"). A national tax number without its prefix
// ("143/815/08154") is not one.
var vatID = regexp.MustCompile(`\b(?:` +
	`ATU ?[0-9]{8}|BE ?[01]?[0-9]{3}[ .]?[0-9]{3}[ .]?[0-9]{3}|BG ?[0-9]{9,10}|CHE[- ]?[0-9]{3}[. ]?[0-9]{3}[. ]?[0-9]{3}|` +
	`CY ?[0-9]{8}[A-Z]|CZ ?[0-9]{8,10}|DE ?[0-9]{3} ?[0-9]{3} ?[0-9]{3}|DK ?[0-9]{2} ?[0-9]{2} ?[0-9]{2} ?[0-9]{2}|` +
	`EE ?[0-9]{9}|EL ?[0-9]{9}|ES ?[0-9A-Z][0-9]{7}[0-9A-Z]|FI ?[0-9]{8}|FR ?[0-9A-Z]{2} ?[0-9]{3} ?[0-9]{3} ?[0-9]{3}|` +
	`GB ?[0-9]{3} ?[0-9]{4} ?[0-9]{2}(?: ?[0-9]{3})?|HR ?[0-9]{11}|HU ?[0-9]{8}|IE ?[0-9][0-9A-Z+*][0-9]{5}[A-Z]{1,2}|` +
	`IT ?[0-9]{11}|LT ?[0-9]{9,12}|LU ?[0-9]{8}|LV ?[0-9]{11}|MT ?[0-9]{8}|NL ?[0-9]{9}B[0-9]{2}|PL ?[0-9]{10}|` +
	`PT ?[0-9]{9}|RO ?[0-9]{2,10}|SE ?[0-9]{12}|SI ?[0-9]{8}|SK ?[0-9]{10}|XI ?[0-9]{9}` +
	`)\b`)

// compactVAT writes a VAT id without the spaces and dots between its
// groups, as registers do.
func compactVAT(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '.' {
			return -1
		}
		return r
	}, s)
}

// currencySigns are the symbols and words that name one currency alone.
// "$" is left out: a dozen currencies write it.
var currencySigns = map[string]string{
	"€": "EUR", "euro": "EUR", "euros": "EUR", "eur": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "zł": "PLN",
	"us$": "USD", "usd": "USD", "chf": "CHF", "fr.": "CHF", "kč": "CZK", "₺": "TRY", "₩": "KRW", "₪": "ILS",
}

// currencyWord finds an ISO 4217 code or a currency sign in a text.
var currencyWord = regexp.MustCompile(`(?i)(?:^|[^\p{L}])([A-Z]{3}|€|£|¥|₹|₺|₩|₪|us\$|euros?|zł|kč)(?:$|[^\p{L}])`)

// currencyOf reads the currency a text names: an ISO code (in the list the
// amount reader knows, in capitals) or a sign that names one currency
// alone.
func currencyOf(text string) (string, bool) {
	for _, m := range currencyWord.FindAllStringSubmatch(text, -1) {
		w := m[1]
		if currencyCodes[w] {
			return w, true
		}
		if code, ok := currencySigns[strings.ToLower(w)]; ok && (len(w) != 3 || w == strings.ToUpper(w) || strings.EqualFold(w, "eur")) {
			return code, true
		}
	}
	return "", false
}

// nameNoise are words that are no name on their own.
var nameNoise = map[string]bool{
	"gmbh": true, "ag": true, "kg": true, "ug": true, "ltd": true, "llc": true, "inc": true, "sa": true, "sarl": true, "sas": true,
	"bv": true, "nv": true, "sl": true, "srl": true, "plc": true, "co": true,
	"nummer": true, "number": true, "name": true, "nom": true, "naam": true, "nombre": true, "datum": true, "date": true,
	"anschrift": true, "adresse": true, "address": true, "firma": true, "herr": true, "frau": true, "mr": true, "mrs": true, "ms": true,
	"m": true, "mme": true, "deutschland": true, "germany": true, "france": true,
}

// nameLike reports whether a text can be the name of a company or a
// person: letters, a few words, no label before a colon, not mostly
// digits (a street address, a postal code, a number).
func nameLike(text string) bool {
	t := strings.TrimSpace(text)
	words := strings.Fields(t)
	if len(words) == 0 || len(words) > 8 || strings.Contains(t, ":") || strings.Contains(t, "@") {
		return false
	}
	letters, digits := 0, 0
	for _, r := range t {
		switch {
		case unicode.IsLetter(r):
			letters++
		case unicode.IsDigit(r):
			digits++
		}
	}
	if letters < 2 || digits*2 > letters {
		return false
	}
	// A legal form or a field's word alone is what is left of a name
	// cut at its label ("Kunde GmbH" read as "Kunde" and "GmbH").
	if len(words) == 1 && nameNoise[strings.ToLower(strings.Trim(t, ".,"))] {
		return false
	}
	// An address line starts with a postal code or ends with a house
	// number ("Kundenstraße 15", "DE 69876 Frankfurt").
	first, last := words[0], words[len(words)-1]
	if strings.ContainsFunc(first, unicode.IsDigit) || len(words) > 1 && strings.ContainsFunc(words[1], unicode.IsDigit) && len(first) <= 3 {
		return false
	}
	if len(words) > 1 && strings.IndexFunc(last, unicode.IsDigit) == 0 {
		return false
	}
	return true
}
