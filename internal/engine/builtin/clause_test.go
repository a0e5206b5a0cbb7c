package builtin_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/quarrylabs/quarry/internal/document/text"
	"github.com/quarrylabs/quarry/internal/engine/builtin"
	"github.com/quarrylabs/quarry/internal/extract"
)

// TestClauses reads contracts and letters that state their date, governing
// law, parties and term in sentences, not labels, under two schemas that
// name the same four fields differently; a document that does not state
// one leaves it null.
func TestClauses(t *testing.T) {
	t.Parallel()
	type want struct {
		date, law, term any // string or nil
		parties         []any
	}
	tests := []struct {
		doc  string // testdata/contracts/<doc>.txt
		want want
	}{
		{doc: "mutual_nda", want: want{
			date: "2011-03-03", law: "New York", term: "2 years",
			parties: []any{"Acme Widgets, Inc.", "Harbor Lane Robotics, LLC"},
		}},
		{doc: "capitals", want: want{
			date: "2015-07-01", law: "Delaware", term: "18 months",
			parties: []any{"Northwind Traders Corp.", "Blue Fjord Partners, L.P.", "Jane Q. Doe"},
		}},
		// A letter: its date on a line of its own; its parties from the
		// signatures (the firm over its officer's "By:", the adviser
		// signing for herself); a restriction after the engagement ends
		// is no term.
		{doc: "letter", want: want{
			date: "2019-06-05", law: "Massachusetts",
			parties: []any{"Brightwater Capital Partners", "Elena Rivera"},
		}},
		// The place of incorporation is no governing law, another
		// agreement's date no date of this one, a non-solicitation period
		// no term.
		{doc: "silent", want: want{parties: []any{}}},
	}
	schemas := []struct {
		file                     string
		date, law, parties, term string
	}{
		{"agreement", "agreement_date", "governing_law", "parties", "duration"},
		{"agreement_paraphrased", "startsOn", "law", "signatories", "contract_term"},
	}
	for _, tt := range tests {
		for _, s := range schemas {
			t.Run(tt.doc+"/"+s.file, func(t *testing.T) {
				t.Parallel()
				doc := parseLaidOut(t, filepath.Join("contracts", tt.doc+".txt"))
				schema := readFile(t, filepath.Join("contracts", s.file+".schema.json"))
				out, err := builtin.New().Extract(context.Background(), doc, extract.Configuration{DataSchema: schema})
				if err != nil {
					t.Fatalf("Extract() error: %v", err)
				}
				checkOutcome(t, doc, schema, extract.TargetPerDoc, out, false)
				var got map[string]any
				if err := json.Unmarshal(out.Result, &got); err != nil {
					t.Fatal(err)
				}
				wantObj := map[string]any{s.date: tt.want.date, s.law: tt.want.law, s.term: tt.want.term, s.parties: tt.want.parties}
				if diff := cmp.Diff(wantObj, got); diff != "" {
					t.Errorf("Extract(%s) mismatch (-want +got):\n%s", tt.doc, diff)
				}
			})
		}
	}
}

// BenchmarkExtractContract measures the reading of sentences on a contract
// of twenty pages, against the same pages under a schema that asks for
// nothing a sentence gives.
func BenchmarkExtractContract(b *testing.B) {
	page := string(readFile(b, filepath.Join("contracts", "mutual_nda.txt")))
	doc := parseText(b, strings.Repeat(page+"\f", 20), text.FormatText)
	for _, schema := range []string{"contracts/agreement.schema.json", "invoice.schema.json"} {
		b.Run(filepath.Base(schema), func(b *testing.B) {
			cfg := extract.Configuration{DataSchema: readFile(b, schema)}
			e := builtin.New()
			for b.Loop() {
				if _, err := e.Extract(context.Background(), doc, cfg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
