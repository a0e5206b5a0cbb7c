package eval

import (
	"encoding/json"
	"maps"
	"testing"
)

const receiptSchema = `{
  "type": "object",
  "properties": {
    "total": {"type": ["number", "null"]},
    "date": {"type": ["string", "null"], "format": "date"},
    "note": {"type": ["string", "null"]},
    "parties": {"type": "array", "items": {"type": "string"}},
    "lines": {"type": "array", "items": {"type": "object", "properties": {
      "description": {"type": ["string", "null"]},
      "amount": {"type": ["number", "null"]}
    }}}
  }
}`

func TestCompare(t *testing.T) {
	t.Parallel()
	var schema map[string]any
	if err := json.Unmarshal([]byte(receiptSchema), &schema); err != nil {
		t.Fatal(err)
	}
	gold := `{"total": 60.3, "date": "2018-10-19", "note": null, "parties": ["Acme Inc.", "Bob Smith"],
	  "lines": [{"description": "Tea", "amount": 3}, {"description": "Cake", "amount": 5.5}]}`
	tests := []struct {
		name         string
		pred         string
		fields, rows Counts
		judged       int
		byField      map[string]tally
	}{
		// total and date right in other forms; parties as a multiset (two
		// right, one extra); the cake row right out of order, the tea row
		// paired by its description with a wrong amount, the napkins row
		// paired with nothing; a value where the gold is null; a key the
		// schema does not have, not scored.
		{"Mixed", `{"total": "RM 60.30", "date": "19/10/2018", "note": "x", "foo": "bar",
		  "parties": ["BOB SMITH", "Acme Inc", "Carol"],
		  "lines": [{"description": "cake", "amount": 5.5}, {"description": "Tea", "amount": 4}, {"description": "Napkins", "amount": 1}]}`,
			Counts{TP: 7, FP: 5, FN: 1}, Counts{TP: 1, FP: 2, FN: 1}, 12,
			map[string]tally{"total": {1, 1, 1}, "date": {1, 1, 1}, "note": {0, 0, 1}, "parties[]": {2, 2, 3},
				"lines[].description": {2, 2, 3}, "lines[].amount": {1, 2, 3}}},
		{"Nothing", `{"total": null, "date": "", "note": null, "parties": [], "lines": []}`,
			Counts{TP: 0, FP: 0, FN: 8}, Counts{TP: 0, FP: 0, FN: 2}, 0,
			map[string]tally{"total": {0, 1, 0}, "date": {0, 1, 0}, "note": {}, "parties[]": {0, 2, 0},
				"lines[].description": {0, 2, 0}, "lines[].amount": {0, 2, 0}}},
		// A one-item array where a scalar belongs, and a result wrapped
		// in a one-item array, are read as what they hold.
		{"Wrapped", `[{"total": [60.3], "date": "Oct 19, 2018", "note": null, "parties": ["Acme Inc.", "Bob Smith"],
		  "lines": [{"description": "Tea", "amount": 3}, {"description": "Cake", "amount": 5.5}]}]`,
			Counts{TP: 8}, Counts{TP: 2}, 8,
			map[string]tally{"total": {1, 1, 1}, "date": {1, 1, 1}, "note": {}, "parties[]": {2, 2, 2},
				"lines[].description": {2, 2, 2}, "lines[].amount": {2, 2, 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var g, p any
			if err := json.Unmarshal([]byte(gold), &g); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tt.pred), &p); err != nil {
				t.Fatal(err)
			}
			c := compare(schema, g, p, nil, nil)
			if c.fields != tt.fields {
				t.Errorf("fields = %+v, want %+v; mistakes %q", c.fields, tt.fields, c.errors)
			}
			if c.rows != tt.rows {
				t.Errorf("rows = %+v, want %+v", c.rows, tt.rows)
			}
			if !maps.Equal(c.byField, tt.byField) {
				t.Errorf("byField = %v, want %v", c.byField, tt.byField)
			}
			right := 0
			for _, j := range c.judged {
				if j.correct {
					right++
				}
			}
			if len(c.judged) != tt.judged || right != tt.fields.TP {
				t.Errorf("judged %d values, %d right; want %d, %d", len(c.judged), right, tt.judged, tt.fields.TP)
			}
		})
	}
}

// TestCountsFinish checks the ratios at their edges: saying nothing when
// there is something to find is neither precise nor complete.
func TestCountsFinish(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in       Counts
		p, r, f1 float64
	}{
		{Counts{TP: 3, FP: 1, FN: 1}, 0.75, 0.75, 0.75},
		{Counts{FN: 4}, 0, 0, 0},
		{Counts{FP: 2}, 0, 0, 0},
		{Counts{}, 1, 1, 1},
	}
	for _, tt := range tests {
		c := tt.in
		c.finish()
		if c.Precision != tt.p || c.Recall != tt.r || c.F1 != tt.f1 {
			t.Errorf("%+v.finish() = P %v R %v F1 %v, want %v %v %v", tt.in, c.Precision, c.Recall, c.F1, tt.p, tt.r, tt.f1)
		}
	}
}
