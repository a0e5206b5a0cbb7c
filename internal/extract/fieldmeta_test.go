package extract

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/quarrylabs/quarry/internal/document"
)

func TestShowMetadata(t *testing.T) {
	t.Parallel()
	textDoc := &document.Document{Unit: document.UnitCell, Pages: []document.Page{{Number: 2, Width: 40, Height: 16}}}
	pdfDoc := &document.Document{Pages: []document.Page{{Number: 1, Width: 612, Height: 792}}}
	both := Configuration{CiteSources: true, ConfidenceScores: true}
	for _, tc := range []struct {
		name   string
		doc    *document.Document
		cfg    Configuration
		result string
		meta   FieldMetadata
		want   FieldMetadata
	}{{
		name:   "TextCellsBecomePoints",
		doc:    textDoc,
		cfg:    both,
		result: `{"total":1234.56}`,
		meta:   FieldMetadata{Document: json.RawMessage(`{"total":{"citation":[{"page":2,"matching_text":"$1,234.56","bounding_boxes":[{"x":7,"y":15,"w":9,"h":1}]}],"confidence":0.9}}`)},
		want:   FieldMetadata{Document: json.RawMessage(`{"total":{"citation":[{"page":2,"matching_text":"$1,234.56","bounding_boxes":[{"x":50.4,"y":180,"w":64.8,"h":12}],"page_dimensions":{"width":288,"height":192}}],"confidence":0.9}}`)},
	}, {
		name:   "PDFPointsStay",
		doc:    pdfDoc,
		cfg:    both,
		result: `{"items":[{"amount":3}],"tags":["a"]}`,
		meta: FieldMetadata{Document: json.RawMessage(`{"items":[{"amount":{"citation":[{"page":1,"bounding_boxes":[{"x":10.5,"y":20,"w":30,"h":9}]}],"confidence":0.8}}],` +
			`"tags":[{"citation":[{"page":1,"bounding_boxes":[]}],"confidence":0.7}]}`)},
		want: FieldMetadata{Document: json.RawMessage(`{"items":[{"amount":{"citation":[{"page":1,"bounding_boxes":[{"x":10.5,"y":20,"w":30,"h":9}],"page_dimensions":{"width":612,"height":792}}],"confidence":0.8}}],` +
			`"tags":[{"citation":[{"page":1,"bounding_boxes":[],"page_dimensions":{"width":612,"height":792}}],"confidence":0.7}]}`)},
	}, {
		name:   "NeitherFlag",
		doc:    pdfDoc,
		result: `{"total":5,"party":null}`,
		meta:   FieldMetadata{Document: json.RawMessage(`{"total":{"citation":[{"page":1}],"confidence":0.9,"extraction_confidence":0.9,"reasoning":"found"},"party":{"name":{"citation":[],"confidence":0}}}`)},
		want:   FieldMetadata{Document: json.RawMessage(`{"total":{"reasoning":"found"},"party":{"name":{}}}`)},
	}, {
		name:   "ConfidenceOnly",
		doc:    pdfDoc,
		cfg:    Configuration{ConfidenceScores: true},
		result: `[{"n":1},{"n":2}]`,
		meta:   FieldMetadata{Pages: []json.RawMessage{json.RawMessage(`{"n":{"citation":[{"page":1}],"confidence":0.5}}`), json.RawMessage(`{"n":{"confidence":0.6}}`)}},
		want:   FieldMetadata{Pages: []json.RawMessage{json.RawMessage(`{"n":{"confidence":0.5}}`), json.RawMessage(`{"n":{"confidence":0.6}}`)}},
	}, {
		name:   "FieldNamedCitation",
		doc:    pdfDoc,
		cfg:    Configuration{ConfidenceScores: true},
		result: `{"citation":{"confidence":"high"}}`,
		meta:   FieldMetadata{Document: json.RawMessage(`{"citation":{"confidence":{"citation":[{"page":1}],"confidence":0.4}}}`)},
		want:   FieldMetadata{Document: json.RawMessage(`{"citation":{"confidence":{"confidence":0.4}}}`)},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ShowMetadata(&tc.meta, json.RawMessage(tc.result), tc.doc, tc.cfg)
			if err != nil {
				t.Fatalf("ShowMetadata: %v", err)
			}
			if diff := cmp.Diff(decodeMeta(t, &tc.want), decodeMeta(t, got)); diff != "" {
				t.Errorf("ShowMetadata (-want +got):\n%s", diff)
			}
		})
	}
}

func decodeMeta(t *testing.T, m *FieldMetadata) any {
	t.Helper()
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	return v
}
