package builtin

import (
	"bytes"
	"encoding/json"
	"math/big"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/schema"
)

// Kinds of scalar values.
const (
	kindString  = "string"
	kindNumber  = "number"
	kindInteger = "integer"
	kindBoolean = "boolean"
)

// alt is one scalar shape a value may take, with the constraints a value
// must meet for the result to validate against the schema.
type alt struct {
	kind   string
	format string // for strings: "date", "date-time", "email"; others are not checked
	// enum holds the allowed values when the schema lists them (enum or
	// const), already filtered to this kind.
	enum []json.RawMessage

	minLength, maxLength int // -1: no bound
	pattern              *regexp.Regexp
	minimum, maximum     *big.Rat
	exclusiveMinimum     *big.Rat
	exclusiveMaximum     *big.Rat
	multipleOf           *big.Rat
}

// node is a schema object with its members still encoded.
type node map[string]json.RawMessage

// maxRefDepth bounds $ref chains and nesting of anyOf, so a cyclic schema
// cannot loop.
const maxRefDepth = 16

// maxSchemaSteps bounds the nodes read and references resolved while
// reading one schema. The API refuses a schema over schema.MaxExpandedNodes
// subschemas once expanded, and reading one expanded subschema takes a few
// steps (the node, its resolution, each $ref on the way); the bound keeps a
// schema stored before that check, or a recursive one whose branches
// multiply down to maxNesting, from taking the engine's time.
const maxSchemaSteps = 4 * schema.MaxExpandedNodes

// schemaReader resolves references against the root of one schema.
type schemaReader struct {
	root node
	// steps counts the reader's work against maxSchemaSteps; past it,
	// nothing more is read and readSchema fails.
	steps *int
	// refs keeps the nodes references point to, so a definition used in
	// many places is decoded once.
	refs map[string]node
}

// spent counts one step and reports whether the budget is gone.
func (sr schemaReader) spent() bool {
	*sr.steps++
	return *sr.steps > maxSchemaSteps
}

// Shapes of a property.
const (
	shapeNone   = iota // a boolean schema, a free-form object: nothing the engine can fill
	shapeScalar        // string, number, integer, boolean, enum, const
	shapeObject        // properties filled one by one
	shapeArray         // elements from a list, a section or a table
)

// prop is one property of the schema as the engine fills it: a scalar with
// the shapes its value may take, an object with its properties, or an
// array with the schema of its elements. Each place in the schema gets its
// own prop, so a prop also identifies where a value goes in the result.
type prop struct {
	name        string
	title       string
	description string
	shape       int
	// alts are the scalar shapes a value may take, most specific first.
	alts []alt
	// props are an object's properties in the schema's order; required
	// names those the schema requires.
	props    []*prop
	required map[string]bool
	// items is the schema of an array's elements; minItems and maxItems
	// bound their number (-1: no bound).
	items              *prop
	minItems, maxItems int
	uniqueItems        bool
	// nullable says the schema accepts null here.
	nullable bool
}

// maxNesting bounds how deep the engine follows objects and arrays, so a
// recursive schema (a tree of $ref to itself) ends; the hosted service
// allows seven levels.
const maxNesting = 10

// readSchema returns the root object of a data schema.
func readSchema(raw json.RawMessage) (*prop, error) {
	var root node
	if err := json.Unmarshal(raw, &root); err != nil || root == nil {
		return nil, extract.Errorf(extract.CodeInvalid, "data_schema must be a JSON object")
	}
	if err := schema.CheckExpanded(raw); err != nil {
		return nil, err
	}
	sr := schemaReader{root: root, steps: new(int), refs: map[string]node{}}
	p := sr.prop("", root, 0)
	if *sr.steps > maxSchemaSteps {
		return nil, extract.Errorf(extract.CodeInvalid,
			"data_schema has more than %d subschemas once its $ref are followed (the limit on the expanded schema); refer to fewer definitions",
			schema.MaxExpandedNodes)
	}
	if p.shape != shapeObject {
		// A root without properties gives an empty object: there is nothing
		// to look for.
		p = &prop{shape: shapeObject, required: map[string]bool{}, minItems: -1, maxItems: -1}
	}
	return p, nil
}

