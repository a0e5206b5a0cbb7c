package builtin

import (
	"cmp"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/quarrylabs/quarry/internal/document"
)

// A receipt or an invoice prints many amounts under labels that share a
// word: SUB TOTAL, TOTAL GST, TOTAL QTY, TOTAL SALES (EXCLUDING GST),
// TOTAL ROUNDED, then CASH and CHANGE. Which of them a number field wants
// is in the words around "total": a field that asks for the total after
// tax and rounding takes none whose label says "sub", "excluding", "qty"
// or names a tax alone, and among those left, the last, since a document's
// totals run towards the final one. amountLines finds amounts ending a
// line whose words hold one of a field's labels; agree then rescores every
// candidate of a number field by the qualifiers of its label.

// qualifier is a kind of word that changes what an amount counts.
type qualifier int

const (
	qualSub qualifier = iota
	qualExclTax
	qualInclTax
	qualTax
	qualQty
	qualDiscount
	qualPayment
	qualRounding
	qualPrepaid
	qualNet
	numQualifiers
)

// qualifierWords lists each qualifier's words, normalized, in the
// languages of the documents Quarry reads.
var qualifierWords = [numQualifiers][]string{
	qualSub:      {"sub", "subtotal", "zwischensumme", "sous", "subtotaal"},
	qualExclTax:  {"excl", "excluding", "exclusive", "excluded", "exc", "without", "before", "ohne", "exkl", "hors", "ht", "sin", "zonder", "exclusief"},
	qualInclTax:  {"incl", "including", "includes", "include", "inclusive", "included", "inc", "after", "with", "inkl", "inklusive", "ttc", "con", "inclusief", "avec"},
	qualTax:      {"tax", "taxes", "gst", "vat", "sst", "mwst", "ust", "tva", "iva", "btw", "steuer", "umsatzsteuer", "steuerbetrag", "taxe"},
	qualQty:      {"qty", "quantity", "items", "item", "pcs", "units", "menge", "anzahl", "quantite", "quantité", "qte", "cantidad", "aantal"},
	qualDiscount: {"discount", "discounts", "saving", "savings", "rabatt", "remise", "descuento", "korting", "voucher", "coupon"},
	qualPayment:  {"cash", "change", "tendered", "card", "visa", "mastercard", "credit", "debit", "payment", "gegeben", "ruckgeld", "rückgeld", "rendu", "especes", "espèces", "cambio", "efectivo"},
	qualRounding: {"rounding", "rounded", "round", "adj", "adjustment", "rundung"},
	qualPrepaid:  {"deposit", "prepaid", "advance", "anzahlung", "acompte", "anticipo", "vorauszahlung"},
	qualNet:      {"net", "netto", "nettobetrag"},
}

var qualifierOf = func() map[string]qualifier {
	m := map[string]qualifier{}
	for q, ws := range qualifierWords {
		for _, w := range ws {
			m[w] = qualifier(q)
		}
	}
	return m
}()

// qualifiers returns the qualifiers among words.
func qualifiers(words []string) [numQualifiers]bool {
	var out [numQualifiers]bool
	for _, w := range words {
		if q, ok := qualifierOf[w]; ok {
			out[q] = true
		}
		if q, ok := qualifierOf[stem(w)]; ok {
			out[q] = true
		}
	}
	return out
}

// Agreement factors: a label qualifier the field does not ask for makes
// the amount another one (a tax, a count, a subtotal); one it asks for
// confirms it.
const (
	agreeMissing = 0.25
	agreeShared  = 1.15
	// agreeZero is the factor of an amount of zero: a document's total is
	// seldom nothing, its empty tax and discount rows often are.
	agreeZero = 0.5
	// agreeInRow is the factor of an amount followed by another on its row.
	agreeInRow = 0.7
	// agreeBareNumber is the factor of a whole number with no currency
	// offered to a field of money.
	agreeBareNumber = 0.5
	// agreePaid is the factor of a final amount equal to what was paid.
	agreePaid = 1.2
	// amountAmongWords is the factor of a label that stands among other
	// words before an amount ("TOTAL ROUNDED"); agree judges the words.
	amountAmongWords = 0.9
	// finalWindow is how close to the best score an amount must be for a
	// later one to win for a field that asks for a final amount.
	finalWindow = 0.85
)

