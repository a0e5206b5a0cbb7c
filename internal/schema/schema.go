// Package schema checks the JSON Schemas users give as data_schema, and the
// values extraction produces against them.
//
// A data_schema is user input that ends up in prompts and drives the shape of
// every result, so Validate holds it to three kinds of rules:
//
//   - it must be a valid JSON Schema (draft 2020-12 unless its $schema names
//     2019-09 or draft-07), and a bad one is explained with a JSON pointer to
//     the offending place, so a user can fix it without guessing;
//   - it must fit the hosted Extract service's limits (an object at the root,
//     properties nested at most MaxDepth levels, at most MaxProperties
//     properties and MaxStringChars characters of strings), so that a schema
//     accepted here also works there and cannot blow up a prompt, and at
//     most MaxExpandedNodes subschemas once its $ref are followed, so that
//     it cannot blow up an engine's work;
//   - it must be self-contained: a $ref (or $schema) that points outside the
//     document is refused. Compiling a schema never fetches a URL nor reads a
//     file, whatever the schema says; that is a security property of this
//     package, not a convenience.
//
// Every error this package returns is an *extract.Error with
// extract.CodeInvalid, carrying a message written for the user.
package schema

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/quarrylabs/quarry/internal/extract"
)

// Limits of the hosted Extract service. A schema over them is refused rather
// than accepted here and rejected by the service a client may move to.
const (
	// MaxDepth is how deeply "properties" may nest: the properties of the
	// root are at level 1, theirs at level 2, and so on (through items,
	// anyOf, $defs and every other subschema keyword).
	MaxDepth = 7
	// MaxProperties is the total number of properties, counted over every
	// "properties" keyword in the document.
	MaxProperties = 5000
	// MaxStringChars is the number of characters (not bytes) of strings in
	// the schema: property and definition names, descriptions, titles, enum
	// and const values, patterns, and any other string the user wrote. The
	// names of JSON Schema keywords and the values of "type" are JSON
	// Schema's own vocabulary and are not counted.
	MaxStringChars = 120000
	// MaxExpandedNodes is the number of subschemas once every $ref is
	// replaced by what it refers to (a reference back to a schema it sits
	// in counts once, as recursion is not unrolled). It is Quarry's own
	// limit, not the hosted service's: the other limits count the text, and
	// a schema of a few kilobytes whose $defs each refer to the next several
	// times describes billions of fields. Engines walk the expanded schema,
	// so this bounds their work.
	MaxExpandedNodes = 20000
)

// baseURL is the address the document is compiled under. Relative references
// resolve against it; the .invalid top-level domain (RFC 2606) guarantees it
// names nothing that could ever be fetched, and refuseLoader makes sure
// nothing is.
const baseURL = "https://quarry.invalid/data_schema.json"

// Validate checks a user's data_schema and returns it normalized: a root that
// has "properties" but no "type" gets "type": "object", and the document is
// re-encoded with sorted keys so that equal schemas are equal bytes.
//
// The error, always an *extract.Error with extract.CodeInvalid, says what is
// wrong and where, as a JSON pointer into the schema.
func Validate(raw json.RawMessage) (normalized json.RawMessage, err error) {
	defer recoverInto(&err, "data_schema")

	key := sha256.Sum256(raw)
	if out, ok := validated.get(key); ok {
		return json.RawMessage(out), nil
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, invalid("data_schema is required")
	}
	doc, err := decodeJSON(raw)
	if err != nil {
		return nil, invalid("data_schema is not valid JSON: %s", jsonErrorText(err))
	}
	root, ok := doc.(map[string]any)
	if !ok {
		return nil, invalid("data_schema must be a JSON object, not %s", jsonKind(doc))
	}
	if err := checkLimits(root); err != nil {
		return nil, err
	}
	if err := checkDraft(root); err != nil {
		return nil, err
	}
	if _, err := compile(root); err != nil {
		return nil, err
	}
	_, hadType := root["type"]
	if err := normalizeRoot(root); err != nil {
		return nil, err
	}
	// The user's own text is kept, compacted, so that the order of their
	// properties — which the result follows — survives.
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return nil, invalid("data_schema is not valid JSON: %s", jsonErrorText(err))
	}
	out := buf.Bytes()
	if !hadType {
		out = append([]byte(`{"type":"object",`), out[1:]...)
	}
	validated.put(key, string(out))
	return out, nil
}

