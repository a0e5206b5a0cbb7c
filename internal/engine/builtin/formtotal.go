package builtin

import (
	"math/big"
	"regexp"
	"strings"
)

// A form's total stands on a row of its own after a total label, often
// with other figures: "Totals 49 $16,350.00 ($2,452.50) $13,897.50" (spots,
// gross, commission, net), "Grand Total: 10 $985.00", "Gross Total
// $5,625.00 Total Spots 27". A field whose meaning says total (or gross)
// takes the largest amount written as money on such a row, counts and
// amounts in parentheses (deductions) left out; of several such rows, the
// largest total is the document's, the others subtotals.

// How well a total row names a total field; see totalLabelScore.
const (
	scoreTotalOwn     = 0.90 // the row's label says what the field does: "Gross Total" for a gross amount
	scoreTotalGrand   = 0.85 // "Grand Total", the document's total
	scoreTotalPlain   = 0.80 // "Total", "Totals", "Total $"
	scoreTotalDue     = 0.70 // "Amount Due", "Balance Due": after deductions, a gross field's only by chance
	totalNotLargest   = 0.85 // scales a total row's amount below the document's largest total
	maxTotalLabelWord = 3
)

// totalLabels are the labels of a total row, normalized.
var totalLabels = map[string]bool{
	"total": true, "totals": true, "grand total": true, "gross total": true, "total gross": true, "gross": true,
	"gross amount": true, "order total": true, "invoice total": true, "total amount": true, "total due": true,
	"amount due": true, "balance due": true, "total cost": true, "total price": true, "total value": true,
	"gesamtbetrag": true, "gesamtsumme": true, "summe": true, "endbetrag": true, "montant total": true,
	"total ttc": true, "totaal": true, "totaalbedrag": true, "importe total": true, "total general": true,
}

// deductionWords before a total label make it another figure's: "Net
// Total", "Sub Total", "Commission Total".
var deductionWords = map[string]bool{"net": true, "sub": true, "tax": true, "vat": true, "commission": true,
	"agency": true, "discount": true, "netto": true, "ht": true, "excl": true}

// totalField is a number field whose meaning is a document's total.
type totalField struct {
	field int
	gross bool // the field says gross: before deductions
}

// totalFieldOf reads whether a field is a document's total: a number
// named total, gross or grand (or an amount its description calls the
// total), and not a net, tax, fee or line figure.
func totalFieldOf(i int, f *field) (totalField, bool) {
	if f.list || len(f.alts) == 0 || (f.alts[0].kind != kindNumber && f.alts[0].kind != kindInteger) || f.alts[0].enum != nil {
		return totalField{}, false
	}
	m := f.mean
	if m.named("net", "tax", "vat", "subtotal", "commission", "discount", "fee", "shipping", "deposit", "tip",
		"unit", "price", "rate", "quantity", "count", "paid", "balance", "line", "item") {
		return totalField{}, false
	}
	if !m.named("total", "gross", "grand") && !(m.named("amount", "sum", "value") && m.says("total", "gross")) {
		return totalField{}, false
	}
	return totalField{field: i, gross: m.says("gross")}, true
}

func totalLabelScore(tf totalField, label string) float64 {
	switch {
	case tf.gross && strings.Contains(" "+label+" ", " gross "):
		return scoreTotalOwn
	case label == "grand total" || label == "total general":
		return scoreTotalGrand
	case strings.Contains(label, "due"):
		if tf.gross {
			return scoreTotalDue
		}
		return scoreTotalPlain
	}
	return scoreTotalPlain
}

// moneyWritten is an amount written as money: two decimals, or a currency
// sign, thousands separators in either convention.
var moneyWritten = regexp.MustCompile(`^[\p{Sc}]?\s?(\d{1,3}([,.' ]\d{3})*|\d+)([.,]\d{2})?\s?[\p{Sc}]?$`)

func isMoney(t string) bool {
	if !moneyWritten.MatchString(t) {
		return false
	}
	hasSign := strings.ContainsFunc(t, func(r rune) bool { return strings.ContainsRune("$€£¥₹", r) })
	n := len(t)
	decimals := n >= 3 && (t[n-3] == '.' || t[n-3] == ',')
	return hasSign || decimals
}

// totalRow is a total found on a row, kept until the document is read so
// that the largest total is known.
type totalRow struct {
	field  int
	amount *big.Rat
	text   string
	cite   cite
	score  float64
}

