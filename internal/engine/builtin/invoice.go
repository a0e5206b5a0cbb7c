package builtin

import (
	"cmp"
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/quarrylabs/quarry/internal/document"
)

// How sure the invoice readers are of what they read; see scanInvoice.
const (
	scoreTitleNumber  = 0.8  // "Rechnung Nr. 2024118": the number after the document's own name
	scoreTitleDate    = 0.75 // "… vom 14.03.2024": the date after it
	scorePartyName    = 0.85 // "Name: Nordlicht Büromöbel GmbH" under "Verkäufer"
	scorePartyLine    = 0.75 // the first line that reads as a name under "Käufer:"
	scoreVATLabelled  = 0.85 // a VAT id beside its label, in the party's block or on no one's line
	scoreVATBare      = 0.5  // a VAT id with no label, on no other party's line
	scoreCurrencySeen = 0.5  // a currency an amount of the document is written in
)

// scanInvoice reads what invoices print outside "label: value" pairs, for
// the fields whose concept (concept.go) asks for it: the number and date in
// the document's title sentence ("Handelsrechnung Nr. 2024118 vom
// 14.03.2024"), the parties' names in the blocks under their headings
// ("Verkäufer", "Käufer:", "Rechnungsempfänger", "Bill To"), their VAT ids
// by their shape and by whose block or line they stand in, and the
// currency the amounts are written in. Geometry, not reading order, says
// what is under a heading.
func (fd *finder) scanInvoice(v *pageView) {
	byConcept := fd.plan.byConcept
	if len(byConcept) == 0 {
		return
	}
	if len(byConcept[conceptInvoiceNumber])+len(byConcept[conceptInvoiceDate]) > 0 {
		for li := range v.lines {
			fd.titleLine(v, li, byConcept[conceptInvoiceNumber], byConcept[conceptInvoiceDate])
		}
	}
	sellers, buyers := byConcept[conceptSellerName], byConcept[conceptBuyerName]
	sellerVAT, buyerVAT := byConcept[conceptSellerVAT], byConcept[conceptBuyerVAT]
	// The parties' blocks are read for their names and for whose VAT id
	// stands in them.
	var party map[int]partySide
	if len(sellers)+len(buyers)+len(sellerVAT)+len(buyerVAT) > 0 {
		party = fd.partyBlocks(v, sellers, buyers)
	}
	if len(sellers)+len(buyers) > 0 {
		fd.senderLine(v, sellers, buyers)
	}
	if len(sellerVAT)+len(buyerVAT) > 0 {
		fd.vatIDs(v, party, sellerVAT, buyerVAT)
	}
	if fs := byConcept[conceptCurrency]; len(fs) > 0 {
		fd.currencies(v, fs)
	}
}

// countsBesideTotals replaces a whole number read beside a total's label
// with the amount right of it on its row: in "Grand Total: 12 $1,480.00" the
// twelve is a count of items and the total is the amount, written with cents
// or a currency as totals are.
//
// It runs once a document is read, and reads again only the pages where
// such a number was found.
func (fd *finder) countsBesideTotals(pages []document.Page) {
	views := map[int]*pageView{}
	view := func(n int) *pageView {
		if v, ok := views[n]; ok {
			return v
		}
		for i := range pages {
			if pages[i].Number == n {
				views[n] = newPageView(&pages[i])
				return views[n]
			}
		}
		views[n] = nil
		return nil
	}
	for f, fl := range fd.plan.fields {
		if fl.concept < conceptNetTotal || fl.concept > conceptAmountDue {
			continue
		}
		var kept, moved []candidate
		for _, c := range fd.found[f] {
			ct := c.cites[0]
			if len(c.cites) == 1 && wholeNumber(ct.text) {
				v := view(ct.page)
				if v == nil {
					kept = append(kept, c)
					continue
				}
				if sp, lt, ok := v.amountRightOf(ct.box); ok {
					text := strings.ReplaceAll(lt.text(sp), string(gap), " ")
					if n, ok := fd.parse(f, text, []cite{{page: v.p.Number, text: text, box: spanBox(v.p, lt, sp)}}, c.score); ok {
						moved = append(moved, n)
						continue
					}
				}
			}
			kept = append(kept, c)
		}
		fd.found[f] = kept
		for _, c := range moved {
			fd.add(c)
		}
	}
}

