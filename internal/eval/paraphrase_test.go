package eval

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

const orderSchema = `{"title": "Order", "type": "object",
 "properties": {
  "number": {"type": "string", "description": "Order number."},
  "placed": {"type": "string", "format": "date", "title": "Order date", "description": "When it was placed."},
  "items": {"type": "array", "description": "Lines.", "items": {"type": "object",
    "properties": {"sku": {"type": "string"}, "qty": {"type": "number", "description": "How many."}},
    "required": ["sku", "qty"]}}
 },
 "required": ["number", "placed", "items"]}`

func TestParaphrasesApply(t *testing.T) {
	t.Parallel()
	p := Paraphrases{"order.schema.json": {
		"":            {Description: "A customer's purchase order."},
		"number":      {Name: "po_ref", Description: "The reference of the purchase order."},
		"placed":      {Name: "ordered_on", Description: "Day the customer ordered."},
		"items":       {Name: "goods"},
		"items[].qty": {Name: "count", Description: "Units wanted."},
	}}
	got, back, err := p.Apply("order.schema.json", []byte(orderSchema))
	if err != nil {
		t.Fatal(err)
	}
	// The properties keep their order, renamed; descriptions are replaced
	// and titles not given are dropped; required follows the names.
	want := `{"type":"object","properties":{"po_ref":{"type":"string","description":"The reference of the purchase order."},` +
		`"ordered_on":{"type":"string","format":"date","description":"Day the customer ordered."},` +
		`"goods":{"type":"array","items":{"type":"object","properties":{"sku":{"type":"string"},"count":{"type":"number","description":"Units wanted."}},"required":["sku","count"]}}},` +
		`"required":["po_ref","ordered_on","goods"],"description":"A customer's purchase order."}`
	if string(got) != want {
		t.Errorf("Apply() schema =\n%s\nwant\n%s", got, want)
	}
	var result any
	if err := json.Unmarshal([]byte(`{"po_ref": "A-1", "ordered_on": null, "goods": [{"sku": "X", "count": 2}], "other": 1}`), &result); err != nil {
		t.Fatal(err)
	}
	restored := back(result)
	wantBack := map[string]any{"number": "A-1", "placed": nil, "items": []any{map[string]any{"sku": "X", "qty": 2.0}}, "other": 1.0}
	if !reflect.DeepEqual(restored, wantBack) {
		t.Errorf("back() = %v, want %v", restored, wantBack)
	}
}

func TestParaphrasesApplyErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		p    Paraphrases
		want string
	}{
		{"ErrNoParaphrase", Paraphrases{"other.json": {}}, "no paraphrase"},
		{"ErrUnknownPath", Paraphrases{"order.schema.json": {"items.qty": {Name: "n"}}}, `no property "items.qty"`},
		{"ErrSameName", Paraphrases{"order.schema.json": {"number": {Name: "placed"}}}, "would be named"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, _, err := tt.p.Apply("order.schema.json", []byte(orderSchema)); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Apply() error = %v, want one saying %q", err, tt.want)
			}
		})
	}
}
