package builtin

import (
	"strings"
	"testing"
)

// TestLocaleDateOrder checks the order of day and month read from what a
// document says of where it comes from: a currency or a tax of a country
// that writes the day first, US dollars, both, or neither.
func TestLocaleDateOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		words string
		want  int
	}{
		{"TOTAL RM 33.90", 1},
		{"TOTAL (MYR) 33.90", 1},
		{"GST REG NO: 001234567890", 1},
		{"SST 6% 1.20", 1},
		{"Total €12,50", 1},
		{"Summe 12,50 EUR", 1},
		{"MwSt. 19% 2,00", 1},
		{"Total TTC 12,00", 1},
		{"VAT 20% 2.00", 1},
		{"Total £4.20", 1},
		{"Total USD 5.00", -1},
		{"Total US$ 5.00", -1},
		{"USD 5.00 = RM 21.00", 0},
		{"Total 5.00", 0},
		{"", 0},
	}
	for _, tt := range tests {
		if got := localeDateOrder(strings.Fields(tt.words)); got != tt.want {
			t.Errorf("localeDateOrder(%q) = %d, want %d", tt.words, got, tt.want)
		}
	}
}

// TestDateFields checks which words of a date field's name say which date
// it is, and which name the end of a range.
func TestDateFields(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want []string
		end  string
	}{
		{"date", nil, ""},
		{"due_date", []string{"due"}, ""},
		{"invoiceDate", []string{"invoice"}, ""},
		{"date_of_delivery", []string{"delivery"}, ""},
		{"valid_to", []string{"valid", "to"}, "to"},
	}
	for _, tt := range tests {
		pl, err := planFor([]byte(`{"properties": {"` + tt.name + `": {"type": "string", "format": "date"}, "n": {"type": "number"}}}`))
		if err != nil {
			t.Fatal(err)
		}
		dfs := pl.dateFields()
		if len(dfs) != 1 {
			t.Fatalf("dateFields(%s) = %d fields, want 1", tt.name, len(dfs))
		}
		if got := dfs[0].qualifiers; strings.Join(got, " ") != strings.Join(tt.want, " ") || dfs[0].end != tt.end {
			t.Errorf("dateFields(%s) = %q ending %q, want %q ending %q", tt.name, got, dfs[0].end, tt.want, tt.end)
		}
	}
}
