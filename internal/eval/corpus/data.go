package corpus

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// gen is the random source of one document with the helpers that draw
// realistic values from it.
type gen struct {
	r *rand.Rand
}

func (g *gen) intn(n int) int { return g.r.IntN(n) }

// pick returns one of the choices.
func pick[T any](g *gen, choices ...T) T { return choices[g.r.IntN(len(choices))] }

// chance reports true with probability p.
func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

// between returns an integer in [lo, hi].
func (g *gen) between(lo, hi int) int { return lo + g.r.IntN(hi-lo+1) }

var (
	companyHeads = []string{"Northwind", "Globex", "Brightline", "Kestrel", "Bluewater", "Ironbridge", "Silverline",
		"Redwood", "Harborview", "Summit", "Pinecrest", "Lakeside", "Meridian", "Oakridge", "Crescent", "Granite",
		"Falcon", "Evergreen", "Cobalt", "Westfield", "Aurora", "Stonegate", "Riverside", "Copperfield", "Beacon"}
	companyTails = []string{"Traders", "Industries", "Logistics", "Supply Co.", "Systems", "Consulting", "Foods",
		"Manufacturing", "Partners", "Technologies", "Trading", "Services", "Labs", "Holdings", "Distribution"}
	companyForms = []string{"Ltd", "Inc.", "LLC", "GmbH", "S.A.", "B.V.", "Corp.", ""}
	firstNames   = []string{"Maria", "James", "Aisha", "Daniel", "Sofia", "Liam", "Chen", "Olivia", "Mateo", "Priya",
		"Lucas", "Emma", "Noah", "Hana", "Omar", "Elena", "Jonas", "Grace", "Ravi", "Clara", "Tomas", "Nadia"}
	lastNames = []string{"Santos", "Walker", "Okafor", "Fischer", "Rossi", "Nguyen", "Kowalski", "Haddad", "Larsen",
		"Moreau", "Patel", "Schmidt", "Tanaka", "Murphy", "Silva", "Novak", "Jensen", "Alvarez", "Dubois", "Keller"}
	streets = []string{"Main Street", "Harbor Road", "Elm Avenue", "Industriestrasse", "King Street", "Market Lane",
		"Station Road", "Park Avenue", "Mill Road", "Bridge Street", "Rue des Tanneurs", "Oak Drive", "Quay Street"}
	cities = []string{"Springfield, IL 62704", "Portland, OR 97205", "70565 Stuttgart", "69001 Lyon", "Leeds LS1 4DT",
		"Austin, TX 78701", "1012 AB Amsterdam", "Denver, CO 80202", "8001 Zurich", "Dublin D02 X285",
		"Boston, MA 02110", "20095 Hamburg", "Manchester M1 2AB", "Seattle, WA 98101"}
	cityNames = []string{"Rotterdam", "Hamburg", "Shanghai", "Singapore", "Antwerp", "Los Angeles", "Felixstowe",
		"Valencia", "Busan", "Savannah", "Genoa", "Le Havre"}
	products = []string{"Precision bearing 6204", "Spindle housing", "Calibration service", "Hydraulic pump",
		"Steel bracket M8", "Office chair", "LED panel 60x60", "Network switch 24-port", "Consulting hours",
		"Copper cable 50 m", "Safety gloves", "Printer toner", "Stainless bolts M10", "Valve assembly",
		"Annual support plan", "Training session", "Laptop stand", "Thermal paste", "Conveyor belt",
		"Pallet wrap", "Shipping boxes", "Design review", "Server rack", "Solar inverter", "Paint, white 10 L",
		"Air filter", "Gear motor", "Label printer", "Wireless mouse", "Installation labour"}
	groceries = []string{"Coffee beans", "Whole milk", "Sourdough bread", "Bananas", "Cheddar cheese", "Olive oil",
		"Pasta", "Tomatoes", "Orange juice", "Greek yogurt", "Chicken breast", "Rice 1 kg", "Apples", "Butter",
		"Dark chocolate", "Sparkling water", "Green tea", "Eggs (12)", "Cereal", "Avocados"}
	payees = []string{"Grocery Mart", "Rent payment", "Electricity bill", "Salary", "Transfer from savings",
		"Card payment - Airline", "Water utility", "Mobile phone plan", "Insurance premium", "Restaurant",
		"Fuel station", "Online store", "Gym membership", "Interest", "ATM withdrawal", "Pharmacy", "Bookshop"}
	skillPool = []string{"Go", "Python", "PostgreSQL", "Kubernetes", "Terraform", "React", "TypeScript", "AWS",
		"Docker", "gRPC", "Kafka", "Rust", "Java", "SQL", "Linux", "Redis", "GraphQL", "Spark"}
	jobTitles = []string{"Software Engineer", "Senior Backend Engineer", "Data Analyst", "Product Manager",
		"DevOps Engineer", "Engineering Manager", "QA Engineer", "Site Reliability Engineer", "Frontend Developer"}
	occupations = []string{"Teacher", "Nurse", "Accountant", "Architect", "Electrician", "Pharmacist", "Engineer", "Designer"}
	carriers    = []string{"Maersk Line", "Hapag-Lloyd", "CMA CGM", "DHL Freight", "Kuehne + Nagel", "DB Schenker", "UPS Freight"}
	goods       = []string{"Machine parts", "Textiles", "Ceramic tiles", "Electronic components", "Furniture",
		"Canned food", "Auto parts", "Paper rolls", "Plastic granules", "Glassware", "Tools"}
	laws = []string{"State of New York", "England and Wales", "Germany", "the Netherlands", "State of California", "Ireland"}
)

