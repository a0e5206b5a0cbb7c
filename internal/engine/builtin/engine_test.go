package builtin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/text"
	"github.com/quarrylabs/quarry/internal/engine/builtin"
	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/golden"
	dataschema "github.com/quarrylabs/quarry/internal/schema"
)

func TestExtract(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string // golden file: testdata/<name>.golden
		doc    string
		schema string
		target string
		// requiredMissing says a required property is null: the results are
		// checked against the schema without its top-level "required".
		requiredMissing bool
	}{
		{name: "invoice", doc: "invoice.txt", schema: "invoice.schema.json"},
		{name: "invoice_rows", doc: "invoice.txt", schema: "line_items.schema.json", target: extract.TargetPerTableRow},
		{name: "line_items", doc: "line_items.csv", schema: "line_items.schema.json", target: extract.TargetPerTableRow},
		{name: "record", doc: "record.json", schema: "record.schema.json"},
		{name: "pages", doc: "pages.txt", schema: "pages.schema.json", target: extract.TargetPerPage},
		{name: "pages_doc", doc: "pages.txt", schema: "pages.schema.json", target: extract.TargetPerDoc},
		{name: "kv", doc: "kv.csv", schema: "kv.schema.json"},
		{name: "order", doc: "order.md", schema: "order.schema.json"},
		// The schema requires a customer, which no table row holds: the one
		// case where a result cannot validate (see TestRequiredMissing).
		{name: "order_rows", doc: "order.md", schema: "order.schema.json", target: extract.TargetPerTableRow, requiredMissing: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := parseFile(t, tt.doc)
			schema := readFile(t, tt.schema)
			cfg := extract.Configuration{DataSchema: schema, ExtractionTarget: tt.target}
			out, err := builtin.New().Extract(context.Background(), doc, cfg)
			if err != nil {
				t.Fatalf("Extract() error: %v", err)
			}
			checkOutcome(t, doc, schema, cmpOr(tt.target, extract.TargetPerDoc), out, tt.requiredMissing)
			golden.Check(t, filepath.Join("testdata", tt.name+".golden"), renderOutcome(t, out))
		})
	}
}