// prop reads the schema node n of a property. "type" decides the shape;
// without it, anyOf or oneOf branches do (an object or array branch wins,
// a null branch makes the property nullable, scalar branches add up), then
// enum or const, then properties or items; a node with no constraint at
// all takes any string.
func (sr schemaReader) prop(name string, raw node, depth int) *prop {
	if sr.spent() {
		return &prop{name: name, minItems: -1, maxItems: -1}
	}
	n := sr.resolve(raw, 0)
	p := &prop{name: name, minItems: -1, maxItems: -1}
	_ = json.Unmarshal(n["title"], &p.title)
	_ = json.Unmarshal(n["description"], &p.description)
	if depth > maxNesting {
		return p
	}
	types, hasType := schemaTypes(n["type"])
	enum, hasEnum := enumOf(n)
	if hasEnum && slices.ContainsFunc(enum, func(v json.RawMessage) bool { return string(bytes.TrimSpace(v)) == "null" }) {
		p.nullable = true
	}
	if !hasType {
		for _, key := range []string{"anyOf", "oneOf"} {
			var branches []node
			if json.Unmarshal(n[key], &branches) != nil || len(branches) == 0 {
				continue
			}
			var structural *prop
			for _, b := range branches {
				bp := sr.prop(name, b, depth+1)
				p.nullable = p.nullable || bp.nullable
				if (bp.shape == shapeObject || bp.shape == shapeArray) && structural == nil {
					structural = bp
				}
			}
			if structural != nil {
				p.shape, p.props, p.required, p.items = structural.shape, structural.props, structural.required, structural.items
				p.minItems, p.maxItems, p.uniqueItems = structural.minItems, structural.maxItems, structural.uniqueItems
				return p
			}
			p.alts = sr.alts(n, 0)
			sortAlts(p.alts)
			if len(p.alts) > 0 {
				p.shape = shapeScalar
			}
			return p
		}
		switch {
		case hasEnum:
		case n["properties"] != nil:
			types = []string{"object"}
		case n["items"] != nil || n["prefixItems"] != nil:
			types = []string{"array"}
		}
	}
	if slices.Contains(types, "null") {
		p.nullable = true
	}
	switch {
	case slices.Contains(types, "object"):
		names, props := orderedObject(n["properties"])
		if len(names) == 0 {
			return p // a free-form object: nothing to look for
		}
		p.shape = shapeObject
		var req []string
		_ = json.Unmarshal(n["required"], &req)
		p.required = map[string]bool{}
		for _, r := range req {
			p.required[r] = true
		}
		for _, pn := range names {
			var child node
			if json.Unmarshal(props[pn], &child) != nil {
				// A boolean schema or a malformed one: the engine cannot
				// tell what to look for. true accepts anything, null too.
				p.props = append(p.props, &prop{name: pn, minItems: -1, maxItems: -1,
					nullable: string(bytes.TrimSpace(props[pn])) == "true"})
				continue
			}
			p.props = append(p.props, sr.prop(pn, child, depth+1))
		}
	case slices.Contains(types, "array"):
		var items node
		if json.Unmarshal(n["items"], &items) != nil {
			items = node{} // no items schema: any string
		}
		p.shape = shapeArray
		p.items = sr.prop(name, items, depth+1)
		if v, ok := intKeyword(n, "minItems"); ok {
			p.minItems = v
		}
		if v, ok := intKeyword(n, "maxItems"); ok {
			p.maxItems = v
		}
		_ = json.Unmarshal(n["uniqueItems"], &p.uniqueItems)
		if p.items.shape == shapeNone || p.items.shape == shapeArray {
			p.shape = shapeNone // arrays of arrays have no layout to read them from
		}
	default:
		p.alts = sr.alts(n, 0)
		sortAlts(p.alts)
		if len(p.alts) > 0 {
			p.shape = shapeScalar
		}
	}
	return p
}

// sortAlts orders alternatives from the most to the least specific.
func sortAlts(alts []alt) {
	slices.SortStableFunc(alts, func(a, b alt) int { return a.rank() - b.rank() })
}