// numberField reports whether the field holds a number.
func numberField(f *field) bool {
	return !f.list && len(f.alts) > 0 && (f.alts[0].kind == kindNumber || f.alts[0].kind == kindInteger)
}

// fieldQualifiers are the qualifiers the field's own words say. A tax
// named in a description beside "after" or "including" is what the amount
// includes, not what it is, so it counts only from the name or where the
// description names no inclusion.
func fieldQualifiers(f *field) [numQualifiers]bool {
	var name []string
	for w := range f.mean.name {
		name = append(name, w)
	}
	desc := strings.Fields(norm(formatPhrase.ReplaceAllString(f.prop.description, " ")))
	qn, qd := qualifiers(name), qualifiers(desc)
	out := qn
	for q := range numQualifiers {
		if qd[q] && (q != qualTax || !qd[qualInclTax] && !qd[qualExclTax]) {
			out[q] = true
		}
	}
	return out
}

// formatPhrase is how a description says how to write a value rather than
// which value it is: "without currency symbol", "with no thousands
// separators". Its "without" excludes no tax.
var formatPhrase = regexp.MustCompile(`(?i)\b(without|with|excluding|no)\s+(the\s+|any\s+|no\s+)?(currency|symbols?|signs?|codes?|thousands|separators?|spaces?|prefix|units?|labels?|decimals?)\b[^,.;)]*`)

// kin links the qualifiers that say one thing: a subtotal is the net
// amount, before tax. Each points to the next of its ring; the others to
// themselves.
var kin = func() [numQualifiers]qualifier {
	var k [numQualifiers]qualifier
	for q := range numQualifiers {
		k[q] = q
	}
	k[qualSub], k[qualNet], k[qualExclTax] = qualNet, qualExclTax, qualSub
	return k
}()

// withoutLabels is a label's words less those of the field's own labels it
// holds: "Net total" is a label of a subtotal, whose "net" says nothing
// against it.
func withoutLabels(text string, labels []label) []string {
	t := " " + text + " "
	for _, l := range labels {
		if l.text != "" {
			t = strings.ReplaceAll(t, " "+l.text+" ", "  ")
		}
	}
	return strings.Fields(t)
}

// wantsFinal reports whether a number field asks for a document's final
// amount: a total, a gross, an amount due or payable.
func wantsFinal(f *field) bool {
	return f.mean.says("total", "gross", "grand", "payable", "due", "final", "summe", "gesamtbetrag", "bruttosumme", "montant", "totaal", "importe")
}

// amountLines offers the amount ending each line to the number fields
// whose labels its other words hold: "TOTAL ROUNDED RM 33.90" for a total.
// Labels written this way, with no separator before the value, are how
// receipts print most amounts.
func (fd *finder) amountLines(pages []document.Page) {
	af := fd.plan.amounts
	if len(af.fields) == 0 {
		return
	}
	fields, firsts, padded := af.fields, af.firsts, af.padded
	for pi := range pages {
		p := &pages[pi]
		for _, l := range p.Lines {
			if len(l.Words) < 2 || !strings.ContainsAny(p.Words[l.Words[len(l.Words)-1]].Text, "0123456789") {
				continue
			}
			valueFrom, ok := trailingAmount(p, l.Words)
			if !ok {
				continue
			}
			left := make([]string, 0, valueFrom)
			row := false
			for _, wi := range l.Words[:valueFrom] {
				left = append(left, p.Words[wi].Text)
				row = row || amountShape.MatchString(p.Words[wi].Text)
			}
			if row {
				// A row of amounts under columns: the header, not the
				// label, says what the last one is.
				continue
			}
			raw := strings.Join(left, " ")
			label := norm(raw)
			if label == "" || !strings.ContainsFunc(label, isLowerLetter) ||
				!slices.ContainsFunc(strings.Fields(label), func(w string) bool { return firsts[w] }) {
				continue
			}
			texts := make([]string, 0, len(l.Words)-valueFrom)
			var box document.Box
			for _, wi := range l.Words[valueFrom:] {
				texts = append(texts, p.Words[wi].Text)
				box = box.Union(p.Words[wi].Box)
			}
			text := strings.Join(texts, " ")
			core := label
			if strings.ContainsAny(raw, "([%") {
				core = labelCore(strings.TrimRight(raw, ":= "))
			}
			for k, f := range fields {
				score, ok := amountLabelScore(label, core, fd.plan.fields[f].labels, padded[k])
				if !ok {
					continue
				}
				fd.emitCites(f, text, []cite{{page: p.Number, text: text, box: box}}, score)
			}
		}
	}
}