// TestNothingInvented gives a schema whose fields the document does not
// have, some with labels that almost match: every value must be null.
func TestNothingInvented(t *testing.T) {
	t.Parallel()
	doc := parseText(t, "Subtotal: 100.00\nTotal Tax: 20.00\nDue: soon\nNotes:\nShipping: none\nSeller info below\nInvoice Date: not yet\nRef: 42 items\n", text.FormatText)
	schema := json.RawMessage(`{"properties": {
		"total": {"type": ["number", "null"]},
		"due_date": {"type": ["string", "null"], "format": "date"},
		"invoice_date": {"type": ["string", "null"], "format": "date"},
		"ref": {"type": ["integer", "null"]},
		"notes": {"type": ["string", "null"]},
		"shipping": {"type": ["string", "null"]},
		"items": {"type": ["array", "null"]},
		"seller": {"type": ["object", "null"], "properties": {"name": {"type": "string"}}}
	}}`)
	out, err := builtin.New().Extract(context.Background(), doc, extract.Configuration{DataSchema: schema})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"total":null,"due_date":null,"invoice_date":null,"ref":null,"notes":null,"shipping":null,"items":null,"seller":null}`
	if string(out.Result) != want {
		t.Errorf("Result = %s, want %s", out.Result, want)
	}
	var meta map[string]struct {
		Citation   []json.RawMessage `json:"citation"`
		Confidence float64           `json:"confidence"`
	}
	if err := json.Unmarshal(out.FieldMetadata.Document, &meta); err != nil {
		t.Fatal(err)
	}
	for k, m := range meta {
		if m.Citation == nil || len(m.Citation) != 0 || m.Confidence != 0 {
			t.Errorf("metadata of %s = %+v, want an empty citation list and confidence 0", k, m)
		}
	}
}

// TestLabels pins how a document's label is matched to a property, and the
// raw score that comes of it (before calibration, which TestCalibrationMap
// covers).
func TestLabels(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		schema   string // one property, "x"
		line     string
		want     string
		wantConf float64
	}{
		{"SnakeName", `"invoice_number": {"type": "string"}`, "Invoice Number: A-1", `"A-1"`, 0.95},
		{"CamelName", `"invoiceNumber": {"type": "string"}`, "INVOICE NUMBER = A-1", `"A-1"`, 0.95},
		{"PascalLabel", `"invoice_number": {"type": "string"}`, "InvoiceNumber - A-1", `"A-1"`, 0.95},
		{"Quoted", `"invoice_number": {"type": "string"}`, `  "invoice_number": "A-1",`, `"A-1"`, 0.95},
		{"Title", `"n": {"type": "string", "title": "Reference"}`, "Reference: A-1", `"A-1"`, 0.9},
		{"Synonym", `"total": {"type": "number"}`, "Balance due: 12.50", `12.5`, 0.8},
		{"NumberWord", `"invoice_number": {"type": "string"}`, "Invoice #: A-1", `"A-1"`, 0.8},
		{"Email", `"email": {"type": "string"}`, "E-mail: a@b.example", `"a@b.example"`, 0.8},
		{"EmailVariant", `"customer_email": {"type": "string", "format": "email"}`, "Customer E-mail: <a@b.example>", `"a@b.example"`, 0.72},
		{"MarkdownBold", `"total": {"type": "number"}`, "- **Total:** 12.50", `12.5`, 0.95},
		{"MarkdownBoldValue", `"total": {"type": "number"}`, "Total: **12.50**", `12.5`, 0.95},
		{"FuzzyQualifier", `"reference": {"type": "string"}`, "Reference (internal): A-12", `"A-12"`, 0.6},
		// An amount ending a line is read under its label less a currency
		// or rate in brackets, with no separator needed (amounts.go).
		{"AmountCurrencyQualifier", `"total": {"type": "number"}`, "Total (EUR): 12.50", `12.5`, 0.95},
		{"AmountEndsLine", `"total": {"type": "number"}`, "Total 12.50", `12.5`, 0.95},
		{"AmountOtherQualifier", `"total": {"type": "number"}`, "Total tax 2.50", `null`, 0},
		{"AmountLastTotal", `"total": {"type": "number"}`, "Total 12.50\nRounding -0.02\nTotal rounded 12.48", `12.48`, 0.57},
		{"FuzzyTypo", `"invoice_number": {"type": "string"}`, "Invoce Number: A-1", `"A-1"`, 0.6},
		{"ScanRnForM", `"date_submitted": {"type": "string", "format": "date"}`, "Date Subrnitted: 2024-05-01", `"2024-05-01"`, 0.6},
		{"FuzzyPlural", `"note": {"type": "string"}`, "Notes: call first", `"call first"`, 0.6},
		{"Tab", `"total": {"type": "number"}`, "Total\t12.50", `12.5`, 0.95},
		{"ColumnGap", `"total": {"type": "number"}`, "Total      12.50", `12.5`, 0.95},
		{"OneSpaceIsNoSeparator", `"customer": {"type": "string"}`, "Customer Jane Roe", `null`, 0},
		{"NextLine", `"customer": {"type": "string"}`, "Customer\n\nJane Roe", `"Jane Roe"`, 0.808},
		{"NextLineTooFar", `"customer": {"type": "string"}`, "Customer\n\n\n\nJane Roe", `null`, 0},
		{"NextLineIsALabel", `"customer": {"type": "string"}`, "Customer:\nCustomer: Jane", `"Jane"`, 0.95},
		{"Coerced", `"total": {"type": "number"}`, "Total: $12.50", `12.5`, 0.855},
		{"WrongTypeSkipped", `"total": {"type": "number"}`, "Total: twelve\nTotal: 12", `12`, 0.95},
		{"Conflict", `"total": {"type": "number"}`, "Total: 12\nTotal: 13", `13`, 0.57},
		{"TwoConflicts", `"total": {"type": "number"}`, "Total: 12\nTotal: 13\nAmount due: 14", `13`, 0.378},
		{"Agreement", `"total": {"type": "number"}`, "Total: 12\nTotal: 12.00", `12`, 0.95},
		{"BetterLabelWins", `"total": {"type": "number"}`, "Grand total: 11\nTotal: 12", `12`, 0.608},
		{"NullWord", `"total": {"type": ["number", "null"]}`, "Total: N/A", `null`, 0},
		{"FreeFormObject", `"total": {"type": "object"}`, "Total: 12", `null`, 0},
		{"NestedOutsideSection", `"vendor": {"type": "object", "properties": {"phone": {"type": "string"}}}`, "Phone: 555-0100 22", `{"phone":"555-0100 22"}`, 0},
		{"NestedPathLabel", `"vendor": {"type": "object", "properties": {"phone": {"type": "string"}}}`, "Vendor phone: 555-0100 22", `{"phone":"555-0100 22"}`, 0},
		{"List", `"skills": {"type": "array", "items": {"type": "string"}}`, "Skills: Go, SQL; gRPC", `["Go","SQL","gRPC"]`, 0},
		{"ListOfNumbers", `"sizes": {"type": "array", "items": {"type": "number"}}`, "Sizes: 1,5, 2,25, 3", `[1.5,2.25,3]`, 0},
		{"ListBlock", `"skills": {"type": "array", "items": {"type": "string"}}`, "Skills\n- Go\n* SQL\n1. gRPC\n\nOther", `["Go","SQL","gRPC"]`, 0},
		{"PhoneHint", `"phone": {"type": "string"}`, "Phone: call us\nTel: +44 20 7946 0958", `"+44 20 7946 0958"`, 0.8},
		{"URIFormat", `"site": {"type": "string", "format": "uri", "title": "Website"}`, "Website: www.acme.example", `"https://www.acme.example"`, 0.81},
		{"DescriptionQuote", `"amt": {"type": "number", "description": "the figure labelled \"Net payable\""}`, "Net payable: 40", `40`, 0.75},
		{"RateQualifier", `"tax": {"type": "number"}`, "VAT 20%: 8.00", `8`, 0.92},
		{"LabelsAboveValues", `"due_date": {"type": "string", "format": "date"}`, "Invoice      Due Date\n7            2024-05-01", `"2024-05-01"`, 0.808},
		{"DayFirstDocument", `"date": {"type": "string", "format": "date"}`, "Date: 03/05/2024\nPaid: 17/05/2024", `"2024-05-03"`, 0.855},
		{"TwoPairsOnALine", `"date": {"type": "string"}`, "Invoice: 7      Date: today", `"today"`, 0.95},
		{"PartOfAWord", `"total": {"type": "number"}`, "Total:12.50", `12.5`, 0.95},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := parseText(t, tt.line, text.FormatText)
			out, err := builtin.NewUncalibrated().Extract(context.Background(), doc,
				extract.Configuration{DataSchema: json.RawMessage(`{"properties": {` + tt.schema + `}}`)})
			if err != nil {
				t.Fatal(err)
			}
			var res, meta map[string]json.RawMessage
			if err := json.Unmarshal(out.Result, &res); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(out.FieldMetadata.Document, &meta); err != nil {
				t.Fatal(err)
			}
			var props struct {
				Properties map[string]json.RawMessage `json:"properties"`
			}
			if err := json.Unmarshal([]byte(`{"properties": {`+tt.schema+`}}`), &props); err != nil {
				t.Fatal(err)
			}
			for k := range props.Properties {
				// A property not found that may not be null is left out.
				v := cmpOr(string(res[k]), "null")
				// Objects and arrays have their confidences inside; the
				// cases pin those of scalars.
				var m struct {
					Confidence float64 `json:"confidence"`
				}
				_ = json.Unmarshal(meta[k], &m)
				if v != tt.want || m.Confidence != tt.wantConf {
					t.Errorf("%q: %s = %s (confidence %v), want %s (confidence %v)", tt.line, k, v, m.Confidence, tt.want, tt.wantConf)
				}
			}
		})
	}
}

// TestCitation checks that a box covers the value's characters and nothing
// else, also when the value shares a word with its label.
func TestCitation(t *testing.T) {
	t.Parallel()
	doc := parseText(t, "Header\n  Total:$1,234.56   Paid: yes\n", text.FormatText)
	out, err := builtin.NewUncalibrated().Extract(context.Background(), doc, extract.Configuration{
		DataSchema: json.RawMessage(`{"properties": {"total": {"type": "number"}, "paid": {"type": "boolean"}}}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"total":{"citation":[{"page":1,"matching_text":"$1,234.56","bounding_boxes":[{"x":8,"y":1,"w":9,"h":1}]}],"confidence":0.855},` +
		`"paid":{"citation":[{"page":1,"matching_text":"yes","bounding_boxes":[{"x":26,"y":1,"w":3,"h":1}]}],"confidence":0.855}}`
	if diff := cmp.Diff(want, string(out.FieldMetadata.Document)); diff != "" {
		t.Errorf("metadata mismatch (-want +got):\n%s", diff)
	}
}

func TestSchema(t *testing.T) {
	t.Parallel()
	doc := parseText(t, "Kind: Gold\nCount: 3\nLevel: 7\nCode: ab-12\nName: x\nFlag: Y\nScore: 4.5\n", text.FormatText)
	tests := []struct {
		name   string
		schema string
		want   string
	}{
		{"RefDefs", `{"properties": {"kind": {"$ref": "#/$defs/K"}}, "$defs": {"K": {"enum": ["gold", "silver"]}}}`, `{"kind":"gold"}`},
		{"RefDefinitions", `{"properties": {"kind": {"$ref": "#/definitions/K"}}, "definitions": {"K": {"type": "string"}}}`, `{"kind":"Gold"}`},
		{"RefChain", `{"properties": {"count": {"$ref": "#/$defs/A"}}, "$defs": {"A": {"$ref": "#/$defs/B"}, "B": {"type": "integer"}}}`, `{"count":3}`},
		{"RefCycle", `{"properties": {"count": {"$ref": "#/$defs/A"}}, "$defs": {"A": {"$ref": "#/$defs/A"}}}`, `{"count":"3"}`},
		{"RefRoot", `{"$ref": "#/$defs/Root", "$defs": {"Root": {"properties": {"count": {"type": "number"}}}}}`, `{"count":3}`},
		{"AllOf", `{"properties": {"kind": {"allOf": [{"$ref": "#/$defs/K"}], "description": "d"}}, "$defs": {"K": {"type": "string", "enum": ["Silver"]}}}`, `{}`},
		{"AnyOfNullable", `{"properties": {"count": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": null}}}`, `{"count":3}`},
		{"Const", `{"properties": {"kind": {"const": "GOLD"}}}`, `{"kind":"GOLD"}`},
		{"EnumNumbers", `{"properties": {"level": {"enum": [5, 7]}}}`, `{"level":7}`},
		{"EnumOfOtherKind", `{"properties": {"level": {"type": "string", "enum": [7]}}}`, `{}`},
		{"Maximum", `{"properties": {"level": {"type": "integer", "maximum": 6}}}`, `{}`},
		{"ExclusiveMinimum", `{"properties": {"level": {"type": "integer", "exclusiveMinimum": 7}}}`, `{}`},
		{"MultipleOf", `{"properties": {"score": {"type": "number", "multipleOf": 0.5}}}`, `{"score":4.5}`},
		{"NotMultipleOf", `{"properties": {"score": {"type": "number", "multipleOf": 2}}}`, `{}`},
		{"Pattern", `{"properties": {"code": {"type": "string", "pattern": "^[A-Z]"}}}`, `{}`},
		{"MaxLength", `{"properties": {"code": {"type": "string", "maxLength": 4}}}`, `{}`},
		{"UnionPrefersNumber", `{"properties": {"count": {"type": ["string", "integer"]}}}`, `{"count":3}`},
		{"UnionFallsBack", `{"properties": {"code": {"type": ["integer", "string"]}}}`, `{"code":"ab-12"}`},
		{"NoType", `{"properties": {"name": {"description": "anything"}}}`, `{"name":"x"}`},
		{"BooleanSchema", `{"properties": {"name": true}}`, `{"name":null}`},
		{"Boolean", `{"properties": {"flag": {"type": "boolean"}}}`, `{"flag":true}`},
		{"IntegerRejectsFraction", `{"properties": {"score": {"type": "integer"}}}`, `{}`},
		{"NoProperties", `{"type": "object"}`, `{}`},
		{"NullableNotFound", `{"properties": {"level": {"type": ["integer", "null"], "maximum": 6}}}`, `{"level":null}`},
		{"RequiredNotFound", `{"properties": {"level": {"type": "integer", "maximum": 6}}, "required": ["level"]}`, `{"level":0}`},
		{"ObjectNotFound", `{"properties": {"o": {"properties": {"a": {"type": "string"}, "b": {"type": ["string", "null"]}}}}}`, `{"o":{"b":null}}`},
		{"NullableObjectNotFound", `{"properties": {"o": {"anyOf": [{"properties": {"a": {"type": "string"}}}, {"type": "null"}]}}}`, `{"o":null}`},
		{"ArrayNotFound", `{"properties": {"tags": {"type": "array", "items": {"type": "string"}}}}`, `{"tags":[]}`},
		{"ArrayMinItems", `{"properties": {"tags": {"type": "array", "items": {"type": "string"}, "minItems": 1}}}`, `{}`},
		{"Nested", `{"properties": {"item": {"properties": {"kind": {"type": "string"}, "count": {"type": "integer"}}}}}`, `{"item":{"kind":"Gold","count":3}}`},
		{"NestedRef", `{"properties": {"item": {"$ref": "#/$defs/I"}}, "$defs": {"I": {"properties": {"level": {"type": "integer"}}}}}`, `{"item":{"level":7}}`},
		{"RecursiveRef", `{"properties": {"node": {"$ref": "#/$defs/N"}}, "$defs": {"N": {"properties": {"code": {"type": "string"}, "child": {"$ref": "#/$defs/N"}}}}}`, `{}`},
		{"Order", `{"properties": {"name": {}, "code": {}, "kind": {}}}`, `{"name":"x","code":"ab-12","kind":"Gold"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := builtin.New().Extract(context.Background(), doc, extract.Configuration{DataSchema: json.RawMessage(tt.schema)})
			if err != nil {
				t.Fatal(err)
			}
			if string(out.Result) != tt.want {
				t.Errorf("Result = %s, want %s", out.Result, tt.want)
			}
		})
	}
}

func TestExtractErrors(t *testing.T) {
	t.Parallel()
	doc := parseText(t, "Total: 1", text.FormatText)
	tests := []struct {
		name string
		cfg  extract.Configuration
		want string
	}{
		{"ErrSchemaNotObject", extract.Configuration{DataSchema: json.RawMessage(`[1]`)}, "data_schema must be a JSON object"},
		{"ErrSchemaNotJSON", extract.Configuration{DataSchema: json.RawMessage(`{`)}, "data_schema must be a JSON object"},
		{"ErrTarget", extract.Configuration{DataSchema: json.RawMessage(`{}`), ExtractionTarget: "per_word"}, `extraction_target "per_word" is not one of`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := builtin.New().Extract(context.Background(), doc, tt.cfg)
			if extract.ErrorCode(err) != extract.CodeInvalid || !strings.Contains(extract.ErrorMessage(err), tt.want) {
				t.Errorf("Extract() error = %v, want CodeInvalid containing %q", err, tt.want)
			}
		})
	}
}

func TestExtractCancelled(t *testing.T) {
	t.Parallel()
	doc := parseFile(t, "pages.txt")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, target := range []string{extract.TargetPerDoc, extract.TargetPerPage, extract.TargetPerTableRow} {
		_, err := builtin.New().Extract(ctx, doc, extract.Configuration{DataSchema: json.RawMessage(`{}`), ExtractionTarget: target})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: Extract() error = %v, want context.Canceled", target, err)
		}
	}
}

// TestEmptyDocument: no pages is no values, not an error.
func TestEmptyDocument(t *testing.T) {
	t.Parallel()
	schema := json.RawMessage(`{"properties": {"a": {"type": ["string", "null"]}}}`)
	for target, want := range map[string]string{
		extract.TargetPerDoc:      `{"a":null}`,
		extract.TargetPerPage:     `[]`,
		extract.TargetPerTableRow: `[]`,
	} {
		out, err := builtin.New().Extract(context.Background(), &document.Document{}, extract.Configuration{DataSchema: schema, ExtractionTarget: target})
		if err != nil {
			t.Fatal(err)
		}
		if string(out.Result) != want {
			t.Errorf("%s: Result = %s, want %s", target, out.Result, want)
		}
	}
}

// checkOutcome asserts what every outcome must satisfy: the engine's name,
// usage, results that validate against the schema, and metadata that
// mirrors each result (see checkMeta).
//
// requiredMissing allows top-level properties the schema requires to be
// null (see TestRequiredMissing): they are left out of the check, and so is
// the schema's "required".
func checkOutcome(tb testing.TB, doc *document.Document, schema json.RawMessage, target string, out extract.Outcome, requiredMissing bool) {
	tb.Helper()
	if out.Engine != "builtin" {
		tb.Errorf("Engine = %q, want builtin", out.Engine)
	}
	if out.Usage.NumOutputTokens <= 0 {
		tb.Errorf("Usage = %+v, want output tokens", out.Usage)
	}
	var objects, metas []json.RawMessage
	switch target {
	case extract.TargetPerDoc:
		objects, metas = []json.RawMessage{out.Result}, []json.RawMessage{out.FieldMetadata.Document}
	case extract.TargetPerPage:
		metas = out.FieldMetadata.Pages
	case extract.TargetPerTableRow:
		metas = out.FieldMetadata.Rows
	}
	if target != extract.TargetPerDoc {
		if err := json.Unmarshal(out.Result, &objects); err != nil {
			tb.Fatalf("Result %s is not an array: %v", out.Result, err)
		}
	}
	if len(objects) != len(metas) {
		tb.Fatalf("%d objects but %d metadata entries", len(objects), len(metas))
	}
	check := schema
	if requiredMissing {
		check = withoutRequired(tb, schema)
	}
	for i, obj := range objects {
		inst := obj
		if requiredMissing {
			var fields map[string]json.RawMessage
			if err := json.Unmarshal(obj, &fields); err != nil {
				tb.Fatal(err)
			}
			for k, v := range fields {
				if string(v) == "null" {
					delete(fields, k)
				}
			}
			inst, _ = json.Marshal(fields)
		}
		if err := dataschema.ValidateInstance(check, inst); err != nil {
			tb.Errorf("object %d %s does not validate: %v", i, obj, err)
		}
		var value, meta any
		if err := json.Unmarshal(obj, &value); err != nil {
			tb.Fatal(err)
		}
		if err := json.Unmarshal(metas[i], &meta); err != nil {
			tb.Fatal(err)
		}
		checkMeta(tb, doc, fmt.Sprintf("object %d", i), value, meta)
	}
}

// checkMeta asserts that metadata mirrors a value: an object by its keys, an
// array element by element, a value found by a confidence in (0, 1] and
// citations of text that stands on the cited page inside a box on it, and
// null by no citation and confidence 0.
func checkMeta(tb testing.TB, doc *document.Document, path string, value, meta any) {
	tb.Helper()
	switch v := value.(type) {
	case map[string]any:
		m, ok := meta.(map[string]any)
		if !ok || len(m) != len(v) {
			tb.Errorf("%s: metadata %v does not mirror %v", path, meta, value)
			return
		}
		for k := range v {
			checkMeta(tb, doc, path+"."+k, v[k], m[k])
		}
	case []any:
		m, ok := meta.([]any)
		if !ok || len(m) != len(v) {
			tb.Errorf("%s: metadata %v does not mirror %v", path, meta, value)
			return
		}
		for i := range v {
			checkMeta(tb, doc, fmt.Sprintf("%s[%d]", path, i), v[i], m[i])
		}
	default:
		raw, _ := json.Marshal(meta)
		var fm struct {
			Citation []struct {
				Page         int            `json:"page"`
				MatchingText string         `json:"matching_text"`
				Boxes        []document.Box `json:"bounding_boxes"`
			} `json:"citation"`
			Confidence *float64 `json:"confidence"`
			Reasoning  string   `json:"reasoning"`
		}
		if err := json.Unmarshal(raw, &fm); err != nil || fm.Confidence == nil || fm.Citation == nil {
			tb.Errorf("%s: metadata %s is not a citation list and a confidence", path, raw)
			return
		}
		// A placeholder of a required value not found is metadata'd as a
		// null is.
		if value == nil || strings.HasPrefix(fm.Reasoning, "not found") {
			if len(fm.Citation) != 0 || *fm.Confidence != 0 {
				tb.Errorf("%s: null has metadata %s, want no citation and confidence 0", path, raw)
			}
			return
		}
		if len(fm.Citation) == 0 || *fm.Confidence <= 0 || *fm.Confidence > 1 {
			tb.Errorf("%s: value %v has metadata %s, want citations and a confidence in (0, 1]", path, value, raw)
		}
		for _, c := range fm.Citation {
			p := pageOf(doc, c.Page)
			if p == nil {
				tb.Errorf("%s: cites page %d, not in the document", path, c.Page)
				continue
			}
			if !pageHasText(p, c.MatchingText) {
				tb.Errorf("%s: matching text %q is not on page %d", path, c.MatchingText, c.Page)
			}
			for _, b := range c.Boxes {
				if b.W <= 0 || b.H <= 0 || b.X < 0 || b.Y < 0 || b.X+b.W > p.Width+1e-6 || b.Y+b.H > p.Height+1e-6 {
					tb.Errorf("%s: box %+v is empty or outside page %d (%gx%g)", path, b, c.Page, p.Width, p.Height)
				}
			}
		}
	}
}

// withoutRequired drops the top-level "required" of a schema.
func withoutRequired(tb testing.TB, schema json.RawMessage) json.RawMessage {
	tb.Helper()
	var root map[string]json.RawMessage
	if err := json.Unmarshal(schema, &root); err != nil {
		tb.Fatal(err)
	}
	delete(root, "required")
	raw, err := json.Marshal(root)
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}

// TestRequiredMissing pins what the engine does when nothing valid can be
// said without inventing a value: a required property that may not be null
// and is not in the document is null.
// TestRequiredMissing: a required field that may not be null and is not in
// the document gets a placeholder of its type, marked as not found, so the
// result validates against the schema.
func TestRequiredMissing(t *testing.T) {
	t.Parallel()
	doc := parseText(t, "Total: 12\n", text.FormatText)
	for _, tc := range []struct {
		name   string
		vendor string // the schema of the required property "vendor"
		want   string
	}{
		{"String", `{"type": "string"}`, `""`},
		{"Boolean", `{"type": "boolean"}`, `false`},
		{"Number", `{"type": "number"}`, `0`},
		{"NumberAboveMinimum", `{"type": "number", "minimum": 2.5}`, `2.5`},
		{"IntegerAboveMinimum", `{"type": "integer", "minimum": 2.5}`, `3`},
		{"IntegerBelowMaximum", `{"type": "integer", "maximum": -4}`, `-4`},
		{"IntegerAboveExclusiveMinimum", `{"type": "integer", "exclusiveMinimum": 7}`, `8`},
		{"Enum", `{"type": "string", "enum": ["acme", "globex"]}`, `"acme"`},
		{"Const", `{"const": "fixed"}`, `"fixed"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			schema := json.RawMessage(`{"type": "object", "properties": {"total": {"type": "number"}, "vendor": ` + tc.vendor + `}, "required": ["vendor"]}`)
			out, err := builtin.New().Extract(context.Background(), doc, extract.Configuration{DataSchema: schema})
			if err != nil {
				t.Fatal(err)
			}
			if want := `{"total":12,"vendor":` + tc.want + `}`; string(out.Result) != want {
				t.Errorf("Result = %s, want %s", out.Result, want)
			}
			if err := dataschema.ValidateInstance(schema, out.Result); err != nil {
				t.Errorf("ValidateInstance(%s) = %v, want nil", out.Result, err)
			}
			var meta map[string]struct {
				Citation   []any   `json:"citation"`
				Confidence float64 `json:"confidence"`
				Reasoning  string  `json:"reasoning"`
			}
			if err := json.Unmarshal(out.FieldMetadata.Document, &meta); err != nil {
				t.Fatal(err)
			}
			if m := meta["vendor"]; len(m.Citation) != 0 || m.Confidence != 0 || !strings.Contains(m.Reasoning, "not found") {
				t.Errorf("vendor metadata = %+v, want no citation, confidence 0 and a reasoning saying it was not found", m)
			}
		})
	}
}

