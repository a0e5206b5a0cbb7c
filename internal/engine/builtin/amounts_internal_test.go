package builtin

import (
	"slices"
	"strings"
	"testing"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/layout"
	"github.com/quarrylabs/quarry/internal/document/text"
)

func laidOutPages(tb testing.TB, s string) []document.Page {
	tb.Helper()
	doc, err := text.Parse(strings.NewReader(s), text.Options{Format: text.FormatText})
	if err != nil {
		tb.Fatal(err)
	}
	for i := range doc.Pages {
		layout.Analyze(&doc.Pages[i])
	}
	return doc.Pages
}

// TestPayments checks the amounts a receipt says were paid: each amount
// tendered, and each less the change given.
func TestPayments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc string
		want      []string
	}{
		{"CashAndChange", "TOTAL  33.90\nCASH   50.00\nCHANGE 16.10", []string{"33.9", "50", "50.00"}},
		{"Card", "TOTAL 12.40\nVISA  12.40", []string{"12.4", "12.40"}},
		{"German", "Summe 5,70\nGegeben Bar 10,00\nRückgeld 4,30", []string{"10", "10.00", "5.7"}},
		{"French", "Total 8,20\nEspèces 10,00\nRendu 1,80", []string{"10", "10.00", "8.2"}},
		{"NoPayment", "TOTAL 33.90\nGST 1.92", nil},
		{"ZeroChangeIgnored", "CASH 20.00\nCHANGE 0.00", []string{"20", "20.00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for k := range payments(laidOutPages(t, tt.doc)) {
				got = append(got, k)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("payments(%q) = %q, want %q", tt.doc, got, tt.want)
			}
		})
	}
}

// TestFieldQualifiers checks the qualifiers a number field's own words
// say: a tax named beside "including" in a description is what the amount
// includes, not what it is, and "without currency symbol" excludes no tax.
func TestFieldQualifiers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, desc string
		want       []qualifier
	}{
		{"total", "", nil},
		{"subtotal", "", []qualifier{qualSub}},
		{"total_gst", "", []qualifier{qualTax}},
		{"total_qty", "", []qualifier{qualQty}},
		{"net_amount", "", []qualifier{qualNet}},
		{"total", "The total including GST.", []qualifier{qualInclTax}},
		{"amount", "Total before tax.", []qualifier{qualExclTax}},
		{"total", "The total, without currency symbol.", nil},
		{"tax", "The tax charged.", []qualifier{qualTax}},
	}
	for _, tt := range tests {
		p := &prop{name: tt.name, description: tt.desc, alts: []alt{{kind: kindNumber}}}
		f := field{prop: p, alts: p.alts, mean: meaningOf(p)}
		have := fieldQualifiers(&f)
		var got []qualifier
		for q := range numQualifiers {
			if have[q] {
				got = append(got, q)
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("fieldQualifiers(%q, %q) = %v, want %v", tt.name, tt.desc, got, tt.want)
		}
	}
}

// TestAmountLabelScore checks the words before an amount as a field's
// label: the label itself, the label with a currency in brackets aside,
// the label among other words (a little less), and words without it.
func TestAmountLabelScore(t *testing.T) {
	t.Parallel()
	labels := []label{{text: "total", score: 0.95}, {text: "amount due", score: 0.8}}
	tests := []struct {
		words  string // as printed before the amount
		want   float64
		wantOK bool
	}{
		{"TOTAL", 0.95, true},
		{"TOTAL (RM)", 0.95, true},
		{"TOTAL ROUNDED", 0.95 * amountAmongWords, true},
		{"Amount due", 0.8, true},
		{"SUBTOTAL", 0, false},
		{"CASH", 0, false},
	}
	for _, tt := range tests {
		core := labelCore(strings.TrimRight(tt.words, ":= "))
		got, ok := amountLabelScore(norm(tt.words), core, labels, padLabels(labels))
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("amountLabelScore(%q) = %v, %v, want %v, %v", tt.words, got, ok, tt.want, tt.wantOK)
		}
	}
}

// TestTrailingAmount checks where the amount that ends a line begins: the
// most words at its end, four at most, that read as one number.
func TestTrailingAmount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		line   string
		want   string
		wantOK bool
	}{
		{"TOTAL ROUNDED RM 33.90", "RM 33.90", true},
		{"Gesamtbetrag EUR 1 918,77", "EUR 1 918,77", true},
		{"TOTAL 26.60", "26.60", true},
		{"THANK YOU", "", false},
	}
	for _, tt := range tests {
		p := laidOutPages(t, tt.line)[0]
		l := p.Lines[0]
		from, ok := trailingAmount(&p, l.Words)
		got := ""
		if ok {
			var ws []string
			for _, wi := range l.Words[from:] {
				ws = append(ws, p.Words[wi].Text)
			}
			got = strings.Join(ws, " ")
		}
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("trailingAmount(%q) = %q, %v, want %q, %v", tt.line, got, ok, tt.want, tt.wantOK)
		}
	}
}

// FuzzTrailingAmount holds trailingAmount, which stops at a word no amount
// can begin with, to the plain search of every run of up to four words.
func FuzzTrailingAmount(f *testing.F) {
	for _, s := range []string{"TOTAL RM 33.90", "Total EUR 1 918,77", "Grand Total -EUR 12.00", "(EUR 12.00)",
		"Net 30 days", "Amount due US$ 1,000", "Summe 1.234,56 €", "Rs. 250", "Paid zł 12,50", "TOTAL: 5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words := strings.Fields(s)
		if len(words) < 2 || len(words) > 12 {
			return
		}
		p := document.Page{Number: 1}
		ids := make([]int, len(words))
		for i, w := range words {
			p.Words = append(p.Words, document.Word{Text: w})
			ids[i] = i
		}
		want, wantOK := -1, false
		text := ""
		for k := len(words) - 1; k >= 1 && k >= len(words)-4; k-- {
			text = strings.TrimSpace(words[k] + " " + text)
			if _, _, good := parseNumber(text); good {
				want, wantOK = k, true
			}
		}
		if got, ok := trailingAmount(&p, ids); got != want || ok != wantOK {
			t.Errorf("trailingAmount(%q) = %d, %v; every run read gives %d, %v", words, got, ok, want, wantOK)
		}
	})
}
