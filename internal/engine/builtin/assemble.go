package builtin

import (
	"bytes"
	"cmp"
	"encoding/json"
	"math"
	"math/big"
	"slices"

	"github.com/quarrylabs/quarry/internal/document"
)

// leafValue is a chosen value: its JSON, where it was read, and how sure
// the engine is.
type leafValue struct {
	value json.RawMessage
	cites []cite
	conf  float64
}

// values holds what was chosen for one object of the result (the document,
// a page, a table row): scalars, lists of scalars, and the elements of
// arrays of objects, each keyed by the prop of its place in the schema.
type values struct {
	leaf  map[*prop]leafValue
	items map[*prop][]leafValue
	rows  map[*prop][]*values
}

func newValues() *values {
	return &values{leaf: map[*prop]leafValue{}, items: map[*prop][]leafValue{}, rows: map[*prop][]*values{}}
}

// choose turns the finder's candidates into values.
func (fd *finder) values() *values {
	v := newValues()
	for i, f := range fd.plan.fields {
		if f.list {
			if items, ok := chooseList(fd.lists[i]); ok {
				v.items[f.prop] = items
			}
			continue
		}
		if best, conf, ok := choose(fd.found[i]); ok {
			v.leaf[f.prop] = leafValue{value: best.value.value, cites: best.cites, conf: conf}
		}
	}
	return v
}

// minScore is the least raw score a value is given at: below it, what was
// found is more often another value than this one (an amount whose label
// names a tax or a subtotal when the field asks for the total), and the
// field is better left null.
const minScore = 0.25

// conflictWeight is how much a candidate with another value lowers the
// confidence of the chosen one, scaled by its score relative to the
// chosen one's: an equally good rival takes away 40%.
const conflictWeight = 0.4

// choose takes the best-scored candidate, the earliest on a tie, and lowers
// its confidence for every other value found: by conflictWeight times the
// best score of that value over the chosen one's.
func choose(cands []candidate) (candidate, float64, bool) {
	if len(cands) == 0 {
		return candidate{}, 0, false
	}
	best := slices.MinFunc(cands, func(a, b candidate) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.order, b.order)
	})
	if best.score < minScore {
		return candidate{}, 0, false
	}
	var rivals []candidate // best candidate of each other value
	for _, c := range cands {
		if sameValue(c.value.value, best.value.value) {
			continue
		}
		i := slices.IndexFunc(rivals, func(r candidate) bool { return sameValue(r.value.value, c.value.value) })
		switch {
		case i < 0:
			rivals = append(rivals, c)
		case c.score > rivals[i].score:
			rivals[i] = c
		}
	}
	conf := min(best.score, 1)
	for _, r := range rivals {
		conf *= 1 - conflictWeight*r.score/best.score
	}
	return best, conf, true
}

// chooseList takes the best-scored list, the earliest on a tie; another
// list with other items lowers every item's confidence as a rival value
// does.
func chooseList(cands []listCandidate) ([]leafValue, bool) {
	if len(cands) == 0 {
		return nil, false
	}
	best := slices.MinFunc(cands, func(a, b listCandidate) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return cmp.Compare(a.order, b.order)
	})
	factor := 1.0
	for _, c := range cands {
		if c.order != best.order && !sameItems(c.items, best.items) {
			factor *= 1 - conflictWeight*c.score/best.score
		}
	}
	out := make([]leafValue, len(best.items))
	for i, it := range best.items {
		out[i] = leafValue{value: it.value.value, cites: it.cites, conf: it.score * factor}
	}
	return out, true
}

func sameItems(a, b []candidate) bool {
	return slices.EqualFunc(a, b, func(x, y candidate) bool { return sameValue(x.value.value, y.value.value) })
}

// build writes the value of p and its metadata from v; found is false when
// nothing was found for p (or for anything inside it).
func build(p *prop, v *values) (val, meta json.RawMessage, found bool) {
	switch p.shape {
	case shapeScalar:
		lv, ok := v.leaf[p]
		if !ok {
			return nil, nil, false
		}
		return lv.value, leafMeta(lv), true
	case shapeObject:
		return buildObject(p, v)
	case shapeArray:
		var vals, metas []json.RawMessage
		if p.items.shape == shapeScalar {
			for _, it := range v.items[p] {
				if p.uniqueItems && slices.ContainsFunc(vals, func(x json.RawMessage) bool { return sameValue(x, it.value) }) {
					continue
				}
				vals, metas = append(vals, it.value), append(metas, leafMeta(it))
			}
		} else {
			for _, row := range v.rows[p] {
				rv, rm, ok := build(p.items, row)
				if !ok || p.uniqueItems && slices.ContainsFunc(vals, func(x json.RawMessage) bool { return bytes.Equal(x, rv) }) {
					continue
				}
				vals, metas = append(vals, rv), append(metas, rm)
			}
		}
		// More elements than the schema allows are cut, the first kept:
		// the result must validate. Fewer than it requires is no value.
		if p.maxItems >= 0 && len(vals) > p.maxItems {
			vals, metas = vals[:p.maxItems], metas[:p.maxItems]
		}
		if len(vals) == 0 || len(vals) < p.minItems {
			return nil, nil, false
		}
		return jsonArray(vals), jsonArray(metas), true
	}
	return nil, nil, false
}

