package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"

	"github.com/quarrylabs/quarry/client/apitype"
)

// object is a JSON object with its keys in the order they were written:
// results follow their schema's property order, and so should the page.
type object []member

type member struct {
	Key   string
	Value any
}

// MarshalJSON writes the members in order.
func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(m.Key)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		v, err := json.Marshal(m.Value)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func (o object) get(key string) (any, bool) {
	for _, m := range o {
		if m.Key == key {
			return m.Value, true
		}
	}
	return nil, false
}

// decodeOrdered decodes JSON into object, []any, string, json.Number, bool
// and nil.
func decodeOrdered(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, fmt.Errorf("decode result: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("decode result: data after the value")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := object{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				o = append(o, member{k.(string), v})
			}
			_, err := dec.Token()
			return o, err
		case '[':
			a := []any{}
			for dec.More() {
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			_, err := dec.Token()
			return a, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	default:
		return t, nil
	}
}

// node is one value of a result as the job page shows it: an object as a
// table of fields, an array of objects as a table of rows, any other array
// as a list, a scalar with its confidence and citation.
type node struct {
	Kind string // "object", "table", "list" or "scalar"

	Fields []field // object

	Columns []string  // table
	Rows    [][]*node // table: one node per column, nil where a row lacks it

	Items []*node // list

	Text       string // scalar
	Null       bool
	Confidence *float64
	Citations  []apitype.Citation
	// Path is where the value is in the result, "invoice.items[0].total".
	Path string
}

type field struct {
	Name  string
	Value *node
}

// Wide reports whether the value is best shown under its field's name, with
// the whole width of the result: a table of rows, or an object holding one.
func (n *node) Wide() bool {
	switch n.Kind {
	case "table":
		return true
	case "object":
		for _, f := range n.Fields {
			if f.Value.Wide() {
				return true
			}
		}
	}
	return false
}

// HasCitation reports whether the value can be shown on its page.
func (n *node) HasCitation() bool {
	for _, c := range n.Citations {
		if c.Page > 0 && len(c.BoundingBoxes) > 0 {
			return true
		}
	}
	return false
}

// buildResult walks a job's result together with its field metadata, which
// mirrors its shape: the result's shape decides, so a field that happens
// to be named "citation" is still a field.
func buildResult(job *apitype.Job) (*node, error) {
	v, err := decodeOrdered(job.ExtractResult)
	if err != nil {
		return nil, err
	}
	var meta any
	if m := job.ExtractMetadata; m != nil && m.FieldMetadata != nil {
		fm := m.FieldMetadata
		switch {
		case len(fm.DocumentMetadata) > 0:
			meta, _ = decodeOrdered(fm.DocumentMetadata)
		case fm.PageMetadata != nil:
			meta = rawList(fm.PageMetadata)
		case fm.RowMetadata != nil:
			meta = rawList(fm.RowMetadata)
		}
	}
	return build(v, meta, ""), nil
}

func rawList(raws []json.RawMessage) []any {
	out := make([]any, len(raws))
	for i, r := range raws {
		out[i], _ = decodeOrdered(r)
	}
	return out
}

func build(v, meta any, path string) *node {
	switch v := v.(type) {
	case object:
		mo, _ := meta.(object)
		n := &node{Kind: "object", Path: path}
		for _, m := range v {
			mm, _ := mo.get(m.Key)
			n.Fields = append(n.Fields, field{m.Key, build(m.Value, mm, joinPath(path, m.Key))})
		}
		return n
	case []any:
		ml, _ := meta.([]any)
		at := func(i int) any {
			if i < len(ml) {
				return ml[i]
			}
			return nil
		}
		if allObjects(v) {
			n := &node{Kind: "table", Path: path}
			for _, item := range v {
				for _, m := range item.(object) {
					if !slices.Contains(n.Columns, m.Key) {
						n.Columns = append(n.Columns, m.Key)
					}
				}
			}
			for i, item := range v {
				o, mo := item.(object), at(i)
				mobj, _ := mo.(object)
				row := make([]*node, len(n.Columns))
				for c, col := range n.Columns {
					if cv, ok := o.get(col); ok {
						mm, _ := mobj.get(col)
						row[c] = build(cv, mm, fmt.Sprintf("%s[%d].%s", path, i, col))
					}
				}
				n.Rows = append(n.Rows, row)
			}
			return n
		}
		n := &node{Kind: "list", Path: path}
		for i, item := range v {
			n.Items = append(n.Items, build(item, at(i), fmt.Sprintf("%s[%d]", path, i)))
		}
		return n
	default:
		n := &node{Kind: "scalar", Path: path}
		switch s := v.(type) {
		case nil:
			n.Null, n.Text = true, "null"
		case string:
			n.Text = s
		case json.Number:
			n.Text = s.String()
		case bool:
			n.Text = strconv.FormatBool(s)
		}
		if mo, ok := meta.(object); ok {
			raw, _ := json.Marshal(mo)
			var e apitype.FieldMetadataEntry
			if json.Unmarshal(raw, &e) == nil {
				n.Confidence, n.Citations = e.Confidence, e.Citation
			}
		}
		return n
	}
}

func allObjects(vs []any) bool {
	for _, v := range vs {
		if _, ok := v.(object); !ok {
			return false
		}
	}
	return len(vs) > 0
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func urlPathEscape(s string) string { return url.PathEscape(s) }
