package builtin

import (
	"strings"
	"testing"
)

// TestDateSide checks which end of a range a date field takes, from its
// name or, when the name does not say, its description.
func TestDateSide(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, desc string
		want       rangeSide
	}{
		{"run_from", "", rangeStart},
		{"run_until", "", rangeEnd},
		{"startDate", "", rangeStart},
		{"coverage_ends", "", rangeEnd}, // stemmed as a plural is
		{"air_date_1", "First air date of the schedule", rangeStart},
		{"air_date_2", "Last air date of the schedule", rangeEnd},
		{"period", "From the start to the end of the period", rangeNone},
		{"issued", "The date the policy was issued", rangeNone},
	}
	for _, tt := range tests {
		p := &prop{name: tt.name, description: tt.desc, alts: []alt{{kind: kindString, format: "date"}}}
		f := field{prop: p, alts: p.alts, mean: meaningOf(p)}
		if got := dateSide(&f); got != tt.want {
			t.Errorf("dateSide(%q, %q) = %v, want %v", tt.name, tt.desc, got, tt.want)
		}
	}
}

// TestRangeLabelScore checks that a range's label counts by what it says of
// the field: its topic, a word of its description, a period only, or a
// period of something else.
func TestRangeLabelScore(t *testing.T) {
	t.Parallel()
	p := &prop{name: "flight_start", description: "First day of the schedule the booking covers."}
	f := field{prop: p, alts: []alt{{kind: kindString, format: "date"}}, mean: meaningOf(p)}
	tests := []struct {
		label string
		want  float64
	}{
		{"Flight Dates", scoreRangeTopic},
		{"Order Flight", scoreRangeTopic},
		{"Schedule Dates", scoreRangeDesc},
		{"Dates", scoreRangeGeneric},
		{"Period", scoreRangeGeneric},
		{"Invoice Period", scoreRangeGeneric * rangeOther},
		{"Printed", 0},
		{"Last Modified", 0},
	}
	for _, tt := range tests {
		if got := rangeLabelScore(&f, tt.label); got != tt.want {
			t.Errorf("rangeLabelScore(%q) = %v, want %v", tt.label, got, tt.want)
		}
	}
}

func TestShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fn   func(string) bool
		in   string
		want bool
	}{
		{"isIDToken", isIDToken, "1327234-1", true},
		{"isIDToken", isIDToken, "TV0180164", true},
		{"isIDToken", isIDToken, "PX-2024-00817", true},
		{"isIDToken", isIDToken, "12", false},
		{"isIDToken", isIDToken, "05/01/20", false},
		{"isIDToken", isIDToken, "WOC", false},
		{"isMoney", isMoney, "$16,350.00", true},
		{"isMoney", isMoney, "1.344,00", true},
		{"isMoney", isMoney, "$985", true},
		{"isMoney", isMoney, "27", false},
		{"isMoney", isMoney, "2020", false},
		{"isFormLabel", isFormLabel, "original date revision", true},
		{"isFormLabel", isFormLabel, "product estimate number", true},
		{"isFormLabel", isFormLabel, "date", false}, // one word: a value as often as a label
		{"isFormLabel", isFormLabel, "friends of jane doe", false},
	}
	for _, tt := range tests {
		if got := tt.fn(tt.in); got != tt.want {
			t.Errorf("%s(%q) = %v, want %v", tt.name, tt.in, got, tt.want)
		}
	}
}

// TestRoleLabels checks that a name field is labelled by the first party
// role its description gives, unless that is its name or the description
// says the field is not that party.
func TestRoleLabels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, desc string
		want       string // the first label, "" for none
	}{
		{"sponsor", "Name of the advertiser paying for the spots (not the agency).", "advertiser"},
		{"advertiser", "Advertiser that pays for the spots, such as a candidate or a committee.", ""},
		{"payer_name", "Not the payee: the policyholder who pays.", "policyholder"},
		{"merchant", "The business that issued the receipt.", ""},
	}
	for _, tt := range tests {
		p := &prop{name: tt.name, description: tt.desc, alts: []alt{{kind: kindString}}}
		f := field{prop: p, alts: p.alts, section: -1, mean: meaningOf(p)}
		got := ""
		if ls := roleLabels(&f); len(ls) > 0 {
			got = ls[0].text
		}
		if got != tt.want {
			t.Errorf("roleLabels(%q, %q) = %q, want %q", tt.name, tt.desc, got, tt.want)
		}
	}
}

// TestFirstFold checks that firstFold gives the first word norm gives, so
// that the words passed over unread could start no label.
func TestFirstFold(t *testing.T) {
	t.Parallel()
	for _, w := range []string{"Total", "**Grand", "GrossTotal", "PONumber", "#", "Inv#", "(EUR)", "TOTAL:", "Order/Rev", "Rechnungs-Nr."} {
		want := ""
		if f := strings.Fields(norm(w)); len(f) > 0 {
			want = f[0]
		}
		if got := string(firstFold(nil, []rune(w))); got != want {
			t.Errorf("firstFold(%q) = %q, want %q (norm: %q)", w, got, want, norm(w))
		}
	}
}