// buildObject writes an object with every property of the schema that has
// a value or a stand-in (see absent), in the schema's order.
func buildObject(p *prop, v *values) (json.RawMessage, json.RawMessage, bool) {
	var keys []string
	var vals, metas []json.RawMessage
	found := false
	for _, c := range p.props {
		cv, cm, ok := build(c, v)
		if ok {
			found = true
		} else if cv, cm, ok = absent(c, p.required[c.name]); !ok {
			continue
		}
		keys, vals, metas = append(keys, c.name), append(vals, cv), append(metas, cm)
	}
	return objectJSON(keys, vals), objectJSON(keys, metas), found
}

// nullMeta is the metadata of a value not found: no citation, confidence 0,
// so a client can tell "looked and did not find" from a missing key.
var nullMeta = json.RawMessage(`{"citation":[],"confidence":0}`)

// placeholderMeta is the metadata of a placeholder: nothing was found, and
// the value stands only because the schema demands one.
var placeholderMeta = json.RawMessage(`{"citation":[],"confidence":0,"reasoning":"not found in the document; the schema requires a value here and does not allow null, so this is a placeholder of its type"}`)

// absent is what stands for a property nothing was found for, chosen so
// that the result validates without inventing a value: null where the
// schema allows it; an object whose own properties are absent (left out
// when that leaves it empty and it is optional); an empty array. A scalar
// that may not be null is left out when it is optional; when it is
// required, the schema leaves no choice but a value, and it gets a
// placeholder of its type (see placeholder), as the hosted service's
// model, held to the schema, gives one: confidence 0 and the metadata's
// reasoning say that it was not found.
func absent(p *prop, required bool) (val, meta json.RawMessage, keep bool) {
	switch {
	case p.nullable:
		return json.RawMessage("null"), nullMeta, true
	case p.shape == shapeObject:
		val, meta, _ := buildObject(p, newValues())
		return val, meta, required || string(val) != "{}"
	case p.shape == shapeArray && p.minItems <= 0:
		return json.RawMessage("[]"), json.RawMessage("[]"), true
	case required:
		return placeholder(p), placeholderMeta, true
	}
	return nil, nil, false
}

// placeholder is the plainest value of a required scalar's first shape:
// the first value of its enum or const, false, 0 (or the bound nearest to
// it when 0 is out of range), or the empty string. A string whose
// minLength or pattern the empty string fails, and a multipleOf that 0
// cannot meet, have no value that is not made up; they get it anyway.
func placeholder(p *prop) json.RawMessage {
	if len(p.alts) == 0 {
		return json.RawMessage("null")
	}
	a := p.alts[0]
	if len(a.enum) > 0 {
		return a.enum[0]
	}
	switch a.kind {
	case kindBoolean:
		return json.RawMessage("false")
	case kindNumber, kindInteger:
		v := new(big.Rat)
		if a.minimum != nil && v.Cmp(a.minimum) < 0 {
			v.Set(a.minimum)
		}
		if a.maximum != nil && v.Cmp(a.maximum) > 0 {
			v.Set(a.maximum)
		}
		// An exclusive bound is passed by one whole unit, which keeps an
		// integer an integer.
		one := big.NewRat(1, 1)
		if a.exclusiveMinimum != nil && v.Cmp(a.exclusiveMinimum) <= 0 {
			v.Add(a.exclusiveMinimum, one)
		}
		if a.exclusiveMaximum != nil && v.Cmp(a.exclusiveMaximum) >= 0 {
			v.Sub(a.exclusiveMaximum, one)
		}
		if a.kind == kindInteger {
			// The nearest integer within the bounds: up from a minimum,
			// down from a maximum.
			n := new(big.Int).Quo(v.Num(), v.Denom())
			if a.minimum != nil && v.Cmp(a.minimum) == 0 && !v.IsInt() && v.Sign() > 0 {
				n.Add(n, big.NewInt(1))
			}
			return json.RawMessage(n.String())
		}
		f, _ := v.Float64()
		raw, _ := json.Marshal(f)
		return raw
	}
	return json.RawMessage(`""`)
}

// fieldMeta is the metadata of one value: where it was read and how sure
// the engine is.
type fieldMeta struct {
	Citation   []citation `json:"citation"`
	Confidence float64    `json:"confidence"`
}

type citation struct {
	Page          int            `json:"page"`
	MatchingText  string         `json:"matching_text"`
	BoundingBoxes []document.Box `json:"bounding_boxes"`
}

func leafMeta(lv leafValue) json.RawMessage {
	m := fieldMeta{Confidence: round3(min(max(lv.conf, 0), 1))}
	for _, c := range lv.cites {
		b := c.box
		b = document.Box{X: round3(b.X), Y: round3(b.Y), W: round3(b.W), H: round3(b.H)}
		m.Citation = append(m.Citation, citation{Page: c.page, MatchingText: c.text, BoundingBoxes: []document.Box{b}})
	}
	raw, _ := json.Marshal(m)
	return raw
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }

// objectJSON writes keys and values in order.
func objectJSON(keys []string, values []json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		key, _ := json.Marshal(k)
		b.Write(key)
		b.WriteByte(':')
		b.Write(values[i])
	}
	b.WriteByte('}')
	return b.Bytes()
}

func jsonArray(items []json.RawMessage) json.RawMessage {
	if len(items) == 0 {
		return json.RawMessage("[]")
	}
	var b bytes.Buffer
	b.WriteByte('[')
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(it)
	}
	b.WriteByte(']')
	return b.Bytes()
}
