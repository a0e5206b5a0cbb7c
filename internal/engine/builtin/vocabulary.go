package builtin

import (
	"slices"
	"strings"
)

// invoiceGroups are the labels invoices print for their header fields,
// totals and line-item columns in German, French, Dutch and Spanish as well
// as English, normalized (see norm: "USt-IdNr." is "ust idnr", "N°" is
// "n"). Each group holds an English label a schema is likely to use, so
// that a property called invoice_number or unit_price finds
// "Rechnungsnummer" or "prix unitaire"; they are added to synonymGroups,
// which lets a group widen an English group without repeating it.
//
// The document-level groups (number, date, parties, totals) are also what
// a field's invoice concept is looked for under (see concept.go), whatever
// its name: a field called gross with a description saying "grand total
// including tax" finds "Bruttosumme" too.
var invoiceGroups = [][]string{
	{"invoice number", "invoice no", "rechnungsnummer", "rechnungs nr", "rechnung nr", "rechnungsnr", "re nr",
		"belegnummer", "beleg nr", "gutschriftsnummer", "gutschrift nr", "gutschriftnummer",
		"numéro de facture", "numero de facture", "n de facture", "no de facture", "nº de facture", "facture n", "facture nº", "facture no",
		"n facture", "nº facture", "numéro facture", "numéro davoir", "avoir n",
		"factuurnummer", "factuur nr", "factuurnr", "factuur nummer",
		"número de factura", "numero de factura", "factura n", "factura nº", "nº factura", "n factura", "factura no", "nº de factura",
		"credit note number", "credit note no"},
	{"invoice date", "rechnungsdatum", "belegdatum", "ausstellungsdatum", "datum der rechnung", "rechnungs datum",
		"date de facture", "date de facturation", "date facture", "date démission", "date de la facture",
		"factuurdatum", "datum factuur", "fecha de factura", "fecha factura", "fecha de emisión", "fecha emisión"},
	{"seller", "verkäufer", "lieferant", "rechnungsersteller", "leistungserbringer", "auftragnehmer", "absender",
		"fournisseur", "vendeur", "émetteur", "leverancier", "verkoper", "proveedor", "vendedor", "emisor",
		"prestataire", "rechnungssteller", "verkäufer lieferant"},
	{"buyer", "käufer", "kunde", "rechnungsempfänger", "leistungsempfänger", "käufer leistungsempfänger", "rechnungsadresse",
		"auftraggeber", "acheteur", "destinataire", "facturé à", "adresse de facturation", "klant", "koper", "afnemer",
		"cliente", "comprador", "facturar a",
		"acquéreur", "facturer à", "adressé à", "rechnungsempfänger käufer"},
	{"vat id", "vat number", "vat no", "vat reg no", "vat registration number", "vat identification number", "tax id",
		"ust idnr", "ust id nr", "ust id", "ustidnr", "ust identnr", "ust ident nr", "umsatzsteuer identifikationsnummer",
		"umsatzsteuer id", "mwst nr", "uid", "uid nr",
		"tva intracommunautaire", "n tva intracommunautaire", "numéro de tva", "n tva", "n de tva", "numéro tva intracommunautaire",
		"btw nummer", "btw nr", "btw id", "nif", "cif", "nif iva", "n iva"},
	{"customer number", "customer no", "customer id", "kundennummer", "kunden nr", "kundennr", "numéro client", "n client",
		"numéro de client", "klantnummer", "klant nr", "número de cliente"},
	{"currency", "währung", "devise", "monnaie", "valuta", "munt", "moneda", "divisa",
		"invoice currency", "rechnungswährung", "devise de facturation", "factuurvaluta"},
	{"total before tax", "net total", "total net", "total excl tax", "total excluding tax", "total excl vat", "total excluding vat",
		"nettobetrag", "nettosumme", "summe netto", "gesamt netto", "gesamtbetrag netto", "netto gesamt", "rechnungsbetrag netto", "rechnungssumme netto",
		"rechnungssumme ohne ust", "summe ohne ust", "nettobetrag gesamt", "gesamtsumme netto",
		"total ht", "montant ht", "total hors taxes", "montant hors taxes", "montant total ht",
		"totaal excl btw", "totaal exclusief btw", "subtotaal excl btw", "netto bedrag",
		"base imponible", "importe neto", "total sin iva", "subtotal sin iva",
		"total without vat", "total without tax", "invoice total without vat", "total net amount", "net amount total", "sum of invoice line net amount", "total net ht", "montant net ht", "total hors tva", "nettowarenwert", "summe netto", "netto summe"},
	{"tax amount", "total tax", "vat amount", "steuerbetrag", "mwst", "mehrwertsteuer", "umsatzsteuer", "summe umsatzsteuer", "summe mwst",
		"mwst betrag", "ust betrag", "umsatzsteuerbetrag", "gesamt mwst", "gesamtbetrag mwst", "zzgl mwst", "zzgl ust", "enthaltene mwst",
		"tva", "montant tva", "total tva", "montant de la tva", "btw", "btw bedrag", "totaal btw", "iva", "importe iva", "cuota iva", "total iva",
		"total vat amount", "invoice total vat amount", "vat total", "tax total", "montant total tva", "total taxes", "umsatzsteuer gesamt"},
	{"grand total", "total amount", "invoice total", "gesamtbetrag", "bruttosumme", "bruttobetrag", "rechnungsbetrag", "rechnungssumme brutto",
		"gesamtsumme", "summe brutto", "endbetrag", "gesamt brutto", "gesamtbetrag brutto", "rechnungssumme", "rechnungsbetrag brutto",
		"total ttc", "montant ttc", "total toutes taxes comprises", "montant total ttc", "montant total",
		"totaal", "totaal incl btw", "totaalbedrag", "totaal inclusief btw", "total factura", "importe total", "total con iva",
		"total with vat", "invoice total with vat", "total amount with vat", "total incl vat", "total including vat", "total gross", "gross amount", "total gross amount", "endsumme", "montant total toutes taxes comprises", "total général"},
	{"amount due", "zahlbetrag", "zu zahlen", "zu zahlender betrag", "offener betrag", "fälliger betrag", "restbetrag", "noch zu zahlen",
		"net à payer", "montant à payer", "reste à payer", "montant dû", "total à payer", "te betalen", "totaal te betalen",
		"openstaand bedrag", "importe a pagar", "total a pagar",
		"amount due for payment", "payable amount", "amount to pay", "montant à régler", "reste dû", "solde dû", "total à régler", "zahlungsbetrag", "verschuldeter betrag"},
	// Line-item columns.
	{"description", "beschreibung", "bezeichnung", "artikel", "artikelbezeichnung", "artikelbeschreibung", "leistung",
		"leistungsbeschreibung", "produkt", "désignation", "designation", "libellé", "produit", "omschrijving",
		"artikelomschrijving", "descripción", "concepto", "artículo"},
	{"quantity", "menge", "anzahl", "stück", "quantité", "qté", "qte", "aantal", "hoeveelheid", "cantidad", "cant", "uds"},
	{"unit price", "einzelpreis", "preis", "nettopreis", "stückpreis", "preis einheit", "einzelpreis netto", "e preis", "ep",
		"prix unitaire", "prix unit", "pu", "pu ht", "prix unitaire ht", "prix", "stuksprijs", "prijs", "eenheidsprijs",
		"precio unitario", "precio"},
	{"amount", "line total", "betrag", "gesamt", "gesamtpreis", "nettobetrag", "entgelt", "positionsbetrag", "gesamtpreis netto",
		"montant", "montant ht", "total ht", "bedrag", "totaal", "importe", "total línea"},
}

