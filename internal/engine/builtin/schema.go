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
)

// field is one top-level property of the schema, as the engine fills it.
type field struct {
	name  string
	title string
	// alts are the scalar shapes a value may take, most specific first;
	// empty for objects, arrays and anything else the engine does not fill.
	alts []alt
}

// scalar reports whether the engine looks for the field at all.
func (f field) scalar() bool { return len(f.alts) > 0 }

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

// schemaReader resolves references against the root of one schema.
type schemaReader struct {
	root node
}

// readSchema returns the top-level properties of a data schema in the order
// the schema lists them.
func readSchema(raw json.RawMessage) ([]field, error) {
	var root node
	if err := json.Unmarshal(raw, &root); err != nil || root == nil {
		return nil, extract.Errorf(extract.CodeInvalid, "data_schema must be a JSON object")
	}
	sr := schemaReader{root: root}
	top := sr.resolve(root, 0)
	names, props := orderedObject(top["properties"])
	fields := make([]field, 0, len(names))
	for _, name := range names {
		var n node
		if json.Unmarshal(props[name], &n) != nil {
			// A boolean schema (true/false) or a malformed one: the engine
			// cannot tell what to look for, so the field stays null.
			fields = append(fields, field{name: name})
			continue
		}
		n = sr.resolve(n, 0)
		f := field{name: name, alts: sr.alts(n, 0)}
		_ = json.Unmarshal(n["title"], &f.title)
		slices.SortStableFunc(f.alts, func(a, b alt) int { return a.rank() - b.rank() })
		fields = append(fields, f)
	}
	return fields, nil
}

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
	if depth > maxRefDepth {
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
