package builtin

import (
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode"

	"github.com/quarrylabs/quarry/internal/document"
)

// Line items printed over several rows: an invoice's item often has its
// article number, GTIN, line amount or a price note on rows of their own
// under the row with its description ("1 BM-204 Schreibtisch Eiche 389,00 2
// Stk" then "4012345678901 778,00" then "Listenpreis : 389,00"), and blank
// space between items. The rules below read such rows as parts of the item
// above, and let the table go on past them to the next item.

// Kinds of rows under an item row.
const (
	rowItem = iota // an item of its own
	rowSkip        // nothing of the item's fields, or a note ("Listenpreis : 389,00")
	rowFill        // values for the columns the item above left empty ("778,00")
	rowWrap        // more of the item's text ("160 cm" under "Schreibtisch Eiche")
)

// noteShape is a "label : value" note printed under an item.
var noteShape = regexp.MustCompile(`\S\s*:\s*[-+]?[0-9]`)

// subRow tells what a row under an item row is: a row whose mapped cells
// are all empty (an article number or "(GTIN)" in a column no field
// takes) or a note adds nothing; a row that fills only columns the item
// left empty, with no text of its own but an identifier, completes the
// item. Anything else is for the existing rules (an item, a wrapped text).
func (c *chain) subRow(r []document.Cell, rp *plan, last dataRow) int {
	filled, numbers, fills, texts, wrapCol := 0, 0, true, 0, -1
	for ci, col := range c.cols {
		if ci >= len(r) || strings.TrimSpace(r[ci].Text) == "" {
			continue
		}
		text := strings.TrimSpace(r[ci].Text)
		if isTextField(rp, col.field) && (noteShape.MatchString(text) || strings.HasSuffix(text, ":")) {
			return rowSkip // "Listenpreis : 389,00", "Preiseinheit:"
		}
		filled++
		if isTextField(rp, col.field) && !strings.ContainsFunc(text, unicode.IsLetter) {
			continue // a GTIN or an article number in the text column
		}
		if isTextField(rp, col.field) {
			texts++
			wrapCol = ci
			continue
		}
		numbers++
		if ci < len(last) && len(last[ci]) > 0 {
			fills = false
		}
	}
	// The item above has values of its own: a row of a header's second
	// line or an article number alone is no item to complete.
	started := false
	for ci := range c.cols {
		if ci < len(last) && len(last[ci]) > 0 {
			started = true
		}
	}
	switch {
	case filled == 0:
		return rowSkip
	case numbers > 0 && fills && started && (texts == 0 || len(last[wrapCol]) > 0):
		// The item's amount on its second row, with the rest of its
		// text ("4012345678918 Buche geölt  245,50").
		return rowFill
	case numbers == 0 && texts == 0 && started:
		return rowSkip // an identifier alone
	case texts == 1 && filled == 1 && last != nil && len(last[wrapCol]) > 0:
		// The other cells of the row are in columns no field takes, left
		// of the text: an article number beside the description's second
		// line. Numbers right of it are an item's own.
		for ci := wrapCol + 1; ci < len(r); ci++ {
			if strings.TrimSpace(r[ci].Text) != "" {
				return rowItem
			}
		}
		if _, _, ok := parseNumber(r[wrapCol].Text); !ok {
			return rowWrap
		}
	}
	return rowItem
}

// fill adds a completing row's values to the item above, and its text to
// the item's text without the identifiers in it (GTINs, EANs: eight
// digits or more).
func (c *chain) fill(p *document.Page, r []document.Cell, rp *plan, last dataRow) {
	for ci, col := range c.cols {
		if ci >= len(r) || ci >= len(last) || strings.TrimSpace(r[ci].Text) == "" {
			continue
		}
		cell := r[ci]
		if isTextField(rp, col.field) {
			var kept []string
			for _, w := range strings.Fields(cell.Text) {
				if !longDigits.MatchString(w) {
					kept = append(kept, w)
				}
			}
			if len(kept) == 0 || len(last[ci]) == 0 {
				continue
			}
			cell.Text = strings.Join(kept, " ")
		}
		last[ci] = append(last[ci], fragment{p, cell})
	}
}

// longDigits is an identifier of eight digits or more: a GTIN, an EAN.
var longDigits = regexp.MustCompile(`^[0-9]{8,}$`)

// isTextField reports whether a row field is plain text (a description),
// the column a wrapped line continues.
func isTextField(rp *plan, f int) bool {
	fl := rp.fields[f]
	return !fl.list && len(fl.alts) > 0 && fl.alts[0].kind == kindString && fl.alts[0].format == "" && fl.alts[0].enum == nil && fl.hint == hintNone
}

