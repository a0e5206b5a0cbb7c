package builtin

import (
	"strings"
	"testing"
	"unicode/utf8"
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

// FuzzMayHoldDate holds mayHoldDate to what it stands in front of, every
// text dateInText finds a date in passes it, and hasDateInText to
// dateInText over the whole text. Texts beyond ASCII are left
// out: (?i) folds "ſ" and "K" into "s" and "k", which no month is written
// with.
func FuzzMayHoldDate(f *testing.F) {
	for _, s := range []string{"Date: 05.03.2024", "2024-03-05", "5 March 2024", "March 5, 2024", "12th-mar-24",
		"Total $412.00", "Tel 0117-123-4567", "1/2/3", "5thmar2024", "Invoice No.:  INV-2024-0042   Date: March 5, 2024", "Invoice INV-2024-0042", "sep. 3, 2021", "31 DEC 99"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for i := 0; i < len(s); i++ {
			if s[i] >= utf8.RuneSelf {
				return
			}
		}
		want := dateInText.MatchString(s)
		if want && !mayHoldDate(s) {
			t.Errorf("dateInText finds a date in %q, but mayHoldDate(%q) = false", s, s)
		}
		if got := hasDateInText(s); got != want {
			t.Errorf("hasDateInText(%q) = %v, dateInText finds a date: %v", s, got, want)
		}
	})
}

func TestMayHoldDateSparesAmounts(t *testing.T) {
	for _, s := range []string{"Widget, large  3  $412.00  $1,236.00", "VAT (20%) 257.20", "Tel 0117-1234"} {
		if mayHoldDate(s) {
			t.Errorf("mayHoldDate(%q) = true, want false: it holds no date", s)
		}
	}
}
