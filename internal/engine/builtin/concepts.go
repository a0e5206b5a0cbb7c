package builtin

import "slices"

// Beside the invoice concepts of concept.go, which read a field's whole
// meaning, cue concepts serve the fields of receipts, orders and contracts
// that name their kind in a word of their name.
//
// A user names a field as they like: a receipt's total may be total,
// amount_paid or grand_sum, described as "what the customer paid in the
// end". Documents label it with the few words business documents use
// ("Total", "Amount due", "Grand total"). A concept joins the two: the
// words a schema uses to say what a field is (cues) and the labels
// documents print for it. A field whose words give a concept's cues, and
// none of the words that rule it out, is also looked for under the
// concept's labels, with scoreConcept, less than any label of its own.

// scoreConcept is how well a concept's label names a field whose meaning
// gave the concept: below every label of the field's own, so that it
// serves where those find nothing.
const scoreConcept = 0.55

// cueConcept is a kind of business field known by cue words.
type cueConcept struct {
	// kinds are the value kinds the field must have: number fields do not
	// take a date's labels.
	kinds []string
	// cues are the words of a field's name or title that call for the
	// concept; any one is enough. A description's words do not: "the total
	// after tax" says what the total includes, not that it is a tax.
	cues []string
	// not are words of the field's name or title that rule it out: a
	// total "before tax" is a subtotal. A description's words do not: it
	// says what a value is not as often as what it is.
	not []string
	// need, when set, are words one of which the name must also hold: an
	// invoice's number, not its date.
	need []string
	// labels are what documents print for it, normalized.
	labels []string
	// like, when set, names a label whose synonyms (label.go and
	// vocabulary.go) are the concept's labels too.
	like string
}

var numberKinds = []string{kindNumber, kindInteger}

var cueConcepts = []cueConcept{
	{kinds: numberKinds,
		cues: []string{"sum", "amount", "total", "value"},
		need: []string{"position", "line", "item", "row", "entry"},
		not:  []string{"unit", "each", "per", "tax", "vat", "quantity", "qty"},
		like: "amount"},
	{kinds: []string{kindString},
		cues:   []string{"advertiser", "sponsor", "sponsors"},
		labels: []string{"advertiser", "advertiser name", "sponsor", "sponsored by", "paid for by"}},
	{kinds: numberKinds,
		cues: []string{"total", "sum", "grand", "paid", "payable", "due", "final", "overall", "gross", "altogether", "whole", "summe", "gesamtbetrag", "montant", "totaal", "importe"},
		not: []string{"tax", "taxes", "vat", "gst", "sst", "net", "sub", "subtotal", "before", "without", "excluding", "unit", "each", "per", "quantity",
			"qty", "discount", "count", "number", "items", "weight", "prepaid", "advance", "commission", "agency", "remaining", "still", "remains", "less",
			"position", "line", "item", "row", "entry"},
		labels: []string{"total", "total amount", "grand total", "amount due", "total due", "total payable", "amount payable", "total to pay",
			"invoice total", "gross amount", "gross total", "total gross", "gesamtbetrag", "rechnungsbetrag", "bruttobetrag", "bruttosumme",
			"total ttc", "montant ttc", "net a payer", "net à payer", "totaal", "te betalen", "total a pagar", "importe total"}},
	{kinds: numberKinds,
		cues: []string{"remaining", "remains", "outstanding", "still", "balance", "due"},
		not:  []string{"tax", "vat", "date", "net", "before"},
		labels: []string{"amount due", "balance due", "total due", "balance", "amount payable", "zahlbetrag", "zu zahlen", "offener betrag",
			"net a payer", "net à payer", "reste a payer", "reste à payer", "te betalen", "saldo", "a pagar"}},
	{kinds: numberKinds,
		cues: []string{"net", "subtotal", "sub", "before", "without", "excluding", "excl", "netto"},
		not:  []string{"unit", "each", "per", "quantity", "commission", "agency", "weight"},
		labels: []string{"subtotal", "sub total", "net total", "total net", "net amount", "total before tax", "total excl vat", "total excluding tax",
			"nettobetrag", "nettosumme", "summe netto", "gesamt netto", "total ht", "montant ht", "totaal excl btw", "base imponible"}},
	{kinds: numberKinds,
		cues: []string{"tax", "taxes", "vat", "gst", "sst", "mwst", "ust", "tva", "iva", "btw"},
		not: []string{"including", "included", "incl", "with", "after", "without", "excluding", "before", "net", "rate", "percent",
			"percentage", "grand", "id", "registration", "identification", "number"},
		labels: []string{"tax", "tax amount", "total tax", "vat", "vat amount", "gst", "sales tax", "mwst", "ust", "umsatzsteuer",
			"steuerbetrag", "mehrwertsteuer", "tva", "montant tva", "total tva", "btw", "iva"}},
	{kinds: []string{kindString},
		cues:   []string{"invoice", "bill", "receipt", "credit"},
		not:    []string{"date", "day", "name", "address", "customer", "buyer", "seller", "supplier", "vendor", "currency", "amount", "total"},
		need:   []string{"number", "no", "nr", "id", "reference", "ref", "identifier", "identifying"},
		labels: []string{"invoice number", "invoice no", "invoice #", "invoice nr", "inv no", "bill no", "receipt no", "rechnungsnummer", "rechnung nr", "facture n", "numero de facture", "factuurnummer", "numero de factura"}},
	{kinds: []string{kindString},
		cues:   []string{"currency", "money", "iso"},
		not:    []string{"amount", "total", "rate"},
		labels: []string{"currency", "currency code", "wahrung", "währung", "devise", "valuta", "moneda"}},
	{kinds: []string{kindString},
		cues:   []string{"law", "laws", "governing", "governed", "construed"},
		labels: []string{"governing law", "applicable law", "jurisdiction", "choice of law"}},
}

// cueLabels are the labels of the concepts a field's meaning calls for,
// less those it has already.
func cueLabels(f *field) []label {
	if f.list || len(f.alts) == 0 || f.concept != conceptNone {
		// An invoice concept (concept.go) has labels of its own.
		return nil
	}
	var out []label
	for _, c := range cueConcepts {
		if !slices.Contains(c.kinds, f.alts[0].kind) || f.alts[0].format == "date" ||
			!f.mean.named(c.cues...) || f.mean.named(c.not...) || len(c.need) > 0 && !f.mean.named(c.need...) {
			continue
		}
		for _, text := range slices.Concat(c.labels, synonyms(c.like)) {
			if !slices.ContainsFunc(f.labels, func(l label) bool { return l.text == text }) &&
				!slices.ContainsFunc(out, func(l label) bool { return l.text == text }) {
				out = append(out, label{text: text, score: scoreConcept})
			}
		}
	}
	return out
}
