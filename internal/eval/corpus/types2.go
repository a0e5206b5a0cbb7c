package corpus

import (
	"fmt"
	"strconv"
	"strings"
)

const resumeSchema = `{
  "type": "object",
  "properties": {
    "name": {"type": "string", "description": "Candidate's full name"},
    "email": {"type": ["string", "null"], "format": "email"},
    "phone": {"type": ["string", "null"]},
    "location": {"type": ["string", "null"]},
    "skills": {"type": "array", "items": {"type": "string"}},
    "experience": {
      "type": "array",
      "items": {
        "type": "object",
        "properties": {
          "company": {"type": "string"},
          "title": {"type": "string", "description": "Job title"},
          "start_date": {"type": ["string", "null"]},
          "end_date": {"type": ["string", "null"]}
        }
      }
    }
  },
  "required": ["name"]
}`

func resume(g *gen) spec {
	noise := g.chance(0.3)
	name := g.person()
	email, phone := g.email(name), g.phone()
	location := pick(g, "Oakland, CA", "Berlin, Germany", "London, UK", "Austin, TX", "Amsterdam, NL", "Toronto, ON")
	nskills := g.between(3, 7)
	perm := g.r.Perm(len(skillPool))[:nskills]
	var skills []string
	for _, i := range perm {
		skills = append(skills, skillPool[i])
	}
	monthFmt := pick(g, "Jan 2006", "01/2006", "2006-01", "January 2006")
	year := g.between(2019, 2024)
	var jobs []any
	var rows [][]val
	njobs := g.between(2, 4)
	end := "Present"
	for i := range njobs {
		p := fmt.Sprintf("experience[%d]", i)
		company, title := g.company(), pick(g, jobTitles...)
		startT := g.date().AddDate(year-2023-3*(i+1), 0, 0)
		start := startT.Format(monthFmt)
		jobs = append(jobs, map[string]any{"company": company, "title": title, "start_date": start, "end_date": end})
		rows = append(rows, []val{{company, p + ".company"}, {title, p + ".title"}, {start, p + ".start_date"}, {end, p + ".end_date"}})
		end = startT.AddDate(0, -1, 0).Format(monthFmt)
	}
	gold := map[string]any{"name": name, "email": email, "phone": phone, "location": location, "skills": toAny(skills), "experience": jobs}
	contact := []pair{
		{g.noisy(pick(g, "Email", "E-mail"), noise), val{email, "email"}},
		{g.noisy(pick(g, "Phone", "Mobile", "Tel"), noise), val{phone, "phone"}},
		{g.noisy(pick(g, "Location", "Based in", "City"), noise), val{location, "location"}},
	}
	head := pick(g, []string{"Company", "Title", "Start Date", "End Date"}, []string{"Employer", "Position", "From", "To"},
		[]string{"Company", "Role", "Start", "End"})
	exp := table{header: head, rows: rows, widths: []float64{3.5, 3.5, 1.6, 1.6}, right: []bool{false, false, false, false}}
	top := []block{heading{text: name, size: 20, path: "name"}, lines{items: []val{{pick(g, jobTitles...), ""}}}}
	summary := lines{items: []val{{"Engineer with a record of shipping reliable systems and", ""}, {"mentoring teams across several product areas.", ""}}}
	var skillBlock []block
	skillItems := make([]val, len(skills))
	for i, s := range skills {
		skillItems[i] = val{s, fmt.Sprintf("skills[%d]", i)}
	}
	skillLabel := g.noisy(pick(g, "Skills", "Technical Skills", "Key Skills"), noise)
	if g.chance(0.5) {
		bullets := make([]val, len(skillItems))
		for i, v := range skillItems {
			bullets[i] = val{pick(g, "- ", "• ", "* ") + v.text, v.path}
		}
		skillBlock = []block{section{heading: skillLabel, items: bullets}}
	} else {
		// One line; every item is on it, so each path points at its page.
		skillBlock = []block{fields{style: styleColon, pairs: []pair{{skillLabel, val{strings.Join(skills, ", "), "skills[0]"}}}}}
		for i := range skills {
			skillBlock = append(skillBlock, lines{items: []val{{"", fmt.Sprintf("skills[%d]", i)}}})
		}
	}
	expHead := heading{text: pick(g, "Experience", "Work Experience", "Employment History"), size: 12}
	var blocks []block
	switch g.intn(3) {
	case 0:
		blocks = append(append(append(top, spacer{}, fields{style: styleColon, pairs: contact}, spacer{}, lines{items: []val{{"Summary", ""}}}, summary, spacer{}), skillBlock...), spacer{}, expHead, exp)
	case 1:
		blocks = append(append(append(top, spacer{}, columns{left: []block{fields{style: styleColon, pairs: contact[:2]}}, right: []block{fields{style: styleColon, pairs: contact[2:]}}}, spacer{}), skillBlock...), spacer{}, expHead, exp)
	default:
		blocks = append(append(append(top, spacer{}, fields{style: styleAbove, pairs: contact, perRow: 3}, spacer{}, summary, spacer{}), skillBlock...), spacer{}, expHead, exp)
	}
	return spec{pages: []page{{blocks: blocks}}, gold: gold}
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

const billOfLadingSchema = `{
  "type": "object",
  "title": "Bill of Lading",
  "properties": {
    "bill_of_lading_number": {"type": "string"},
    "ship_date": {"type": ["string", "null"], "format": "date"},
    "shipper": {"type": "object", "properties": {"name": {"type": "string"}, "address": {"type": ["string", "null"]}}},
    "consignee": {"type": "object", "properties": {"name": {"type": "string"}, "address": {"type": ["string", "null"]}}},
    "carrier": {"type": ["string", "null"]},
    "port_of_loading": {"type": ["string", "null"]},
    "port_of_discharge": {"type": ["string", "null"]},
    "cargo": {
      "type": "array",
      "items": {
        "type": "object",
        "properties": {
          "description": {"type": "string"},
          "packages": {"type": "integer"},
          "weight": {"type": "number", "description": "Gross weight in kg"}
        }
      }
    },
    "total_weight": {"type": ["number", "null"], "description": "Total gross weight in kg"}
  }
}`

func billOfLading(g *gen) spec {
	loc := g.locale()
	noise := g.chance(0.3)
	shipper, consignee := g.party(), g.party()
	number := pick(g, "BL", "MSKU", "HLCU", "BOL") + fmt.Sprintf("%08d", g.intn(100000000))
	shipped := g.date()
	fixOrder(loc, &shipped)
	carrier := pick(g, carriers...)
	pol, pod := pick(g, cityNames...), pick(g, cityNames...)
	n := g.between(2, 7)
	var rows [][]val
	var cargo []any
	var total int64 // tenths of kg
	weight := func(t int64) string {
		s := loc.plain(t * 10)
		return s[:len(s)-1] // one decimal
	}
	for i := range n {
		p := fmt.Sprintf("cargo[%d]", i)
		desc, pk := pick(g, goods...), g.between(1, 120)
		w := int64(g.between(100, 250000))
		total += w
		rows = append(rows, []val{{desc, p + ".description"}, {strconv.Itoa(pk), p + ".packages"}, {weight(w), p + ".weight"}})
		cargo = append(cargo, map[string]any{"description": desc, "packages": pk, "weight": float64(w) / 10})
	}
	gold := map[string]any{"bill_of_lading_number": number, "ship_date": isoDate(shipped), "shipper": shipper.gold(),
		"consignee": consignee.gold(), "carrier": carrier, "port_of_loading": pol, "port_of_discharge": pod,
		"cargo": cargo, "total_weight": float64(total) / 10}
	head := pick(g, []string{"Description of Goods", "Packages", "Gross Weight (kg)"}, []string{"Goods", "No. of Packages", "Weight (kg)"},
		[]string{"Description", "Pkgs", "Weight"})
	meta := []pair{
		{g.noisy(pick(g, "B/L Number", "Bill of Lading No.", "BOL #", "B/L No."), noise), val{number, "bill_of_lading_number"}},
		{g.noisy(pick(g, "Ship Date", "Date of Shipment", "Shipped On", "Date"), noise), val{loc.date(shipped), "ship_date"}},
		{g.noisy(pick(g, "Carrier", "Shipping Line"), noise), val{carrier, "carrier"}},
		{g.noisy(pick(g, "Port of Loading", "Loading Port"), noise), val{pol, "port_of_loading"}},
		{g.noisy(pick(g, "Port of Discharge", "Discharge Port", "Port of Destination"), noise), val{pod, "port_of_discharge"}},
	}
	from := shipper.block(g.noisy(pick(g, "Shipper", "Shipper:", "Consignor"), noise), "shipper")
	to := consignee.block(g.noisy(pick(g, "Consignee", "Consignee:", "Deliver To:"), noise), "consignee")
	tbl := table{header: head, rows: rows, widths: []float64{5, 2, 2.5}, right: []bool{false, true, true}}
	tot := fields{style: styleColon, pairs: []pair{{g.noisy(pick(g, "Total Weight", "Total Gross Weight"), noise), val{weight(total) + " kg", "total_weight"}}}}
	title := heading{text: pick(g, "BILL OF LADING", "Bill of Lading", "STRAIGHT BILL OF LADING"), size: 16}
	var blocks []block
	switch g.intn(3) {
	case 0:
		blocks = []block{title, spacer{}, fields{style: styleColon, pairs: meta}, spacer{}, from, spacer{}, to, spacer{}, tbl, spacer{}, tot}
	case 1:
		blocks = []block{title, spacer{}, columns{left: []block{from, spacer{}, to}, right: []block{fields{style: styleColon, pairs: meta}}}, spacer{}, tbl, spacer{}, tot}
	default:
		blocks = []block{title, spacer{}, fields{style: styleAbove, pairs: meta, perRow: 3}, spacer{}, columns{left: []block{from}, right: []block{to}}, spacer{}, tbl, spacer{}, tot}
	}
	blocks = append(blocks, spacer{}, lines{items: []val{{"Received in apparent good order and condition unless otherwise noted.", ""}}})
	return spec{pages: []page{{blocks: blocks}}, gold: gold}
}

const contractSchema = `{
  "type": "object",
  "title": "Contract key terms",
  "properties": {
    "client": {"type": "string", "description": "The party receiving the services"},
    "provider": {"type": "string", "description": "The service provider"},
    "effective_date": {"type": "string", "format": "date"},
    "end_date": {"type": ["string", "null"], "format": "date"},
    "contract_value": {"type": ["number", "null"]},
    "payment_terms": {"type": ["string", "null"]},
    "governing_law": {"type": ["string", "null"]},
    "notice_period_days": {"type": ["integer", "null"]},
    "auto_renewal": {"type": ["boolean", "null"]}
  }
}`

func contract(g *gen) spec {
	loc := g.locale()
	noise := g.chance(0.3)
	client, provider := g.company(), g.company()
	start := g.date()
	end := start.AddDate(pick(g, 1, 2, 3), 0, -1)
	fixOrder(loc, &start, &end)
	value := int64(g.between(1000, 900000)) * 100
	terms := pick(g, "Net 30", "Monthly in advance", "Quarterly in arrears", "50% upfront, 50% on delivery")
	law := pick(g, laws...)
	notice := pick(g, 30, 60, 90)
	renew := g.chance(0.5)
	gold := map[string]any{"client": client, "provider": provider, "effective_date": isoDate(start), "end_date": isoDate(end),
		"contract_value": amount(value), "payment_terms": terms, "governing_law": law, "notice_period_days": notice, "auto_renewal": renew}
	yes := map[bool]string{true: "Yes", false: "No"}
	pairs := []pair{
		{g.noisy(pick(g, "Client", "Customer"), noise), val{client, "client"}},
		{g.noisy(pick(g, "Service Provider", "Provider", "Contractor"), noise), val{provider, "provider"}},
		{g.noisy(pick(g, "Effective Date", "Commencement Date", "Start Date"), noise), val{loc.date(start), "effective_date"}},
		{g.noisy(pick(g, "End Date", "Expiry Date", "Expiration Date"), noise), val{loc.date(end), "end_date"}},
		{g.noisy(pick(g, "Contract Value", "Total Contract Value", "Fees"), noise), val{loc.money(value), "contract_value"}},
		{g.noisy(pick(g, "Payment Terms", "Terms of Payment"), noise), val{terms, "payment_terms"}},
		{g.noisy(pick(g, "Governing Law", "Applicable Law"), noise), val{law, "governing_law"}},
		{g.noisy(pick(g, "Notice Period", "Termination Notice"), noise), val{fmt.Sprintf("%d days", notice), "notice_period_days"}},
		{g.noisy(pick(g, "Auto-Renewal", "Automatic Renewal", "Renews Automatically"), noise), val{yes[renew], "auto_renewal"}},
	}
	title := heading{text: pick(g, "MASTER SERVICES AGREEMENT", "Consulting Agreement", "SERVICE CONTRACT"), size: 16}
	sub := lines{items: []val{{pick(g, "Key Terms", "Summary of Key Terms", "Contract Summary"), ""}}}
	prose := lines{items: []val{
		{"1. Services. The Provider shall perform the services described in Schedule A with due care and skill.", ""},
		{"2. Fees. The Client shall pay the fees set out above against the Provider's invoices.", ""},
		{"3. Term. This Agreement runs from the effective date until the end date unless terminated earlier.", ""},
		{"4. Termination. Either party may terminate this Agreement by written notice as set out above.", ""},
		{"5. Confidentiality. Each party shall keep the other party's confidential information secret.", ""},
	}}
	var key block
	switch g.intn(3) {
	case 0:
		key = fields{style: styleColon, pairs: pairs}
	case 1:
		key = fields{style: styleGap, pairs: pairs}
	default:
		var rows [][]val
		for _, p := range pairs {
			rows = append(rows, []val{{p.label, ""}, p.value})
		}
		key = table{header: []string{"Term", "Details"}, rows: rows, widths: []float64{1, 2}, right: []bool{false, false}, noHeader: g.chance(0.5)}
	}
	return spec{pages: []page{{blocks: []block{title, sub, spacer{}, key, spacer{}, prose}}}, gold: gold}
}
