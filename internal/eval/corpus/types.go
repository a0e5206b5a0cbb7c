package corpus

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

const receiptSchema = `{
  "type": "object",
  "properties": {
    "merchant_name": {"type": "string", "description": "The store or business that issued the receipt"},
    "receipt_number": {"type": ["string", "null"]},
    "date": {"type": "string", "format": "date"},
    "items": {
      "type": "array",
      "items": {
        "type": "object",
        "properties": {
          "description": {"type": "string"},
          "quantity": {"type": ["number", "null"]},
          "amount": {"type": "number"}
        }
      }
    },
    "subtotal": {"type": ["number", "null"]},
    "tax": {"type": ["number", "null"]},
    "total": {"type": "number"},
    "payment_method": {"type": ["string", "null"]}
  }
}`

func receipt(g *gen) spec {
	loc := g.locale()
	noise := g.chance(0.3)
	lay := g.intn(3)
	merchant := pick(g, "Corner", "Fresh", "Daily", "Green", "City", "Harbor") + " " + pick(g, "Market", "Grocer", "Cafe", "Pharmacy", "Deli", "Foods")
	addr := g.address()
	number := fmt.Sprintf("%d", g.between(100000, 999999))
	day := g.date()
	fixOrder(loc, &day)
	items := g.lineItems(g.between(2, 9), groceries)
	var subtotal int64
	for i := range items {
		items[i].unit = int64(g.between(60, 2500))
		items[i].amount = int64(items[i].qty%4+1) * items[i].unit
		items[i].qty = items[i].qty%4 + 1
		subtotal += items[i].amount
	}
	rate := pick(g, 0, 7, 10, 20)
	tax := int64(math.Round(float64(subtotal) * float64(rate) / 100))
	total := subtotal + tax
	method := pick(g, "Visa", "Mastercard", "Cash", "Debit Card", "Amex")

	gold := map[string]any{"merchant_name": merchant, "receipt_number": number, "date": isoDate(day),
		"subtotal": nil, "tax": nil, "total": amount(total), "payment_method": method}
	head := pick(g, []string{"Item", "Qty", "Amount"}, []string{"Description", "Qty", "Total"}, []string{"Product", "Units", "Line Total"})
	var rows [][]val
	var goldItems []any
	for i, it := range items {
		p := fmt.Sprintf("items[%d]", i)
		rows = append(rows, []val{{it.desc, p + ".description"}, {strconv.Itoa(it.qty), p + ".quantity"}, {loc.plain(it.amount), p + ".amount"}})
		goldItems = append(goldItems, map[string]any{"description": it.desc, "quantity": it.qty, "amount": amount(it.amount)})
	}
	gold["items"] = goldItems
	var sums []pair
	if rate > 0 {
		gold["subtotal"], gold["tax"] = amount(subtotal), amount(tax)
		sums = append(sums, pair{g.noisy(pick(g, "Subtotal", "Sub Total"), noise), val{loc.money(subtotal), "subtotal"}},
			pair{pick(g, "Tax", fmt.Sprintf("VAT %d%%", rate), "Sales Tax"), val{loc.money(tax), "tax"}})
	}
	sums = append(sums, pair{pick(g, "Total", "TOTAL", "Amount Due"), val{loc.money(total), "total"}},
		pair{g.noisy(pick(g, "Payment Method", "Paid By", "Tender", "Payment Type"), noise), val{method, "payment_method"}})
	meta := []pair{
		{g.noisy(pick(g, "Receipt No.", "Receipt #", "Receipt Number", "Transaction No."), noise), val{number, "receipt_number"}},
		{pick(g, "Date", "Date"), val{loc.date(day), "date"}},
		{"Time", val{fmt.Sprintf("%02d:%02d", g.between(7, 21), g.intn(60)), ""}},
	}
	top := []block{heading{text: merchant, size: 16, path: "merchant_name"}, lines{items: []val{{addr[0], ""}, {addr[1], ""}}}}
	if g.chance(0.3) {
		top = append(top, fields{style: styleColon, pairs: []pair{{pick(g, "Merchant", "Store"), val{merchant, "merchant_name"}}}})
	}
	tbl := table{header: head, rows: rows, widths: []float64{4, 1, 2}, right: []bool{false, true, true}}
	s := spec{gold: gold}
	switch lay {
	case 0:
		s.pages = []page{{blocks: append(top, spacer{}, fields{style: styleColon, pairs: meta}, spacer{}, tbl, spacer{}, fields{style: styleColon, pairs: sums, indent: 0.4})}}
	case 1:
		s.pages = []page{{blocks: append(top, spacer{}, fields{style: styleGap, pairs: meta}, spacer{}, tbl, spacer{}, fields{style: styleGap, pairs: sums, indent: 0.3})}}
	default: // a till roll: a narrow, long page
		s.width, s.height = 260, 720
		s.pages = []page{{blocks: append(top, spacer{}, fields{style: styleColon, pairs: meta}, spacer{}, tbl, spacer{}, fields{style: styleColon, pairs: sums},
			spacer{}, lines{items: []val{{"Thank you for shopping!", ""}}})}}
	}
	return s
}