func (g *gen) company() string {
	name := pick(g, companyHeads...) + " " + pick(g, companyTails...)
	if f := pick(g, companyForms...); f != "" {
		name += " " + f
	}
	return name
}

func (g *gen) person() string { return pick(g, firstNames...) + " " + pick(g, lastNames...) }

// address returns an address as two printed lines.
func (g *gen) address() []string {
	return []string{fmt.Sprintf("%d %s", g.between(1, 250), pick(g, streets...)), pick(g, cities...)}
}

func (g *gen) email(name string) string {
	parts := strings.Fields(strings.ToLower(name))
	return parts[0] + "." + parts[len(parts)-1] + "@" + pick(g, "mail.example", "inbox.example", "post.example")
}

func (g *gen) phone() string {
	return pick(g,
		fmt.Sprintf("+1 (%03d) 555-%04d", g.between(200, 989), g.intn(10000)),
		fmt.Sprintf("+49 %d 555 %04d", g.between(30, 89), g.intn(10000)),
		fmt.Sprintf("+44 20 7946 %04d", g.intn(10000)),
		fmt.Sprintf("%03d-555-%04d", g.between(200, 989), g.intn(10000)))
}

// date returns a day in 2023–2025.
func (g *gen) date() time.Time {
	return time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, g.intn(3*365))
}

// ident returns an identifier such as INV-2024-0042.
func (g *gen) ident(prefix string) string {
	switch g.intn(3) {
	case 0:
		return fmt.Sprintf("%s-%d-%04d", prefix, g.between(2023, 2025), g.intn(10000))
	case 1:
		return fmt.Sprintf("%s%06d", prefix, g.intn(1000000))
	}
	return fmt.Sprintf("%d/%04d", g.between(2023, 2025), g.intn(10000))
}

// locale is how a document writes amounts and dates.
type locale struct {
	// money writes an amount given in cents.
	money func(cents int64) string
	// plain writes an amount without a currency, for table cells.
	plain func(cents int64) string
	// date writes a date.
	date func(time.Time) string
	// dayFirst is set when numeric dates put the day first, so that a
	// reader needs one date with a day above 12 to tell the order.
	dayFirst bool
}

// locales are the conventions documents are drawn in: US, UK, German,
// French, Swiss and ISO styles.
func (g *gen) locale() locale {
	us := func(c int64) string { return group(c, ",", ".") }
	eu := func(c int64) string { return group(c, ".", ",") }
	fr := func(c int64) string { return group(c, " ", ",") }
	ch := func(c int64) string { return group(c, "'", ".") }
	switch g.intn(6) {
	case 0:
		return locale{money: func(c int64) string { return "$" + us(c) }, plain: us,
			date: pick(g, fmtUSSlash, fmtLong, fmtShort)}
	case 1:
		return locale{money: func(c int64) string { return "£" + us(c) }, plain: us,
			date: pick(g, fmtDMYSlash, fmtDayMonth), dayFirst: true}
	case 2:
		return locale{money: func(c int64) string { return eu(c) + " €" }, plain: eu,
			date: pick(g, fmtDotted, fmtDayMonth), dayFirst: true}
	case 3:
		return locale{money: func(c int64) string { return "EUR " + fr(c) }, plain: fr,
			date: pick(g, fmtDMYSlash, fmtISO), dayFirst: true}
	case 4:
		return locale{money: func(c int64) string { return "CHF " + ch(c) }, plain: ch,
			date: pick(g, fmtDotted, fmtISO), dayFirst: true}
	}
	return locale{money: func(c int64) string { return "USD " + us(c) }, plain: us, date: pick(g, fmtISO, fmtLong)}
}

func fmtUSSlash(t time.Time) string  { return t.Format("01/02/2006") }
func fmtDMYSlash(t time.Time) string { return t.Format("02/01/2006") }
func fmtDotted(t time.Time) string   { return t.Format("02.01.2006") }
func fmtLong(t time.Time) string     { return t.Format("January 2, 2006") }
func fmtShort(t time.Time) string    { return t.Format("Jan 2, 2006") }
func fmtDayMonth(t time.Time) string { return t.Format("2 January 2006") }
func fmtISO(t time.Time) string      { return t.Format("2006-01-02") }

// group writes cents with a thousands separator and a decimal mark.
func group(cents int64, thousands, decimal string) string {
	neg := cents < 0
	if neg {
		cents = -cents
	}
	whole := strconv.FormatInt(cents/100, 10)
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(thousands)
		}
		b.WriteRune(r)
	}
	s := fmt.Sprintf("%s%s%02d", b.String(), decimal, cents%100)
	if neg {
		s = "-" + s
	}
	return s
}

// amount is the gold value of cents: a JSON number.
func amount(cents int64) float64 { return float64(cents) / 100 }

// isoDate is the gold value of a date.
func isoDate(t time.Time) string { return t.Format("2006-01-02") }

// noisy changes one letter of a label of six letters or more the way OCR
// misreads print (I for l, 0 for O, rn for m), as light noise: values are
// never touched, so the gold stays what the document says.
func (g *gen) noisy(label string, on bool) string {
	if !on || !g.chance(0.35) {
		return label
	}
	letters := 0
	for _, r := range label {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			letters++
		}
	}
	if letters < 6 {
		return label
	}
	swaps := [][2]string{{"l", "1"}, {"I", "l"}, {"O", "0"}, {"o", "0"}, {"m", "rn"}, {"e", "c"}, {"i", "l"}, {"t", "f"}}
	start := g.intn(len(swaps))
	for k := range swaps {
		s := swaps[(start+k)%len(swaps)]
		if i := strings.Index(label[1:], s[0]); i >= 0 {
			i++
			return label[:i] + s[1] + label[i+len(s[0]):]
		}
	}
	return label
}