// wholeNumber reports whether a text is digits alone: a count, not an
// amount.
func wholeNumber(s string) bool {
	s = strings.TrimSpace(s)
	return s != "" && strings.Trim(s, "0123456789") == ""
}

// amountRightOf returns the nearest segment right of a box on its row when
// it reads as an amount written with cents or a currency.
func (v *pageView) amountRightOf(b document.Box) (span, *lineText, bool) {
	best, bestX := -1, math.Inf(1)
	for j, s := range v.segs {
		if math.Abs((s.box.Y+s.box.H/2)-(b.Y+b.H/2)) > max(b.H, 1e-9)/2 || s.box.X < b.X+b.W || s.box.X >= bestX {
			continue
		}
		best, bestX = j, s.box.X
	}
	if best < 0 {
		return span{}, nil, false
	}
	lt := &v.lines[v.segs[best].line]
	sp := trimValue(lt.runes, lt.segs[v.segs[best].seg])
	text := lt.text(sp)
	if _, _, ok := parseNumber(text); !ok || wholeNumber(text) {
		return span{}, nil, false
	}
	return sp, lt, true
}

// titleWord is the name of an invoice or credit note as its title writes
// it, compounds included (Handelsrechnung, Schlussrechnung), followed by
// an optional document type code ("(380)") and a number sign, then the
// number; titleDate is the word that introduces its date.
var (
	titleNumber = regexp.MustCompile(`(?i)(?:^|[^\p{L}])(?:\p{L}*rechnung|invoice|facture|factuur|factura|gutschrift|credit note|avoir)` +
		`\s*(?:\([^)]{0,40}\)\s*){0,2}(?:nr\.?|no\.?|n[°º]\.?|#|nummer|number|num[ée]ro|nummer)\s*[:.]?\s*` +
		`([\p{Lu}0-9][\p{Lu}0-9\-/._]*)`)
	titleDate = regexp.MustCompile(`(?i)^\s*(?:vom|von|du|dated|of|van|del|de fecha|date[d]?|datum)\s+`)
)

// titleHint is a cheap test that a line may name the document: the
// regular expression runs only on lines with one of its words.
func titleHint(line string) bool {
	for _, w := range []string{"echnung", "ECHNUNG", "nvoice", "NVOICE", "actur", "ACTUR", "actuu", "ACTUU", "utschrift", "UTSCHRIFT", "redit", "REDIT", "voir", "VOIR"} {
		if strings.Contains(line, w) {
			return true
		}
	}
	return false
}

// titleLine reads "Handelsrechnung (380) Nr. 2024118 vom 14.03.2024": the
// number after the invoice's own name and a number sign, and the date
// after it. "Rechnung gemäß Bestellung Nr. 2018-471331" names an order,
// not the invoice: the number sign must follow the invoice's name.
func (fd *finder) titleLine(v *pageView, li int, numbers, dates []int) {
	lt := &v.lines[li]
	if !titleHint(v.p.Lines[li].Text) {
		return
	}
	text := strings.ReplaceAll(string(lt.runes), string(gap), " ")
	m := titleNumber.FindStringSubmatchIndex(text)
	if m == nil {
		return
	}
	num := strings.TrimRight(text[m[2]:m[3]], ".-/_")
	from := utf8.RuneCountInString(text[:m[2]])
	sp := span{from, from + utf8.RuneCountInString(num)}
	for _, f := range numbers {
		fd.emitCites(f, num, []cite{{page: v.p.Number, text: num, box: spanBox(v.p, lt, sp)}}, scoreTitleNumber)
	}
	rest := text[m[2]+len(num):]
	d := titleDate.FindStringIndex(rest)
	if d == nil || len(dates) == 0 {
		return
	}
	after := rest[d[1]:]
	start := utf8.RuneCountInString(text[:len(text)-len(after)])
	words := strings.Fields(after)
	// The longest run of up to four words that reads as a date: "5. März
	// 2018", "14.03.2024".
	for n := min(4, len(words)); n >= 1; n-- {
		cand := strings.TrimRight(strings.Join(words[:n], " "), ".,;")
		if _, _, ok := parseDateAs(cand, fd.dayFirst); !ok {
			continue
		}
		sp := span{start, start + utf8.RuneCountInString(cand)}
		sp = trimValue(lt.runes, sp)
		for _, f := range dates {
			fd.emitCites(f, cand, []cite{{page: v.p.Number, text: cand, box: spanBox(v.p, lt, sp)}}, scoreTitleDate)
		}
		return
	}
}