// acceptsNull reports whether null is a valid value of p.
func (p *prop) acceptsNull() bool { return p.nullable }

// orderedObject decodes a JSON object keeping its keys' order, which is the
// order the result lists the fields in.
func orderedObject(raw json.RawMessage) ([]string, map[string]json.RawMessage) {
	values := map[string]json.RawMessage{}
	if json.Unmarshal(raw, &values) != nil {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	var keys []string
	if _, err := dec.Token(); err != nil { // {
		return nil, nil
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, nil
		}
		key, _ := tok.(string)
		if _, seen := values[key]; seen && !slices.Contains(keys, key) {
			keys = append(keys, key)
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, nil
		}
	}
	return keys, values
}

// resolve follows $ref and folds allOf into one node. Keywords of the node
// itself win over those of what it refers to, as in draft 2020-12 where $ref
// sits beside other keywords.
func (sr schemaReader) resolve(n node, depth int) node {
	if depth > maxRefDepth || sr.spent() {
		return n
	}
	out := node{}
	for k, v := range n {
		if k != "$ref" && k != "allOf" {
			out[k] = v
		}
	}
	var parts []node
	if ref, ok := n["$ref"]; ok {
		var s string
		if json.Unmarshal(ref, &s) == nil {
			if target, ok := sr.pointer(s); ok {
				parts = append(parts, sr.resolve(target, depth+1))
			}
		}
	}
	var all []node
	if json.Unmarshal(n["allOf"], &all) == nil {
		for _, a := range all {
			parts = append(parts, sr.resolve(a, depth+1))
		}
	}
	for _, p := range parts {
		for k, v := range p {
			if _, ok := out[k]; !ok {
				out[k] = v
			}
		}
	}
	return out
}

// pointer finds the node a local reference ("#/$defs/Name") names. Other
// references are not followed: the schema package refuses them before a job
// is created.
func (sr schemaReader) pointer(ref string) (node, bool) {
	if n, ok := sr.refs[ref]; ok {
		return n, n != nil
	}
	n, ok := sr.lookup(ref)
	sr.refs[ref] = n
	return n, ok
}

// lookup is pointer without the memo.
func (sr schemaReader) lookup(ref string) (node, bool) {
	frag, ok := strings.CutPrefix(ref, "#")
	if !ok {
		return nil, false
	}
	if unescaped, err := url.PathUnescape(frag); err == nil {
		frag = unescaped
	}
	raw, _ := json.Marshal(sr.root)
	if frag != "" {
		for tok := range strings.SplitSeq(strings.TrimPrefix(frag, "/"), "/") {
			tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
			var obj map[string]json.RawMessage
			var arr []json.RawMessage
			switch {
			case json.Unmarshal(raw, &obj) == nil:
				if raw, ok = obj[tok]; !ok {
					return nil, false
				}
			case json.Unmarshal(raw, &arr) == nil:
				i, err := strconv.Atoi(tok)
				if err != nil || i < 0 || i >= len(arr) {
					return nil, false
				}
				raw = arr[i]
			default:
				return nil, false
			}
		}
	}
	var n node
	if json.Unmarshal(raw, &n) != nil {
		return nil, false
	}
	return n, true
}

// alts lists the scalar shapes of a resolved node. "type" wins over anyOf
// and oneOf when both are given; without either, enum or const decide, and
// a node with no constraint at all takes any string.
func (sr schemaReader) alts(n node, depth int) []alt {
	types, hasType := schemaTypes(n["type"])
	enum, hasEnum := enumOf(n)
	if !hasType {
		for _, key := range []string{"anyOf", "oneOf"} {
			var branches []node
			if json.Unmarshal(n[key], &branches) == nil && len(branches) > 0 && depth < maxRefDepth {
				var out []alt
				for _, b := range branches {
					out = append(out, sr.alts(sr.resolve(b, depth+1), depth+1)...)
				}
				return out
			}
		}
		switch {
		case hasEnum:
			types = []string{kindString, kindNumber, kindBoolean}
		case n["properties"] != nil || n["items"] != nil || n["prefixItems"] != nil:
			return nil
		default:
			types = []string{kindString}
		}
	}
	var out []alt
	for _, t := range types {
		if t != kindString && t != kindNumber && t != kindInteger && t != kindBoolean {
			continue // null adds nothing to look for; objects and arrays are out of scope
		}
		a := constraints(n)
		a.kind = t
		if hasEnum {
			a.enum = filterEnum(enum, t)
			if len(a.enum) == 0 {
				continue // no allowed value of this kind
			}
		}
		out = append(out, a)
	}
	return out
}

