package schema

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
)

var update = flag.Bool("update", false, "rewrite testdata/valid/*.golden from Validate's output")

// TestValidate runs every testdata/valid/<case>.json through Validate and
// compares the normalized schema with <case>.golden.
func TestValidate(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("testdata/valid/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no valid schemas in testdata: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".json")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := Validate(readFile(t, file))
			if err != nil {
				t.Fatalf("Validate(%s) = %v, want no error", file, err)
			}
			golden := strings.TrimSuffix(file, ".json") + ".golden"
			if *update {
				if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want := bytes.TrimSpace(readFile(t, golden))
			if !bytes.Equal(got, want) {
				t.Errorf("Validate(%s) =\n%s\nwant\n%s", file, got, want)
			}
			// Normalizing is idempotent: a stored schema validates to itself.
			again, err := Validate(got)
			if err != nil || !bytes.Equal(again, got) {
				t.Errorf("Validate(Validate(%s)) = %s, %v; want the same schema", file, again, err)
			}
		})
	}
}

func TestValidateInvalid(t *testing.T) {
	t.Parallel()
	const outside = `outside data_schema: a reference may only point inside the schema`
	tests := []struct {
		file string // in testdata/invalid
		want string // a substring of the error message
	}{
		{"not_json.json", "data_schema is not valid JSON: unexpected end of input"},
		{"two_values.json", "data_schema is not valid JSON: more than one JSON value"},
		{"root_array.json", "data_schema must be a JSON object, not an array"},
		{"root_boolean.json", "data_schema must be a JSON object, not a boolean"},
		{"type_misspelled.json", `data_schema is not a valid JSON Schema: at /properties/total/type: value must be one of "array", "boolean", "integer"`},
		{"minimum_string.json", "at /properties/total/minimum: got string, want number"},
		{"required_string.json", "at /required: got string, want array"},
		{"bad_pattern.json", "at /properties/code/pattern: '([A-Z]' is not valid regex"},
		{"items_number.json", "at /properties/lines/items: got number, want boolean, object or array"},
		{"many_problems.json", "at /properties/a/type: value must be one of"},
		{"many_problems.json", "at /properties/b/minLength: minimum: got -1, want 0; at /properties/c/maximum: got string, want number; and 2 more"},
		{"root_type_array.json", `data_schema must describe a JSON object at its root ("type": "object"), not "type": "array"`},
		{"root_type_nullable.json", `not "type": ["object","null"]`},
		{"root_no_properties.json", `data_schema must describe a JSON object at its root: give it "type": "object" and "properties"`},
		{"ref_http.json", `at /properties/customer/$ref refers to "https://example.com/customer.json", ` + outside},
		{"ref_file.json", `at /properties/secret/$ref refers to "file:///etc/passwd", ` + outside},
		{"ref_relative.json", `at /properties/customer/$ref refers to "customer.json#/$defs/party", ` + outside},
		{"ref_metaschema.json", `at /properties/schema/$ref refers to "https://json-schema.org/draft/2020-12/schema#", ` + outside},
		{"dynamic_ref_http.json", `at /properties/a/$dynamicRef refers to "http://127.0.0.1:8080/x.json#meta", ` + outside},
		{"ref_missing.json", `at /properties/vendor/$ref refers to "#/$defs/party", which is not in the schema`},
		{"anchor_missing.json", `at /properties/vendor/$ref refers to "#party", which is not in the schema`},
		{"duplicate_anchor.json", `the schemas at /properties/a and at /properties/b have the same anchor "money"`},
		{"schema_custom.json", `data_schema declares "$schema": "https://example.com/my-metaschema", which is not supported`},
		{"schema_draft04.json", `data_schema declares "$schema": "http://json-schema.org/draft-04/schema#", which is not supported`},
		{"number_tiny.json", "data_schema has a number out of range at /properties/ratio/multipleOf"},
		{"number_huge.json", "data_schema has a number out of range at /properties/count/maxLength"},
	}
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.file] = true
		t.Run(strings.TrimSuffix(tt.file, ".json"), func(t *testing.T) {
			t.Parallel()
			_, err := Validate(readFile(t, filepath.Join("testdata/invalid", tt.file)))
			checkInvalid(t, err, tt.want)
		})
	}
	files, _ := filepath.Glob("testdata/invalid/*.json")
	for _, f := range files {
		if !covered[filepath.Base(f)] {
			t.Errorf("%s has no expected message in TestValidateInvalid", f)
		}
	}
}

