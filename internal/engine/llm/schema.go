package llm

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/schema"
)

type kind int

const (
	kindScalar kind = iota
	kindObject
	kindArray
)

// node is one place in the user's schema, simplified to what extraction
// needs: $ref followed, allOf merged, a union with null read as nullable.
type node struct {
	kind     kind
	types    []string // scalars: string, number, integer, boolean
	nullable bool
	enum     []any
	format   string
	desc     string
	notes    []string // constraints strict mode cannot carry, kept as words
	props    []field
	items    *node
}

type field struct {
	name     string
	n        *node
	required bool
}

// maxRefDepth cuts recursive schemas: deeper than this a $ref becomes a
// nullable string, which a model can still fill and grounding can check.
const maxRefDepth = 8

// readSchema builds the node tree of a data schema, after holding it to
// schema.MaxExpandedNodes: the tree is the schema with its $ref expanded,
// and a schema stored before that limit could describe billions of nodes.
func readSchema(raw json.RawMessage) (*node, error) {
	if err := schema.CheckExpanded(raw); err != nil {
		return nil, err
	}
	v, err := decodeOrdered(raw)
	if err != nil {
		return nil, extract.Errorf(extract.CodeInvalid, "data_schema is not valid JSON: %v", err)
	}
	root, ok := v.(*object)
	if !ok {
		return nil, extract.Errorf(extract.CodeInvalid, "data_schema must be a JSON object")
	}
	b := &schemaReader{root: root}
	n := b.read(root, 0)
	if n.kind != kindObject {
		return nil, extract.Errorf(extract.CodeInvalid, "data_schema must describe an object (type object with properties)")
	}
	return n, nil
}

type schemaReader struct{ root *object }

func (b *schemaReader) resolve(ref string) (*object, bool) {
	if !strings.HasPrefix(ref, "#") {
		return nil, false
	}
	var cur any = b.root
	for part := range strings.SplitSeq(strings.TrimPrefix(strings.TrimPrefix(ref, "#"), "/"), "/") {
		if part == "" {
			continue
		}
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		o, ok := cur.(*object)
		if !ok {
			return nil, false
		}
		if cur, ok = o.get(part); !ok {
			return nil, false
		}
	}
	o, ok := cur.(*object)
	return o, ok
}