const purchaseOrderSchema = `{
  "type": "object",
  "properties": {
    "po_number": {"type": "string", "title": "PO Number"},
    "order_date": {"type": "string", "format": "date"},
    "delivery_date": {"type": ["string", "null"], "format": "date"},
    "buyer": {"type": "object", "properties": {"name": {"type": "string"}, "address": {"type": ["string", "null"]}}},
    "supplier": {"type": "object", "properties": {"name": {"type": "string"}, "address": {"type": ["string", "null"]}}},
    "items": {
      "type": "array",
      "items": {
        "type": "object",
        "properties": {
          "sku": {"type": ["string", "null"]},
          "description": {"type": "string"},
          "quantity": {"type": "integer"},
          "unit_price": {"type": "number"},
          "amount": {"type": "number"}
        }
      }
    },
    "total": {"type": "number"},
    "payment_terms": {"type": ["string", "null"]}
  }
}`

func purchaseOrder(g *gen) spec {
	loc := g.locale()
	noise := g.chance(0.3)
	lay := g.intn(4)
	buyer, supplier := g.party(), g.party()
	number := g.ident("PO")
	ordered := g.date()
	delivery := ordered.AddDate(0, 0, g.between(7, 40))
	fixOrder(loc, &ordered, &delivery)
	n := g.between(2, 9)
	if lay == 3 {
		n = g.between(22, 36)
	}
	items := g.lineItems(n, products)
	var total int64
	for _, it := range items {
		total += it.amount
	}
	terms := pick(g, "Net 30", "Net 45", "Net 60", "Due on receipt", "2% 10, Net 30")
	gold := map[string]any{"po_number": number, "order_date": isoDate(ordered), "delivery_date": isoDate(delivery),
		"buyer": buyer.gold(), "supplier": supplier.gold(), "total": amount(total), "payment_terms": terms}
	head := pick(g, []string{"SKU", "Description", "Qty", "Unit Price", "Amount"},
		[]string{"Item Code", "Item", "Quantity", "Price", "Total"},
		[]string{"Part No.", "Description", "Units", "Unit Cost", "Line Total"})
	var rows [][]val
	var goldItems []any
	for i, it := range items {
		p := fmt.Sprintf("items[%d]", i)
		rows = append(rows, []val{{it.sku, p + ".sku"}, {it.desc, p + ".description"}, {strconv.Itoa(it.qty), p + ".quantity"},
			{loc.plain(it.unit), p + ".unit_price"}, {loc.plain(it.amount), p + ".amount"}})
		goldItems = append(goldItems, map[string]any{"sku": it.sku, "description": it.desc, "quantity": it.qty,
			"unit_price": amount(it.unit), "amount": amount(it.amount)})
	}
	gold["items"] = goldItems
	meta := []pair{
		{g.noisy(pick(g, "PO Number", "Purchase Order No.", "PO #", "P.O. Number"), noise), val{number, "po_number"}},
		{g.noisy(pick(g, "Order Date", "Date", "Issue Date"), noise), val{loc.date(ordered), "order_date"}},
		{g.noisy(pick(g, "Delivery Date", "Deliver By", "Expected Delivery"), noise), val{loc.date(delivery), "delivery_date"}},
	}
	from := buyer.block(g.noisy(pick(g, "Buyer", "Bill To:", "Ordered By:", "Purchaser"), noise), "buyer")
	to := supplier.block(g.noisy(pick(g, "Supplier", "Vendor:", "Seller:"), noise), "supplier")
	tbl := table{header: head, rows: rows, widths: []float64{2, 4.5, 1.3, 2, 2}, right: []bool{false, false, true, true, true}}
	foot := []block{fields{style: pick(g, styleColon, styleGap), pairs: []pair{{pick(g, "Total", "Order Total", "Total Amount"), val{loc.money(total), "total"}}}, indent: 0.55},
		spacer{}, fields{style: styleColon, pairs: []pair{{g.noisy(pick(g, "Payment Terms", "Terms"), noise), val{terms, "payment_terms"}}}},
		lines{items: []val{{"Please quote the PO number on all invoices and delivery notes.", ""}}}}
	title := heading{text: pick(g, "PURCHASE ORDER", "Purchase Order"), size: 18}
	var pages []page
	switch lay {
	case 0:
		pages = []page{{blocks: append([]block{title, fields{style: styleColon, pairs: meta}, spacer{}, from, spacer{}, to, spacer{}, tbl, spacer{}}, foot...)}}
	case 1:
		pages = []page{{blocks: append([]block{title, columns{left: []block{from, spacer{}, to}, right: []block{fields{style: styleGap, pairs: meta}}}, spacer{}, tbl, spacer{}}, foot...)}}
	case 2:
		pages = []page{{blocks: append([]block{title, fields{style: styleAbove, pairs: meta, perRow: 3}, spacer{}, columns{left: []block{from}, right: []block{to}}, spacer{}, tbl, spacer{}}, foot...)}}
	default:
		pages = []page{{blocks: []block{title, fields{style: styleColon, pairs: meta}, spacer{}, columns{left: []block{from}, right: []block{to}}, spacer{}}}}
		pages = tableParts(pages, tbl, splitRows(rows, g.between(10, 15), g.between(16, 22)), g.chance(0.5))
		last := &pages[len(pages)-1]
		last.blocks = append(append(last.blocks, spacer{}), foot...)
		numberPages(pages, "Page {i} of {n}")
	}
	return spec{pages: pages, gold: gold}
}