func TestValidateEmpty(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"", "  \n"} {
		_, err := Validate(json.RawMessage(raw))
		checkInvalid(t, err, "data_schema is required")
	}
	_, err := Validate(json.RawMessage("null"))
	checkInvalid(t, err, "data_schema must be a JSON object, not null")
}

func TestValidateLimits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		schema map[string]any
		want   string // "" for a schema at the limit, which must pass
	}{
		{"Depth7", nested(7), ""},
		{"ErrDepth8", nested(8), "data_schema nests properties more than 7 levels deep (at /properties/level1/properties/level2/properties/level3/properties/level4/properties/level5/properties/level6/properties/level7/properties/level8)"},
		{"ErrDepth8ThroughItems", nestedItems(8), "more than 7 levels deep (at /properties/level1/items/properties/level2/"},
		{"Properties5000", flat(5000), ""},
		{"ErrProperties5001", flat(5001), "data_schema has 5001 properties; at most 5000 are allowed"},
		{"ErrProperties5001InDefs", withDefs(5001), "data_schema has 5001 properties"},
		{"Chars120000", described(MaxStringChars - 1), ""}, // 1 for the name "a"
		{"ErrChars120001", described(MaxStringChars), "data_schema has 120001 characters of strings"},
		{"ErrChars120001InEnum", enumerated(MaxStringChars + 1), "data_schema has 120001 characters of strings"},
		// 12 definitions, each with 5 properties referring to the next:
		// 2 KB of text, 5^12 fields once expanded.
		{"ErrExpandedFanOut", fanOut(12, 5), "data_schema has more than 20000 subschemas once its $ref are followed"},
		{"ExpandedFanOutSmall", fanOut(4, 5), ""}, // 5^4 = 625 fields
		{"ExpandedRecursive", recursive(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			raw, err := json.Marshal(tt.schema)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Validate(raw)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate(%s) = %v, want no error", tt.name, err)
				}
				return
			}
			checkInvalid(t, err, tt.want)
		})
	}
}

// TestValidateCharsNotBytes: the string limit counts characters, so a
// schema in a script of multi-byte characters gets the same room.
func TestValidateCharsNotBytes(t *testing.T) {
	t.Parallel()
	s := map[string]any{"type": "object", "properties": map[string]any{
		"a": map[string]any{"type": "string", "description": strings.Repeat("é", MaxStringChars-1)},
	}}
	raw, _ := json.Marshal(s)
	if _, err := Validate(raw); err != nil {
		t.Errorf("Validate(%d characters of é) = %v, want no error", MaxStringChars, err)
	}
}

