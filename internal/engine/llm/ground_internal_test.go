package llm

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/quarrylabs/quarry/internal/document/text"
)

func TestAmountReadings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []float64
	}{
		{"$1,234.56", []float64{1234.56}},
		{"1.234,56 €", []float64{1234.56}},
		{"12,3400", []float64{12.34}},
		{"12,5", []float64{12.5}},
		{"12,5h", []float64{12.5}},
		{"5.000", []float64{5, 5000}},
		{"5.000Stück", []float64{5, 5000}},
		{"1,234", []float64{1234, 1.234}},
		{"0,125", []float64{0.125}},
		{"1'234.50", []float64{1234.5}},
		{"1 234,56", []float64{1234.56}},
		{"1.234.567", []float64{1234567}},
		{"1,23,456.00", []float64{123456}},
		{"-3", []float64{-3}},
		{"\u22123", []float64{-3}},
		{"3-", []float64{-3}},
		{"36,00-", []float64{-36}},
		{"(3)", []float64{-3}},
		{"(36,00)", []float64{-36}},
		{"-€12.00", []float64{-12}},
		{"€-12.00", []float64{-12}},
		{"19%", []float64{19}},
		{"RM60.30", []float64{60.3}},
		{"Total", nil},
		{"-", nil},
		{"1.2.3a4", nil},
	}
	for _, tt := range tests {
		if got := amountReadings(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("amountReadings(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestDateReadings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
	}{
		{"2024-03-05", []string{"2024-03-05"}},
		{"2024-03-05T14:30:00Z", []string{"2024-03-05"}},
		{"07.11.2019", []string{"2019-11-07", "2019-07-11"}},
		{"19.05.2024", []string{"2024-05-19"}},
		{"03/05/24", []string{"2024-05-03", "2024-03-05"}},
		{"3 juin 2016", []string{"2016-06-03"}},
		{"1er juin 2016", []string{"2016-06-01"}},
		{"le 3 février 2016", []string{"2016-02-03"}},
		{"4. Mai 2018", []string{"2018-05-04"}},
		{"12. März 2020", []string{"2020-03-12"}},
		{"3 maart 2021", []string{"2021-03-03"}},
		{"5 de junio de 2019", []string{"2019-06-05"}},
		{"March 5, 2024", []string{"2024-03-05"}},
		{"Tue, Mar 5, 2024", []string{"2024-03-05"}},
		{"the 3rd day of June, 2016", []string{"2016-06-03"}},
		{"05-Mar-2024", []string{"2024-03-05"}},
		{"5 Mar 24", []string{"2024-03-05"}},
		{"2024 March 5", []string{"2024-03-05"}},
		{"DATE:21/05/2018TIME:", []string{"2018-05-21"}},
		{"20180428/191204", []string{"2018-04-28"}},
		{"12345678", nil},
		{"31.02.2024", nil},
		{"March 2024", nil},
		{"5 March", nil},
		{"5 apples 2024", nil},
		{"12.34", nil},
		{"2024 5 March", nil},
	}
	for _, tt := range tests {
		if got := dateReadings(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("dateReadings(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// groundIn grounds v as a value of a field of type typ (format date when
// typ is "date") in a plain-text document.
func groundIn(tb testing.TB, doc, typ string, v any) (match, bool) {
	tb.Helper()
	d, err := text.Parse(strings.NewReader(doc), text.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	n := &node{kind: kindScalar, types: []string{typ}}
	if typ == "date" {
		n.types, n.format = []string{"string"}, "date"
	}
	g := &grounder{streams: newStreams(d.Pages)}
	return g.locate(n, v, nil)
}

func TestLocate(t *testing.T) {
	t.Parallel()
	const receipt = "SUNRISE MARKET\nDate: 03/05/2024\nMilk            $3.50\nTOTAL           $13.39\n"
	const canadian = "MAPLE GROCERY, Toronto\nAll prices in CAD\nTOTAL           $13.39\n"
	const german = "Rechnung vom 4. Mai 2018\n" +
		"Pos  Bezeichnung              Menge        Preis\n" +
		"1    Wartungsvertrag Premium  5.000 Stück  12,3400 €\n" +
		"     Leistungszeitraum\n" +
		"     01.01.2019 bis 31.03.2019\n" +
		"2    Beratung vor Ort         12,5 h       95,00 €\n" +
		"Gesamt                                     74.836,13 Euro\n"
	const credit = "Gutschrift\n1  Retoure Toner   3-    36,00-\n2  Rabatt          (2)   (10,00)\n3  Papier          - 4   -8,00\n"
	const contract = "This Agreement is effective as of the 1st day of January, 2018 between Leggett &\n" +
		"Platt, Incorporated and the Executive, for a period of two years.\n"
	tests := []struct {
		name, doc, typ string
		v              any
		want           string // the citation's text, "" for not found
		boxes          int
	}{
		{"DollarIsUSD", receipt, "string", "USD", "$3.50", 1},
		{"DollarNotUSDWhereCAD", canadian, "string", "USD", "", 0},
		{"CADNamed", canadian, "string", "CAD", "CAD", 1},
		{"EuroSign", german, "string", "EUR", "€", 1},
		{"NoPound", german, "string", "GBP", "", 0},
		{"USDate", receipt, "date", "2024-03-05", "03/05/2024", 1},
		{"GermanDateInWords", german, "date", "2018-05-04", "4. Mai 2018", 1},
		{"OtherDate", german, "date", "2018-05-05", "", 0},
		{"FourDecimals", german, "number", json.Number("12.34"), "12,3400", 1},
		{"ThousandsWithUnit", german, "number", json.Number("5000"), "5.000", 1},
		{"DecimalHours", german, "number", json.Number("12.5"), "12,5", 1},
		{"EuropeanTotal", german, "number", json.Number("74836.13"), "74.836,13", 1},
		{"TrailingMinus", credit, "number", json.Number("-3"), "3-", 1},
		{"TrailingMinusAmount", credit, "number", json.Number("-36"), "36,00-", 1},
		{"Parentheses", credit, "number", json.Number("-2"), "(2)", 1},
		{"MinusApart", credit, "number", json.Number("-4"), "- 4", 1},
		{"WrongSign", credit, "number", json.Number("-13"), "", 0},
		{"WrappedCell", german, "string", "Wartungsvertrag Premium Leistungszeitraum 01.01.2019 bis 31.03.2019",
			"Wartungsvertrag Premium Leistungszeitraum 01.01.2019 bis 31.03.2019", 3},
		{"WrappedCellPart", german, "string", "Leistungszeitraum 01.01.2019 bis 31.03.2019", "Leistungszeitraum 01.01.2019 bis 31.03.2019", 2},
		{"Ampersand", contract, "string", "Leggett and Platt Inc.", "Leggett & Platt, Incorporated", 2},
		{"NumberInWords", contract, "string", "2 years", "two years.", 1},
		{"DateOverLines", contract, "date", "2018-01-01", "1st day of January, 2018", 1},
		{"NotAcrossCells", german, "string", "Wartungsvertrag Premium Beratung vor Ort", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, ok := groundIn(t, tt.doc, tt.typ, tt.v)
			if tt.want == "" {
				if ok {
					t.Fatalf("locate(%v) = %q on page %d, want not found", tt.v, m.cite.MatchingText, m.cite.Page)
				}
				return
			}
			if !ok {
				t.Fatalf("locate(%v) not found, want %q", tt.v, tt.want)
			}
			if m.cite.MatchingText != tt.want || len(m.cite.BoundingBoxes) != tt.boxes {
				t.Errorf("locate(%v) = %q with %d boxes, want %q with %d", tt.v, m.cite.MatchingText, len(m.cite.BoundingBoxes), tt.want, tt.boxes)
			}
		})
	}
}
