package llm

import (
	"encoding/json"
	"math"
	"strings"
)

// leafMeta is one value's metadata as the API shows it. grounded and
// quality stay internal: they steer the second pass and the merge.
type leafMeta struct {
	Citation   []citation `json:"citation"`
	Confidence float64    `json:"confidence"`
	// Reasoning says why a confidence was lowered (a value not found, a
	// total that does not add up), when it was.
	Reasoning string `json:"reasoning,omitempty"`

	grounded bool
}

func nullLeaf() *leafMeta { return &leafMeta{Citation: []citation{}} }

// Confidence is built from three signals (see the package doc).
const (
	confUngrounded = 0.15  // a value not found in the document
	confCap        = 0.975 // nothing is certain; the built-in engine caps the same
)

// grounder checks one chunk's answer against that chunk's words.
type grounder struct {
	streams []stream
	strict  bool
	lp      *logprobIndex
	// cands are the built-in engine's values by field (see pathKey).
	cands map[string][]groundCandidate

	// Read from the pages when a value first needs them.
	dates     [][]dateSpan    // per stream
	wrapped   []stream        // the lines of wrapped cells
	pageWords map[string]bool // words and currency affixes
}

// walk grounds v (already coerced to n) and returns it with its metadata.
// hint and hintMeta are the built-in engine's value and metadata at the
// same place, or nil. path is the property names down to v, or nil inside
// arrays, where the built-in engine has no candidates.
func (g *grounder) walk(n *node, v, hint, hintMeta any, path []string) (any, any) {
	switch n.kind {
	case kindObject:
		o, _ := v.(*object)
		ho, _ := hint.(*object)
		hmo, _ := hintMeta.(*object)
		out, meta := newObject(), newObject()
		for _, f := range n.props {
			var x, h, hm any
			if o != nil {
				x, _ = o.get(f.name)
			}
			if ho != nil {
				h, _ = ho.get(f.name)
			}
			if hmo != nil {
				hm, _ = hmo.get(f.name)
			}
			var fp []string
			if path != nil {
				fp = append(path[:len(path):len(path)], f.name)
			}
			cv, cm := g.walk(f.n, x, h, hm, fp)
			out.set(f.name, cv)
			meta.set(f.name, cm)
		}
		return out, meta
	case kindArray:
		a, _ := v.([]any)
		ha, _ := hint.([]any)
		hma, _ := hintMeta.([]any)
		vals, metas := []any{}, []any{}
		for i, x := range a {
			var h, hm any
			if n.items.kind == kindScalar {
				// Lists of scalars: the built-in item with the same value.
				for j, y := range ha {
					if sameValue(x, y) && j < len(hma) {
						h, hm = y, hma[j]
						break
					}
				}
			} else if i < len(ha) && i < len(hma) {
				// Rows: both read tables in document order.
				h, hm = ha[i], hma[i]
			}
			cv, cm := g.walk(n.items, x, h, hm, nil)
			if cv == nil || g.strict && !anyGrounded(cm) {
				// Under strict_grounding an item with nothing found on
				// these pages is nothing the document says: a part of a
				// long document shown items that are on other pages.
				continue
			}
			vals, metas = append(vals, cv), append(metas, cm)
		}
		return vals, metas
	}
	if v == nil {
		return nil, nullLeaf()
	}
	hintCite, hintConf := readHintMeta(hintMeta)
	agree := hint != nil && sameValue(v, hint)
	var near *citation
	if agree && hintCite != nil {
		near = hintCite
	} else if path != nil {
		// Not the value the built-in engine chose, but perhaps one it
		// weighed: a TOTAL beside the TOTAL ROUNDED it preferred.
		near = g.candidate(path, v)
	}
	m, found := g.locate(n, v, near)
	if near != nil && g.hasPage(near.Page) && (!found || m.quality < qualityNormalised) {
		// The built-in engine read this very value here from a label.
		m, found = match{quality: qualityNormalised, cite: *near}, true
	}
	meta := &leafMeta{Citation: []citation{}, grounded: found}
	conf := confUngrounded
	if found {
		meta.Citation = []citation{m.cite}
		conf = 0.5 + 0.45*m.quality
	} else {
		meta.Reasoning = "the value was not found in the document's text"
	}
	if p, ok := g.lp.prob(v); ok {
		conf *= 0.7 + 0.3*p
	}
	switch {
	case agree:
		conf += (1 - conf) * 0.5 * hintConf
	case hint != nil && hintConf > 0:
		conf *= 1 - 0.3*hintConf
	}
	meta.Confidence = round3(min(max(conf, 0), confCap))
	if !found && g.strict {
		m := nullLeaf()
		m.Reasoning = "the model's value was not found in the document's text, and strict_grounding is set"
		return nil, m
	}
	return v, meta
}