// partySide is whose block a segment stands in.
type partySide int

const (
	sideNone partySide = iota
	sideSeller
	sideBuyer
)

// partyHeadings are the headings over a party's block, without spaces
// (letter-spaced PDFs print "Ver käufer"), from the concept groups and the
// English synonym groups of seller and buyer.
var partyHeadings = func() map[string]partySide {
	out := map[string]partySide{}
	add := func(side partySide, labels ...string) {
		for _, l := range labels {
			out[strings.ReplaceAll(l, " ", "")] = side
		}
	}
	add(sideSeller, conceptGroup(conceptSellerName)...)
	add(sideSeller, "vendor", "supplier", "sold by", "from", "issued by", "rechnungssteller", "absender", "expéditeur")
	add(sideBuyer, conceptGroup(conceptBuyerName)...)
	add(sideBuyer, "customer", "client", "bill to", "billed to", "sold to", "invoice to", "invoiced to", "rechnung an",
		"facturé à", "factureren aan", "facturar a", "empfänger")
	return out
}()

// partyOf reads a text as a party's heading.
func partyOf(text string) partySide {
	if !partyLength(text) {
		return sideNone
	}
	return partyHeadings[strings.ReplaceAll(norm(text), " ", "")]
}

// partyLength reports whether a text is as short as a party's heading.
func partyLength(text string) bool {
	t := strings.TrimRight(strings.TrimSpace(text), ":：")
	return t != "" && utf8.RuneCountInString(t) <= 40
}

// party reads a segment as a party's heading, as partyOf reads a text.
func (v *pageView) party(si int) partySide {
	if !partyLength(v.text(si)) {
		return sideNone
	}
	return partyHeadings[strings.ReplaceAll(v.normText(si), " ", "")]
}

// nameLabels introduce a party's name inside its block: "Name: Nordlicht
// Büromöbel GmbH", "Firma: …", "Raison sociale: …".
var nameLabels = map[string]bool{"name": true, "firma": true, "firmenname": true, "nom": true, "raison sociale": true,
	"naam": true, "bedrijfsnaam": true, "nombre": true, "razón social": true, "company": true, "company name": true}

// partyBlocks finds the parties' headings on a page, reads each block's
// name for the name fields, and returns which party each segment under a
// heading belongs to, for the VAT ids.
func (fd *finder) partyBlocks(v *pageView, sellers, buyers []int) map[int]partySide {
	out := map[int]partySide{}
	for si := range v.segs {
		side := v.party(si)
		if side == sideNone {
			continue
		}
		rows := v.block(si)
		for _, r := range rows {
			for _, j := range r {
				out[j] = side
			}
		}
		fields := sellers
		if side == sideBuyer {
			fields = buyers
		}
		if len(fields) > 0 {
			fd.partyName(v, rows, fields)
		}
	}
	return out
}

// block returns the rows of segments under a heading, in its column (from
// its left edge to the next segment on its row), each row left to right:
// up to ten rows, ending at a gap of more than two lines or at the next
// party's heading. Forms space their rows wider than the blank line that
// ends a paragraph (see column), so the gap allowed is wider.
func (v *pageView) block(si int) []segRow {
	hb := v.segs[si].box
	h := v.height(si)
	lo, hi := hb.X-h, v.columnEnd(si)
	var below []int
	for j, s := range v.segs {
		if j != si && s.box.Y >= hb.Y+hb.H-h/4 && s.box.X >= lo && s.box.X < hi {
			below = append(below, j)
		}
	}
	slices.SortFunc(below, func(a, b int) int {
		return cmp.Or(cmp.Compare(v.segs[a].box.Y, v.segs[b].box.Y), cmp.Compare(v.segs[a].box.X, v.segs[b].box.X))
	})
	var rows []segRow
	bottom := hb.Y + hb.H
	for _, j := range below {
		b := v.segs[j].box
		if n := len(rows); n > 0 && math.Abs(b.Y-v.segs[rows[n-1][0]].box.Y) < h/2 {
			rows[n-1] = append(rows[n-1], j)
			bottom = max(bottom, b.Y+b.H)
			continue
		}
		if b.Y-bottom > 2.2*h || len(rows) == 10 || v.party(j) != sideNone {
			break
		}
		rows = append(rows, segRow{j})
		bottom = b.Y + b.H
	}
	return rows
}

