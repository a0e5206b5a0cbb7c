package builtin

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestReadLetterLine checks what a letterhead's line is taken for: a name
// with a legal form, a street or postcode line of an address, a line that
// ends the block (a phone, a tax number, a date), a registration number.
func TestReadLetterLine(t *testing.T) {
	t.Parallel()
	pl, err := planFor(json.RawMessage(`{"properties": {"company": {"type": "string"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	// reg is whether the line is a registration number, which only a
	// line that does not end the block is asked.
	tests := []struct {
		line                           string
		legal, street, post, stop, reg bool
	}{
		{line: "KEDAI RUNCIT MAJU SDN BHD", legal: true},
		{line: "SDN BHD", legal: true},
		{line: "Bäckerei Sonnenschein GmbH", legal: true},
		{line: "BLUE HERON COFFEE ROASTERS INC.", legal: true},
		{line: "LEE & SONS TRADING", legal: true},
		{line: "TRADING HOURS 9AM TO 5PM"},
		{line: "LOT 7, JALAN PERDANA 2,", street: true},
		{line: "Lindenstraße 12", street: true},
		// A number before the street's name is the house's, not a postcode.
		{line: "LOT 2685 JLN GENTING KLANG", street: true},
		{line: "LOT 4821, JALAN MERANTI,", street: true},
		{line: "1234 Main Street", street: true},
		{line: "K3-113, JL IBRAHIM SULTAN", street: true},
		{line: "43000 KAJANG, SELANGOR", street: true, post: true},
		{line: "D-80333 München", street: true, post: true},
		{line: "Austin, TX 78701", street: true, post: true},
		{line: "TEL: 03-8736 1122", stop: true},
		{line: "GST REG NO: 001234567890", stop: true},
		{line: "ORD #50 -REG #19- 18/01/2018 10:27:03", stop: true},
		{line: "03 MAR 2018 18:22", stop: true},
		{line: "(123456-X)", reg: true},
		{line: "BR NO.: (124525-H)", reg: true},
		{line: "CO. REG NO: 801580-T", stop: true},
	}
	for _, tt := range tests {
		p := laidOutPages(t, tt.line)[0]
		ll := readLetterLine(pl.ix, &p, 0)
		reg := !ll.stop && registration(ll)
		if ll.legal != tt.legal || ll.street != tt.street || ll.post != tt.post || ll.stop != tt.stop || reg != tt.reg {
			t.Errorf("readLetterLine(%q) = legal %v street %v post %v stop %v registration %v, want %v %v %v %v %v",
				tt.line, ll.legal, ll.street, ll.post, ll.stop, reg, tt.legal, tt.street, tt.post, tt.stop, tt.reg)
		}
	}
}

// TestIssuerName checks which line of a letterhead is its issuer's name
// and where a name split over lines begins.
func TestIssuerName(t *testing.T) {
	t.Parallel()
	pl, err := planFor(json.RawMessage(`{"properties": {"company": {"type": "string"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, doc string
		want      string // the name's lines joined; "" for none
	}{
		{"LegalForm", "TAX INVOICE\nMAJU JAYA SDN BHD\nLOT 7, JALAN PERDANA 2\n43000 KAJANG", "MAJU JAYA SDN BHD"},
		{"LegalFormOwnLine", "NASI KANDAR PELITA MALAYSIA\nSDN BHD\n(123456-X)\nLOT 7, JALAN PERDANA 2", "NASI KANDAR PELITA MALAYSIA SDN BHD"},
		{"AboveTheAddress", "Sunrise Bakery\n(123456-X)\n12 Market Street\nAustin, TX 78701", "Sunrise Bakery"},
		{"NoneBeforeTheStop", "WELCOME\nTel 555-0100\nAcme Trading Ltd", ""},
		{"NoAddressNoForm", "Thank you for shopping\nDate: 05/06/2021", ""},
	}
	for _, tt := range tests {
		p := laidOutPages(t, tt.doc)[0]
		var lines []letterLine
		for i := range p.Lines {
			lines = append(lines, readLetterLine(pl.ix, &p, i))
		}
		got := ""
		if n, _ := issuerName(lines); n >= 0 {
			var texts []string
			for _, l := range lines[nameStart(lines, n) : n+1] {
				texts = append(texts, l.text)
			}
			got = strings.Join(texts, " ")
		}
		if got != tt.want {
			t.Errorf("issuerName(%s) = %q, want %q", tt.name, got, tt.want)
		}
	}
}