// scanTotals finds total rows on a page: a total label in a segment,
// followed by figures only, on its segment and the next segments of its
// line.
func (fd *finder) scanTotals(v *pageView, tfs []totalField) {
	// words and segOf are reused from line to line.
	var words []span
	var segOf []int // the segment of its line each word is in
	for li := range v.lines {
		lt := &v.lines[li]
		words, segOf = words[:0], segOf[:0]
		for k, s := range lt.segs {
			n := len(words)
			words = appendWordSpans(words, lt.runes, s)
			for range words[n:] {
				segOf = append(segOf, k)
			}
		}
		var nw []string // the words normalized, read when a label may start
		var fold [32]byte
		for wi := 0; wi < len(words); wi++ {
			if !totalFirst[string(firstFold(fold[:0], lt.runes[words[wi].from:words[wi].to]))] {
				continue
			}
			if nw == nil {
				nw = normWords(lt, words)
			}
			label, end := matchTotalLabel(nw, wi)
			if label == "" {
				continue
			}
			if wi > 0 && deductionWords[nw[wi-1]] {
				wi = end - 1
				continue
			}
			wi = end - 1
			best, amt, k := largestMoney(lt, words[end:])
			fl, place := lt, placeSameLine
			if amt == nil && end+k == len(words) {
				// A label ending its line: the figures stand beside it in
				// another line of the reading order, or under it.
				if si := v.segIndex(li, segOf[end-1]); si >= 0 {
					fl, best, amt, place = v.totalBeside(si)
				}
			}
			if amt == nil {
				continue
			}
			text := fl.text(best)
			for _, tf := range tfs {
				fd.form.rows = append(fd.form.rows, totalRow{field: tf.field, amount: amt, text: text,
					cite: cite{page: v.p.Number, text: text, box: spanBox(v.p, fl, best)}, score: totalLabelScore(tf, label) * place})
			}
		}
	}
}

// largestMoney reads the figures at the start of words, up to the first
// word that is no figure, and returns the largest positive amount written
// as money among them and how many words were figures.
func largestMoney(lt *lineText, words []span) (span, *big.Rat, int) {
	var best span
	var bestAmt *big.Rat
	k := 0
	for ; k < len(words); k++ {
		t := strings.Trim(lt.text(words[k]), ":")
		if t == "" || t == "$" || t == "€" || t == "£" {
			continue
		}
		if !startsWithFigure(t) {
			break
		}
		if !isMoney(t) {
			continue
		}
		r, _, ok := parseNumber(t)
		if !ok || r.Sign() <= 0 {
			continue
		}
		if bestAmt == nil || r.Cmp(bestAmt) > 0 {
			best, bestAmt = words[k], r
		}
	}
	return best, bestAmt, k
}

// totalBeside reads the figures for a total label that ends its line: the
// segment right of it on its row, else the one under it, when that
// segment's line holds figures only.
func (v *pageView) totalBeside(si int) (*lineText, span, *big.Rat, float64) {
	try := func(j int) (*lineText, span, *big.Rat) {
		lt := &v.lines[v.segs[j].line]
		var words []span
		for _, s := range lt.segs {
			words = append(words, wordSpans(lt.runes, s)...)
		}
		best, amt, k := largestMoney(lt, words)
		if k < len(words) {
			return nil, span{}, nil
		}
		return lt, best, amt
	}
	if j, ok := v.right(si); ok {
		if lt, best, amt := try(j); amt != nil {
			return lt, best, amt, placeSameLine
		}
	}
	if j, ok := v.below(si); ok {
		if lt, best, amt := try(j); amt != nil {
			return lt, best, amt, placeBelow
		}
	}
	return nil, span{}, nil, 0
}

// segIndex is the index in v.segs of segment k of line li, or -1.
func (v *pageView) segIndex(li, k int) int {
	for j, s := range v.segs {
		if s.line == li && s.seg == k {
			return j
		}
	}
	return -1
}

// startsWithFigure reports whether a word is a figure: a digit, a
// currency sign, a sign or an opening parenthesis first.
func startsWithFigure(t string) bool {
	r := []rune(t)[0]
	return r >= '0' && r <= '9' || strings.ContainsRune("$€£¥₹(-+", r)
}

// matchTotalLabel matches the longest total label starting at normalized
// word wi.
func matchTotalLabel(nw []string, wi int) (string, int) {
	for n := min(maxTotalLabelWord, len(nw)-wi); n >= 1; n-- {
		if t := joinWords(nw[wi : wi+n]); totalLabels[t] {
			return t, wi + n
		}
	}
	return "", 0
}

// totalFirst holds the first words of totalLabels.
var totalFirst = func() map[string]bool {
	m := map[string]bool{}
	for l := range totalLabels {
		m[strings.Fields(l)[0]] = true
	}
	return m
}()

// emitTotals offers the total rows found to their fields, the largest
// total of each field at its label's score and the others lower.
func (fd *finder) emitTotals() {
	rows := fd.form.rows
	largest := map[int]*big.Rat{}
	for _, r := range rows {
		if m, ok := largest[r.field]; !ok || r.amount.Cmp(m) > 0 {
			largest[r.field] = r.amount
		}
	}
	for _, r := range rows {
		score := r.score
		if r.amount.Cmp(largest[r.field]) < 0 {
			score *= totalNotLargest
		}
		fd.emitCites(r.field, r.text, []cite{r.cite}, score)
	}
}
