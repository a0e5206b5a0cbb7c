package llm

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMergeArrays(t *testing.T) {
	t.Parallel()
	leaf := func(conf float64, page int) *leafMeta {
		return &leafMeta{Confidence: conf, Citation: []citation{{Page: page}}, grounded: true}
	}
	obj := func(kv ...any) *object {
		o := newObject()
		for i := 0; i < len(kv); i += 2 {
			o.set(kv[i].(string), kv[i+1])
		}
		return o
	}
	str := &node{kind: kindScalar, types: []string{"string"}}
	num := &node{kind: kindScalar, types: []string{"number"}}
	row := &node{kind: kindObject, props: []field{{name: "description", n: str}, {name: "amount", n: num}}}

	t.Run("Scalars", func(t *testing.T) {
		t.Parallel()
		vals, metas := mergeArrays(str,
			[]any{"Acme Holdings, Inc.", "Jane Doe"}, []any{leaf(0.8, 1), leaf(0.9, 1)},
			[]any{"ACME HOLDINGS INC", "Globex LLC"}, []any{leaf(0.95, 7), leaf(0.9, 7)})
		if diff := cmp.Diff([]any{"ACME HOLDINGS INC", "Jane Doe", "Globex LLC"}, vals); diff != "" {
			t.Errorf("values (-want +got):\n%s", diff)
		}
		if p := metas[0].(*leafMeta).Citation[0].Page; p != 7 {
			t.Errorf("merged party cited on page %d, want 7 (the more confident reading)", p)
		}
	})
	t.Run("RowsOnceEach", func(t *testing.T) {
		t.Parallel()
		// Two equal rows on the first part's pages stay two; the second
		// part's copy of one of them merges; a row the second part
		// read only in part merges into the whole one.
		a := []any{obj("description", "Coffee", "amount", json.Number("3")), obj("description", "Coffee", "amount", json.Number("3"))}
		am := []any{obj("description", leaf(0.9, 1), "amount", leaf(0.9, 1)), obj("description", leaf(0.9, 1), "amount", leaf(0.9, 1))}
		b := []any{obj("description", "coffee", "amount", json.Number("3.00")), obj("description", nil, "amount", json.Number("3")), obj("description", "Tea", "amount", json.Number("2"))}
		bm := []any{obj("description", leaf(0.8, 2), "amount", leaf(0.8, 2)), obj("description", nullLeaf(), "amount", leaf(0.99, 2)), obj("description", leaf(0.9, 2), "amount", leaf(0.9, 2))}
		vals, _ := mergeArrays(row, a, am, b, bm)
		if len(vals) != 3 {
			t.Fatalf("merged %d rows, want 3 (two coffees, one tea): %s", len(vals), mustJSON(vals))
		}
		if got := string(mustJSON(vals[2])); got != `{"description":"Tea","amount":2}` {
			t.Errorf("third row = %s, want the tea", got)
		}
	})
	t.Run("DifferentRowsStay", func(t *testing.T) {
		t.Parallel()
		a := []any{obj("description", "Coffee", "amount", json.Number("3"))}
		am := []any{obj("description", leaf(0.9, 1), "amount", leaf(0.9, 1))}
		b := []any{obj("description", "Coffee", "amount", json.Number("4"))}
		bm := []any{obj("description", leaf(0.9, 2), "amount", leaf(0.9, 2))}
		if vals, _ := mergeArrays(row, a, am, b, bm); len(vals) != 2 {
			t.Errorf("merged %d rows, want 2: a coffee at 3 is not one at 4", len(vals))
		}
	})
}