// candidate returns where the built-in engine read v for the field at
// path, if it weighed v there on this chunk's pages.
func (g *grounder) candidate(path []string, v any) *citation {
	for _, c := range g.cands[pathKey(path)] {
		if sameValue(v, c.value) && g.hasPage(c.cite.Page) {
			return &c.cite
		}
	}
	return nil
}

func (g *grounder) hasPage(n int) bool {
	for _, s := range g.streams {
		if s.page.Number == n {
			return true
		}
	}
	return false
}

// readHintMeta reads the built-in engine's metadata of one value.
func readHintMeta(m any) (*citation, float64) {
	o, ok := m.(*object)
	if !ok {
		return nil, 0
	}
	var conf float64
	if c, ok := o.m["confidence"].(json.Number); ok {
		conf, _ = c.Float64()
	}
	cites, _ := o.m["citation"].([]any)
	if len(cites) == 0 {
		return nil, conf
	}
	var c citation
	if err := json.Unmarshal(mustJSON(cites[0]), &c); err != nil {
		return nil, conf
	}
	return &c, conf
}

// sameValue compares two scalars as values: numbers by amount, text by its
// letters and digits, "&" and "and" or "Ltd." and "Limited" alike (see
// canon).
func sameValue(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		fx, err1 := x.Float64()
		fy, err2 := y.Float64()
		return err1 == nil && err2 == nil && math.Abs(fx-fy) < 0.005
	case string:
		y, ok := b.(string)
		return ok && norm(x) != "" && (norm(x) == norm(y) || canon(x) == canon(y))
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	}
	return false
}

// logprobIndex finds the tokens a value was written with in the model's
// reply, to read how sure the model was of them.
type logprobIndex struct {
	content string
	starts  []int
	lps     []float64
	cursor  int
}

func newLogprobIndex(r reply) *logprobIndex {
	if len(r.logprobs) == 0 {
		return nil
	}
	idx := &logprobIndex{content: r.content}
	var b strings.Builder
	for _, t := range r.logprobs {
		idx.starts = append(idx.starts, b.Len())
		idx.lps = append(idx.lps, t.Logprob)
		b.WriteString(t.Token)
	}
	// Offsets mean something only if the tokens spell the reply.
	if b.String() != r.content {
		return nil
	}
	return idx
}

