package llm_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// Generated documents shaped like those agentic extraction meets: receipts
// priced in dollars, German and French invoices with decimal commas, units
// and dates in words, credit notes with negative quantities, line items
// whose description wraps over two or three lines of its cell, and
// contracts of 5 to 17 pages that name their parties on every page. Each
// is plain text laid out in columns (pages cut by form feeds), with the
// values a careful reader finds in it: its gold.

// genDoc is one generated document.
type genDoc struct {
	id, kind string
	text     string
	schema   string
	gold     map[string]any
}

const invoiceGoldSchema = `{"type": "object", "properties": {
  "invoice_number": {"type": ["string", "null"]},
  "invoice_date": {"type": ["string", "null"], "format": "date"},
  "seller_name": {"type": ["string", "null"]},
  "buyer_name": {"type": ["string", "null"]},
  "currency": {"type": ["string", "null"], "description": "ISO 4217 code of the invoice's currency"},
  "net_amount": {"type": ["number", "null"]},
  "tax_amount": {"type": ["number", "null"]},
  "total_amount": {"type": ["number", "null"]},
  "line_items": {"type": "array", "items": {"type": "object", "properties": {
    "description": {"type": ["string", "null"]},
    "quantity": {"type": ["number", "null"]},
    "unit_price": {"type": ["number", "null"]},
    "amount": {"type": ["number", "null"]}}}}
}, "required": ["invoice_number"]}`

const receiptGoldSchema = `{"type": "object", "properties": {
  "merchant": {"type": ["string", "null"]},
  "date": {"type": ["string", "null"], "format": "date"},
  "currency": {"type": ["string", "null"], "description": "ISO 4217 code"},
  "total": {"type": ["number", "null"]},
  "items": {"type": "array", "items": {"type": "object", "properties": {
    "description": {"type": ["string", "null"]},
    "amount": {"type": ["number", "null"]}}}}
}}`

const contractGoldSchema = `{"type": "object", "properties": {
  "effective_date": {"type": ["string", "null"], "format": "date"},
  "jurisdiction": {"type": ["string", "null"]},
  "parties": {"type": "array", "items": {"type": "string"}, "description": "every party, each once"},
  "term": {"type": ["string", "null"], "description": "'<number> <unit>', e.g. '2 years'"}
}, "required": ["effective_date", "jurisdiction", "parties", "term"]}`

// generate makes n documents of each kind from seed.
func generate(seed uint64, n int) []genDoc {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	var out []genDoc
	for i := range n {
		for _, g := range []func(*rand.Rand, int) genDoc{receiptDoc, germanInvoice, frenchInvoice, creditNote, wrappedInvoice, contractDoc} {
			out = append(out, g(r, i))
		}
	}
	return out
}

// cols lays out cells at fixed columns: cells[i] starts at col[i], with at
// least two blanks before it, as a printed table's columns stand apart.
func cols(col []int, cells ...string) string {
	var b strings.Builder
	for i, c := range cells {
		if c == "" {
			continue
		}
		pad := col[i] - b.Len()
		if b.Len() > 0 {
			pad = max(pad, 2)
		}
		b.WriteString(strings.Repeat(" ", max(pad, 0)))
		b.WriteString(c)
	}
	return b.String()
}

func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

func round2(f float64) float64 { return math.Round(f*100) / 100 }

