package builtin

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"
)

// TestCueLabels checks the labels a field is looked for under by what its
// name calls it: a total in other words takes the total's labels, a sum
// before tax none of them, a bill's number the invoice number's, a
// position's sum in an array of items the line amount's, a sponsor the
// advertiser's; a field whose name rules a concept out takes none of its
// labels.
func TestCueLabels(t *testing.T) {
	t.Parallel()
	pl, err := planFor(json.RawMessage(`{"properties": {
		"amount_paid": {"type": "number"},
		"grand_sum": {"type": "number", "description": "What the customer paid in the end."},
		"sum_before_tax": {"type": "number"},
		"total_qty": {"type": "number"},
		"total_tax": {"type": "number"},
		"bill_no": {"type": "string"},
		"bill_date": {"type": "string", "format": "date"},
		"sponsor": {"type": "string"},
		"money_iso": {"type": "string"},
		"items": {"type": "array", "items": {"type": "object", "properties": {
			"position_sum": {"type": "number"},
			"unit_total": {"type": "number"}}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]*field{}
	for _, p := range append([]*plan{pl}, slices.Collect(maps.Values(pl.rows))...) {
		for i := range p.fields {
			fields[p.fields[i].prop.name] = &p.fields[i]
		}
	}
	totalLabels := []string{"total", "grand total", "total amount", "amount due", "total payable"}
	tests := []struct {
		name     string
		has, not []string
	}{
		{"amount_paid", []string{"total", "grand total", "amount due", "net à payer"}, nil},
		{"grand_sum", []string{"grand total", "total amount", "gesamtbetrag"}, nil},
		{"sum_before_tax", []string{"total before tax", "net total"}, totalLabels},
		{"total_qty", nil, totalLabels},
		{"total_tax", []string{"tax", "vat"}, totalLabels},
		{"bill_no", []string{"invoice number", "invoice no", "bill no"}, nil},
		{"bill_date", nil, []string{"invoice number", "bill no", "receipt no"}},
		{"sponsor", []string{"advertiser", "sponsored by", "paid for by"}, nil},
		{"money_iso", []string{"currency", "währung"}, nil},
		{"position_sum", []string{"amount", "line total", "line amount"}, []string{"grand total", "amount due", "total payable"}},
		{"unit_total", nil, append([]string{"amount", "line total"}, totalLabels...)},
	}
	for _, tt := range tests {
		f := fields[tt.name]
		if f == nil {
			t.Fatalf("no field %s in the plan", tt.name)
		}
		hasLabel := func(text string) bool {
			return slices.ContainsFunc(f.labels, func(l label) bool { return l.text == text })
		}
		for _, l := range tt.has {
			if !hasLabel(l) {
				t.Errorf("%s: no label %q, want one", tt.name, l)
			}
		}
		for _, l := range tt.not {
			if hasLabel(l) {
				t.Errorf("%s: label %q, want none", tt.name, l)
			}
		}
	}
}

// TestCueLabelScore checks that a concept's labels rank below the field's
// own, and that a field with an invoice concept takes no cue labels: that
// concept has labels of its own.
func TestCueLabelScore(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, prop string
		want       bool // cue labels expected
	}{
		{"amount_paid", `{"type": "number"}`, true},
		{"sponsor", `{"type": "string"}`, true},
		{"total", `{"type": "number"}`, false},
		{"invoice_number", `{"type": "string"}`, false},
		{"notes", `{"type": "string"}`, false},
	} {
		pl, err := planFor(json.RawMessage(`{"properties": {"` + tt.name + `": ` + tt.prop + `}}`))
		if err != nil {
			t.Fatal(err)
		}
		// Only the labels of the name itself: cueLabels leaves out what
		// the field has already.
		f := pl.fields[0]
		f.labels = f.labels[:1]
		got := cueLabels(&f)
		if (len(got) > 0) != tt.want {
			t.Errorf("cueLabels(%s) = %d labels, want some: %v", tt.name, len(got), tt.want)
		}
		for _, l := range got {
			if l.score != scoreConcept {
				t.Errorf("cueLabels(%s) label %q scored %v, want %v", tt.name, l.text, l.score, scoreConcept)
			}
		}
	}
}
