// Package schemagen drafts extraction schemas without a language model: from
// the labelled values of a document ("Invoice Number: INV-7" becomes an
// invoice_number string), and from the field names a prompt lists ("the
// total amount and due date" becomes total_amount and due_date). Every rule
// is deterministic, so the same input always drafts the same schema, and the
// schema's description says how it was inferred so that nobody mistakes a
// guess for an understanding of the document.
package schemagen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/schema"
)

// Field is one property of a drafted schema.
type Field struct {
	// Name is the property name, in snake_case.
	Name string
	// Schema is the property's JSON Schema: a type, maybe a format, and a
	// description (the label or phrase the field came from).
	Schema Property
}

// Property is the JSON Schema of one drafted field.
type Property struct {
	Type        string `json:"type"`
	Format      string `json:"format,omitempty"`
	Description string `json:"description,omitempty"`
}

// Build returns base (a data_schema, or nil) with fields added after its
// own properties, and description set on the root when base has none. A
// field whose name base already has is left out: what a user wrote wins
// over what was guessed. The result is checked by schema.Validate, and keeps
// the order of base's keys and then the fields' order, which results follow.
func Build(base json.RawMessage, fields []Field, description string) (json.RawMessage, error) {
	root := object{{"type", json.RawMessage(`"object"`)}}
	if len(bytes.TrimSpace(base)) > 0 {
		normalized, err := schema.Validate(base)
		if err != nil {
			return nil, err
		}
		if root, err = decodeObject(normalized); err != nil {
			return nil, fmt.Errorf("read validated schema: %w", err)
		}
	}
	var props object
	if raw, ok := root.get("properties"); ok {
		var err error
		if props, err = decodeObject(raw); err != nil {
			return nil, extract.Errorf(extract.CodeInvalid, "data_schema.properties must be an object of property schemas")
		}
	}
	added := 0
	for _, f := range fields {
		if _, ok := props.get(f.Name); ok {
			continue
		}
		b, err := json.Marshal(f.Schema)
		if err != nil {
			return nil, fmt.Errorf("encode property %s: %w", f.Name, err)
		}
		props = append(props, member{f.Name, b})
		added++
	}
	if added > 0 && description != "" {
		if _, ok := root.get("description"); !ok {
			d, _ := json.Marshal(description)
			root = root.set("description", d)
		}
	}
	if props != nil {
		b, err := json.Marshal(props)
		if err != nil {
			return nil, fmt.Errorf("encode properties: %w", err)
		}
		root = root.set("properties", b)
	}
	out, err := json.Marshal(root)
	if err != nil {
		return nil, fmt.Errorf("encode schema: %w", err)
	}
	return schema.Validate(out)
}

// object is a JSON object that keeps its keys in order.
type object []member

type member struct {
	key   string
	value json.RawMessage
}

func (o object) get(key string) (json.RawMessage, bool) {
	for _, m := range o {
		if m.key == key {
			return m.value, true
		}
	}
	return nil, false
}

// set replaces key's value in place, or appends it.
func (o object) set(key string, v json.RawMessage) object {
	for i, m := range o {
		if m.key == key {
			o[i].value = v
			return o
		}
	}
	return append(o, member{key, v})
}

func (o object) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, err := json.Marshal(m.key)
		if err != nil {
			return nil, err
		}
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(m.value)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// decodeObject reads a JSON object keeping the order of its keys.
func decodeObject(raw json.RawMessage) (object, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok != json.Delim('{') {
		return nil, errors.New("not a JSON object")
	}
	o := object{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		o = o.set(key, v)
	}
	if _, err := dec.Token(); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return o, nil
}

// snakeCase turns a label or phrase into a property name: lower case
// letters and digits joined by underscores ("Invoice #" → invoice_number,
// "E-mail Address" → e_mail_address). It returns "" when nothing is left.
func snakeCase(s string) string {
	s = strings.ReplaceAll(s, "#", " number ")
	s = strings.ReplaceAll(s, "%", " percent ")
	var b strings.Builder
	pendingSep := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if pendingSep && b.Len() > 0 {
				b.WriteByte('_')
			}
			pendingSep = false
			b.WriteRune(r)
			continue
		}
		if r == '\'' || r == '’' {
			// "Customer's name" → customers_name, not customer_s_name.
			continue
		}
		pendingSep = true
	}
	name := b.String()
	if name != "" && unicode.IsDigit(rune(name[0])) {
		name = "field_" + name
	}
	const maxName = 64
	if r := []rune(name); len(r) > maxName {
		name = strings.TrimRight(string(r[:maxName]), "_")
	}
	return name
}

// words splits a snake_case name into its words.
func words(name string) []string { return strings.Split(name, "_") }
