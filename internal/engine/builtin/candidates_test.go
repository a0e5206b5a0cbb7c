package builtin_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/quarrylabs/quarry/internal/engine/builtin"
	"github.com/quarrylabs/quarry/internal/extract"
)

// TestCandidates holds the candidates to what Extract reports: the first
// value of each field is the value Extract chooses, with its confidence
// and citation; the others are distinct values it weighed against it.
func TestCandidates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc, schema string
		// rivals names fields that must have more than one candidate,
		// with the values they must include.
		rivals map[string][]string
	}{
		{name: "Invoice", doc: "invoice.txt", schema: "invoice.schema.json"},
		{name: "KeyValue", doc: "kv.csv", schema: "kv.schema.json"},
		{name: "Order", doc: "order.md", schema: "order.schema.json"},
		{name: "Record", doc: "record.json", schema: "record.schema.json"},
		// The total before the rounding line and the one after it.
		{name: "ReceiptRounded", doc: "receipt_rounded.txt", schema: "receipt.schema.json", rivals: map[string][]string{"total": {"60.3", "60.31"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := parseFile(t, tt.doc)
			cfg := extract.Configuration{DataSchema: readFile(t, tt.schema)}
			out, err := builtin.New().Extract(context.Background(), doc, cfg)
			if err != nil {
				t.Fatalf("Extract() error: %v", err)
			}
			var result, meta any
			json.Unmarshal(out.Result, &result)
			json.Unmarshal(out.FieldMetadata.Document, &meta)
			fcs, err := builtin.New().Candidates(context.Background(), doc, cfg)
			if err != nil {
				t.Fatalf("Candidates() error: %v", err)
			}
			if len(fcs) == 0 {
				t.Fatalf("Candidates() found none")
			}
			for _, fc := range fcs {
				if len(fc.Values) == 0 || len(fc.Values) > builtin.MaxCandidates {
					t.Errorf("%v: %d values, want 1 to %d", fc.Path, len(fc.Values), builtin.MaxCandidates)
					continue
				}
				var seen []string
				for _, v := range fc.Values {
					if slices.Contains(seen, string(v.Value)) {
						t.Errorf("%v: value %s twice", fc.Path, v.Value)
					}
					seen = append(seen, string(v.Value))
					if v.Confidence <= 0 || v.Confidence > 1 || v.Page < 1 || v.Text == "" {
						t.Errorf("%v: candidate %+v, want a confidence in (0, 1] and a citation", fc.Path, v)
					}
				}
				if want, ok := tt.rivals[fc.Path[len(fc.Path)-1]]; ok {
					for _, w := range want {
						if !slices.Contains(seen, w) {
							t.Errorf("%v: candidates %v lack %s", fc.Path, seen, w)
						}
					}
				}
				got, gotMeta := at(result, fc.Path), at(meta, fc.Path)
				first := fc.Values[0]
				var want any
				json.Unmarshal(first.Value, &want)
				m, _ := gotMeta.(map[string]any)
				cites, _ := m["citation"].([]any)
				if got != want || m["confidence"] != first.Confidence || len(cites) == 0 ||
					cites[0].(map[string]any)["matching_text"] != first.Text {
					t.Errorf("%v: first candidate %s (%v, %q), Extract chose %v with %v", fc.Path, first.Value, first.Confidence, first.Text, got, gotMeta)
				}
			}
		})
	}
}

func at(v any, path []string) any {
	for _, name := range path {
		o, _ := v.(map[string]any)
		v = o[name]
	}
	return v
}
