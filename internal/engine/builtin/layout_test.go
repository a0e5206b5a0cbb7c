package builtin_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/quarrylabs/quarry/internal/document/layout"
	"github.com/quarrylabs/quarry/internal/document/text"
	"github.com/quarrylabs/quarry/internal/engine/builtin"
	"github.com/quarrylabs/quarry/internal/extract"
)

// TestLayouts pins how values are read where the layout runs things
// together or apart: a row of values with no gap between columns, an
// address wrapped in its column, a list with no blank line after it, a
// table going on over a page break that the layout did not mark.
func TestLayouts(t *testing.T) {
	t.Parallel()
	const form = `{"properties": {"full_name": {"type": "string"}, "date_of_birth": {"type": "string", "format": "date"},
		"email": {"type": "string"}, "phone": {"type": "string"}, "address": {"type": "string"}, "occupation": {"type": "string"}}}`
	tests := []struct {
		name, doc, schema string
		want              string // the result
	}{
		{
			// "Austin Nurse" is one segment (a single space), but "Nurse"
			// starts where the Occupation column does.
			name: "ValuesRunTogether",
			doc: "Membership Application\n\n" +
				"Full Name        Date of Birth      Email\n" +
				"Jo Roe           1990-01-02         jo@roe.example\n" +
				"Phone            Address            Occupation\n" +
				"555-0100 22      12 Main St, Austin Nurse\n",
			schema: form,
			want: `{"full_name": "Jo Roe", "date_of_birth": "1990-01-02", "email": "jo@roe.example", "phone": "555-0100 22",
				"address": "12 Main St, Austin", "occupation": "Nurse"}`,
		},
		{
			// The city would not fit before the Occupation column: a wrap,
			// not a new line of the address.
			name: "AddressWrapped",
			doc: "Full Name        Address            Occupation\n" +
				"Jo Roe           12 Quay Street,    Nurse\n" +
				"                 Austin TX\n",
			schema: form,
			want:   `{"full_name": "Jo Roe", "address": "12 Quay Street, Austin TX", "occupation": "Nurse"}`,
		},
		{
			// The station's name ran into the label in the layout's
			// reading; the value stands after the column's gap.
			name: "LabelEndsASegment",
			doc: "KECI+KCFW Combo KECI+KCFW Advertiser      Pat Doe for Congress (136122)      Entered By   Lee Stoll\n" +
				"Missoula, MT 59802                          Estimate                           ECR2692\n",
			schema: `{"properties": {"advertiser": {"type": "string", "description": "The advertiser buying the airtime"}}}`,
			want:   `{"advertiser": "Pat Doe for Congress (136122)"}`,
		},
		{
			name: "AddressLines",
			doc: "Address\n" +
				"12 Quay Street\n" +
				"Austin TX\n",
			schema: `{"properties": {"address": {"type": "string"}}}`,
			want:   `{"address": "12 Quay Street, Austin TX"}`,
		},
		{
			name: "BulletsEndAtHeading",
			doc: "Skills\n" +
				"- Go\n" +
				"- SQL\n" +
				"  and PostgreSQL\n" +
				"Work Experience\n",
			schema: `{"properties": {"skills": {"type": "array", "items": {"type": "string"}}}}`,
			want:   `{"skills": ["Go", "SQL", "and PostgreSQL"]}`,
		},
		{
			// Page 2 repeats no header and the layout cannot tell that its
			// table goes on from page 1's: its rows still fit the columns.
			name: "RowsAfterPageBreak",
			doc: "Date          Description        Debit      Credit     Balance\n" +
				"2024-05-01    Coffee             3.50                  96.50\n" +
				"2024-05-02    Salary                        100.00     196.50\n" +
				"\f" +
				"2024-05-03    Books              20.00                 176.50\n" +
				"2024-05-04    Taxi               9.00                  167.50\n",
			schema: `{"properties": {"items": {"type": "array", "items": {"type": "object", "properties": {
				"date": {"type": "string", "format": "date"}, "description": {"type": "string"},
				"debit": {"type": "number"}, "credit": {"type": "number"}, "balance": {"type": "number"}}}}}}`,
			want: `{"items": [
				{"date": "2024-05-01", "description": "Coffee", "debit": 3.5, "balance": 96.5},
				{"date": "2024-05-02", "description": "Salary", "credit": 100, "balance": 196.5},
				{"date": "2024-05-03", "description": "Books", "debit": 20, "balance": 176.5},
				{"date": "2024-05-04", "description": "Taxi", "debit": 9, "balance": 167.5}]}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := parseText(t, tt.doc, text.FormatText)
			for i := range doc.Pages {
				layout.Analyze(&doc.Pages[i])
			}
			layout.LinkTables(doc)
			out, err := builtin.New().Extract(context.Background(), doc, extract.Configuration{DataSchema: json.RawMessage(tt.schema)})
			if err != nil {
				t.Fatal(err)
			}
			var got, want any
			if err := json.Unmarshal(out.Result, &got); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Extract(%q) mismatch (-want +got):\n%s", tt.doc, diff)
			}
		})
	}
}
