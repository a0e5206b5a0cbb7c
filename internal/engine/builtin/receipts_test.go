package builtin_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/layout"
	"github.com/quarrylabs/quarry/internal/document/ocrlines"
	"github.com/quarrylabs/quarry/internal/document/text"
	"github.com/quarrylabs/quarry/internal/engine/builtin"
	"github.com/quarrylabs/quarry/internal/extract"
)

// parseReceipt reads testdata/receipts/<name>: OCR lines (.ocr.txt)
// through their parser, text through the text parser and the layout
// analysis, as a PDF's words go.
func parseReceipt(tb testing.TB, name string) *document.Document {
	tb.Helper()
	path := filepath.Join("receipts", name)
	if !strings.HasSuffix(name, ".ocr.txt") {
		return parseLaidOut(tb, path)
	}
	f, err := os.Open(filepath.Join("testdata", path))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	doc, err := ocrlines.Parse(f)
	if err != nil {
		tb.Fatalf("ocrlines.Parse(%s): %v", name, err)
	}
	return doc
}

// laidOut parses a text document written inline and lays it out.
func laidOut(tb testing.TB, s string) *document.Document {
	tb.Helper()
	doc := parseText(tb, s, text.FormatText)
	for i := range doc.Pages {
		layout.Analyze(&doc.Pages[i])
	}
	return doc
}

// extractMap runs the engine and returns its result with every property
// of want present, null where the engine left it out.
func extractMap(tb testing.TB, doc *document.Document, schema json.RawMessage, want map[string]any) map[string]any {
	tb.Helper()
	out, err := builtin.New().Extract(context.Background(), doc, extract.Configuration{DataSchema: schema})
	if err != nil {
		tb.Fatalf("Extract() error: %v", err)
	}
	checkOutcome(tb, doc, schema, extract.TargetPerDoc, out, false)
	got := map[string]any{}
	if err := json.Unmarshal(out.Result, &got); err != nil {
		tb.Fatal(err)
	}
	for k := range want {
		if _, ok := got[k]; !ok {
			got[k] = nil
		}
	}
	return got
}

// TestIssuer checks that a receipt's letterhead, which no label names,
// gives its issuer's name and address to the fields whose words ask for
// the issuer's, whatever they are called, and to no field about another
// party. The name may carry a legal form on its own line and a
// registration number under it; the address runs from the street to the
// postcode line (and a place, a state or a branch after it) and stops
// before the phone.
func TestIssuer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		doc, schema string // testdata/receipts/<doc>, <schema>.schema.json
		want        map[string]any
	}{
		{"kedai.txt", "letterhead", map[string]any{
			// "…MALAYSIA" over "SDN BHD" is one name; "(123456-X)" under
			// it is neither name nor address.
			"company": "NASI KANDAR PELITA MALAYSIA SDN BHD",
			"address": "LOT 7, JALAN PERDANA 2, TAMAN INDAH, 43000 KAJANG, SELANGOR",
		}},
		{"kedai.txt", "shop", map[string]any{
			"merchant_name": "NASI KANDAR PELITA MALAYSIA SDN BHD",
			"shop_location": "LOT 7, JALAN PERDANA 2, TAMAN INDAH, 43000 KAJANG, SELANGOR",
		}},
		{"kedai.txt", "customer", map[string]any{"customer_name": nil, "billing_address": nil}},
		{"heron.txt", "letterhead", map[string]any{
			"company": "BLUE HERON COFFEE ROASTERS INC.",
			"address": "88 Harbor Street Portland, OR 97209",
		}},
		{"heron.txt", "customer", map[string]any{"customer_name": nil, "billing_address": nil}},
		{"baeckerei.txt", "letterhead", map[string]any{
			// "GmbH" is a legal form however it is capitalized, and
			// "Lindenstraße 12" a street though the street is in the word.
			"company": "Bäckerei Sonnenschein GmbH",
			"address": "Lindenstraße 12 80331 München",
		}},
		// An address the description gives to the buyer, in German.
		{"baeckerei.txt", "kaeufer", map[string]any{"address": nil}},
		{"baeckerei.txt", "shop", map[string]any{
			"merchant_name": "Bäckerei Sonnenschein GmbH",
			"shop_location": "Lindenstraße 12 80331 München",
		}},
		{"warung.ocr.txt", "letterhead", map[string]any{
			"company": "WARUNG SELERA KAMPUNG SDN BHD",
			"address": "NO 3, JALAN SETIA 7, TAMAN SETIA 47300 PETALING JAYA",
		}},
		{"warung.ocr.txt", "customer", map[string]any{"customer_name": nil, "billing_address": nil}},
		// A lot number before its street is no postcode; a state and a
		// branch's name after the postcode's line are still the address.
		{"serbaneka.txt", "letterhead", map[string]any{
			"company": "KEDAI SERBANEKA CAHAYA S/B",
			"address": "LOT 4821, JALAN MERANTI, TAMAN SERI AMAN 52100 KUALA LUMPUR, WILAYAH CAWANGAN SETAPAK INDAH",
		}},
		// No letterhead: nothing to read.
		{"nohead.txt", "letterhead", map[string]any{"company": nil, "address": nil}},
		{"nohead.txt", "shop", map[string]any{"merchant_name": nil, "shop_location": nil}},
	}
	for _, tt := range tests {
		t.Run(tt.doc+"/"+tt.schema, func(t *testing.T) {
			t.Parallel()
			doc := parseReceipt(t, tt.doc)
			schema := readFile(t, filepath.Join("receipts", tt.schema+".schema.json"))
			got := extractMap(t, doc, schema, tt.want)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Extract(%s, %s) mismatch (-want +got):\n%s", tt.doc, tt.schema, diff)
			}
		})
	}
}
