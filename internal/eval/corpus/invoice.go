package corpus

import (
	"fmt"
	"math"
	"strconv"
)

// lineItem is one row of an invoice or an order.
type lineItem struct {
	sku          string
	desc         string
	qty          int
	unit, amount int64 // cents
}

func (g *gen) lineItems(n int, pool []string) []lineItem {
	out := make([]lineItem, n)
	for i := range out {
		it := lineItem{desc: pick(g, pool...), qty: g.between(1, 24)}
		it.sku = fmt.Sprintf("%s-%04d", pick(g, "AX", "BK", "CT", "DL", "EM"), g.intn(10000))
		it.unit = int64(g.between(150, 90000))
		it.amount = int64(it.qty) * it.unit
		out[i] = it
	}
	return out
}

// itemColumns are ways an item table's columns are headed.
type itemColumns struct {
	header []string
	// cells writes an item's row, with the gold path prefix of the row.
	cells func(it lineItem, pos int, prefix string, loc locale) []val
	right []bool
	width []float64
}

func (g *gen) invoiceColumns(withCurrency bool) itemColumns {
	money := func(loc locale, c int64) string {
		if withCurrency {
			return loc.money(c)
		}
		return loc.plain(c)
	}
	four := func(h ...string) itemColumns {
		return itemColumns{header: h, right: []bool{false, true, true, true}, width: []float64{5, 1.5, 2, 2},
			cells: func(it lineItem, _ int, p string, loc locale) []val {
				return []val{{it.desc, p + ".description"}, {strconv.Itoa(it.qty), p + ".quantity"},
					{money(loc, it.unit), p + ".unit_price"}, {money(loc, it.amount), p + ".amount"}}
			}}
	}
	switch g.intn(6) {
	case 0:
		return four("Description", "Qty", "Unit Price", "Amount")
	case 1:
		return four("Item", "Quantity", "Rate", "Total")
	case 2:
		return four("Article", "Units", "Price", "Line Total")
	case 3:
		return four("Product", "Qty", "Price Each", "Ext. Price")
	case 4:
		return four("Description", "Hours", "Rate", "Amount")
	}
	return itemColumns{header: []string{"Pos.", "Article", "Qty", "Unit Price", "Amount"},
		right: []bool{false, false, true, true, true}, width: []float64{1, 5, 1.5, 2, 2},
		cells: func(it lineItem, pos int, p string, loc locale) []val {
			return []val{{strconv.Itoa(pos), ""}, {it.desc, p + ".description"}, {strconv.Itoa(it.qty), p + ".quantity"},
				{money(loc, it.unit), p + ".unit_price"}, {money(loc, it.amount), p + ".amount"}}
		}}
}

// InvoiceSchema is the schema a user writes for invoices.
const invoiceSchema = `{
  "type": "object",
  "title": "Invoice",
  "properties": {
    "invoice_number": {"type": "string"},
    "invoice_date": {"type": "string", "format": "date"},
    "due_date": {"type": ["string", "null"], "format": "date"},
    "po_number": {"type": ["string", "null"], "description": "Purchase order number"},
    "vendor": {
      "type": "object",
      "description": "Who issued the invoice",
      "properties": {"name": {"type": "string"}, "address": {"type": ["string", "null"]}}
    },
    "customer": {
      "type": "object",
      "description": "Who is billed",
      "properties": {"name": {"type": "string"}, "address": {"type": ["string", "null"]}}
    },
    "line_items": {
      "type": "array",
      "items": {
        "type": "object",
        "properties": {
          "description": {"type": "string"},
          "quantity": {"type": "number"},
          "unit_price": {"type": "number"},
          "amount": {"type": "number"}
        }
      }
    },
    "subtotal": {"type": ["number", "null"]},
    "tax": {"type": ["number", "null"]},
    "total": {"type": "number"}
  },
  "required": ["invoice_number", "total"]
}`