// prob is the geometric mean probability of the tokens of v's first
// occurrence after the last value looked up (values are looked up in the
// order a strict schema makes the model write them).
func (x *logprobIndex) prob(v any) (float64, bool) {
	if x == nil {
		return 0, false
	}
	text := string(mustJSON(v))
	pos := strings.Index(x.content[x.cursor:], text)
	if pos >= 0 {
		pos += x.cursor
	} else if pos = strings.Index(x.content, text); pos < 0 {
		return 0, false
	}
	end := pos + len(text)
	x.cursor = end
	sum, n := 0.0, 0
	for i, s := range x.starts {
		tokEnd := len(x.content)
		if i+1 < len(x.starts) {
			tokEnd = x.starts[i+1]
		}
		if tokEnd > pos && s < end {
			sum += x.lps[i]
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	return math.Exp(sum / float64(n)), true
}

// mergeParts folds the chunks' answers in page order: a scalar keeps the
// most confident non-null value, objects merge by property, and arrays
// keep each element once (see mergeArrays).
func mergeParts(n *node, parts []part) (any, any) {
	if len(parts) == 0 {
		return nil, nil
	}
	val, meta := parts[0].val, parts[0].meta
	for i := 1; i < len(parts); i++ {
		val, meta = merge(n, val, meta, parts[i].val, parts[i].meta)
	}
	return val, meta
}

func merge(n *node, a, am, b, bm any) (any, any) {
	switch n.kind {
	case kindObject:
		ao, _ := a.(*object)
		bo, _ := b.(*object)
		aom, _ := am.(*object)
		bom, _ := bm.(*object)
		if ao == nil || aom == nil {
			return b, bm
		}
		if bo == nil || bom == nil {
			return a, am
		}
		out, meta := newObject(), newObject()
		for _, f := range n.props {
			x, xm := merge(f.n, ao.m[f.name], aom.m[f.name], bo.m[f.name], bom.m[f.name])
			out.set(f.name, x)
			meta.set(f.name, xm)
		}
		return out, meta
	case kindArray:
		aa, _ := a.([]any)
		ba, _ := b.([]any)
		aam, _ := am.([]any)
		bam, _ := bm.([]any)
		return mergeArrays(n.items, aa, aam, ba, bam)
	}
	al, _ := am.(*leafMeta)
	bl, _ := bm.(*leafMeta)
	switch {
	case b == nil || bl == nil:
		return a, am
	case a == nil || al == nil || bl.Confidence > al.Confidence:
		return b, bm
	}
	return a, am
}

// mergeArrays adds the elements one part gave to those of the parts
// before it, keeping each element once: an element equal to one already
// there (as grounding compares values: amounts as numbers, text by its
// letters and digits) merges into it, keeping the more confident value
// and citation of each leaf. Parts repeat elements because they share a
// page, and because long documents repeat them: a contract names its
// parties on its first page and again where they sign. Each earlier
// element absorbs at most one equal element of the part, so that a list
// that holds a value twice on one part's pages (two identical receipt
// lines) keeps both; an element that says less than one already there
// (the same row with fields this part's pages do not show) merges into it
// regardless.
func mergeArrays(item *node, a, am, b, bm []any) ([]any, []any) {
	vals, metas := append([]any{}, a...), append([]any{}, am...)
	used := make([]bool, len(vals))
	for i, x := range b {
		xm := bm[i]
		j := -1
		for k := range len(a) {
			if !used[k] && sameElement(item, vals[k], x) != noMatch {
				j = k
				break
			}
		}
		if j < 0 {
			for k := range len(a) {
				if sameElement(item, vals[k], x) == covers {
					j = k
					break
				}
			}
		}
		if j < 0 {
			vals, metas = append(vals, x), append(metas, xm)
			continue
		}
		used[j] = true
		vals[j], metas[j] = merge(item, vals[j], metas[j], x, xm)
	}
	return vals, metas
}

// How two array elements compare.
const (
	noMatch = iota
	equal   // the same values
	covers  // the first has every value of the second, and more
	within  // the second has every value of the first, and more
)

// sameElement compares two elements of an array as grounding compares
// values. Objects are the same when every property both give is equal and
// they share at least one; one covers the other when it also gives
// properties the other leaves null.
func sameElement(n *node, a, b any) int {
	switch n.kind {
	case kindScalar:
		if sameValue(a, b) {
			return equal
		}
		return noMatch
	case kindArray:
		if string(mustJSON(a)) == string(mustJSON(b)) {
			return equal
		}
		return noMatch
	}
	ao, _ := a.(*object)
	bo, _ := b.(*object)
	if ao == nil || bo == nil {
		return noMatch
	}
	shared, onlyA, onlyB := 0, 0, 0
	for _, f := range n.props {
		x, y := ao.m[f.name], bo.m[f.name]
		switch {
		case isEmpty(x) && isEmpty(y):
		case isEmpty(y):
			onlyA++
		case isEmpty(x):
			onlyB++
		case sameElement(f.n, x, y) != noMatch:
			shared++
		default:
			return noMatch
		}
	}
	switch {
	case shared == 0:
		return noMatch
	case onlyA == 0 && onlyB == 0:
		return equal
	case onlyB == 0:
		return covers
	case onlyA == 0:
		return within
	}
	// Each gives what the other does not: the same row read in part on
	// two parts' pages.
	return equal
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case []any:
		return len(x) == 0
	case *object:
		for _, k := range x.keys {
			if !isEmpty(x.m[k]) {
				return false
			}
		}
		return true
	}
	return false
}

// anyGrounded reports whether any value under meta was found in the
// document.
func anyGrounded(meta any) bool {
	switch m := meta.(type) {
	case *leafMeta:
		return m.grounded
	case *object:
		for _, k := range m.keys {
			if anyGrounded(m.m[k]) {
				return true
			}
		}
	case []any:
		for _, x := range m {
			if anyGrounded(x) {
				return true
			}
		}
	}
	return false
}

// finish writes the value in the user's schema's shape: what was not found
// stands as the built-in engine writes it, so that both engines' results
// look alike. A property nothing was found for is null where the schema
// allows null; an object stands with its own properties absent (left out
// when optional and empty); an array is empty; an optional scalar that may
// not be null is left out, a required one is null. keep says whether the
// value stands.
func finish(n *node, v, meta any, required bool) (any, any, bool) {
	switch n.kind {
	case kindObject:
		o, _ := v.(*object)
		om, _ := meta.(*object)
		if o == nil && n.nullable {
			return nil, nullLeaf(), true
		}
		out, outMeta := newObject(), newObject()
		for _, f := range n.props {
			var x, xm any
			if o != nil && om != nil {
				x, xm = o.m[f.name], om.m[f.name]
			}
			cv, cm, keep := finish(f.n, x, xm, f.required)
			if keep {
				out.set(f.name, cv)
				outMeta.set(f.name, cm)
			}
		}
		return out, outMeta, o != nil || required || len(out.keys) > 0
	case kindArray:
		a, _ := v.([]any)
		am, _ := meta.([]any)
		if a == nil && n.nullable {
			return nil, nullLeaf(), true
		}
		vals, metas := []any{}, []any{}
		for i, x := range a {
			cv, cm, _ := finish(n.items, x, am[i], true)
			vals, metas = append(vals, cv), append(metas, cm)
		}
		return vals, metas, true
	}
	if v == nil {
		m, _ := meta.(*leafMeta)
		if m == nil {
			m = nullLeaf()
		}
		if !n.nullable && !required {
			return nil, nil, false
		}
		return nil, m, true
	}
	return v, meta, true
}