// amountFields are what amountLines looks for, read once with the plan:
// the top-level number fields, the first words of their labels (a line
// can hold a label only if it holds its first word, a cheap test before
// the labels are compared) and their labels padded with spaces.
type amountFields struct {
	fields []int
	firsts map[string]bool
	padded [][]string
}

func newAmountFields(pl *plan) *amountFields {
	af := &amountFields{firsts: map[string]bool{}}
	for i := range pl.fields {
		f := &pl.fields[i]
		if !numberField(f) || f.section >= 0 {
			continue
		}
		af.fields = append(af.fields, i)
		af.padded = append(af.padded, padLabels(f.labels))
		for _, l := range f.labels {
			if w, _, _ := strings.Cut(l.text, " "); w != "" {
				af.firsts[w] = true
			}
		}
	}
	return af
}

// trailingAmount finds the amount that ends a line: the most words at its
// end, four at most, that read as one number ("1 918,77", "RM 33.90",
// "EUR 1 918,77"). It returns the index of the amount's first word.
func trailingAmount(p *document.Page, words []int) (int, bool) {
	from, ok := -1, false
	text := ""
	for k := len(words) - 1; k >= 1 && k >= len(words)-4; k-- {
		w := p.Words[words[k]].Text
		if k < len(words)-1 && !mayLeadAmount(w) {
			// No number reads across a word of other letters.
			break
		}
		if text == "" {
			text = w
		} else {
			text = w + " " + text
		}
		if _, _, good := parseNumber(text); good {
			from, ok = k, true
		}
	}
	return from, ok
}

// mayLeadAmount reports whether a word can stand before the last word of an
// amount: a part of the number, a sign or a currency. A word of letters
// can only be a currency: "Total" cannot begin "Total 33.90" nor any longer
// run of words ending in it.
func mayLeadAmount(w string) bool {
	if !strings.ContainsFunc(w, unicode.IsLetter) {
		return true
	}
	t := strings.TrimLeft(w, "(-+−")
	return isCurrencyCode(t) || currencyPrefix.MatchString(t) || strings.ContainsAny(t, "0123456789") ||
		len(t) > 3 && currencyCodes[t[:3]] || len(t) > 2 && currencyWords[t[:2]]
}

func isLowerLetter(r rune) bool { return r >= 'a' && r <= 'z' || r > 127 }

// padLabels is each label's text with a space on either side, so that a
// text padded the same way holds it as whole words.
func padLabels(labels []label) []string {
	out := make([]string, len(labels))
	for i, l := range labels {
		out[i] = " " + l.text + " "
	}
	return out
}

// amountLabelScore scores the words before an amount as a label of a
// field: the label's own score when they are one of its labels, a
// currency or a rate in brackets aside ("TOTAL (RM)"), and a little less
// when they hold one among other words ("TOTAL ROUNDED"), which agree then
// judges. padded holds the labels as padLabels makes them.
func amountLabelScore(text, core string, labels []label, padded []string) (float64, bool) {
	t := " " + text + " "
	score, ok := 0.0, false
	for i, l := range labels {
		switch {
		case l.text == "":
		case l.text == core || l.text == text:
			score, ok = max(score, l.score), true
		case strings.Contains(t, padded[i]):
			score, ok = max(score, l.score*amountAmongWords), true
		}
	}
	return score, ok
}