// TestValidateFetchesNothing points references at a real file and a real
// server holding valid schemas: neither may be read.
func TestValidateFetchesNothing(t *testing.T) {
	t.Parallel()
	const target = `{"type": "string"}`
	file := filepath.Join(t.TempDir(), "part.json")
	if err := os.WriteFile(file, []byte(target), 0o600); err != nil {
		t.Fatal(err)
	}
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/schema+json")
		fmt.Fprint(w, target)
	}))
	t.Cleanup(srv.Close)

	fileURL := "file://" + filepath.ToSlash(file)
	tests := []struct {
		name   string
		schema string
		want   string
	}{
		{"ErrRefFile", `{"type":"object","properties":{"a":{"$ref":"` + fileURL + `"}}}`, `refers to "` + fileURL + `", outside data_schema`},
		{"ErrRefHTTP", `{"type":"object","properties":{"a":{"$ref":"` + srv.URL + `/part.json"}}}`, `refers to "` + srv.URL + `/part.json", outside data_schema`},
		{"ErrRefHTTPInDefs", `{"type":"object","properties":{"a":{"$ref":"#/$defs/b"}},"$defs":{"b":{"$ref":"` + srv.URL + `/b.json"}}}`, `at /$defs/b/$ref refers to`},
		{"ErrSchemaHTTP", `{"$schema":"` + srv.URL + `/meta.json","type":"object","properties":{}}`, `which is not supported`},
		{"ErrIDHTTP", `{"$id":"` + srv.URL + `/root.json","type":"object","properties":{"a":{"$ref":"other.json"}}}`, `refers to "` + srv.URL + `/other.json", outside data_schema`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Validate(json.RawMessage(tt.schema))
			checkInvalid(t, err, tt.want)
			err = ValidateInstance(json.RawMessage(tt.schema), map[string]any{"a": "x"})
			if extract.ErrorCode(err) != extract.CodeInvalid {
				t.Errorf("ValidateInstance(%s) = %v, want a CodeInvalid error", tt.name, err)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the server was asked %d times for a schema, want 0", n)
	}
}

func TestValidateInstance(t *testing.T) {
	t.Parallel()
	invoice := readFile(t, "testdata/valid/invoice.json")
	type line struct {
		Description string  `json:"description"`
		Total       float64 `json:"total"`
	}
	tests := []struct {
		name     string
		schema   json.RawMessage
		instance any
		want     string // "" when the instance matches
	}{
		{"OKRaw", invoice, json.RawMessage(`{"invoice_number": "F-1", "total": 12.5, "currency": "EUR"}`), ""},
		{"OKBytes", invoice, []byte(`{"invoice_number": "F-1", "total": 12.5}`), ""},
		{"OKGoValue", invoice, map[string]any{"invoice_number": "F-1", "total": 12.5, "lines": []line{{"Paper", 12.5}}}, ""},
		{"OKNull", invoice, json.RawMessage(`{"invoice_number": "F-1", "total": 1, "notes": null}`), ""},
		{"OKBigExactNumber", invoice, json.RawMessage(`{"invoice_number": "F-1", "total": 12345678901234567.89}`), ""},
		{"ErrType", invoice, json.RawMessage(`{"invoice_number": "F-1", "total": "12.50"}`), "value does not match data_schema: at /total: got string, want number"},
		{"ErrRequired", invoice, json.RawMessage(`{"total": 3}`), `value does not match data_schema: at the root: missing property "invoice_number"`},
		{"ErrEnum", invoice, json.RawMessage(`{"invoice_number": "F-1", "total": 1, "currency": "eur"}`), `at /currency: value must be one of "EUR", "USD", "GBP"`},
		{"ErrNested", invoice, json.RawMessage(`{"invoice_number": "F-1", "total": 1, "lines": [{"description": "x", "total": 1}, {"total": 2}]}`), `at /lines/1: missing property "description"`},
		{"ErrRef", invoice, json.RawMessage(`{"invoice_number": "F-1", "total": 1, "vendor": {"vat_id": "fr123"}}`), `at /vendor/vat_id: 'fr123' does not match pattern`},
		{"ErrMultipleOf", invoice, json.RawMessage(`{"invoice_number": "F-1", "total": 1.001}`), `at /total:`},
		{"ErrNullable", invoice, json.RawMessage(`{"invoice_number": "F-1", "total": 1, "notes": 5}`), `at /notes: got number, want null or string`},
		{"OKFormatAnnotation2020", json.RawMessage(`{"properties": {"d": {"type": "string", "format": "date"}}}`), map[string]any{"d": "yesterday"}, ""},
		{"ErrFormatAssertedDraft07", json.RawMessage(`{"$schema": "http://json-schema.org/draft-07/schema#", "properties": {"d": {"type": "string", "format": "date"}}}`), map[string]any{"d": "yesterday"}, "at /d: 'yesterday' is not valid date"},
		{"ErrHugeNumber", invoice, json.RawMessage(`{"invoice_number": "F-1", "total": 1e-10000000}`), "value has a number out of range at /total"},
		{"ErrNotJSON", invoice, json.RawMessage(`{"invoice_number": `), "value is not valid JSON"},
		{"ErrNotEncodable", invoice, map[string]any{"total": func() {}}, "value cannot be encoded as JSON"},
		{"ErrSchemaNotJSON", json.RawMessage(`{`), map[string]any{}, "data_schema is not valid JSON"},
		{"ErrSchemaRemoteRef", json.RawMessage(`{"$ref": "https://example.com/s.json"}`), map[string]any{}, `refers to "https://example.com/s.json", outside data_schema`},
		{"ErrSchemaHugeNumber", json.RawMessage(`{"multipleOf": 1e-10000000}`), 1, "data_schema has a number out of range at /multipleOf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ValidateInstance(tt.schema, tt.instance)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("ValidateInstance(%s) = %v, want no error", tt.name, err)
				}
				return
			}
			checkInvalid(t, err, tt.want)
		})
	}
}