func pageOf(doc *document.Document, n int) *document.Page {
	for i := range doc.Pages {
		if doc.Pages[i].Number == n {
			return &doc.Pages[i]
		}
	}
	return nil
}

// pageHasText reports whether text stands on one line of the page, spaces
// aside.
func pageHasText(p *document.Page, text string) bool {
	want := strings.Join(strings.Fields(text), " ")
	for _, l := range p.Lines {
		var words []string
		for _, w := range l.Words {
			words = append(words, p.Words[w].Text)
		}
		if strings.Contains(strings.Join(words, " "), want) {
			return true
		}
	}
	return false
}

// renderOutcome writes an outcome as indented JSON for a golden file.
func renderOutcome(tb testing.TB, out extract.Outcome) string {
	tb.Helper()
	raw, err := json.Marshal(struct {
		Engine        string                 `json:"engine"`
		Usage         extract.Usage          `json:"usage"`
		Result        json.RawMessage        `json:"result"`
		FieldMetadata *extract.FieldMetadata `json:"field_metadata"`
	}{out.Engine, out.Usage, out.Result, out.FieldMetadata})
	if err != nil {
		tb.Fatal(err)
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		tb.Fatal(err)
	}
	b.WriteByte('\n')
	return b.String()
}

func parseFile(tb testing.TB, name string) *document.Document {
	tb.Helper()
	format := map[string]string{".txt": text.FormatText, ".md": text.FormatMarkdown, ".csv": text.FormatCSV, ".json": text.FormatJSON}[filepath.Ext(name)]
	return parseText(tb, string(readFile(tb, name)), format)
}