// partyName reads a party's name in its block: after a name label, or
// else the first line that reads as a name, above the address (its
// number, "Nummer: 731942", and other labelled lines are passed over).
func (fd *finder) partyName(v *pageView, rows []segRow, fields []int) {
	emit := func(lt *lineText, s span, score float64) {
		t := strings.ReplaceAll(lt.text(s), string(gap), " ")
		for _, f := range fields {
			fd.emitCites(f, t, []cite{{page: v.p.Number, text: t, box: spanBox(v.p, lt, s)}}, score)
		}
	}
	first := -1
	for _, r := range rows {
		j := r[0]
		lt := &v.lines[v.segs[j].line]
		s := lt.segs[v.segs[j].seg]
		text := lt.text(s)
		if label, _, ok := strings.Cut(text, ":"); ok {
			if !nameLabels[norm(label)] {
				continue
			}
			vs := trimValue(lt.runes, span{s.from + utf8.RuneCountInString(label) + 1, s.to})
			if vs.from < vs.to {
				emit(lt, vs, scorePartyName)
				return
			}
			if len(r) > 1 {
				rl := &v.lines[v.segs[r[1]].line]
				emit(rl, trimValue(rl.runes, rl.segs[v.segs[r[1]].seg]), scorePartyName)
				return
			}
			continue
		}
		// A label whose value stands right of it ("Nummer" … ": 731942")
		// is no name.
		if len(r) > 1 && strings.HasPrefix(strings.TrimSpace(v.text(r[1])), ":") {
			continue
		}
		if first < 0 && nameLike(text) && !fd.labelled(text) {
			first = j
		}
	}
	if first < 0 {
		return
	}
	lt := &v.lines[v.segs[first].line]
	emit(lt, trimValue(lt.runes, lt.segs[v.segs[first].seg]), scorePartyLine)
}

// labelled reports whether a text starts with a label of the schema or
// of the vocabulary: "Kundennummer K-1182" is a customer number, not
// the customer. A party's heading word may begin its name: "Lieferant
// Nord GmbH" is a name.
func (fd *finder) labelled(text string) bool {
	words := strings.Fields(text)
	for k := 1; k <= min(3, len(words)); k++ {
		if p := strings.Join(words[:k], " "); fd.plan.ix.isNonValue(p) && partyOf(p) == sideNone {
			return true
		}
	}
	return false
}

// readConcept is concept.read with what the plan knows: a party's name
// is not a label followed by a value.
func (fd *finder) readConcept(fl *field, text string) (string, float64, bool) {
	t, fit, ok := fl.concept.read(text)
	if ok && (fl.concept == conceptSellerName || fl.concept == conceptBuyerName) && fd.labelled(t) {
		return "", 0, false
	}
	return t, fit, ok
}

// vatLabel finds a VAT id's label before it on its line; partyCue finds
// the words that say whose it is ("Ihre USt-IdNr." is the customer's).
var (
	vatLabel  = regexp.MustCompile(`(?i)(ust|vat|tva|btw|iva|mwst|uid|umsatzsteuer|identnr|idnr|id\.?-?nr|nif|cif|tax id|intracom)`)
	buyerCue  = regexp.MustCompile(`(?i)(^|[^\p{L}])(ihre|your|votre|uw|su|client|kunde|käufer|buyer|customer|acheteur|klant|afnemer|cliente)([^\p{L}]|$)`)
	sellerCue = regexp.MustCompile(`(?i)(^|[^\p{L}])(unsere|our|notre|onze|nuestro|seller|verkäufer|lieferant|supplier|vendeur|fournisseur)([^\p{L}]|$)`)
)