func (b *schemaReader) read(s *object, depth int) *node {
	n := &node{}
	if s == nil {
		n.types = []string{"string"}
		return n
	}
	if ref, ok := s.m["$ref"].(string); ok {
		target, ok := b.resolve(ref)
		if !ok || depth >= maxRefDepth {
			return &node{types: []string{"string"}, nullable: true}
		}
		t := b.read(target, depth+1)
		if d, ok := s.m["description"].(string); ok {
			t.desc = d
		}
		return t
	}
	if all, ok := s.m["allOf"].([]any); ok && len(all) > 0 {
		merged := newObject()
		for _, k := range s.keys {
			if k != "allOf" {
				merged.set(k, s.m[k])
			}
		}
		props := newObject()
		if p, ok := s.m["properties"].(*object); ok {
			for _, k := range p.keys {
				props.set(k, p.m[k])
			}
		}
		var req []any
		if r, ok := s.m["required"].([]any); ok {
			req = append(req, r...)
		}
		for _, br := range all {
			bo, _ := br.(*object)
			if bo == nil {
				continue
			}
			if ref, ok := bo.m["$ref"].(string); ok {
				if t, ok := b.resolve(ref); ok {
					bo = t
				}
			}
			if p, ok := bo.m["properties"].(*object); ok {
				for _, k := range p.keys {
					props.set(k, p.m[k])
				}
			}
			if r, ok := bo.m["required"].([]any); ok {
				req = append(req, r...)
			}
			for _, k := range bo.keys {
				if _, has := merged.get(k); !has && k != "properties" && k != "required" {
					merged.set(k, bo.m[k])
				}
			}
		}
		if len(props.keys) > 0 {
			merged.set("properties", props)
			merged.set("required", req)
		}
		return b.read(merged, depth+1)
	}
	for _, key := range []string{"anyOf", "oneOf"} {
		alts, ok := s.m[key].([]any)
		if !ok {
			continue
		}
		var branches []*node
		nullable := false
		for _, a := range alts {
			ao, _ := a.(*object)
			if ao != nil && ao.m["type"] == "null" {
				nullable = true
				continue
			}
			branches = append(branches, b.read(ao, depth+1))
		}
		if len(branches) == 0 {
			return &node{types: []string{"string"}, nullable: true}
		}
		t := branches[0]
		for _, br := range branches[1:] {
			if br.kind == kindScalar && t.kind == kindScalar {
				for _, ty := range br.types {
					if !slices.Contains(t.types, ty) {
						t.types = append(t.types, ty)
					}
				}
			}
		}
		t.nullable = t.nullable || nullable
		if d, ok := s.m["description"].(string); ok {
			t.desc = d
		}
		return t
	}

	var types []string
	switch t := s.m["type"].(type) {
	case string:
		types = []string{t}
	case []any:
		for _, x := range t {
			if str, ok := x.(string); ok {
				types = append(types, str)
			}
		}
	}
	if i := slices.Index(types, "null"); i >= 0 {
		n.nullable = true
		types = slices.Delete(types, i, i+1)
	}
	_, hasProps := s.m["properties"]
	_, hasItems := s.m["items"]
	switch {
	case slices.Contains(types, "object") || (len(types) == 0 && hasProps):
		n.kind = kindObject
		req, _ := s.m["required"].([]any)
		if p, ok := s.m["properties"].(*object); ok {
			for _, k := range p.keys {
				po, _ := p.m[k].(*object)
				n.props = append(n.props, field{name: k, n: b.read(po, depth+1), required: slices.Contains(req, any(k))})
			}
		}
	case slices.Contains(types, "array") || (len(types) == 0 && hasItems):
		n.kind = kindArray
		io, _ := s.m["items"].(*object)
		n.items = b.read(io, depth+1)
	default:
		n.types = types
		if len(n.types) == 0 {
			n.types = []string{"string"}
		}
		if e, ok := s.m["enum"].([]any); ok {
			for _, x := range e {
				if x == nil {
					n.nullable = true
					continue
				}
				n.enum = append(n.enum, x)
			}
		}
		if c, ok := s.m["const"]; ok {
			n.enum = []any{c}
		}
		n.format, _ = s.m["format"].(string)
	}
	title, _ := s.m["title"].(string)
	desc, _ := s.m["description"].(string)
	n.desc = strings.TrimSpace(strings.Join(nonEmpty(title, desc), ": "))
	for _, k := range []string{"format", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
		"multipleOf", "minLength", "maxLength", "minItems", "maxItems", "uniqueItems"} {
		if v, ok := s.m[k]; ok {
			n.notes = append(n.notes, fmt.Sprintf("%s %v", k, v))
		}
	}
	if n.format == "date" {
		n.notes = append(n.notes, "write dates as YYYY-MM-DD")
	}
	return n
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// strict writes the node as a schema the strict structured-output mode
// accepts (see the package doc). optional marks a property the user's
// schema does not require, which strict mode cannot express: it becomes
// nullable instead.
func (n *node) strict(optional bool) *object {
	o := newObject()
	nullable := n.nullable || optional
	typ := func(t ...string) any {
		if nullable {
			t = append(t, "null")
		}
		if len(t) == 1 {
			return t[0]
		}
		out := make([]any, len(t))
		for i, s := range t {
			out[i] = s
		}
		return out
	}
	desc := n.desc
	if len(n.notes) > 0 {
		desc = strings.TrimSpace(desc + " (" + strings.Join(n.notes, "; ") + ")")
	}
	switch n.kind {
	case kindObject:
		o.set("type", typ("object"))
		props := newObject()
		req := []any{}
		for _, f := range n.props {
			props.set(f.name, f.n.strict(!f.required))
			req = append(req, f.name)
		}
		o.set("properties", props)
		o.set("required", req)
		o.set("additionalProperties", false)
	case kindArray:
		o.set("type", typ("array"))
		o.set("items", n.items.strict(false))
	default:
		o.set("type", typ(n.types...))
		if len(n.enum) > 0 {
			e := slices.Clone(n.enum)
			if nullable {
				e = append(e, nil)
			}
			o.set("enum", e)
		}
	}
	if desc != "" {
		o.set("description", desc)
	}
	return o
}

// coerce brings a model's value for n into the schema's type where it
// plainly means one ("1,234.56" for a number, "yes" for a boolean, an enum
// member in another case), and answers nil for what does not fit at all,
// so that a result never fails the user's schema because of a model's
// formatting.
func (n *node) coerce(v any) any {
	if v == nil {
		return nil
	}
	switch n.kind {
	case kindObject:
		o, ok := v.(*object)
		if !ok {
			return nil
		}
		out := newObject()
		for _, f := range n.props {
			if x, ok := o.get(f.name); ok {
				out.set(f.name, f.n.coerce(x))
			} else {
				out.set(f.name, nil)
			}
		}
		return out
	case kindArray:
		a, ok := v.([]any)
		if !ok {
			return nil
		}
		out := []any{}
		for _, x := range a {
			if c := n.items.coerce(x); c != nil {
				out = append(out, c)
			}
		}
		return out
	}
	if len(n.enum) > 0 {
		for _, e := range n.enum {
			if fmt.Sprint(e) == fmt.Sprint(v) {
				return e
			}
		}
		if s, ok := v.(string); ok {
			for _, e := range n.enum {
				if es, ok := e.(string); ok && strings.EqualFold(es, strings.TrimSpace(s)) {
					return e
				}
			}
		}
		return nil
	}
	for _, t := range n.types {
		switch t {
		case "string":
			switch x := v.(type) {
			case string:
				return x
			case json.Number:
				if len(n.types) == 1 {
					return x.String()
				}
			}
		case "number", "integer":
			var f float64
			switch x := v.(type) {
			case json.Number:
				var err error
				if f, err = x.Float64(); err != nil {
					continue
				}
			case string:
				var ok bool
				if f, ok = parseAmount(x); !ok {
					continue
				}
			default:
				continue
			}
			if t == "integer" {
				if f != math.Trunc(f) {
					continue
				}
				return json.Number(strconv.FormatInt(int64(f), 10))
			}
			return json.Number(strconv.FormatFloat(f, 'f', -1, 64))
		case "boolean":
			switch x := v.(type) {
			case bool:
				return x
			case string:
				switch strings.ToLower(strings.TrimSpace(x)) {
				case "yes", "y", "true":
					return true
				case "no", "n", "false":
					return false
				}
			}
		}
	}
	return nil
}
