package eval

import (
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
)

// Counts are true positives, false positives and false negatives, with the
// precision, recall and F1 they give.
type Counts struct {
	TP        int     `json:"tp"`
	FP        int     `json:"fp"`
	FN        int     `json:"fn"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
}

func (c *Counts) add(o Counts) { c.TP, c.FP, c.FN = c.TP+o.TP, c.FP+o.FP, c.FN+o.FN }

// finish computes the ratios. With nothing to find and nothing found, all
// three are 1: there was no way to be wrong. With nothing found and
// something to find, precision is 0 as well as recall, and the other way
// round: saying nothing is not being precise.
func (c *Counts) finish() {
	c.Precision, c.Recall = ratio(c.TP, c.TP+c.FP), ratio(c.TP, c.TP+c.FN)
	if c.TP+c.FP == 0 && c.FN > 0 {
		c.Precision = 0
	}
	if c.TP+c.FN == 0 && c.FP > 0 {
		c.Recall = 0
	}
	if c.Precision+c.Recall > 0 {
		c.F1 = 2 * c.Precision * c.Recall / (c.Precision + c.Recall)
	} else {
		c.F1 = 0
	}
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// Citations count the non-null values predicted where the gold has a value:
// how many have a citation, and how many cite the page the value is on.
type Citations struct {
	Values    int     `json:"values"`
	Cited     int     `json:"cited"`
	RightPage int     `json:"right_page"`
	Accuracy  float64 `json:"accuracy"`
}

func (c *Citations) add(o Citations) {
	c.Values, c.Cited, c.RightPage = c.Values+o.Values, c.Cited+o.Cited, c.RightPage+o.RightPage
}

// judged is one predicted value with its confidence and whether it is right.
type judged struct {
	conf    float64
	correct bool
}

// comparison is the score of one document.
type comparison struct {
	fields, rows Counts
	cites        Citations
	judged       []judged
	// errors lists what was wrong, for the prediction file.
	errors []string
	// pages gives the page of each gold value by path; nil when unknown.
	pages map[string]int
	// byField counts the values of each field, by its path without array
	// indexes ("lines[].amount", "parties[]").
	byField map[string]tally
}

func (c *comparison) count(field string, t tally) {
	if c.byField == nil {
		c.byField = map[string]tally{}
	}
	f := c.byField[field]
	f.add(t)
	c.byField[field] = f
}

// leafMeta is the metadata of one value.
type leafMeta struct {
	Citation []struct {
		Page int `json:"page"`
	} `json:"citation"`
	Confidence float64 `json:"confidence"`
}

// compare scores a prediction against the gold under the schema both
// follow. Every non-null scalar the schema defines is a field value: a
// predicted one equal to the gold is a true positive, a predicted one that
// differs or whose gold is null a false positive, a gold one not predicted
// or predicted differently a false negative. Arrays of scalars match as
// multisets. Arrays of objects pair each predicted object with the gold
// object it agrees with most (greedily, the best-agreeing pairs first), and
// the objects' scalars count as fields; a predicted object is also a right
// row when it is paired and all its values are right. Keys the schema does
// not define are not scored. pages gives the page of each gold value by
// path (nil when unknown: citations are then checked for presence only).
func compare(schema map[string]any, gold, pred, meta any, pages map[string]int) *comparison {
	c := &comparison{pages: pages}
	// A result of one object in an array, as an engine that extracts rows
	// gives, is that object.
	if a, ok := pred.([]any); ok && len(a) == 1 && isObjectSchema(schema) && !isArraySchema(schema) {
		pred = a[0]
		if ma, ok := meta.([]any); ok && len(ma) == 1 {
			meta = ma[0]
		}
	}
	t := c.node(schema, gold, pred, meta, "", "")
	c.fields.TP, c.fields.FP, c.fields.FN = t.tp, t.np-t.tp, t.ng-t.tp
	return c
}

// tally counts a subtree's values: right, in the gold, predicted.
type tally struct{ tp, ng, np int }

func (t *tally) add(o tally) { t.tp, t.ng, t.np = t.tp+o.tp, t.ng+o.ng, t.np+o.np }

// node compares one value; path names it in the prediction, gpath in the
// gold (they differ inside arrays whose items pair up out of order).
func (c *comparison) node(schema map[string]any, gold, pred, meta any, path, gpath string) tally {
	switch {
	case isArraySchema(schema):
		items := subSchema(schema, "items")
		if isObjectSchema(items) {
			return c.objects(items, gold, pred, meta, path, gpath)
		}
		return c.scalars(items, gold, pred, meta, path, gpath)
	case isObjectSchema(schema):
		gm, _ := gold.(map[string]any)
		pm, _ := pred.(map[string]any)
		mm, _ := meta.(map[string]any)
		props := subSchema(schema, "properties")
		var t tally
		for _, k := range slices.Sorted(maps.Keys(props)) {
			ps, _ := props[k].(map[string]any)
			t.add(c.node(ps, gm[k], pm[k], mm[k], join(path, k), join(gpath, k)))
		}
		return t
	}
	// A one-item array where a scalar belongs is read as its item.
	if a, ok := pred.([]any); ok && len(a) == 1 {
		pred = a[0]
		if ma, ok := meta.([]any); ok && len(ma) == 1 {
			meta = ma[0]
		}
	}
	gnull, pnull := isNull(gold), isNull(pred)
	var t tally
	if !gnull {
		t.ng = 1
	}
	if !pnull {
		t.np = 1
	}
	defer func() { c.count(fieldPath(path), t) }()
	if gnull || pnull {
		if !gnull || !pnull {
			c.errors = append(c.errors, fmt.Sprintf("%s: got %s, want %s", path, show(pred), show(gold)))
		}
		if !pnull {
			c.judge(meta, false, "")
		}
		return t
	}
	if Equal(kindOf(schema, gold), gold, pred) {
		t.tp = 1
	} else {
		c.errors = append(c.errors, fmt.Sprintf("%s: got %s, want %s", path, show(pred), show(gold)))
	}
	c.judge(meta, t.tp == 1, gpath)
	return t
}

// judge records a non-null predicted value for the calibration and, when
// its gold is not null (gpath is its path), for the citations.
func (c *comparison) judge(meta any, right bool, gpath string) {
	var lm leafMeta
	if raw, err := json.Marshal(meta); err == nil {
		_ = json.Unmarshal(raw, &lm)
	}
	c.judged = append(c.judged, judged{conf: lm.Confidence, correct: right})
	if gpath == "" {
		return
	}
	c.cites.Values++
	if len(lm.Citation) == 0 {
		return
	}
	c.cites.Cited++
	want, known := c.pages[gpath]
	if (!known && c.pages == nil) || (known && lm.Citation[0].Page == want) {
		c.cites.RightPage++
	}
}

// indexed is an array's item with its index in the array.
type indexed struct {
	i    int
	v    any
	meta any
}

// nonNull lists an array's non-null items with their indexes and
// metadata; a single value where the array belongs is read as a
// one-item array.
func nonNull(v, meta any) []indexed {
	a, ok := v.([]any)
	ma, _ := meta.([]any)
	if !ok {
		if isNull(v) {
			return nil
		}
		return []indexed{{0, v, meta}}
	}
	var out []indexed
	for i, x := range a {
		if isNull(x) {
			continue
		}
		var m any
		if i < len(ma) {
			m = ma[i]
		}
		out = append(out, indexed{i, x, m})
	}
	return out
}

// scalars compares an array of scalars as a multiset: each gold item, in
// order, takes the first predicted item equal to it not yet taken.
func (c *comparison) scalars(items map[string]any, gold, pred, meta any, path, gpath string) tally {
	gl, pl := nonNull(gold, nil), nonNull(pred, meta)
	var kind Kind
	if len(gl) > 0 {
		kind = kindOf(items, gl[0].v)
	} else {
		kind = kindOf(items, nil)
	}
	takenBy := make([]int, len(pl))
	for j := range takenBy {
		takenBy[j] = -1
	}
	t := tally{ng: len(gl), np: len(pl)}
	for _, g := range gl {
		hit := -1
		for j, p := range pl {
			if takenBy[j] < 0 && Equal(kind, g.v, p.v) {
				hit = j
				break
			}
		}
		if hit < 0 {
			c.errors = append(c.errors, fmt.Sprintf("%s[%d]: missing %s", path, g.i, show(g.v)))
			continue
		}
		takenBy[hit] = g.i
		t.tp++
	}
	c.count(fieldPath(path)+"[]", t)
	for j, p := range pl {
		if takenBy[j] < 0 {
			c.errors = append(c.errors, fmt.Sprintf("%s: got item %s, not in the gold", path, show(p.v)))
			c.judge(p.meta, false, "")
			continue
		}
		c.judge(p.meta, true, fmt.Sprintf("%s[%d]", gpath, takenBy[j]))
	}
	return t
}

// objects compares an array of objects: every gold and predicted object
// that agree on at least one value are a candidate pair, and pairs are
// taken greedily by most values agreed, then nearest in position, then
// first in the gold and in the prediction. Objects left unpaired count
// all their values as missed or wrong.
func (c *comparison) objects(items map[string]any, gold, pred, meta any, path, gpath string) tally {
	gl, pl := nonNull(gold, nil), nonNull(pred, meta)
	type pair struct{ agree, dist, g, p int }
	var cands []pair
	for i, g := range gl {
		for j, p := range pl {
			if n := (&comparison{}).node(items, g.v, p.v, nil, "", "").tp; n > 0 {
				cands = append(cands, pair{n, abs(i - j), i, j})
			}
		}
	}
	slices.SortFunc(cands, func(a, b pair) int {
		return cmp.Or(cmp.Compare(b.agree, a.agree), cmp.Compare(a.dist, b.dist), cmp.Compare(a.g, b.g), cmp.Compare(a.p, b.p))
	})
	pairOf := make([]int, len(gl))
	paired := make([]bool, len(pl))
	for i := range pairOf {
		pairOf[i] = -1
	}
	for _, cd := range cands {
		if pairOf[cd.g] < 0 && !paired[cd.p] {
			pairOf[cd.g], paired[cd.p] = cd.p, true
		}
	}
	var t tally
	right := 0
	for i, g := range gl {
		gp := fmt.Sprintf("%s[%d]", gpath, g.i)
		if j := pairOf[i]; j >= 0 {
			p := pl[j]
			rt := c.node(items, g.v, p.v, p.meta, fmt.Sprintf("%s[%d]", path, p.i), gp)
			if rt.tp == rt.ng && rt.tp == rt.np {
				right++
			}
			t.add(rt)
			continue
		}
		c.errors = append(c.errors, fmt.Sprintf("%s: missing gold row %d %s", path, g.i, show(g.v)))
		t.add(c.quiet(items, g.v, nil, nil, fmt.Sprintf("%s[%d]", path, g.i)))
	}
	for j, p := range pl {
		if paired[j] {
			continue
		}
		c.errors = append(c.errors, fmt.Sprintf("%s[%d]: row %s matches no gold row", path, p.i, show(p.v)))
		// Its values are judged wrong for the calibration; their
		// gold is nothing, so they are not cited against a page.
		t.add(c.quiet(items, nil, p.v, p.meta, fmt.Sprintf("%s[%d]", path, p.i)))
	}
	c.rows.TP += right
	c.rows.FP += len(pl) - right
	c.rows.FN += len(gl) - right
	return t
}

// quiet compares an object that has no pair, gold or predicted, without
// listing each of its values as a mistake: the object's line says it.
// Predicted values are judged wrong for the calibration and not cited
// against a page.
func (c *comparison) quiet(items map[string]any, gold, pred, meta any, path string) tally {
	sub := &comparison{}
	t := sub.node(items, gold, pred, meta, path, "")
	c.judged = append(c.judged, sub.judged...)
	for f, ft := range sub.byField {
		c.count(f, ft)
	}
	return t
}

func abs(n int) int { return max(n, -n) }

// schemaTypes are the types a schema allows: its "type", or those of the
// alternatives of its anyOf or oneOf.
func schemaTypes(schema map[string]any) map[string]bool {
	out := map[string]bool{}
	switch t := schema["type"].(type) {
	case string:
		out[t] = true
		return out
	case []any:
		for _, x := range t {
			if s, ok := x.(string); ok {
				out[s] = true
			}
		}
		return out
	}
	for _, key := range []string{"anyOf", "oneOf"} {
		alts, ok := schema[key].([]any)
		if !ok {
			continue
		}
		for _, a := range alts {
			am, _ := a.(map[string]any)
			for k := range schemaTypes(am) {
				out[k] = true
			}
		}
		return out
	}
	return out
}

// subSchema is a schema's keyword (items, properties), looking through
// anyOf and oneOf.
func subSchema(schema map[string]any, key string) map[string]any {
	if v, ok := schema[key].(map[string]any); ok {
		return v
	}
	for _, comb := range []string{"anyOf", "oneOf"} {
		alts, _ := schema[comb].([]any)
		for _, a := range alts {
			am, _ := a.(map[string]any)
			if v, ok := am[key].(map[string]any); ok {
				return v
			}
		}
	}
	return map[string]any{}
}

func isObjectSchema(s map[string]any) bool {
	_, ok := s["properties"]
	return schemaTypes(s)["object"] || ok
}

func isArraySchema(s map[string]any) bool {
	_, ok := s["items"]
	return schemaTypes(s)["array"] || ok
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func show(v any) string {
	if v == nil {
		return "null"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// fieldPath is a value's path with its array indexes dropped:
// "lines[2].amount" is "lines[].amount".
func fieldPath(path string) string { return arrayIndex.ReplaceAllString(path, "[]") }

var arrayIndex = regexp.MustCompile(`\[\d+\]`)