// agree rescores the candidates of number fields by how their labels'
// qualifiers agree with the field's, and for a field asking for a final
// amount lets the last of the nearly best win.
func (fd *finder) agree(pages []document.Page) {
	byNumber := map[int]*document.Page{}
	for i := range pages {
		byNumber[pages[i].Number] = &pages[i]
	}
	var paid map[string]bool
	for i := range fd.plan.fields {
		f := &fd.plan.fields[i]
		if !numberField(f) || len(fd.found[i]) == 0 {
			continue
		}
		if paid == nil && wantsFinal(f) {
			paid = payments(pages)
		}
		want := fieldQualifiers(f)
		// Where some amount is written as money, a bare whole number is
		// likely a count ("Total spots 10", "Page 2 of 3").
		money := moneyField(f) && slices.ContainsFunc(fd.found[i], func(c candidate) bool { return moneyShape(c.cites[0].text) })
		cands := fd.found[i]
		for k := range cands {
			c := &cands[k]
			p := byNumber[c.cites[0].page]
			if p == nil {
				continue
			}
			left := leftOf(p, c.cites[0].box)
			have := qualifiers(withoutLabels(norm(left), f.labels))
			// An inclusion or exclusion names the tax it concerns.
			if have[qualInclTax] || have[qualExclTax] {
				have[qualTax] = false
			}
			// A rate makes the amount a share: "TOTAL INCLUDES 6% GST
			// 1.51" is the tax in the total, not the total.
			if ratePart.MatchString(strings.TrimRight(left, ":= ")) || strings.Contains(left, "%") {
				have[qualTax] = true
			}
			factor := 1.0
			for q := range numQualifiers {
				switch {
				case have[q] && (want[q] || want[kin[q]] || want[kin[kin[q]]]):
					factor *= agreeShared
				case have[q] && q == qualRounding:
					// A rounded amount is the same amount, made payable.
				case have[q]:
					factor *= agreeMissing
				}
			}
			if string(c.value.value) == "0" {
				factor *= agreeZero
			}
			if money && !moneyShape(c.cites[0].text) {
				factor *= agreeBareNumber
			}
			if amountFollows(p, c.cites[0].box) || slices.ContainsFunc(strings.Fields(left), amountShape.MatchString) {
				// A row of amounts under columns (a tax summary's
				// "TOTAL 106.10 6.37"): which column the label means is
				// the header's to say, not the label's.
				factor *= agreeInRow
			}
			if !want[qualNet] && paid[string(c.value.value)] {
				factor *= agreePaid
			}
			// Not capped at 1 here: the ranking must keep what agreement
			// added; choose caps the confidence.
			c.score *= factor
		}
		if !wantsFinal(f) {
			continue
		}
		// The last of the nearly best: totals run towards the final one.
		bi := 0
		for k := range cands {
			if cands[k].score > cands[bi].score {
				bi = k
			}
		}
		best := &cands[bi]
		var last *candidate
		for k := range cands {
			c := &cands[k]
			// Within the best's page: another page's total is another
			// statement's, or a page's carried forward.
			if c.cites[0].page == best.cites[0].page && c.score >= best.score*finalWindow && (last == nil || after(c, last)) {
				last = c
			}
		}
		if last != nil && last != best && last.score <= best.score {
			last.score = best.score + 1e-6
		}
	}
}

// moneyField reports whether a number field holds money.
func moneyField(f *field) bool {
	return len(f.alts) > 0 && f.alts[0].kind == kindNumber && f.mean.says("amount", "total", "price", "cost", "gross",
		"net", "paid", "sum", "tax", "vat", "fee", "fees", "charge", "due", "payable", "balance", "subtotal")
}

// moneyShape reports whether text is written as money: with cents, a
// thousands separator or a currency.
func moneyShape(text string) bool {
	if strings.ContainsAny(text, ".,") {
		return true
	}
	for _, r := range text {
		if unicode.Is(unicode.Sc, r) {
			return true
		}
	}
	for _, w := range strings.Fields(text) {
		if isCurrencyCode(strings.ToUpper(w)) || isCurrencyCode(w) {
			return true
		}
	}
	return false
}