// itemAhead reports whether an item row follows within a few rows, below
// a gap that would otherwise end the table: the table goes on past notes
// and blank space between items. It stops at the header of another table
// (a row of several cells, none with a digit) and at a summary row.
func (c *chain) itemAhead(v *pageView, rows []segRow, rp *plan, from float64) bool {
	if len(c.rows) == 0 {
		return false
	}
	for k, r := range rows {
		if k >= 8 || v.segs[r[0]].box.Y-from > maxItemGap*v.height(r[0]) {
			return false
		}
		digits := false
		for _, si := range r {
			if strings.ContainsFunc(v.text(si), unicode.IsDigit) {
				digits = true
			}
		}
		if len(r) >= 2 && !digits {
			return false
		}
		cells, ok := c.cells(v, r)
		if !ok {
			continue // more of a note's prose
		}
		if summaryKind(cells, c.cols) != summaryNone {
			return false
		}
		if c.isItem(v.p, cells, rp) {
			return true
		}
	}
	return false
}

// isItem reports whether cells read as an item of their own: most of the
// table's fields (three, or all of fewer) get a value of their type, one of
// them a number.
func (c *chain) isItem(p *document.Page, cells []document.Cell, rp *plan) bool {
	row := make(dataRow, len(cells))
	for ci, cell := range cells {
		if slices.Contains(closingLabels, labelCore(cell.Text)) {
			return false // "Gesamtbetrag  570,00 €" under two columns
		}
		if strings.TrimSpace(cell.Text) != "" {
			row[ci] = []fragment{{p, cell}}
		}
	}
	vals, _ := rowValues(row, c.cols, rp, 0)
	number := false
	for _, lv := range vals.leaf {
		if len(lv.value) > 0 && (lv.value[0] == '-' || lv.value[0] >= '0' && lv.value[0] <= '9') {
			number = true
		}
	}
	return number && len(vals.leaf) >= min(3, len(c.cols))
}

// gapContinues decides, for a row after a gap or a row of prose that
// would end the table, whether the table goes on: the row is an item
// within reach, or an item follows after a few notes. skip reports that
// the row itself is no item and is passed over, with the notes after it.
func (c *chain) gapContinues(v *pageView, rows []segRow, ri int, rp *plan, prevBottom float64) (goOn, skip bool) {
	if len(c.rows) == 0 || math.IsInf(prevBottom, -1) {
		return false, false
	}
	if cells, ok := c.cells(v, rows[ri]); ok && summaryKind(cells, c.cols) == summaryNone && c.isItem(v.p, cells, rp) {
		return v.segs[rows[ri][0]].box.Y-prevBottom <= maxItemGap*v.height(rows[ri][0]), false
	}
	return c.itemAhead(v, rows[ri+1:], rp, prevBottom), true
}

// maxItemGap is how far below the last item, in lines, the next one may
// start, past the notes printed under an item.
const maxItemGap = 16

// chainRows counts the data rows of chains.
func chainRows(cs []*chain) int {
	n := 0
	for _, c := range cs {
		n += len(c.rows)
	}
	return n
}

// tableRows counts the rows under the header of a parser's tables whose
// header names enough fields.
func tableRows(ts []document.Table, rp *plan, need int) int {
	n := 0
	for _, t := range ts {
		if h, cols, _ := pickHeader(t.Rows, rp.ix); h >= 0 && len(cols) >= need {
			n += len(t.Rows) - h - 1
		}
	}
	return n
}

// dayFirstWords are common words of invoices in languages that write
// numeric dates day first (German, French, Dutch, Spanish, Italian).
var dayFirstWords = map[string]bool{
	"rechnung": true, "rechnungsdatum": true, "datum": true, "betrag": true, "gesamtbetrag": true, "mwst": true, "ust": true,
	"und": true, "der": true, "die": true, "vom": true, "zahlbar": true,
	"facture": true, "montant": true, "tva": true, "ttc": true, "les": true, "du": true, "des": true, "paiement": true,
	"factuur": true, "bedrag": true, "btw": true, "het": true, "een": true, "factura": true, "importe": true, "iva": true,
	"fecha": true, "los": true, "del": true, "fattura": true, "importo": true, "totale": true,
}

// languageDateOrder says day first (1) for a document written in one of
// those languages (three of their words at least), else 0: "02/04/2024"
// on a French invoice is the second of April.
func languageDateOrder(words []string) int {
	n := 0
	for _, w := range words {
		if dayFirstWords[strings.ToLower(strings.Trim(w, ".,:;()"))] {
			if n++; n >= 3 {
				return 1
			}
		}
	}
	return 0
}

// totalCellFirst reports whether a row starts with a document total's
// label in the languages of invoiceGroups, alone in its cell, and has
// nothing but numbers after it ("Gesamtbetrag | 570,00 €"): a total row
// even where it leaves no column empty, as under a two-column table.
func totalCellFirst(r []document.Cell) bool {
	first := -1
	for ci, cell := range r {
		if strings.TrimSpace(cell.Text) != "" {
			first = ci
			break
		}
	}
	if first < 0 || !slices.Contains(closingLabels, labelCore(r[first].Text)) {
		return false
	}
	for _, cell := range r[first+1:] {
		if t := strings.TrimSpace(cell.Text); t != "" {
			if _, _, ok := parseNumber(t); !ok {
				return false
			}
		}
	}
	return true
}