func randDate(r *rand.Rand) time.Time {
	return time.Date(2015+r.IntN(10), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
}

// european writes an amount with a decimal comma and dots (or, sep " ",
// blanks) between thousands, with decimals digits after the comma.
func european(f float64, decimals int, sep string) string {
	neg := f < 0
	s := fmt.Sprintf("%.*f", decimals, math.Abs(f))
	whole, frac, _ := strings.Cut(s, ".")
	var g []string
	for len(whole) > 3 {
		g = append([]string{whole[len(whole)-3:]}, g...)
		whole = whole[:len(whole)-3]
	}
	g = append([]string{whole}, g...)
	out := strings.Join(g, sep)
	if decimals > 0 {
		out += "," + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

// english writes an amount with a decimal point and commas between
// thousands.
func english(f float64) string {
	s := fmt.Sprintf("%.2f", f)
	whole, frac, _ := strings.Cut(s, ".")
	var g []string
	for len(whole) > 3 {
		g = append([]string{whole[len(whole)-3:]}, g...)
		whole = whole[:len(whole)-3]
	}
	return strings.Join(append([]string{whole}, g...), ",") + "." + frac
}

var (
	germanMonths = []string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"}
	frenchMonths = []string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"}
	companies    = []string{"Muster Handels GmbH", "Nordlicht Technik AG", "Bäckerei Sonnenschein KG", "Société Générale des Eaux", "Atelier Dupont SARL",
		"Hoffmann & Söhne GmbH", "Les Jardins de Provence SAS", "Brightwater Consulting Ltd", "Kensington Office Supplies Ltd", "Rheinland Logistik GmbH"}
	people = []string{"Jane Q. Doe", "Eric Dean Sprunk", "Marie-Claire Fontaine", "Thomas Müller", "Robert J. Whitfield", "Anna Kowalski"}
)

func receiptDoc(r *rand.Rand, i int) genDoc {
	d := randDate(r)
	store := pick(r, "SUNRISE MARKET", "CORNER DELI & GROCERY", "BLUE BOTTLE COFFEE", "MAIN STREET HARDWARE", "GOLDEN WOK EXPRESS")
	date := pick(r, d.Format("01/02/2006"), d.Format("January 2, 2006"), d.Format("Jan 2, 2006"), d.Format("Mon, Jan 2, 2006"), d.Format("02-Jan-2006"), d.Format("1/2/06"))
	col := []int{0, 30}
	lines := []string{store, fmt.Sprintf("%d %s Ave, Springfield", 10+r.IntN(900), pick(r, "Oak", "Elm", "Maple")), "Date: " + date + "   14:3" + fmt.Sprint(r.IntN(10)), ""}
	dollar := pick(r, "$%s", "$ %s", "%s $")
	var items []any
	total := 0.0
	for range 2 + r.IntN(5) {
		desc := pick(r, "Whole Milk 1 gal", "Sourdough Loaf", "Cold Brew 16oz", "Hex Bolts M8", "Kung Pao Chicken", "Bananas", "Paper Towels 6pk", "Green Tea")
		amt := round2(0.5 + r.Float64()*20)
		total += amt
		lines = append(lines, cols(col, desc, fmt.Sprintf(dollar, english(amt))))
		items = append(items, map[string]any{"description": desc, "amount": amt})
	}
	total = round2(total)
	lines = append(lines, "", cols(col, "TOTAL", fmt.Sprintf(dollar, english(total))), cols(col, "CASH", fmt.Sprintf(dollar, english(total+5))), "", "THANK YOU!")
	return genDoc{id: fmt.Sprintf("receipt-%02d", i), kind: "receipt ($)", text: strings.Join(lines, "\n") + "\n", schema: receiptGoldSchema,
		gold: map[string]any{"merchant": store, "date": d.Format("2006-01-02"), "currency": "USD", "total": total, "items": items}}
}

// lineItem is one generated invoice line with its printed cells.
type lineItem struct {
	desc                    []string // the lines of the description cell
	qty, price, amount      float64
	qtyText, priceText, amt string
}

func (li lineItem) gold() map[string]any {
	return map[string]any{"description": strings.Join(li.desc, " "), "quantity": li.qty, "unit_price": li.price, "amount": li.amount}
}

// table writes items under a header, each description over its lines.
func table(col []int, header []string, items []lineItem) []string {
	out := []string{cols(col, header...)}
	for n, li := range items {
		out = append(out, cols(col, fmt.Sprint(n+1), li.desc[0], li.qtyText, li.priceText, li.amt))
		for _, more := range li.desc[1:] {
			out = append(out, cols(col, "", more))
		}
	}
	return out
}

func germanInvoice(r *rand.Rand, i int) genDoc {
	d := randDate(r)
	date := pick(r, fmt.Sprintf("%d. %s %d", d.Day(), germanMonths[d.Month()-1], d.Year()), d.Format("02.01.2006"), d.Format("2.1.2006"))
	seller, buyer := pick(r, companies[:3]...), pick(r, companies[5:]...)
	var items []lineItem
	net := 0.0
	for range 1 + r.IntN(4) {
		var li lineItem
		switch r.IntN(3) {
		case 0:
			li.qty = float64(1000 * (1 + r.IntN(9)))
			li.qtyText = european(li.qty, 0, ".") + " Stück"
			li.desc = []string{pick(r, "Schrauben M6 verzinkt", "Kabelbinder 200 mm", "Etiketten DIN A4")}
		case 1:
			li.qty = float64(5+r.IntN(40)) / 2
			li.qtyText = european(li.qty, 1, ".") + " h"
			li.desc = []string{pick(r, "Beratung vor Ort", "Montage und Inbetriebnahme", "Schulung Mitarbeiter")}
		default:
			li.qty = float64(1 + r.IntN(12))
			li.qtyText = fmt.Sprint(li.qty) + " Monat(e)"
			li.desc = []string{"Wartungsvertrag Premium", fmt.Sprintf("Leistungszeitraum %s bis", d.Format("02.01.2006")), d.AddDate(0, int(li.qty), -1).Format("02.01.2006")}
		}
		li.price = float64(r.IntN(900000)+100) / 10000
		li.priceText = european(li.price, 4, ".") + " €"
		li.amount = round2(li.qty * li.price)
		li.amt = european(li.amount, 2, ".") + " €"
		net += li.amount
		items = append(items, li)
	}
	net = round2(net)
	tax := round2(net * 0.19)
	total := round2(net + tax)
	col := []int{0, 5, 40, 58, 74}
	lines := []string{seller + " · Hauptstraße 5 · 10115 Berlin", "", "An: " + buyer, "", cols([]int{0, 40}, "RECHNUNG", "Rechnungs-Nr.: RE-"+fmt.Sprint(20000+i)),
		cols([]int{0, 40}, "", "Rechnungsdatum: "+date), ""}
	lines = append(lines, table(col, []string{"Pos", "Bezeichnung", "Menge", "Einzelpreis", "Gesamt"}, items)...)
	lines = append(lines, "", cols([]int{40, 74}, "Nettobetrag", european(net, 2, ".")+" €"), cols([]int{40, 74}, "USt. 19 %", european(tax, 2, ".")+" €"),
		cols([]int{40, 74}, "Rechnungsbetrag", european(total, 2, ".")+pick(r, " €", " Euro")), "", "Zahlbar innerhalb von 14 Tagen ohne Abzug.")
	return invoiceGold(fmt.Sprintf("de-%02d", i), "invoice (German)", lines, "RE-"+fmt.Sprint(20000+i), d, seller, buyer, net, tax, total, items)
}

func invoiceGold(id, kind string, lines []string, number string, d time.Time, seller, buyer string, net, tax, total float64, items []lineItem) genDoc {
	var li []any
	for _, it := range items {
		li = append(li, it.gold())
	}
	return genDoc{id: id, kind: kind, text: strings.Join(lines, "\n") + "\n", schema: invoiceGoldSchema, gold: map[string]any{
		"invoice_number": number, "invoice_date": d.Format("2006-01-02"), "seller_name": seller, "buyer_name": buyer,
		"currency": currencyOf(kind), "net_amount": net, "tax_amount": tax, "total_amount": total, "line_items": li,
	}}
}

func currencyOf(kind string) string {
	if strings.Contains(kind, "wrapped") {
		return "GBP"
	}
	return "EUR"
}

func frenchInvoice(r *rand.Rand, i int) genDoc {
	d := randDate(r)
	day := fmt.Sprint(d.Day())
	if d.Day() == 1 {
		day = "1er"
	}
	date := pick(r, fmt.Sprintf("%s %s %d", day, frenchMonths[d.Month()-1], d.Year()), "le "+fmt.Sprintf("%s %s %d", day, frenchMonths[d.Month()-1], d.Year()), d.Format("02/01/2006"))
	seller, buyer := pick(r, companies[3], companies[4], companies[6]), pick(r, companies[0], companies[1], companies[9])
	var items []lineItem
	net := 0.0
	for range 1 + r.IntN(4) {
		var li lineItem
		if r.IntN(2) == 0 {
			li.qty = float64(5+r.IntN(30)) / 2
			li.qtyText = european(li.qty, 1, " ") + " h"
			li.desc = []string{pick(r, "Prestation de conseil", "Développement logiciel", "Formation sur site")}
		} else {
			li.qty = float64(1000 + r.IntN(5000))
			li.qtyText = european(li.qty, 0, " ") + " u."
			li.desc = []string{pick(r, "Cartouches d'encre noire", "Ramettes papier A4", "Stylos à bille bleus"), "Réf. " + fmt.Sprint(1000+r.IntN(9000))}
		}
		li.price = float64(r.IntN(50000)+50) / 100
		li.priceText = european(li.price, 2, " ") + " €"
		li.amount = round2(li.qty * li.price)
		li.amt = european(li.amount, 2, " ") + " €"
		net += li.amount
		items = append(items, li)
	}
	net = round2(net)
	tax := round2(net * 0.2)
	total := round2(net + tax)
	col := []int{0, 5, 44, 58, 72}
	lines := []string{seller, "12 rue de la République, 69002 Lyon", "", "Client : " + buyer, "", "FACTURE N° FA-" + fmt.Sprint(3000+i), "Date : " + date, ""}
	lines = append(lines, table(col, []string{"N°", "Désignation", "Qté", "P.U. HT", "Montant HT"}, items)...)
	lines = append(lines, "", cols([]int{44, 72}, "Total HT", european(net, 2, " ")+" €"), cols([]int{44, 72}, "TVA 20 %", european(tax, 2, " ")+" €"),
		cols([]int{44, 72}, "Total TTC", european(total, 2, " ")+" €"), "", "Montants exprimés en euros.")
	return invoiceGold(fmt.Sprintf("fr-%02d", i), "invoice (French)", lines, "FA-"+fmt.Sprint(3000+i), d, seller, buyer, net, tax, total, items)
}

func creditNote(r *rand.Rand, i int) genDoc {
	d := randDate(r)
	seller, buyer := pick(r, companies[:3]...), pick(r, companies[5:]...)
	var items []lineItem
	net := 0.0
	for range 1 + r.IntN(3) {
		li := lineItem{desc: []string{pick(r, "Rücksendung Druckerpapier", "Gutschrift Rabatt Q3", "Retoure Toner schwarz")}}
		li.qty = -float64(1 + r.IntN(20))
		li.price = float64(r.IntN(20000)+100) / 100
		li.amount = round2(li.qty * li.price)
		n := -li.qty
		switch r.IntN(3) {
		case 0:
			li.qtyText = fmt.Sprintf("-%g", n)
			li.amt = european(li.amount, 2, ".") + " €"
		case 1:
			li.qtyText = fmt.Sprintf("%g-", n)
			li.amt = european(-li.amount, 2, ".") + "- €"
		default:
			li.qtyText = fmt.Sprintf("(%g)", n)
			li.amt = "(" + european(-li.amount, 2, ".") + ") €"
		}
		li.priceText = european(li.price, 2, ".") + " €"
		net += li.amount
		items = append(items, li)
	}
	net = round2(net)
	tax := round2(net * 0.19)
	total := round2(net + tax)
	col := []int{0, 5, 40, 54, 70}
	lines := []string{seller, "Industriestraße 12 · 50667 Köln", "", "An: " + buyer, "", "GUTSCHRIFT Nr. GS-" + fmt.Sprint(500+i), "Datum: " + d.Format("02.01.2006"), ""}
	lines = append(lines, table(col, []string{"Pos", "Bezeichnung", "Menge", "Preis", "Betrag"}, items)...)
	lines = append(lines, "", cols([]int{40, 70}, "Netto", european(net, 2, ".")+" €"), cols([]int{40, 70}, "MwSt. 19 %", european(tax, 2, ".")+" €"),
		cols([]int{40, 70}, "Gutschriftsbetrag", european(total, 2, ".")+" €"))
	return invoiceGold(fmt.Sprintf("cn-%02d", i), "credit note", lines, "GS-"+fmt.Sprint(500+i), d, seller, buyer, net, tax, total, items)
}

func wrappedInvoice(r *rand.Rand, i int) genDoc {
	d := randDate(r)
	seller, buyer := companies[7], companies[8]
	var items []lineItem
	net := 0.0
	for range 2 + r.IntN(3) {
		var li lineItem
		start := randDate(r)
		switch r.IntN(3) {
		case 0:
			li.desc = []string{"Annual support plan", "Period: " + start.Format("2 Jan 2006") + " to", start.AddDate(1, 0, -1).Format("2 Jan 2006")}
		case 1:
			li.desc = []string{"Ergonomic office chair,", "black mesh, model EC-" + fmt.Sprint(100+r.IntN(900))}
		default:
			li.desc = []string{"On-site installation", "of network cabling", "(PO " + fmt.Sprint(40000+r.IntN(9999)) + ")"}
		}
		li.qty = float64(1 + r.IntN(9))
		li.qtyText = fmt.Sprint(li.qty)
		li.price = float64(r.IntN(100000)+500) / 100
		li.priceText = "£" + english(li.price)
		li.amount = round2(li.qty * li.price)
		li.amt = "£" + english(li.amount)
		net += li.amount
		items = append(items, li)
	}
	net = round2(net)
	tax := round2(net * 0.2)
	total := round2(net + tax)
	col := []int{0, 5, 36, 44, 58}
	ord := map[int]string{1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}[d.Day()]
	if ord == "" {
		ord = "th"
	}
	lines := []string{seller, "4 Riverside Walk, Bristol BS1 5AA", "", "Invoice to: " + buyer, "", "INVOICE No. BW-" + fmt.Sprint(700+i),
		"Invoice date: " + pick(r, fmt.Sprintf("%d%s %s %d", d.Day(), ord, d.Month(), d.Year()), d.Format("02/01/2006"), d.Format("2 January 2006")), ""}
	lines = append(lines, table(col, []string{"#", "Description", "Qty", "Unit price", "Amount"}, items)...)
	lines = append(lines, "", cols([]int{36, 58}, "Subtotal", "£"+english(net)), cols([]int{36, 58}, "VAT 20%", "£"+english(tax)), cols([]int{36, 58}, "Total due", "£"+english(total)))
	return invoiceGold(fmt.Sprintf("wrap-%02d", i), "invoice (wrapped descriptions)", lines, "BW-"+fmt.Sprint(700+i), d, seller, buyer, net, tax, total, items)
}

var (
	legalSentences = []string{
		"The Receiving Party shall hold the Confidential Information in strict confidence and shall not disclose it to any third party.",
		"Confidential Information does not include information that is or becomes generally available to the public other than as a result of a disclosure by the Receiving Party.",
		"Each party shall use the Confidential Information solely for the purpose of evaluating a possible business relationship between the parties.",
		"Upon the written request of the Disclosing Party, the Receiving Party shall promptly return or destroy all documents containing Confidential Information.",
		"No license under any patent, copyright or other intellectual property right is granted by this Agreement.",
		"The parties acknowledge that monetary damages may not be a sufficient remedy for unauthorized disclosure of Confidential Information.",
		"Neither party shall assign this Agreement without the prior written consent of the other party.",
		"This Agreement constitutes the entire agreement between the parties with respect to its subject matter.",
	}
	states = []string{"Delaware", "New York", "California", "Oregon", "Texas", "Massachusetts"}
	terms  = map[string]string{"2 years": "two (2) years", "3 years": "three (3) years", "18 months": "eighteen (18) months", "5 years": "five (5) years"}
)

// contractDoc is a non-disclosure agreement of 5 to 17 pages, its parties
// named in a running header on every page.
func contractDoc(r *rand.Rand, i int) genDoc {
	d := randDate(r)
	company := pick(r, "Acme Holdings, Inc.", "Northwind Traders Corporation", "Globex Pharmaceuticals LLC", "Initech Software, Inc.")
	person := pick(r, people...)
	state := pick(r, states...)
	term := pick(r, "2 years", "3 years", "18 months", "5 years")
	ord := map[int]string{1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}[d.Day()]
	if ord == "" {
		ord = "th"
	}
	date := pick(r, fmt.Sprintf("the %d%s day of %s, %d", d.Day(), ord, d.Month(), d.Year()), d.Format("January 2, 2006"), d.Format("01/02/2006"))
	pages := 5 + r.IntN(13)
	var out []string
	for p := 1; p <= pages; p++ {
		lines := []string{fmt.Sprintf("CONFIDENTIAL - %s / %s", strings.ToUpper(company), person), ""}
		if p == 1 {
			lines = append(lines, "MUTUAL NON-DISCLOSURE AGREEMENT", "",
				fmt.Sprintf("This Mutual Non-Disclosure Agreement (the \"Agreement\") is entered into as of %s", date),
				fmt.Sprintf("(the \"Effective Date\") by and between %s, a %s corporation (the \"Company\"),", company, state),
				fmt.Sprintf("and %s, an individual residing in %s (\"%s\").", person, pick(r, states...), strings.Fields(person)[len(strings.Fields(person))-1]), "")
		}
		for k := 0; k < 24; k++ {
			s := legalSentences[r.IntN(len(legalSentences))]
			lines = append(lines, wrapText(fmt.Sprintf("%d.%d %s", p, k+1, s), 90)...)
		}
		if p == pages/2 {
			lines = append(lines, "", fmt.Sprintf("Term. This Agreement shall remain in effect for a period of %s from the Effective Date.", terms[term]))
		}
		if p == pages-1 {
			lines = append(lines, "", fmt.Sprintf("Governing Law. This Agreement shall be governed by the laws of the State of %s,", state), "without regard to its conflict of laws principles.")
		}
		if p == pages {
			lines = append(lines, "", "IN WITNESS WHEREOF, the parties have executed this Agreement.", "", strings.ToUpper(company), "By: ______________________", "", person, "Signature: _______________")
		}
		lines = append(lines, "", fmt.Sprintf("Page %d of %d", p, pages))
		out = append(out, strings.Join(lines, "\n"))
	}
	return genDoc{id: fmt.Sprintf("nda-%02d", i), kind: "contract", text: strings.Join(out, "\n\f") + "\n", schema: contractGoldSchema,
		gold: map[string]any{"effective_date": d.Format("2006-01-02"), "jurisdiction": state, "parties": []any{company, person}, "term": term}}
}

// wrapText cuts a paragraph into lines of at most width runes.
func wrapText(s string, width int) []string {
	var out []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && len([]rune(line))+1+len([]rune(w)) > width {
			out = append(out, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return append(out, line)
}