// TestValidateInstanceLongValue: a message quotes values, but never a whole
// page of them.
func TestValidateInstanceLongValue(t *testing.T) {
	t.Parallel()
	schema := json.RawMessage(`{"properties": {"code": {"type": "string", "pattern": "^[A-Z]+$"}}}`)
	err := ValidateInstance(schema, map[string]any{"code": strings.Repeat("x", 10000)})
	checkInvalid(t, err, "at /code: 'xxxx")
	if n := len(err.Error()); n > 500 {
		t.Errorf("error is %d bytes long, want it shortened", n)
	}
}

// FuzzValidate feeds Validate mutations of the testdata schemas: it must never
// panic (nor fall back on recovering from the library's panics), every error
// must be CodeInvalid, and what it accepts must be a fixed point.
func FuzzValidate(f *testing.F) {
	files, _ := filepath.Glob("testdata/*/*.json")
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := Validate(raw)
		if err != nil {
			if code := extract.ErrorCode(err); code != extract.CodeInvalid {
				t.Fatalf("Validate(%q) = %v with code %q, want %q", raw, err, code, extract.CodeInvalid)
			}
			if strings.Contains(err.Error(), panicMessage) {
				t.Fatalf("Validate(%q) recovered from a panic of the library: %v", raw, err)
			}
			return
		}
		again, err := Validate(got)
		if err != nil || !bytes.Equal(again, got) {
			t.Fatalf("Validate(%q) = %s, but Validate of that = %s, %v", raw, got, again, err)
		}
		// A schema accepted must not break instance validation either.
		if err := ValidateInstance(got, map[string]any{}); err != nil && extract.ErrorCode(err) != extract.CodeInvalid {
			t.Fatalf("ValidateInstance(%s, {}) = %v, want nil or CodeInvalid", got, err)
		} else if err != nil && strings.Contains(err.Error(), panicMessage) {
			t.Fatalf("ValidateInstance(%s, {}) recovered from a panic of the library: %v", got, err)
		}
	})
}

func checkInvalid(tb testing.TB, err error, want string) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("got no error, want one containing %q", want)
	}
	if code := extract.ErrorCode(err); code != extract.CodeInvalid {
		tb.Errorf("error %q has code %q, want %q", err, code, extract.CodeInvalid)
	}
	if !strings.Contains(err.Error(), want) {
		tb.Errorf("error = %q\nwant it to contain %q", err, want)
	}
}

func readFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// nested returns an object schema whose properties nest depth levels deep.
func nested(depth int) map[string]any {
	inner := map[string]any{"type": "string"}
	for i := depth; i >= 1; i-- {
		inner = map[string]any{"type": "object", "properties": map[string]any{fmt.Sprintf("level%d", i): inner}}
	}
	return inner
}

