package builtin_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/layout"
	"github.com/quarrylabs/quarry/internal/document/text"
	"github.com/quarrylabs/quarry/internal/engine/builtin"
	"github.com/quarrylabs/quarry/internal/extract"
)

// TestDocuments runs the engine over realistic documents, each with a schema
// written as a user would write it for that kind of document (the same
// invoice schema for every invoice layout), and compares the result with
// what the document says, written by hand in testdata/docs/<doc>.want.json
// (<doc>.<target>.want.json for other targets). Documents go through the
// text parser and the layout analysis, as a PDF's words do.
func TestDocuments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		doc    string // testdata/docs/<doc>.txt
		schema string // testdata/docs/<schema>.schema.json
		target string
	}{
		{doc: "invoice_colon", schema: "invoice"},
		{doc: "invoice_above", schema: "invoice"},
		{doc: "invoice_columns", schema: "invoice"},
		{doc: "invoice_pages", schema: "invoice"},
		{doc: "receipt", schema: "receipt"},
		{doc: "purchase_order", schema: "purchase_order"},
		{doc: "bank_statement", schema: "bank_statement"},
		{doc: "resume", schema: "resume"},
		{doc: "shipping", schema: "shipping"},
		{doc: "rechnung", schema: "eu_invoice"},
		{doc: "facture", schema: "eu_invoice"},
		{doc: "kleinunternehmer", schema: "eu_invoice"},
		{doc: "rechnung_brief", schema: "eu_invoice"},
		{doc: "invoice_pages", schema: "line_item", target: extract.TargetPerTableRow},
		{doc: "bank_statement", schema: "transaction", target: extract.TargetPerTableRow},
		{doc: "statements", schema: "statement", target: extract.TargetPerPage},
	}
	for _, tt := range tests {
		name := tt.doc + "/" + cmpOr(tt.target, extract.TargetPerDoc)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			doc := parseLaidOut(t, filepath.Join("docs", tt.doc+".txt"))
			schema := readFile(t, filepath.Join("docs", tt.schema+".schema.json"))
			out, err := builtin.New().Extract(context.Background(), doc, extract.Configuration{DataSchema: schema, ExtractionTarget: tt.target})
			if err != nil {
				t.Fatalf("Extract() error: %v", err)
			}
			checkOutcome(t, doc, schema, cmpOr(tt.target, extract.TargetPerDoc), out, false)
			wantFile := tt.doc + ".want.json"
			if tt.target != "" {
				wantFile = tt.doc + "." + tt.target + ".want.json"
			}
			var got, want any
			if err := json.Unmarshal(out.Result, &got); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(readFile(t, filepath.Join("docs", wantFile)), &want); err != nil {
				t.Fatalf("%s: %v", wantFile, err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("Extract(%s) mismatch (-want +got):\n%s", tt.doc, diff)
			}
		})
	}
}

// parseLaidOut reads a text document and recovers its lines, reading order
// and tables from the positions of its words, as the parsers of PDFs do.
func parseLaidOut(tb testing.TB, name string) *document.Document {
	tb.Helper()
	doc := parseText(tb, string(readFile(tb, name)), text.FormatText)
	for i := range doc.Pages {
		layout.Analyze(&doc.Pages[i])
	}
	layout.LinkTables(doc)
	return doc
}

// TestConfidenceOrder checks that confidence ranks what the engine is less
// sure of lower: a value under its label below one beside it, a coerced
// value below a clean one, and a value with a rival below one without.
func TestConfidenceOrder(t *testing.T) {
	t.Parallel()
	conf := func(doc, schema string) float64 {
		t.Helper()
		d := parseText(t, doc, text.FormatText)
		for i := range d.Pages {
			layout.Analyze(&d.Pages[i])
		}
		out, err := builtin.New().Extract(context.Background(), d, extract.Configuration{DataSchema: json.RawMessage(schema)})
		if err != nil {
			t.Fatal(err)
		}
		var meta map[string]struct {
			Confidence float64 `json:"confidence"`
		}
		if err := json.Unmarshal(out.FieldMetadata.Document, &meta); err != nil {
			t.Fatal(err)
		}
		return meta["x"].Confidence
	}
	tests := []struct {
		name         string
		better, less string // documents
		schema       string
	}{
		{"BesideOverBelow", "Order number: A-17", "Order number\nA-17", `{"properties": {"x": {"type": "string", "title": "Order number"}}}`},
		{"CleanOverCoerced", "Total: 12.50", "Total: $12.50", `{"properties": {"x": {"type": "number", "title": "Total"}}}`},
		{"AloneOverRivalled", "Total: 12.50", "Total: 12.50\n\nTotal: 13.00", `{"properties": {"x": {"type": "number", "title": "Total"}}}`},
		{"NameOverSynonym", "Total: 12.50", "Balance due: 12.50", `{"properties": {"x": {"type": "number", "title": "Total"}}}`},
		{"SynonymOverTypo", "Balance due: 12.50", "Balanse due: 12.50", `{"properties": {"x": {"type": "number", "title": "Total"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, l := conf(tt.better, tt.schema), conf(tt.less, tt.schema)
			if l <= 0 || b <= l {
				t.Errorf("confidence %v for %q, %v for %q: want the first higher, both above 0", b, tt.better, l, tt.less)
			}
		})
	}
}