// amountFollows reports whether another amount stands to the right of a
// box on its row.
func amountFollows(p *document.Page, b document.Box) bool {
	for _, w := range p.Words {
		m := w.Box.Y + w.Box.H/2
		if m >= b.Y && m <= b.Y+b.H && w.Box.X >= b.X+b.W-0.5 && amountShape.MatchString(w.Text) {
			return true
		}
	}
	return false
}

// amountShape is a word that is an amount with decimals: "6.37", "1.234,56".
var amountShape = regexp.MustCompile(`^-?\(?[0-9]{1,3}([.,  ]?[0-9]{3})*[.,][0-9]{2}\)?$`)

// payments are the amounts a receipt says were paid: what was tendered
// (cash, a card), and what was tendered less the change given. The total
// of a receipt is among them, written again as the customer paid it.
func payments(pages []document.Page) map[string]bool {
	out := map[string]bool{}
	var tendered, change []*big.Rat
	for pi := range pages {
		p := &pages[pi]
		for _, l := range p.Lines {
			if len(l.Words) < 2 {
				continue
			}
			last := p.Words[l.Words[len(l.Words)-1]].Text
			r, _, ok := parseNumber(last)
			if !ok || r.Sign() <= 0 {
				continue
			}
			words := strings.Fields(norm(l.Text))
			switch {
			case slices.Contains(words, "change") || slices.Contains(words, "ruckgeld") || slices.Contains(words, "rückgeld") || slices.Contains(words, "rendu"):
				change = append(change, r)
			case qualifiers(words)[qualPayment]:
				tendered = append(tendered, r)
			}
		}
	}
	for _, t := range tendered {
		out[t.FloatString(2)] = true
		out[strings.TrimSuffix(strings.TrimRight(t.FloatString(2), "0"), ".")] = true
		for _, c := range change {
			d := new(big.Rat).Sub(t, c)
			if d.Sign() > 0 {
				out[strings.TrimSuffix(strings.TrimRight(d.FloatString(2), "0"), ".")] = true
			}
		}
	}
	return out
}

// after reports whether a stands after b in the document: a later page, or
// lower on the same page.
func after(a, b *candidate) bool {
	ca, cb := a.cites[0], b.cites[0]
	if ca.page != cb.page {
		return ca.page > cb.page
	}
	return ca.box.Y > cb.box.Y+cb.box.H/2
}

// leftOf is the text before a box on its line, or, where it starts its
// line, the words of the row above that overlap it, as a label over its
// value.
func leftOf(p *document.Page, b document.Box) string {
	// The line that holds the box, as the layout made it: rows of a
	// skewed scan stay together there where boxes alone drift apart.
	for _, l := range p.Lines {
		for k, wi := range l.Words {
			if wi < 0 || wi >= len(p.Words) || !centredIn(p.Words[wi].Box, b) {
				continue
			}
			if k == 0 {
				break
			}
			// The label is the run of words before the value up to a wide
			// gap: "Payment Terms 30 Days      Gross Total $1,125.00" labels
			// the amount "Gross Total".
			from := k - 1
			for from > 0 && !wideGap(p.Words[l.Words[from-1]], p.Words[l.Words[from]]) {
				from--
			}
			texts := make([]string, 0, k-from)
			for _, wj := range l.Words[from:k] {
				texts = append(texts, p.Words[wj].Text)
			}
			return strings.Join(texts, " ")
		}
	}
	type w struct {
		x    float64
		text string
	}
	var row []w
	for _, word := range p.Words {
		bottom := word.Box.Y + word.Box.H
		if bottom <= b.Y+0.5 && bottom >= b.Y-2*b.H && word.Box.X < b.X+b.W && word.Box.X+word.Box.W > b.X {
			row = append(row, w{word.Box.X, word.Text})
		}
	}
	slices.SortFunc(row, func(a, c w) int { return cmp.Compare(a.x, c.x) })
	texts := make([]string, len(row))
	for i, x := range row {
		texts[i] = x.text
	}
	return strings.Join(texts, " ")
}

// centredIn reports whether a box's centre lies in another.
func centredIn(a, b document.Box) bool {
	x, y := a.X+a.W/2, a.Y+a.H/2
	return x >= b.X && x <= b.X+b.W && y >= b.Y && y <= b.Y+b.H
}
