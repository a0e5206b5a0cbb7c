package builtin_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/quarrylabs/quarry/internal/document/text"
	"github.com/quarrylabs/quarry/internal/engine/builtin"
	"github.com/quarrylabs/quarry/internal/extract"
)

// TestForms runs the engine over small business forms laid out as orders,
// invoices and policies print them (testdata/forms), under schemas whose
// property names say nothing the forms' labels say: what each field is
// comes from its description. Ranges give start and end dates, a number
// runs on after its label or stands under "Contract / Revision", the total
// is the largest amount of a total row, and what no label names is null.
func TestForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		doc, schema string // testdata/forms/<doc>.txt, <schema>.schema.json
		want        map[string]any
	}{
		{"ad_contract", "ad_order", map[string]any{
			"order_number": "310422", "sponsor": "Friends of Jane Doe", "gross_total": 3550.0,
			"run_start": "2020-10-27", "run_end": "2020-11-02",
		}},
		{"ad_invoice", "ad_order", map[string]any{
			// An invoice's number is its invoice number, not its order's.
			"order_number": "950658-1", "sponsor": "Friends of Jane Doe", "gross_total": 1125.0,
			// The flight, not the invoice's period.
			"run_start": "2019-12-30", "run_end": "2020-03-29",
		}},
		{"ad_confirmation", "ad_order", map[string]any{
			// The number runs on after its label; the total stands under
			// its label, after a count.
			"order_number": "4396160", "sponsor": "Moore for Congress", "gross_total": 850.0,
			"run_start": "2020-06-22", "run_end": "2020-06-29",
		}},
		{"ad_unlabelled", "ad_order", map[string]any{
			// A range no label calls a flight or a period, another
			// party's number, a net total and a count are no values.
			"order_number": nil, "sponsor": nil, "gross_total": nil, "run_start": nil, "run_end": nil,
		}},
		{"policy", "policy", map[string]any{
			// Day first, as 31/03/2025 shows.
			"policy_no": "PX-2024-00817", "coverage_start": "2024-04-01", "coverage_end": "2025-03-31",
			"total_premium": 1344.0,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.doc, func(t *testing.T) {
			t.Parallel()
			doc := parseLaidOut(t, filepath.Join("forms", tt.doc+".txt"))
			schema := readFile(t, filepath.Join("forms", tt.schema+".schema.json"))
			out, err := builtin.New().Extract(context.Background(), doc, extract.Configuration{DataSchema: schema})
			if err != nil {
				t.Fatalf("Extract() error: %v", err)
			}
			checkOutcome(t, doc, schema, extract.TargetPerDoc, out, false)
			var got map[string]any
			if err := json.Unmarshal(out.Result, &got); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Extract(%s) mismatch (-want +got):\n%s", tt.doc, diff)
			}
		})
	}
}

// TestDateRanges checks the ways a range is written and labelled, on one
// line or with its label above it, and what leaves the dates null.
func TestDateRanges(t *testing.T) {
	t.Parallel()
	const schema = `{"properties": {
		"valid_from": {"type": ["string", "null"], "format": "date", "description": "First day the policy covers."},
		"valid_to": {"type": ["string", "null"], "format": "date", "description": "Last day the policy covers."}}}`
	tests := []struct {
		name, doc string
		from, to  any
	}{
		{"Dash", "Policy Period: 03/01/2024 - 03/31/2024", "2024-03-01", "2024-03-31"},
		{"Words", "Period of cover 1 March 2024 to 31 March 2024", "2024-03-01", "2024-03-31"},
		{"MonthFirst", "Term: March 1, 2024 – March 31, 2024", "2024-03-01", "2024-03-31"},
		{"German", "Zeitraum 2024-01-01 bis 2024-12-31", "2024-01-01", "2024-12-31"},
		{"NoSpaces", "Valid 02/21/20-02/25/20", "2020-02-21", "2020-02-25"},
		{"LabelAbove", "Policy Dates\n10/27/20 - 11/02/20", "2020-10-27", "2020-11-02"},
		{"NoLabel", "Printed 10/01/20 - 10/02/20", nil, nil},
		{"NotARange", "Policy Dates: 10/01/20, 10/02/20", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := parseText(t, tt.doc, text.FormatText)
			out, err := builtin.New().Extract(context.Background(), doc, extract.Configuration{DataSchema: json.RawMessage(schema)})
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(out.Result, &got); err != nil {
				t.Fatal(err)
			}
			want := map[string]any{"valid_from": tt.from, "valid_to": tt.to}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Extract(%q) mismatch (-want +got):\n%s", tt.doc, diff)
			}
		})
	}
}