// nestedItems is nested with every level but the root reached through an
// array's items, which adds no level.
func nestedItems(depth int) map[string]any {
	inner := map[string]any{"type": "string"}
	for i := depth; i >= 1; i-- {
		obj := map[string]any{"type": "object", "properties": map[string]any{fmt.Sprintf("level%d", i): inner}}
		inner = map[string]any{"type": "array", "items": obj}
		if i == 1 {
			inner = obj
		}
	}
	return inner
}

// flat returns an object schema with n string properties.
func flat(n int) map[string]any {
	props := map[string]any{}
	for i := range n {
		props[fmt.Sprintf("p%d", i)] = map[string]any{"type": "string"}
	}
	return map[string]any{"type": "object", "properties": props}
}

// withDefs spreads n properties between the root and a definition.
func withDefs(n int) map[string]any {
	s := flat(n / 2)
	s["$defs"] = map[string]any{"rest": flat(n - n/2)}
	return s
}

// described returns a schema whose strings total 1+n characters: the property
// name "a" and a description of n.
func described(n int) map[string]any {
	return map[string]any{"type": "object", "properties": map[string]any{
		"a": map[string]any{"type": "string", "description": strings.Repeat("x", n)},
	}}
}

// enumerated returns a schema whose strings total n characters, most of them
// in enum values, with keywords and type names (which do not count) around.
func enumerated(n int) map[string]any {
	var values []any
	total := len("a")
	for total+100 <= n {
		values = append(values, fmt.Sprintf("%0100d", len(values)))
		total += 100
	}
	if rest := n - total; rest > 0 {
		values = append(values, strings.Repeat("y", rest))
	}
	return map[string]any{"type": "object", "properties": map[string]any{
		"a": map[string]any{"type": "string", "enum": values},
	}}
}

// fanOut returns a schema of n definitions, each an object of k properties
// that all refer to the next definition, the root holding k of the first.
func fanOut(n, k int) map[string]any {
	defs := map[string]any{}
	ref := func(i int) map[string]any {
		if i == n {
			return map[string]any{"type": "string"}
		}
		return map[string]any{"$ref": fmt.Sprintf("#/$defs/d%d", i)}
	}
	props := func(i int) map[string]any {
		m := map[string]any{}
		for j := range k {
			m[fmt.Sprintf("p%d", j)] = ref(i)
		}
		return m
	}
	for i := range n {
		defs[fmt.Sprintf("d%d", i)] = map[string]any{"type": "object", "properties": props(i + 1)}
	}
	return map[string]any{"type": "object", "$defs": defs, "properties": props(0)}
}

// recursive returns a tree: each node's children are nodes.
func recursive() map[string]any {
	return map[string]any{"type": "object", "properties": map[string]any{
		"name":     map[string]any{"type": "string"},
		"children": map[string]any{"type": "array", "items": map[string]any{"$ref": "#"}},
		"left":     map[string]any{"$ref": "#"},
		"right":    map[string]any{"$ref": "#"},
	}}
}

// TestValidateFanOutIsQuick: refusing an exponential schema costs about
// MaxExpandedNodes steps, not the expansion.
func TestValidateFanOutIsQuick(t *testing.T) {
	t.Parallel()
	raw := must(json.Marshal(fanOut(40, 6)))
	start := time.Now()
	_, err := Validate(raw)
	checkInvalid(t, err, "once its $ref are followed")
	if d := time.Since(start); d > time.Second {
		t.Errorf("Validate(fan-out schema) took %s, want well under a second", d)
	}
}

func BenchmarkValidate(b *testing.B) {
	for _, bm := range []struct {
		name string
		raw  []byte
	}{
		{"Invoice", readFile(b, "testdata/valid/invoice.json")},
		{"Properties5000", must(json.Marshal(flat(MaxProperties)))},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.SetBytes(int64(len(bm.raw)))
			for b.Loop() {
				if _, err := Validate(bm.raw); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