func parseText(tb testing.TB, s, format string) *document.Document {
	tb.Helper()
	doc, err := text.Parse(strings.NewReader(s), text.Options{Format: format})
	if err != nil {
		tb.Fatal(err)
	}
	return doc
}

func readFile(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// FuzzExtract runs every target on documents made from arbitrary text and
// asserts what must hold whatever the text: no panic, a JSON result, and
// citations inside their page with confidences between 0 and 1.
func FuzzExtract(f *testing.F) {
	formats := []string{text.FormatText, text.FormatMarkdown, text.FormatCSV, text.FormatJSON}
	targets := []string{extract.TargetPerDoc, extract.TargetPerPage, extract.TargetPerTableRow}
	for _, name := range []string{"invoice.txt", "line_items.csv", "record.json", "pages.txt", "kv.csv", "order.md"} {
		for i := range formats {
			f.Add(readFile(f, name), uint8(i))
		}
	}
	f.Add([]byte("Total:$-(1,2.3)%\nDate\n\n|Total|:|\n**:**"), uint8(1))
	schema := json.RawMessage(`{"properties": {
		"total": {"type": "number"}, "quantity": {"type": "integer"}, "date": {"type": "string", "format": "date"},
		"paid": {"type": "boolean"}, "vendor": {"type": "string"}, "status": {"enum": ["open", "paid"]},
		"email": {"type": "string", "format": "email"}, "description": {"type": ["string", "null"]}}}`)
	f.Fuzz(func(t *testing.T, data []byte, format uint8) {
		doc, err := text.Parse(bytes.NewReader(data), text.Options{Format: formats[int(format)%len(formats)]})
		if err != nil {
			return
		}
		pages := map[int]document.Page{}
		for _, p := range doc.Pages {
			pages[p.Number] = p
		}
		for _, target := range targets {
			out, err := builtin.New().Extract(context.Background(), doc, extract.Configuration{DataSchema: schema, ExtractionTarget: target})
			if err != nil {
				t.Fatalf("%s: Extract() error: %v", target, err)
			}
			if !json.Valid(out.Result) {
				t.Fatalf("%s: Result is not JSON: %s", target, out.Result)
			}
			metas := append(append([]json.RawMessage{out.FieldMetadata.Document}, out.FieldMetadata.Pages...), out.FieldMetadata.Rows...)
			for _, m := range metas {
				if m == nil {
					continue
				}
				var fields map[string]struct {
					Citation []struct {
						Page  int            `json:"page"`
						Boxes []document.Box `json:"bounding_boxes"`
					} `json:"citation"`
					Confidence float64 `json:"confidence"`
				}
				if err := json.Unmarshal(m, &fields); err != nil {
					t.Fatalf("%s: metadata %s: %v", target, m, err)
				}
				for name, fm := range fields {
					if fm.Confidence < 0 || fm.Confidence > 1 {
						t.Fatalf("%s: %s confidence %v", target, name, fm.Confidence)
					}
					for _, c := range fm.Citation {
						p, ok := pages[c.Page]
						if !ok {
							t.Fatalf("%s: %s cites page %d, not in the document", target, name, c.Page)
						}
						for _, b := range c.Boxes {
							if b.X < 0 || b.Y < 0 || b.W < 0 || b.X+b.W > p.Width+1e-9 || b.Y+b.H > p.Height+1e-9 {
								t.Fatalf("%s: %s box %+v outside page %d (%gx%g)", target, name, b, c.Page, p.Width, p.Height)
							}
						}
					}
				}
			}
		}
	})
}

// BenchmarkExtract measures a one-page invoice, the size of most jobs,
// where fixed costs show, and the same invoice repeated over 600 pages.
func BenchmarkExtract(b *testing.B) {
	cfg := extract.Configuration{DataSchema: readFile(b, "invoice.schema.json")}
	for _, pages := range []int{1, 600} {
		b.Run(fmt.Sprintf("Pages=%d", pages), func(b *testing.B) {
			doc := parseText(b, strings.Repeat(string(readFile(b, "invoice.txt"))+"\f", pages), text.FormatText)
			e := builtin.New()
			for b.Loop() {
				if _, err := e.Extract(context.Background(), doc, cfg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