// ValidateInstance checks a value against a schema that Validate accepted; it
// is how a result is checked before a job reports it. The value may be
// encoded JSON (json.RawMessage or []byte) or any Go value that encodes to
// JSON. Formats ("date", "email"…) follow the schema's draft: checked under
// draft-07, mere annotations under 2019-09 and 2020-12 (the default), as each
// specification says.
//
// The compiled schema is cached by the hash of its text, so checking many
// results against one schema compiles it once.
func ValidateInstance(schema json.RawMessage, instance any) (err error) {
	defer recoverInto(&err, "value")

	key := sha256.Sum256(schema)
	sch, ok := compiled.get(key)
	if !ok {
		if sch, err = compileInstanceSchema(schema); err != nil {
			return err
		}
		compiled.put(key, sch)
	}

	var raw []byte
	switch v := instance.(type) {
	case json.RawMessage:
		raw = v
	case []byte:
		raw = v
	default:
		// Decoding our own encoding turns any Go value (structs, ints,
		// float32…) into the few types the validator understands, with
		// numbers kept exact.
		raw, err = json.Marshal(v)
		if err != nil {
			return invalid("value cannot be encoded as JSON: %v", err)
		}
	}
	value, err := decodeJSON(raw)
	if err != nil {
		return invalid("value is not valid JSON: %s", jsonErrorText(err))
	}
	if ptr, ok := findBadNumber(value, ""); !ok {
		return invalid("value has a number out of range %s", at(ptr))
	}
	if err := sch.Validate(value); err != nil {
		var verr *jsonschema.ValidationError
		if errors.As(err, &verr) {
			return invalid("value does not match data_schema: %s", describe(verr))
		}
		return invalid("value does not match data_schema: %s", cleanURLs(err.Error()))
	}
	return nil
}

// compileInstanceSchema is ValidateInstance's compilation of schema.
func compileInstanceSchema(schema json.RawMessage) (*jsonschema.Schema, error) {
	doc, err := decodeJSON(schema)
	if err != nil {
		return nil, invalid("data_schema is not valid JSON: %s", jsonErrorText(err))
	}
	if root, ok := doc.(map[string]any); ok {
		if err := checkDraft(root); err != nil {
			return nil, err
		}
	}
	// Numbers the validator cannot handle would crash it (see checkNumber),
	// in the schema as in the value.
	if ptr, ok := findBadNumber(doc, ""); !ok {
		return nil, invalid("data_schema has a number out of range %s", at(ptr))
	}
	return compile(doc)
}

// compile compiles doc under baseURL with a compiler that can load nothing,
// and checks that every reference stayed inside doc.
func compile(doc any) (*jsonschema.Schema, error) {
	c := jsonschema.NewCompiler()
	// Pinned rather than left to the library, whose default moves with
	// its releases.
	c.DefaultDraft(jsonschema.Draft2020)
	// The library's default loader reads file:// URLs; ours refuses every
	// URL. The standard metaschemas are built into the library and never
	// reach a loader.
	c.UseLoader(refuseLoader{})
	if err := c.AddResource(baseURL, doc); err != nil {
		return nil, compileError(doc, err)
	}
	sch, err := c.Compile(baseURL)
	if err != nil {
		return nil, compileError(doc, err)
	}
	if err := checkRefsInside(sch); err != nil {
		return nil, err
	}
	return sch, nil
}

// errRefused marks a load refused by refuseLoader.
var errRefused = errors.New("loading schemas is disabled")

// refuseLoader is the compiler's only loader: whatever a schema refers to,
// nothing is fetched and nothing is read.
type refuseLoader struct{}

func (refuseLoader) Load(string) (any, error) { return nil, errRefused }

