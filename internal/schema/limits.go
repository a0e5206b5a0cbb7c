package schema

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// checkLimits holds a decoded schema to MaxDepth, MaxProperties and
// MaxStringChars, and refuses numbers the validator cannot handle. It runs
// before compiling, so that the cost of compiling is bounded by the limits
// and not by what a user chose to send.
//
// The walk is static: a $ref is not followed, so a recursive schema counts
// once.
func checkLimits(root map[string]any) error {
	if ptr, ok := findBadNumber(root, ""); !ok {
		return invalid("data_schema has a number out of range %s: numbers must be finite 64-bit floating-point values written in at most %d characters", at(ptr), maxNumberLen)
	}
	var c counter
	c.schema(root, "", 0)
	switch {
	case c.tooDeep != "":
		return invalid("data_schema nests properties more than %d levels deep (%s); flatten it, or split it into several extractions", MaxDepth, at(c.tooDeep))
	case c.props > MaxProperties:
		return invalid("data_schema has %d properties; at most %d are allowed", c.props, MaxProperties)
	case c.chars > MaxStringChars:
		return invalid("data_schema has %d characters of strings (property names, descriptions, enum values…); at most %d are allowed", c.chars, MaxStringChars)
	}
	// Last, as it is the costliest walk, and only worth making on a schema
	// whose text is within bounds.
	return checkExpanded(root)
}

// CheckExpanded holds a schema to MaxExpandedNodes. Validate does it for
// every schema it accepts; engines call it too before walking a schema, so
// that a schema stored before the limit existed cannot take their time. It
// costs at most MaxExpandedNodes steps after decoding.
func CheckExpanded(raw json.RawMessage) error {
	doc, err := decodeJSON(raw)
	if err != nil {
		return invalid("data_schema is not valid JSON: %s", jsonErrorText(err))
	}
	return checkExpanded(doc)
}

func checkExpanded(root any) error {
	e := expansion{root: root, onPath: map[string]bool{}}
	if !e.schema(root) {
		return invalid("data_schema has more than %d subschemas once its $ref are followed (the limit on the expanded schema): a definition referred to from many places, each referring to others, multiplies; refer to fewer definitions, or inline fewer copies", MaxExpandedNodes)
	}
	return nil
}

// expansion counts the subschemas of a schema as if every $ref were
// replaced by the schema it points to, stopping as soon as the count passes
// MaxExpandedNodes, so the walk costs at most that many steps whatever the
// schema. A reference to a schema already being expanded on the way down
// (recursion) is not followed again: it counts once, like the static walk.
// References other than JSON pointers ("#/$defs/a", "#") are not followed,
// as the engines do not follow them either.
type expansion struct {
	root   any
	nodes  int
	onPath map[string]bool // pointers of the references being expanded
}

// schema visits v and everything under it; it returns false once the count
// is over the limit.
func (e *expansion) schema(v any) bool {
	e.nodes++
	if e.nodes > MaxExpandedNodes {
		return false
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return true
	}
	if ref, ok := obj["$ref"].(string); ok {
		if ptr, ok := strings.CutPrefix(ref, "#"); ok && !e.onPath[ptr] {
			if target, ok := e.pointer(ptr); ok {
				e.onPath[ptr] = true
				ok := e.schema(target)
				delete(e.onPath, ptr)
				if !ok {
					return false
				}
			}
		}
	}
	for _, k := range sortedKeys(obj) {
		val := obj[k]
		switch k {
		case "properties", "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies":
			// $defs count where they are used, not where they are
			// defined, but a definition nobody refers to is still
			// compiled: it counts once here.
			m, _ := val.(map[string]any)
			for _, name := range sortedKeys(m) {
				if !e.schema(m[name]) {
					return false
				}
			}
		case "allOf", "anyOf", "oneOf", "prefixItems", "items":
			if arr, ok := val.([]any); ok {
				for _, sub := range arr {
					if !e.schema(sub) {
						return false
					}
				}
				continue
			}
			if !e.schema(val) {
				return false
			}
		case "not", "if", "then", "else", "additionalItems", "contains", "additionalProperties",
			"propertyNames", "unevaluatedItems", "unevaluatedProperties", "contentSchema":
			if !e.schema(val) {
				return false
			}
		}
	}
	return true
}