// vatIDs reads every VAT id on the page by its shape and gives it to the
// seller's or the buyer's field: by the block it stands in, else by the
// words on its line ("Ihre", "your", "client"), else to the seller, whose
// id an invoice must print (the footer's "USt-IdNr." is the issuer's).
func (fd *finder) vatIDs(v *pageView, party map[int]partySide, sellers, buyers []int) {
	for si := range v.segs {
		lt := &v.lines[v.segs[si].line]
		s := lt.segs[v.segs[si].seg]
		text := strings.ReplaceAll(lt.text(s), string(gap), " ")
		for _, loc := range vatID.FindAllStringIndex(text, -1) {
			before := text[:loc[0]]
			labelled := vatLabel.MatchString(before)
			if !labelled {
				// The label may stand in the segment to the left.
				if l, ok := v.left(si); ok && vatLabel.MatchString(v.text(l)) {
					labelled, before = true, v.text(l)+" "+before
				}
			}
			side := party[si]
			switch {
			case side != sideNone:
			case buyerCue.MatchString(before):
				side = sideBuyer
			case sellerCue.MatchString(before):
				side = sideSeller
			}
			fields, score := sellers, scoreVATBare
			if side == sideBuyer {
				fields = buyers
			}
			if labelled {
				score = scoreVATLabelled
			}
			if side == sideNone && len(buyers) > 0 && !labelled {
				continue // whose, with a field for each party, no line says
			}
			from := s.from + utf8.RuneCountInString(text[:loc[0]])
			sp := span{from, from + utf8.RuneCountInString(text[loc[0]:loc[1]])}
			raw := text[loc[0]:loc[1]]
			for _, f := range fields {
				fd.emitCites(f, raw, []cite{{page: v.p.Number, text: raw, box: spanBox(v.p, lt, sp)}}, score)
			}
		}
	}
}

// left returns the nearest segment to the left of segment si on its row.
func (v *pageView) left(si int) (int, bool) {
	lb := v.segs[si].box
	h := v.height(si)
	best, bestX := -1, math.Inf(-1)
	for j, s := range v.segs {
		if j == si || math.Abs((s.box.Y+s.box.H/2)-(lb.Y+lb.H/2)) > h/2 || s.box.X+s.box.W > lb.X+h/2 {
			continue
		}
		if s.box.X > bestX {
			best, bestX = j, s.box.X
		}
	}
	return best, best >= 0
}

// currencies offers the currency of every amount written with a code or a
// sign ("529,87 €", "EUR 1.234,56") and of every code standing alone
// ("Beträge in EUR"), each a weak vote: a labelled "Währung: EUR" wins,
// and several currencies on one invoice lower the confidence.
func (fd *finder) currencies(v *pageView, fields []int) {
	for li := range v.lines {
		lt := &v.lines[li]
		text := string(lt.runes)
		for _, m := range currencyWord.FindAllStringSubmatchIndex(text, -1) {
			w := text[m[2]:m[3]]
			code, ok := currencyOf(w)
			if !ok {
				continue
			}
			if len(w) == 3 && !strings.EqualFold(w, "eur") && w != strings.ToUpper(w) {
				continue
			}
			from := utf8.RuneCountInString(text[:m[2]])
			sp := span{from, from + utf8.RuneCountInString(w)}
			for _, f := range fields {
				fd.emitCites(f, code, []cite{{page: v.p.Number, text: w, box: spanBox(v.p, lt, sp)}}, scoreCurrencySeen)
			}
		}
	}
}

// scorePaidInFull scales a grand total's score when it stands for the
// amount due: an invoice that prints no prepayment is due in full.
const scorePaidInFull = 0.7

// prepaidLabels say part of an invoice was paid already; where one stands
// with an amount, the amount due is not the total.
var prepaidLabels = regexp.MustCompile(`(?i)(bereits bezahlt|erhaltene anzahlung|anzahlung|vorauszahlung|already paid|amount paid|prepaid|paid amount|deposit|acompte|déjà payé|déjà réglé|reeds betaald|aanbetaling|anticipo|ya pagado)`)

