package builtin

// Business forms (orders, contracts, invoices, policies) print their key
// values in boxes and rows whose layouts vary from one issuer to the next.
// Beside the label and value pairs every document has (find.go), the
// engine reads three things forms write their own way: periods given as
// one date range (daterange.go), the number identifying the document
// under labels written in many ways (docid.go), and the total among a
// form's amounts (formtotal.go). What each field is looked for as comes
// from its meaning (meaning.go), never its name alone.

// formFields says, per field of the plan, what the form mechanisms look
// for it as. It is read once with the plan, which the plan cache shares
// between jobs.
type formFields struct {
	sides    []rangeSide // the end of a date range a date field takes
	anyRange bool
	ids      []idField    // the fields of a document's number
	totals   []totalField // the fields of a document's total
}

// formState is what the form mechanisms found in one document so far.
type formState struct {
	// kind is what the document says it is (documentKind), read on its
	// first page.
	kind string
	// rows are the total rows found so far, offered to their fields
	// once the document is read (finishForm).
	rows []totalRow
}

func newFormFields(pl *plan) *formFields {
	ff := &formFields{sides: make([]rangeSide, len(pl.fields))}
	for i := range pl.fields {
		f := &pl.fields[i]
		ff.sides[i] = dateSide(f)
		ff.anyRange = ff.anyRange || ff.sides[i] != rangeNone
		if id, ok := idFieldOf(i, f); ok {
			ff.ids = append(ff.ids, id)
		}
		if tf, ok := totalFieldOf(i, f); ok {
			ff.totals = append(ff.totals, tf)
		}
	}
	return ff
}

// scanForm runs the form mechanisms over a page.
func (fd *finder) scanForm(v *pageView) {
	ff := fd.plan.form
	if len(ff.ids) > 0 {
		if v.p.Number == 1 {
			fd.form.kind = documentKind(v, ff.ids)
		}
		fd.docIDs(v, ff.ids, fd.form.kind)
	}
	if ff.anyRange {
		fd.scanRanges(v, ff.sides)
	}
	if len(ff.totals) > 0 {
		fd.scanTotals(v, ff.totals)
	}
}

// finishForm offers what needed the whole document read: the totals.
func (fd *finder) finishForm() {
	fd.emitTotals()
}