// checkRefsInside walks the compiled schema and refuses any reference whose
// target lies outside the document. The loader already stops URLs and files;
// this catches the standard metaschemas, which the library resolves from
// copies built into it: harmless, but still outside the document, and a
// schema that leans on them is not self-contained.
func checkRefsInside(root *jsonschema.Schema) error {
	seen := map[*jsonschema.Schema]bool{}
	var walk func(s *jsonschema.Schema) error
	ref := func(from, to *jsonschema.Schema, keyword string) error {
		if to == nil {
			return nil
		}
		if !strings.HasPrefix(to.Location, baseURL+"#") {
			return invalid("data_schema %s refers to %q, outside data_schema: a reference may only point inside the schema, like \"#/$defs/name\"; Quarry never fetches URLs or reads files for a schema",
				at(locationPointer(from.Location)+"/"+keyword), to.Location)
		}
		return walk(to)
	}
	walk = func(s *jsonschema.Schema) error {
		if s == nil || seen[s] {
			return nil
		}
		seen[s] = true
		if err := ref(s, s.Ref, "$ref"); err != nil {
			return err
		}
		if err := ref(s, s.RecursiveRef, "$recursiveRef"); err != nil {
			return err
		}
		if s.DynamicRef != nil {
			if err := ref(s, s.DynamicRef.Ref, "$dynamicRef"); err != nil {
				return err
			}
		}
		for _, sub := range subschemas(s) {
			if err := walk(sub); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(root)
}

// subschemas lists the schemas s holds directly, other than by reference.
func subschemas(s *jsonschema.Schema) []*jsonschema.Schema {
	out := []*jsonschema.Schema{s.Not, s.If, s.Then, s.Else, s.PropertyNames,
		s.UnevaluatedProperties, s.Contains, s.Items2020, s.UnevaluatedItems, s.ContentSchema}
	out = append(out, s.AllOf...)
	out = append(out, s.AnyOf...)
	out = append(out, s.OneOf...)
	out = append(out, s.PrefixItems...)
	for _, sub := range s.Properties {
		out = append(out, sub)
	}
	for _, sub := range s.PatternProperties {
		out = append(out, sub)
	}
	for _, sub := range s.DependentSchemas {
		out = append(out, sub)
	}
	for _, dep := range s.Dependencies {
		if sub, ok := dep.(*jsonschema.Schema); ok {
			out = append(out, sub)
		}
	}
	for _, v := range []any{s.AdditionalProperties, s.Items, s.AdditionalItems} {
		switch v := v.(type) {
		case *jsonschema.Schema:
			out = append(out, v)
		case []*jsonschema.Schema:
			out = append(out, v...)
		}
	}
	return out
}

// supportedDrafts are the $schema values a data_schema may declare, without
// the optional trailing "#" and with either scheme.
var supportedDrafts = map[string]bool{
	"json-schema.org/schema":               true, // "the latest", 2020-12 for the library
	"json-schema.org/draft/2020-12/schema": true,
	"json-schema.org/draft/2019-09/schema": true,
	"json-schema.org/draft-07/schema":      true,
}

// checkDraft refuses a root $schema other than the drafts we support. The
// library would also take draft-04 and -06, and would try to load any other
// URL as a custom metaschema (which refuseLoader would stop, with a less
// helpful message).
func checkDraft(root map[string]any) error {
	s, ok := root["$schema"].(string)
	if !ok {
		return nil // absent means 2020-12; a non-string fails the metaschema
	}
	u := strings.TrimSuffix(s, "#")
	u, ok = strings.CutPrefix(u, "https://")
	if !ok {
		u = strings.TrimPrefix(u, "http://")
	}
	if !supportedDrafts[u] {
		return invalid("data_schema declares \"$schema\": %q, which is not supported: use https://json-schema.org/draft/2020-12/schema (the default), https://json-schema.org/draft/2019-09/schema or http://json-schema.org/draft-07/schema#", s)
	}
	return nil
}

// normalizeRoot enforces that the root describes an object, adding the
// "type" a root with only "properties" leaves implicit.
func normalizeRoot(root map[string]any) error {
	t, ok := root["type"]
	if !ok {
		if _, ok := root["properties"]; ok {
			root["type"] = "object"
			return nil
		}
		return invalid(`data_schema must describe a JSON object at its root: give it "type": "object" and "properties"`)
	}
	switch t := t.(type) {
	case string:
		if t == "object" {
			return nil
		}
	case []any:
		if len(t) == 1 && t[0] == "object" {
			return nil
		}
	}
	typ, _ := json.Marshal(t)
	return invalid(`data_schema must describe a JSON object at its root ("type": "object"), not "type": %s`, typ)
}

// decodeJSON decodes exactly one JSON value, keeping numbers as json.Number
// so that no precision is lost on the way to the validator and back.
func decodeJSON(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("no JSON value")
		}
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("more than one JSON value (at byte %d)", dec.InputOffset())
	}
	return v, nil
}

// encodeJSON re-encodes a decoded document. HTML escaping is off so that a
// description with "<" or "&" reads the same after normalization.
func encodeJSON(v any) (json.RawMessage, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, invalid("data_schema cannot be encoded: %v", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// jsonErrorText words a decoding error for a user, with the byte offset
// where the decoder gave up.
func jsonErrorText(err error) string {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Sprintf("%v (at byte %d)", syn.Error(), syn.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return "unexpected end of input"
	}
	return err.Error()
}

// jsonKind names the kind of a decoded JSON value, with its article.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	default:
		return "an object"
	}
}

// recoverInto turns a panic of the validation library into a CodeInvalid
// error. Its input is user-controlled, and a crafted schema must not take a
// worker down with it; the fuzz test looks for this message to find such
// inputs and make them errors upstream of the library.
func recoverInto(err *error, what string) {
	if r := recover(); r != nil {
		*err = invalid("%s could not be checked: %s", what, panicMessage)
	}
}

// panicMessage ends the error of a recovered panic (see recoverInto).
const panicMessage = "the validator failed on it; simplify it and try again"

func invalid(format string, args ...any) *extract.Error {
	return extract.Errorf(extract.CodeInvalid, format, args...)
}