// pointer finds the value a JSON pointer fragment (already without its
// "#") names in the root.
func (e *expansion) pointer(frag string) (any, bool) {
	if unescaped, err := url.PathUnescape(frag); err == nil {
		frag = unescaped
	}
	cur := e.root
	if frag == "" {
		return cur, true
	}
	if !strings.HasPrefix(frag, "/") {
		return nil, false // an anchor
	}
	for tok := range strings.SplitSeq(frag[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[tok]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// counter walks a schema, knowing which keywords hold subschemas, so that a
// "properties" key inside an enum value or a default is data, not a keyword.
type counter struct {
	props   int
	chars   int
	tooDeep string // pointer to the first property nested beyond MaxDepth
}

// schema visits a schema whose properties are at level depth+1.
func (c *counter) schema(v any, ptr string, depth int) {
	obj, ok := v.(map[string]any)
	if !ok {
		// A boolean schema, or something the metaschema will refuse;
		// its strings count all the same.
		c.value(v, true)
		return
	}
	for _, k := range sortedKeys(obj) {
		val, p := obj[k], ptr+"/"+escape(k)
		if !keywords[k] {
			c.chars += utf8.RuneCountInString(k)
		}
		switch k {
		case "properties":
			m, ok := val.(map[string]any)
			if !ok {
				c.value(val, true)
				continue
			}
			c.props += len(m)
			for _, name := range sortedKeys(m) {
				c.chars += utf8.RuneCountInString(name)
				sp := p + "/" + escape(name)
				if depth+1 > MaxDepth && c.tooDeep == "" {
					c.tooDeep = sp
				}
				c.schema(m[name], sp, depth+1)
			}
		case "patternProperties", "$defs", "definitions", "dependentSchemas", "dependencies":
			// Maps of names to schemas at the same level. A dependencies
			// entry may be a list of names, which schema counts as data.
			m, ok := val.(map[string]any)
			if !ok {
				c.value(val, true)
				continue
			}
			for _, name := range sortedKeys(m) {
				c.chars += utf8.RuneCountInString(name)
				c.schema(m[name], p+"/"+escape(name), depth)
			}
		case "allOf", "anyOf", "oneOf", "prefixItems", "items":
			// Lists of schemas ("items" is one before 2020-12).
			if arr, ok := val.([]any); ok {
				for i, sub := range arr {
					c.schema(sub, p+"/"+strconv.Itoa(i), depth)
				}
				continue
			}
			c.schema(val, p, depth)
		case "not", "if", "then", "else", "additionalItems", "contains", "additionalProperties",
			"propertyNames", "unevaluatedItems", "unevaluatedProperties", "contentSchema":
			c.schema(val, p, depth)
		case "type":
			c.value(val, false) // JSON Schema's vocabulary, not the user's words
		default:
			c.value(val, true)
		}
	}
}

// value visits data: every string in it, and every key of its objects,
// counts when count is set.
func (c *counter) value(v any, count bool) {
	switch v := v.(type) {
	case string:
		if count {
			c.chars += utf8.RuneCountInString(v)
		}
	case []any:
		for _, e := range v {
			c.value(e, count)
		}
	case map[string]any:
		for k, e := range v {
			if count {
				c.chars += utf8.RuneCountInString(k)
			}
			c.value(e, count)
		}
	}
}

// maxNumberLen bounds the literal of a number (see checkNumber).
const maxNumberLen = 64

// checkNumber reports whether the validator can safely handle a number. The
// library converts numbers to big.Rat, which either fails on huge exponents
// (1e-10000000 makes it dereference nil and panic) or spends seconds and
// megabytes on merely large ones (1e1000000). A schema or a result has no use
// for numbers beyond float64, so those are refused first.
func checkNumber(n json.Number) bool {
	lit := string(n)
	if len(lit) > maxNumberLen {
		return false
	}
	if _, err := strconv.ParseFloat(lit, 64); err != nil {
		return false // out of range, or not a number at all
	}
	// ParseFloat rounds 1e-10000000 to 0 without complaint; the exponent
	// check keeps it from the validator.
	if i := strings.IndexAny(lit, "eE"); i >= 0 {
		exp, err := strconv.Atoi(lit[i+1:])
		if err != nil || exp < -400 || exp > 400 {
			return false
		}
	}
	return true
}

// findBadNumber returns the pointer to the first number in v that fails
// checkNumber, and false; or true when there is none.
func findBadNumber(v any, ptr string) (string, bool) {
	switch v := v.(type) {
	case json.Number:
		return ptr, checkNumber(v)
	case []any:
		for i, e := range v {
			if p, ok := findBadNumber(e, ptr+"/"+strconv.Itoa(i)); !ok {
				return p, false
			}
		}
	case map[string]any:
		for _, k := range sortedKeys(v) {
			if p, ok := findBadNumber(v[k], ptr+"/"+escape(k)); !ok {
				return p, false
			}
		}
	}
	return "", true
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// keywords are the keywords of JSON Schema drafts 4 to 2020-12. Any other key
// of a schema object is the user's own and counts toward MaxStringChars.
var keywords = map[string]bool{
	"$schema": true, "$id": true, "id": true, "$ref": true, "$anchor": true,
	"$dynamicRef": true, "$dynamicAnchor": true, "$recursiveRef": true, "$recursiveAnchor": true,
	"$vocabulary": true, "$comment": true, "$defs": true, "definitions": true,

	"type": true, "enum": true, "const": true,
	"multipleOf": true, "maximum": true, "exclusiveMaximum": true, "minimum": true, "exclusiveMinimum": true,
	"maxLength": true, "minLength": true, "pattern": true,
	"maxItems": true, "minItems": true, "uniqueItems": true, "maxContains": true, "minContains": true,
	"maxProperties": true, "minProperties": true, "required": true, "dependentRequired": true, "dependencies": true,

	"allOf": true, "anyOf": true, "oneOf": true, "not": true, "if": true, "then": true, "else": true,
	"dependentSchemas": true, "prefixItems": true, "items": true, "additionalItems": true, "contains": true,
	"properties": true, "patternProperties": true, "additionalProperties": true, "propertyNames": true,
	"unevaluatedItems": true, "unevaluatedProperties": true,

	"format": true, "contentEncoding": true, "contentMediaType": true, "contentSchema": true,
	"title": true, "description": true, "default": true, "deprecated": true,
	"readOnly": true, "writeOnly": true, "examples": true,
}