// itemSums label the sum of the line items printed under them.
var itemSums = []string{"zwischensumme", "positionssumme", "summe positionen", "warenwert", "sous total", "subtotaal",
	"tussentotaal", "subtotal", "suma"}

// The invoice groups join the synonym groups label.go matches with: a
// label in one of them is looked for under the others of its group, for
// any field whose name or title is one of them. A line-item column's group
// also widens every English group its first label is in, so that a column
// field called product, qty or price finds "Bezeichnung", "Menge" and
// "Einzelpreis" as description, quantity and unit_price do; the
// document-level groups are reached through a field's concept instead,
// which tells a total from an amount due.
func init() {
	for i, g := range invoiceGroups {
		for _, l := range g {
			for _, v := range spellings(l) {
				if !slices.Contains(invoiceGroups[i], v) {
					invoiceGroups[i] = append(invoiceGroups[i], v)
				}
			}
		}
	}
	// A table row under one of the document's totals' labels closes the
	// items, in every language as in English, as does a sum of the items.
	for _, c := range []concept{conceptNetTotal, conceptTaxTotal, conceptGrandTotal, conceptAmountDue, conceptNone} {
		group := conceptGroup(c)
		if c == conceptNone {
			group = itemSums
		}
		for _, l := range group {
			if !slices.Contains(closingLabels, l) {
				closingLabels = append(closingLabels, l)
			}
		}
	}
	lineItems := map[string]bool{"description": true, "quantity": true, "unit price": true, "amount": true}
	for _, g := range invoiceGroups {
		if lineItems[g[0]] {
			for i, eg := range synonymGroups {
				if slices.Contains(eg, g[0]) {
					for _, l := range g {
						if !slices.Contains(synonymGroups[i], l) {
							synonymGroups[i] = append(synonymGroups[i], l)
						}
					}
				}
			}
		}
		synonymGroups = append(synonymGroups, g)
	}
}

// camelWords are German abbreviations written in mixed case ("MwSt",
// "USt-IdNr."), which norm splits where a capital follows a small letter:
// a label holding one is also looked for in its split spelling.
var camelWords = map[string]string{"mwst": "mw st", "ust": "u st", "idnr": "id nr", "ustidnr": "u st id nr", "identnr": "ident nr"}

// spellings are the other normalized spellings of a label: each mixed-case
// abbreviation in it split as norm splits it.
func spellings(l string) []string {
	words := strings.Fields(l)
	changed := false
	for i, w := range words {
		if c, ok := camelWords[w]; ok {
			words[i], changed = c, true
		}
	}
	if !changed {
		return nil
	}
	return []string{strings.Join(words, " ")}
}
