package builtin_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/quarrylabs/quarry/internal/engine/builtin"
	"github.com/quarrylabs/quarry/internal/extract"
)

// TestOCRConfidence checks that the OCR confidence of the words behind a
// value scales the value's confidence, and that words of a text layer
// leave it as it is.
func TestOCRConfidence(t *testing.T) {
	t.Parallel()
	schema := json.RawMessage(`{"type":"object","properties":{"invoice_number":{"type":"string"},"total":{"type":"number"},"customer":{"type":"string"}},
		"required":["invoice_number","total","customer"]}`)
	confidences := func(ocr map[string]float64) map[string]float64 {
		t.Helper()
		doc := parseText(t, "Invoice number: INV-77\nCustomer: Acme Widgets Ltd\nTotal: 120.50\n", "")
		for i := range doc.Pages {
			for j := range doc.Pages[i].Words {
				w := &doc.Pages[i].Words[j]
				w.Confidence = ocr[w.Text]
			}
		}
		out, err := builtin.New().Extract(context.Background(), doc, extract.Configuration{DataSchema: schema})
		if err != nil {
			t.Fatal(err)
		}
		var meta map[string]struct {
			Confidence float64 `json:"confidence"`
		}
		if err := json.Unmarshal(out.FieldMetadata.Document, &meta); err != nil {
			t.Fatal(err)
		}
		return map[string]float64{"invoice_number": meta["invoice_number"].Confidence, "total": meta["total"].Confidence,
			"customer": meta["customer"].Confidence}
	}
	text := confidences(nil)
	if text["total"] <= 0 || text["invoice_number"] <= 0 || text["customer"] <= 0 {
		t.Fatalf("confidences from a text layer = %v, want all found", text)
	}
	// Every word read by OCR, the total's value at half the confidence of
	// the rest; the labels' confidence does not count, only the value's,
	// and a value of several words is as sure as its least sure word.
	ocr := confidences(map[string]float64{"Invoice": 0.2, "number:": 0.2, "INV-77": 0.96, "Total:": 0.2, "120.50": 0.48,
		"Customer:": 0.2, "Acme": 0.9, "Widgets": 0.3, "Ltd": 0.95})
	for field, want := range map[string]float64{"invoice_number": text["invoice_number"] * 0.96, "total": text["total"] * 0.48,
		"customer": text["customer"] * 0.3} {
		if d := ocr[field] - want; d < -0.001 || d > 0.001 {
			t.Errorf("%s confidence = %v, want %v (%v from the text layer times OCR's)", field, ocr[field], want, text[field])
		}
	}
}