const bankStatementSchema = `{
  "type": "object",
  "properties": {
    "account_holder": {"type": "string"},
    "account_number": {"type": "string"},
    "opening_balance": {"type": "number"},
    "closing_balance": {"type": "number"},
    "transactions": {
      "type": "array",
      "items": {
        "type": "object",
        "properties": {
          "date": {"type": "string", "format": "date"},
          "description": {"type": "string"},
          "debit": {"type": ["number", "null"], "description": "Money out"},
          "credit": {"type": ["number", "null"], "description": "Money in"},
          "balance": {"type": ["number", "null"]}
        }
      }
    }
  },
  "required": ["account_number", "transactions"]
}`

func bankStatement(g *gen) spec {
	loc := g.locale()
	noise := g.chance(0.3)
	lay := g.intn(4)
	bank := pick(g, "First Coastal Bank", "Northern Trust Savings", "Union Credit Bank", "Alpine Cantonal Bank", "Harbor Federal")
	holder := g.person()
	account := fmt.Sprintf("%04d-%04d-%04d", g.intn(10000), g.intn(10000), g.intn(10000))
	start := g.date()
	start = start.AddDate(0, 0, 1-start.Day())
	n := g.between(5, 12)
	if lay == 3 {
		n = g.between(28, 45)
	}
	opening := int64(g.between(50000, 900000))
	bal := opening
	head := pick(g, []string{"Date", "Description", "Debit", "Credit", "Balance"},
		[]string{"Date", "Details", "Withdrawals", "Deposits", "Balance"},
		[]string{"Date", "Transaction Details", "Money Out", "Money In", "Balance"},
		[]string{"Date", "Description", "Paid Out", "Paid In", "Balance"})
	var rows [][]val
	var goldTx []any
	if g.chance(0.4) {
		rows = append(rows, []val{{loc.date(start), ""}, {pick(g, "Opening balance", "Balance brought forward"), ""}, {}, {}, {loc.plain(opening), ""}})
	}
	days := make([]int, n)
	for i := range days {
		days[i] = g.between(1, 27)
	}
	sortInts(days)
	if loc.dayFirst && days[len(days)-1] <= 12 {
		days[len(days)-1] = 13 + g.intn(14)
	}
	for i := range n {
		p := fmt.Sprintf("transactions[%d]", i)
		day := start.AddDate(0, 0, days[i]-1)
		desc := pick(g, payees...)
		amt := int64(g.between(500, 250000))
		tx := map[string]any{"date": isoDate(day), "description": desc, "debit": nil, "credit": nil}
		row := []val{{loc.date(day), p + ".date"}, {desc, p + ".description"}, {}, {}, {}}
		if g.chance(0.35) {
			bal += amt
			tx["credit"] = amount(amt)
			row[3] = val{loc.plain(amt), p + ".credit"}
		} else {
			bal -= amt
			tx["debit"] = amount(amt)
			row[2] = val{loc.plain(amt), p + ".debit"}
		}
		tx["balance"] = amount(bal)
		row[4] = val{loc.plain(bal), p + ".balance"}
		rows = append(rows, row)
		goldTx = append(goldTx, tx)
	}
	gold := map[string]any{"account_holder": holder, "account_number": account, "opening_balance": amount(opening),
		"closing_balance": amount(bal), "transactions": goldTx}
	meta := []pair{
		{g.noisy(pick(g, "Account Holder", "Account Name", "Account Holder Name"), noise), val{holder, "account_holder"}},
		{g.noisy(pick(g, "Account Number", "Account No.", "Account #"), noise), val{account, "account_number"}},
		{"Statement Period", val{loc.date(start) + " - " + loc.date(start.AddDate(0, 1, -1)), ""}},
	}
	balances := []pair{
		{g.noisy(pick(g, "Opening Balance", "Previous Balance", "Balance Brought Forward"), noise), val{loc.money(opening), "opening_balance"}},
		{g.noisy(pick(g, "Closing Balance", "New Balance", "Ending Balance"), noise), val{loc.money(bal), "closing_balance"}},
	}
	tbl := table{header: head, rows: rows, widths: []float64{2.8, 4.5, 1.8, 1.8, 2}, right: []bool{false, false, true, true, true}}
	title := heading{text: bank, size: 16}
	sub := lines{items: []val{{pick(g, "Statement of Account", "Account Statement", "Monthly Statement"), ""}}}
	var pages []page
	switch lay {
	case 0:
		pages = []page{{blocks: []block{title, sub, spacer{}, fields{style: styleColon, pairs: meta}, spacer{}, fields{style: styleGap, pairs: balances}, spacer{}, tbl}}}
	case 1:
		pages = []page{{blocks: []block{title, sub, spacer{}, columns{left: []block{fields{style: styleColon, pairs: meta}}, right: []block{fields{style: styleColon, pairs: balances}}}, spacer{}, tbl}}}
	case 2:
		pages = []page{{blocks: []block{title, sub, spacer{}, fields{style: styleAbove, pairs: append(meta[:2:2], balances...), perRow: 4}, spacer{}, tbl}}}
	default:
		pages = []page{{blocks: []block{title, sub, spacer{}, fields{style: styleColon, pairs: meta}, spacer{}, fields{style: styleGap, pairs: balances}, spacer{}}}}
		pages = tableParts(pages, tbl, splitRows(rows, g.between(12, 18), g.between(18, 24)), g.chance(0.5))
		numberPages(pages, "Page {i} of {n}")
	}
	return spec{pages: pages, gold: gold}
}