func invoice(g *gen) spec {
	loc := g.locale()
	noise := g.chance(0.3)
	lay := g.intn(4)
	vendor, customer := g.party(), g.party()
	number := g.ident("INV")
	issued := g.date()
	due := issued.AddDate(0, 0, pick(g, 14, 30, 45))
	fixOrder(loc, &issued, &due)
	po := ""
	if g.chance(0.6) {
		po = g.ident("PO")
	}
	n := g.between(2, 8)
	if lay == 3 {
		n = g.between(24, 42)
	}
	items := g.lineItems(n, products)
	var subtotal int64
	for _, it := range items {
		subtotal += it.amount
	}
	rate := pick(g, 0, 5, 8, 10, 19, 20)
	tax := int64(math.Round(float64(subtotal) * float64(rate) / 100))
	total := subtotal + tax

	gold := map[string]any{
		"invoice_number": number, "invoice_date": isoDate(issued), "due_date": isoDate(due),
		"po_number": nullable(po), "vendor": vendor.gold(), "customer": customer.gold(),
		"subtotal": nil, "tax": nil, "total": amount(total),
	}
	var goldItems []any
	cols := g.invoiceColumns(g.chance(0.3))
	var rows [][]val
	for i, it := range items {
		p := fmt.Sprintf("line_items[%d]", i)
		rows = append(rows, cols.cells(it, i+1, p, loc))
		goldItems = append(goldItems, map[string]any{"description": it.desc, "quantity": it.qty,
			"unit_price": amount(it.unit), "amount": amount(it.amount)})
	}
	gold["line_items"] = goldItems

	meta := []pair{
		{g.noisy(pick(g, "Invoice Number", "Invoice No.", "Invoice #", "Invoice No"), noise), val{number, "invoice_number"}},
		{g.noisy(pick(g, "Invoice Date", "Date", "Date of Issue", "Issue Date"), noise), val{loc.date(issued), "invoice_date"}},
		{g.noisy(pick(g, "Due Date", "Payment Due", "Due By"), noise), val{loc.date(due), "due_date"}},
	}
	if po != "" {
		meta = append(meta, pair{g.noisy(pick(g, "PO Number", "PO #", "Purchase Order"), noise), val{po, "po_number"}})
	}
	var totals []pair
	if rate > 0 {
		gold["subtotal"], gold["tax"] = amount(subtotal), amount(tax)
		totals = append(totals,
			pair{g.noisy(pick(g, "Subtotal", "Sub Total", "Net Total"), noise), val{loc.money(subtotal), "subtotal"}},
			pair{pick(g, "Tax", fmt.Sprintf("VAT %d%%", rate), "Sales Tax", fmt.Sprintf("Tax (%d%%)", rate)), val{loc.money(tax), "tax"}})
	}
	totals = append(totals, pair{g.noisy(pick(g, "Total", "Total Due", "Amount Due", "Balance Due", "Grand Total"), noise), val{loc.money(total), "total"}})

	from := vendor.block(g.noisy(pick(g, "From:", "Seller", "Vendor:", "Supplier"), noise), "vendor")
	to := customer.block(g.noisy(pick(g, "Bill To:", "Billed To", "Customer:", "Invoice To:", "Buyer"), noise), "customer")
	tbl := table{header: cols.header, rows: rows, widths: cols.width, right: cols.right}
	totalBlock := fields{style: pick(g, styleColon, styleGap), pairs: totals, indent: 0.55}
	title := heading{text: pick(g, "INVOICE", "Invoice", "TAX INVOICE"), size: 18}
	closing := lines{items: []val{{pick(g, "Thank you for your business.", "Please pay within the agreed terms.", "Questions? Contact our billing team."), ""}}}

	var pages []page
	switch lay {
	case 0: // label: value lines, parties one after the other
		pages = []page{{blocks: []block{title, fields{style: styleColon, pairs: meta}, spacer{}, from, spacer{}, to, spacer{}, tbl, spacer{}, totalBlock, spacer{}, closing}}}
	case 1: // two columns: seller left, invoice details right
		right := fields{style: pick(g, styleColon, styleGap), pairs: meta}
		pages = []page{{blocks: []block{title, columns{left: []block{from}, right: []block{right}}, spacer{}, to, spacer{}, tbl, spacer{}, totalBlock, spacer{}, closing}}}
	case 2: // labels above values, parties side by side
		pages = []page{{blocks: []block{title, fields{style: styleAbove, pairs: meta, perRow: 4}, spacer{}, columns{left: []block{from}, right: []block{to}}, spacer{}, tbl, spacer{}, totalBlock, spacer{}, closing}}}
	default: // many items: the table runs over pages
		pages = []page{{blocks: []block{title, fields{style: styleColon, pairs: meta}, spacer{}, columns{left: []block{from}, right: []block{to}}, spacer{}}}}
		pages = tableParts(pages, tbl, splitRows(rows, g.between(10, 16), g.between(16, 22)), g.chance(0.5))
		last := &pages[len(pages)-1]
		last.blocks = append(last.blocks, spacer{}, totalBlock, spacer{}, closing)
		numberPages(pages, pick(g, "Page {i} of {n}", "{i}/{n}", "Page {i}"))
	}
	return spec{pages: pages, gold: gold}
}