// inferInvoice fills what an invoice implies without printing it, after
// all pages are read: an amount due field with no candidate takes the
// grand total's best candidate when the document shows no prepayment.
func (fd *finder) inferInvoice(pages []document.Page) {
	fd.countsBesideTotals(pages)
	due, total := -1, -1
	for i, f := range fd.plan.fields {
		switch f.concept {
		case conceptAmountDue:
			due = i
		case conceptGrandTotal:
			total = i
		}
	}
	if due < 0 || total < 0 || len(fd.found[due]) > 0 || len(fd.found[total]) == 0 {
		return
	}
	for _, p := range pages {
		for _, l := range p.Lines {
			if prepaidLabels.MatchString(l.Text) && !zeroAmounts(l.Text) {
				return
			}
		}
	}
	best, _, _ := choose(fd.found[total])
	c, ok := fd.parse(due, string(best.value.value), best.cites, best.score*scorePaidInFull)
	if ok {
		fd.add(c)
	}
}

// zeroAmounts reports whether every amount on a line is zero
// ("Anzahlung  0,00"): a prepayment line that prepaid nothing.
func zeroAmounts(line string) bool {
	seen := false
	for _, w := range strings.Fields(line) {
		if r, _, ok := parseNumber(w); ok {
			if r.Sign() != 0 {
				return false
			}
			seen = true
		}
	}
	return seen
}

// Scores of the sender line of a window envelope letter and of the
// address under it.
const (
	scoreSenderLine = 0.6
	scoreRecipient  = 0.55
)

// senderParts splits a sender line: "Holzwerk Brandt KG · Sägewerkweg 2 ·
// 79098 Freiburg", with middle dots, pipes or spaced dashes between.
var (
	senderSep  = regexp.MustCompile(`\s+[·•|–-]\s+|\s*[·•|]\s*`)
	postalCode = regexp.MustCompile(`^(?:[A-Z]{1,2}[- ]?)?[0-9]{4,5}\s+\p{L}`)
)

// senderLine reads the line a letter prints above the recipient's address
// (and often in its footer): the sender's name, its street and its town,
// one after the other on one line. Its first part is the seller's name,
// and the first line under it that reads as a name is the recipient's.
func (fd *finder) senderLine(v *pageView, sellers, buyers []int) {
	for li := range v.lines {
		if !strings.ContainsAny(v.p.Lines[li].Text, "·•|–-") {
			continue
		}
		lt := &v.lines[li]
		text := strings.ReplaceAll(string(lt.runes), string(gap), " ")
		parts := senderSep.Split(text, -1)
		if len(parts) < 3 {
			continue
		}
		postal := false
		for _, p := range parts[1:] {
			if postalCode.MatchString(strings.TrimSpace(p)) {
				postal = true
			}
		}
		name := strings.TrimSpace(parts[0])
		if !postal || !nameLike(name) || fd.labelled(name) {
			continue
		}
		from := utf8.RuneCountInString(text[:strings.Index(text, name)])
		sp := span{from, from + utf8.RuneCountInString(name)}
		for _, f := range sellers {
			fd.emitCites(f, name, []cite{{page: v.p.Number, text: name, box: spanBox(v.p, lt, sp)}}, scoreSenderLine)
		}
		if len(buyers) == 0 {
			continue
		}
		// The recipient's block starts right under the sender line, in
		// its column.
		fd.recipient(v, li, buyers)
	}
}

// recipient reads the first line that reads as a name in the block right
// under line li, passing over a salutation ("Herrn", "Firma").
func (fd *finder) recipient(v *pageView, li int, buyers []int) {
	first := -1
	for si, s := range v.segs {
		if s.line == li && s.seg == 0 {
			first = si
		}
	}
	if first < 0 {
		return
	}
	for _, r := range v.block(first) {
		lt := &v.lines[v.segs[r[0]].line]
		sp := trimValue(lt.runes, lt.segs[v.segs[r[0]].seg])
		t := strings.ReplaceAll(lt.text(sp), string(gap), " ")
		if salutations[strings.ToLower(strings.Trim(t, "."))] {
			continue
		}
		if nameLike(t) && !fd.labelled(t) {
			for _, f := range buyers {
				fd.emitCites(f, t, []cite{{page: v.p.Number, text: t, box: spanBox(v.p, lt, sp)}}, scoreRecipient)
			}
		}
		return
	}
}

// salutations stand over a recipient's name on a line of their own.
var salutations = map[string]bool{"herrn": true, "herr": true, "frau": true, "firma": true, "an": true, "to": true,
	"monsieur": true, "madame": true, "société": true, "à": true, "aan": true, "de heer": true, "mevrouw": true, "sr": true, "sra": true}