func sortInts(a []int) {
	for i := 1; i < len(a); i++ {
		for j := i; j > 0 && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}

const formSchema = `{
  "type": "object",
  "properties": {
    "full_name": {"type": "string"},
    "date_of_birth": {"type": ["string", "null"], "format": "date"},
    "email": {"type": ["string", "null"], "format": "email"},
    "phone": {"type": ["string", "null"]},
    "address": {"type": ["string", "null"]},
    "occupation": {"type": ["string", "null"]},
    "annual_income": {"type": ["number", "null"]},
    "existing_customer": {"type": ["boolean", "null"]},
    "application_date": {"type": ["string", "null"], "format": "date"}
  },
  "required": ["full_name"]
}`

func form(g *gen) spec {
	loc := g.locale()
	noise := g.chance(0.3)
	name := g.person()
	born := g.date().AddDate(-g.between(20, 60), 0, 0)
	applied := g.date()
	fixOrder(loc, &applied, &born)
	addr := strings.Join(g.address(), ", ")
	income := int64(g.between(18000, 190000)) * 100
	existing := g.chance(0.5)
	email, phone := g.email(name), g.phone()
	job := pick(g, occupations...)
	yes := map[bool]string{true: pick(g, "Yes", "YES", "Y"), false: pick(g, "No", "NO", "N")}
	gold := map[string]any{"full_name": name, "date_of_birth": isoDate(born), "email": email, "phone": phone,
		"address": addr, "occupation": job, "annual_income": amount(income), "existing_customer": existing,
		"application_date": isoDate(applied)}
	pairs := []pair{
		{g.noisy(pick(g, "Full Name", "Name", "Applicant Name"), noise), val{name, "full_name"}},
		{g.noisy(pick(g, "Date of Birth", "DOB", "Birth Date"), noise), val{loc.date(born), "date_of_birth"}},
		{g.noisy(pick(g, "Email", "E-mail Address", "Email Address"), noise), val{email, "email"}},
		{g.noisy(pick(g, "Phone", "Telephone", "Mobile", "Phone Number"), noise), val{phone, "phone"}},
		{g.noisy(pick(g, "Address", "Home Address", "Residential Address"), noise), val{addr, "address"}},
		{g.noisy(pick(g, "Occupation", "Profession"), noise), val{job, "occupation"}},
		{g.noisy(pick(g, "Annual Income", "Yearly Income", "Annual Income (gross)"), noise), val{loc.money(income), "annual_income"}},
		{g.noisy(pick(g, "Existing Customer", "Existing Customer?"), noise), val{yes[existing], "existing_customer"}},
		{g.noisy(pick(g, "Application Date", "Date of Application", "Date Submitted"), noise), val{loc.date(applied), "application_date"}},
	}
	if g.chance(0.2) { // left blank by the applicant
		k := g.between(5, 7)
		gold[strings.Split(pairs[k].value.path, ".")[0]] = nil
		pairs = append(pairs[:k], pairs[k+1:]...)
	}
	title := heading{text: pick(g, "CUSTOMER APPLICATION FORM", "Membership Application", "New Account Application"), size: 16}
	intro := lines{items: []val{{"Please complete all sections in block capitals.", ""}}}
	sign := lines{items: []val{{"Signature: ______________________", ""}}}
	var blocks []block
	switch g.intn(4) {
	case 0:
		blocks = []block{title, intro, spacer{}, fields{style: styleColon, pairs: pairs}, spacer{}, sign}
	case 1:
		blocks = []block{title, intro, spacer{}, fields{style: styleGap, pairs: pairs}, spacer{}, sign}
	case 2:
		blocks = []block{title, intro, spacer{}, fields{style: styleAbove, pairs: pairs, perRow: 3}, spacer{}, sign}
	default:
		half := (len(pairs) + 1) / 2
		blocks = []block{title, intro, spacer{}, columns{left: []block{fields{style: styleColon, pairs: pairs[:half]}},
			right: []block{fields{style: styleColon, pairs: pairs[half:]}}}, spacer{}, sign}
	}
	return spec{pages: []page{{blocks: blocks}}, gold: gold}
}