// schemaTypes reads "type", a string or an array of strings.
func schemaTypes(raw json.RawMessage) ([]string, bool) {
	if raw == nil {
		return nil, false
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}, true
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		return many, true
	}
	return nil, false
}

// enumOf returns the allowed values of enum, or of const as a one-value enum.
func enumOf(n node) ([]json.RawMessage, bool) {
	var vals []json.RawMessage
	if json.Unmarshal(n["enum"], &vals) == nil && vals != nil {
		return vals, true
	}
	if c, ok := n["const"]; ok {
		return []json.RawMessage{c}, true
	}
	return nil, false
}

// filterEnum keeps the enum values of one kind.
func filterEnum(vals []json.RawMessage, kind string) []json.RawMessage {
	var out []json.RawMessage
	for _, v := range vals {
		v = bytes.TrimSpace(v)
		if len(v) == 0 {
			continue
		}
		var ok bool
		switch c := v[0]; kind {
		case kindString:
			ok = c == '"'
		case kindBoolean:
			ok = c == 't' || c == 'f'
		case kindNumber:
			ok = c == '-' || (c >= '0' && c <= '9')
		case kindInteger:
			r, isNum := new(big.Rat).SetString(string(v))
			ok = isNum && r.IsInt()
		}
		if ok {
			out = append(out, v)
		}
	}
	return out
}

// constraints reads the keywords that limit a scalar value.
func constraints(n node) alt {
	a := alt{minLength: -1, maxLength: -1}
	_ = json.Unmarshal(n["format"], &a.format)
	if v, ok := intKeyword(n, "minLength"); ok {
		a.minLength = v
	}
	if v, ok := intKeyword(n, "maxLength"); ok {
		a.maxLength = v
	}
	var pattern string
	if json.Unmarshal(n["pattern"], &pattern) == nil && pattern != "" {
		// JSON Schema patterns are ECMA-262; the few that RE2 cannot compile
		// (lookarounds, backreferences) are left unchecked.
		a.pattern, _ = regexp.Compile(pattern)
	}
	a.minimum = ratKeyword(n, "minimum")
	a.maximum = ratKeyword(n, "maximum")
	a.exclusiveMinimum = ratKeyword(n, "exclusiveMinimum")
	a.exclusiveMaximum = ratKeyword(n, "exclusiveMaximum")
	a.multipleOf = ratKeyword(n, "multipleOf")
	return a
}

func intKeyword(n node, key string) (int, bool) {
	r := ratKeyword(n, key)
	if r == nil || !r.IsInt() || !r.Num().IsInt64() {
		return 0, false
	}
	return int(r.Num().Int64()), true
}

// ratKeyword reads a numeric keyword exactly; a boolean (draft 4's
// exclusiveMinimum) or anything else is ignored.
func ratKeyword(n node, key string) *big.Rat {
	raw := bytes.TrimSpace(n[key])
	if len(raw) == 0 || len(raw) > maxNumberLen {
		return nil
	}
	r, ok := new(big.Rat).SetString(string(raw))
	if !ok {
		return nil
	}
	return r
}

// rank orders alternatives from the most to the least specific, so that "42"
// under ["string","integer"] becomes the integer 42 and only text that is no
// number, boolean or date stays a string.
func (a alt) rank() int {
	switch {
	case a.enum != nil:
		return 0
	case a.kind == kindInteger:
		return 1
	case a.kind == kindNumber:
		return 2
	case a.kind == kindBoolean:
		return 3
	case a.format != "":
		return 4
	}
	return 5
}
