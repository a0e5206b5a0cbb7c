package llm_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/text"
	"github.com/quarrylabs/quarry/internal/engine/builtin"
	"github.com/quarrylabs/quarry/internal/engine/llm"
	"github.com/quarrylabs/quarry/internal/extract"
)

const invoice = `ACME Supplies Ltd.
123 Harbour Road, Portsmouth

INVOICE
Invoice Number: INV-2024-0042
Invoice Date: March 5, 2024
Customer: Northwind Traders
Paid: no

| Description | Qty | Amount |
|---|---|---|
| Widgets | 10 | $100.00 |
| Gaskets | 4 | $24.50 |

Total: $1,234.56
`

const invoiceSchema = `{"type": "object", "properties": {
  "invoice_number": {"type": "string"},
  "invoice_date": {"type": "string", "format": "date"},
  "customer": {"type": ["string", "null"]},
  "total": {"type": "number"},
  "items": {"type": "array", "items": {"type": "object", "properties": {
    "description": {"type": "string"}, "amount": {"type": "number"}}}}
}, "required": ["invoice_number"]}`

const goodReply = `{"invoice_number": "INV-2024-0042", "invoice_date": "2024-03-05", "customer": "Northwind Traders", "total": 1234.56,
 "items": [{"description": "Widgets", "amount": 100.00}, {"description": "Gaskets", "amount": 24.50}]}`

func parseDoc(tb testing.TB, src string) *document.Document {
	tb.Helper()
	doc, err := text.Parse(strings.NewReader(src), text.Options{Format: text.FormatMarkdown})
	if err != nil {
		tb.Fatalf("parse: %v", err)
	}
	return doc
}

func newEngine(tb testing.TB, ms *modelServer, opts ...func(*llm.Config)) *llm.Engine {
	tb.Helper()
	cfg := llm.Config{BaseURL: ms.URL, Model: "test-model", APIKey: "sk-test", Builtin: builtin.New(), RetryBackoff: 1}
	for _, o := range opts {
		o(&cfg)
	}
	e, err := llm.New(cfg)
	if err != nil {
		tb.Fatalf("llm.New: %v", err)
	}
	return e
}

func config(tier string) extract.Configuration {
	return extract.Configuration{DataSchema: json.RawMessage(invoiceSchema), Tier: tier, ExtractionTarget: extract.TargetPerDoc}
}

// decoded is an outcome read back as plain JSON values.
type decoded struct {
	result map[string]any
	meta   map[string]any
}

func decode(tb testing.TB, out extract.Outcome) decoded {
	tb.Helper()
	var d decoded
	if err := json.Unmarshal(out.Result, &d.result); err != nil {
		tb.Fatalf("result %s: %v", out.Result, err)
	}
	if err := json.Unmarshal(out.FieldMetadata.Document, &d.meta); err != nil {
		tb.Fatalf("metadata %s: %v", out.FieldMetadata.Document, err)
	}
	return d
}

func (d decoded) field(name string) map[string]any {
	m, _ := d.meta[name].(map[string]any)
	return m
}

func (d decoded) confidence(name string) float64 {
	c, _ := d.field(name)["confidence"].(float64)
	return c
}

func TestStructuredOutput(t *testing.T) {
	t.Parallel()
	ms := newModelServer(t, reply(goodReply))
	e := newEngine(t, ms)
	out, err := e.Extract(t.Context(), parseDoc(t, invoice), config(extract.TierAgentic))
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	d := decode(t, out)
	want := map[string]any{
		"invoice_number": "INV-2024-0042", "invoice_date": "2024-03-05", "customer": "Northwind Traders", "total": 1234.56,
		"items": []any{
			map[string]any{"description": "Widgets", "amount": 100.0},
			map[string]any{"description": "Gaskets", "amount": 24.5},
		},
	}
	if diff := cmp.Diff(want, d.result); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	if out.Engine != "llm:test-model" {
		t.Errorf("Engine = %q, want llm:test-model", out.Engine)
	}

	reqs := ms.all()
	if len(reqs) != 1 {
		t.Fatalf("server saw %d requests, want 1", len(reqs))
	}
	req := reqs[0]
	if req.ResponseFormat.Type != "json_schema" || req.ResponseFormat.JSONSchema == nil || !req.ResponseFormat.JSONSchema.Strict {
		t.Fatalf("response_format = %+v, want strict json_schema", req.ResponseFormat)
	}
	var schema map[string]any
	json.Unmarshal(req.ResponseFormat.JSONSchema.Schema, &schema)
	if schema["additionalProperties"] != false {
		t.Errorf("strict schema additionalProperties = %v, want false", schema["additionalProperties"])
	}
	if got := len(schema["required"].([]any)); got != 5 {
		t.Errorf("strict schema requires %d properties, want all 5", got)
	}
	props := schema["properties"].(map[string]any)
	if diff := cmp.Diff([]any{"number", "null"}, props["total"].(map[string]any)["type"]); diff != "" {
		t.Errorf("optional total's type (-want +got):\n%s", diff)
	}
	if _, ok := props["invoice_date"].(map[string]any)["format"]; ok {
		t.Errorf("strict schema kept format: %v", props["invoice_date"])
	}
	if !req.Logprobs {
		t.Errorf("logprobs not requested")
	}
	prompt := req.prompt()
	for _, s := range []string{"=== Page 1 ===", "| Widgets | 10 | $100.00 |", `"invoice_number":"INV-2024-0042"`} {
		if !strings.Contains(prompt, s) {
			t.Errorf("prompt lacks %q (page marker, table, built-in candidates):\n%s", s, prompt)
		}
	}

	// Citations: the words the value was read from.
	cite := d.field("total")["citation"].([]any)[0].(map[string]any)
	if cite["page"] != 1.0 || cite["matching_text"] != "$1,234.56" {
		t.Errorf("total citation = %v, want page 1 \"$1,234.56\"", cite)
	}
	cite = d.field("invoice_date")["citation"].([]any)[0].(map[string]any)
	if cite["matching_text"] != "March 5, 2024" {
		t.Errorf("invoice_date citation = %v, want \"March 5, 2024\"", cite)
	}
	if c := d.confidence("invoice_number"); c < 0.9 {
		t.Errorf("confidence of a grounded value the built-in engine agrees with = %v, want >= 0.9", c)
	}

	// Usage: the server's counts.
	wantIn, wantOut := len(req.prompt())/4, len(goodReply)/4
	if out.Usage.NumDocumentTokens != wantIn || out.Usage.NumOutputTokens != wantOut || out.Usage.NumPagesExtracted != 1 {
		t.Errorf("Usage = %+v, want %d document tokens, %d output tokens, 1 page", out.Usage, wantIn, wantOut)
	}
}

func TestJSONModeFallback(t *testing.T) {
	t.Parallel()
	ms := newModelServer(t, func(w http.ResponseWriter, _ *http.Request, req chatRequest, _ int) {
		if req.ResponseFormat.Type == "json_schema" {
			errorReply(w, http.StatusBadRequest, "response_format type json_schema is not supported by this model")
			return
		}
		complete(w, req, "```json\n"+goodReply+"\n```")
	})
	e := newEngine(t, ms)
	for range 2 {
		out, err := e.Extract(t.Context(), parseDoc(t, invoice), config(extract.TierAgentic))
		if err != nil {
			t.Fatalf("Extract: %v", err)
		}
		if got := decode(t, out).result["invoice_number"]; got != "INV-2024-0042" {
			t.Errorf("invoice_number = %v", got)
		}
	}
	var formats []string
	for _, r := range ms.all() {
		formats = append(formats, r.ResponseFormat.Type)
	}
	// The refusal is remembered: the second job goes straight to JSON mode.
	if diff := cmp.Diff([]string{"json_schema", "json_object", "json_object"}, formats); diff != "" {
		t.Errorf("response formats (-want +got):\n%s", diff)
	}
	if !strings.Contains(ms.all()[1].prompt(), `"additionalProperties":false`) {
		t.Errorf("JSON mode prompt lacks the schema")
	}
}

func TestHallucinationGrounding(t *testing.T) {
	t.Parallel()
	const hallucinated = `{"invoice_number": "INV-2024-0042", "invoice_date": "2024-03-05", "customer": "Globex Corporation", "total": 1234.56, "items": []}`
	for _, strict := range []bool{false, true} {
		t.Run(fmt.Sprintf("strict_grounding=%v", strict), func(t *testing.T) {
			t.Parallel()
			ms := newModelServer(t, reply(hallucinated))
			cfg := config(extract.TierAgentic)
			cfg.StrictGrounding = strict
			out, err := newEngine(t, ms).Extract(t.Context(), parseDoc(t, invoice), cfg)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			d := decode(t, out)
			if c := d.confidence("customer"); c >= 0.2 {
				t.Errorf("confidence of a value not in the document = %v, want < 0.2", c)
			}
			if cites := d.field("customer")["citation"].([]any); len(cites) != 0 {
				t.Errorf("value not in the document has citations %v", cites)
			}
			want := any("Globex Corporation")
			if strict {
				want = nil
			}
			if got := d.result["customer"]; got != want {
				t.Errorf("customer = %v, want %v", got, want)
			}
			if c := d.confidence("invoice_number"); c < 0.9 {
				t.Errorf("grounded invoice_number confidence = %v, want >= 0.9", c)
			}
		})
	}
}

func TestRetryAfter429(t *testing.T) {
	t.Parallel()
	ms := newModelServer(t, func(w http.ResponseWriter, _ *http.Request, req chatRequest, n int) {
		if n == 0 {
			w.Header().Set("Retry-After", "0")
			errorReply(w, http.StatusTooManyRequests, "rate limited")
			return
		}
		if n == 1 {
			errorReply(w, http.StatusServiceUnavailable, "loading model")
			return
		}
		complete(w, req, goodReply)
	})
	out, err := newEngine(t, ms).Extract(t.Context(), parseDoc(t, invoice), config(extract.TierAgentic))
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if got := decode(t, out).result["total"]; got != 1234.56 {
		t.Errorf("total = %v, want 1234.56", got)
	}
	if n := len(ms.all()); n != 3 {
		t.Errorf("server saw %d requests, want 3 (429, 503, success)", n)
	}
}

func TestRetriesExhausted(t *testing.T) {
	t.Parallel()
	ms := newModelServer(t, func(w http.ResponseWriter, _ *http.Request, _ chatRequest, _ int) {
		errorReply(w, http.StatusBadGateway, "upstream down")
	})
	_, err := newEngine(t, ms, func(c *llm.Config) { c.MaxRetries = 2 }).Extract(t.Context(), parseDoc(t, invoice), config(extract.TierAgentic))
	if extract.ErrorCode(err) != extract.CodeInvalid || !strings.Contains(extract.ErrorMessage(err), "502") {
		t.Fatalf("Extract error = %v, want a message naming the 502", err)
	}
	if n := len(ms.all()); n != 3 {
		t.Errorf("server saw %d requests, want 3 (1 + 2 retries)", n)
	}
}

func TestMalformedJSON(t *testing.T) {
	t.Parallel()
	t.Run("Repaired", func(t *testing.T) {
		t.Parallel()
		ms := newModelServer(t, func(w http.ResponseWriter, _ *http.Request, req chatRequest, n int) {
			if n == 0 {
				complete(w, req, `{"invoice_number": "INV-2024-0042", "total": 1234.56,`)
				return
			}
			complete(w, req, goodReply)
		})
		out, err := newEngine(t, ms).Extract(t.Context(), parseDoc(t, invoice), config(extract.TierAgentic))
		if err != nil {
			t.Fatalf("Extract: %v", err)
		}
		if got := decode(t, out).result["invoice_number"]; got != "INV-2024-0042" {
			t.Errorf("invoice_number = %v", got)
		}
		reqs := ms.all()
		if len(reqs) != 2 {
			t.Fatalf("server saw %d requests, want 2", len(reqs))
		}
		msgs := reqs[1].Messages
		last := msgs[len(msgs)-1]
		if msgs[len(msgs)-2].Role != "assistant" || !strings.Contains(last.Content, "not valid JSON") {
			t.Errorf("repair request does not show the bad reply and the error: %+v", msgs[len(msgs)-2:])
		}
		// Both calls are paid for.
		if out.Usage.NumOutputTokens <= len(goodReply)/4 {
			t.Errorf("NumOutputTokens = %d, want both replies counted", out.Usage.NumOutputTokens)
		}
	})
	t.Run("Twice", func(t *testing.T) {
		t.Parallel()
		ms := newModelServer(t, reply(`Sure! Here is the invoice: invoice_number = INV-2024-0042`))
		_, err := newEngine(t, ms).Extract(t.Context(), parseDoc(t, invoice), config(extract.TierAgentic))
		if extract.ErrorCode(err) != extract.CodeInvalid || !strings.Contains(extract.ErrorMessage(err), "malformed JSON twice") {
			t.Fatalf("Extract error = %v, want the job failed for malformed JSON", err)
		}
		if n := len(ms.all()); n != 2 {
			t.Errorf("server saw %d requests, want 2", n)
		}
	})
}

func TestCancelMidRequest(t *testing.T) {
	t.Parallel()
	started, sawCancel := make(chan struct{}), make(chan struct{})
	ms := newModelServer(t, func(_ http.ResponseWriter, r *http.Request, _ chatRequest, _ int) {
		close(started)
		<-r.Context().Done()
		close(sawCancel)
	})
	e := newEngine(t, ms)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := e.Extract(ctx, parseDoc(t, invoice), config(extract.TierAgentic))
		done <- err
	}()
	<-started
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Extract error = %v, want context.Canceled", err)
	}
	<-sawCancel // the server saw its request's context end
}

func TestCostEffectiveRunsBuiltin(t *testing.T) {
	t.Parallel()
	ms := newModelServer(t, reply(goodReply))
	out, err := newEngine(t, ms).Extract(t.Context(), parseDoc(t, invoice), config(extract.TierCostEffective))
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if out.Engine != builtin.Name || len(ms.all()) != 0 {
		t.Errorf("Engine = %q with %d model requests, want builtin and none", out.Engine, len(ms.all()))
	}
}

func TestAgenticPlus(t *testing.T) {
	t.Parallel()
	// The first reading misses the customer and misreads an amount; the
	// second pass is asked for the customer only.
	const first = `{"invoice_number": "INV-2024-0042", "invoice_date": "2024-03-05", "customer": null, "total": 1234.56,
 "items": [{"description": "Widgets", "amount": 100.00}, {"description": "Gaskets", "amount": 24.50}]}`
	ms := newModelServer(t, func(w http.ResponseWriter, _ *http.Request, req chatRequest, _ int) {
		if strings.Contains(req.prompt(), "A first reading") {
			complete(w, req, `{"customer": "Northwind Traders"}`)
			return
		}
		complete(w, req, first)
	})
	out, err := newEngine(t, ms).Extract(t.Context(), parseDoc(t, invoice), config(extract.TierAgenticPlus))
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	d := decode(t, out)
	if got := d.result["customer"]; got != "Northwind Traders" {
		t.Errorf("customer after the second pass = %v, want Northwind Traders", got)
	}
	reqs := ms.all()
	if len(reqs) != 2 {
		t.Fatalf("server saw %d requests, want 2", len(reqs))
	}
	var schema map[string]any
	json.Unmarshal(reqs[1].ResponseFormat.JSONSchema.Schema, &schema)
	if props := schema["properties"].(map[string]any); len(props) != 1 || props["customer"] == nil {
		t.Errorf("second pass asked for %v, want only customer", props)
	}
	// 100.00 + 24.50 is not 1,234.56.
	total := d.field("total")
	if r, _ := total["reasoning"].(string); !strings.Contains(r, "add up to 124.5, not 1234.56") {
		t.Errorf("total reasoning = %q, want the arithmetic mismatch", r)
	}
	if c := d.confidence("total"); c > 0.5 {
		t.Errorf("total confidence = %v, want halved below 0.5", c)
	}
}

// longInvoice is a document of pages pages, each with filler text and one
// line item, the total on the last.
func longInvoice(pages int) string {
	var b strings.Builder
	filler := strings.Repeat("This page continues the terms and conditions of the agreement between the parties. ", 24)
	for p := 1; p <= pages; p++ {
		if p == 1 {
			b.WriteString("Invoice Number: INV-2024-0042\n")
		}
		fmt.Fprintf(&b, "%s\n\n| Description | Amount |\n|---|---|\n| Part %c%c | $%d.00 |\n", filler, 'A'+p-1, 'A'+p-1, p*10)
		if p == pages {
			fmt.Fprintf(&b, "\nTotal: $%d.00\n", 10*pages*(pages+1)/2)
		}
		b.WriteString("\f")
	}
	return b.String()
}

func TestChunkedMerge(t *testing.T) {
	t.Parallel()
	const pages = 4
	doc := parseDoc(t, longInvoice(pages))
	// The scripted model answers from the pages it is shown, as a real one
	// would: the rows on them, the invoice number and the total where seen.
	ms := newModelServer(t, func(w http.ResponseWriter, _ *http.Request, req chatRequest, _ int) {
		prompt := req.prompt()
		var items []string
		number, total := "null", "null"
		for p := 1; p <= pages; p++ {
			if !strings.Contains(prompt, fmt.Sprintf("=== Page %d ===", p)) {
				continue
			}
			items = append(items, fmt.Sprintf(`{"description": "Part %c%c", "amount": %d}`, 'A'+p-1, 'A'+p-1, p*10))
			if p == 1 {
				number = `"INV-2024-0042"`
			}
			if p == pages {
				total = "100"
			}
		}
		complete(w, req, fmt.Sprintf(`{"invoice_number": %s, "invoice_date": null, "customer": null, "total": %s, "items": [%s]}`,
			number, total, strings.Join(items, ",")))
	})
	out, err := newEngine(t, ms, func(c *llm.Config) { c.ContextWindow = 2048 }).Extract(t.Context(), doc, config(extract.TierAgentic))
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	reqs := ms.all()
	if len(reqs) < 2 {
		t.Fatalf("server saw %d requests, want the document split", len(reqs))
	}
	for _, r := range reqs {
		if n := len(r.prompt()) / 4; n > 2048 {
			t.Errorf("a request of about %d tokens exceeds the context window of 2048", n)
		}
	}
	d := decode(t, out)
	var got []string
	for _, it := range d.result["items"].([]any) {
		got = append(got, it.(map[string]any)["description"].(string))
	}
	// Pages shared by two chunks give their row once.
	if diff := cmp.Diff([]string{"Part AA", "Part BB", "Part CC", "Part DD"}, got); diff != "" {
		t.Errorf("merged items (-want +got):\n%s", diff)
	}
	if d.result["total"] != 100.0 || d.result["invoice_number"] != "INV-2024-0042" {
		t.Errorf("scalars from different chunks: total %v, invoice_number %v", d.result["total"], d.result["invoice_number"])
	}
	items := d.meta["items"].([]any)
	lastCite := items[3].(map[string]any)["amount"].(map[string]any)["citation"].([]any)[0].(map[string]any)
	if lastCite["page"] != float64(pages) {
		t.Errorf("last row cited on page %v, want %d", lastCite["page"], pages)
	}
}

func TestPerTableRow(t *testing.T) {
	t.Parallel()
	ms := newModelServer(t, reply(`{"rows": [{"description": "Widgets", "amount": 100}, {"description": "Gaskets", "amount": 24.5}]}`))
	cfg := extract.Configuration{Tier: extract.TierAgentic, ExtractionTarget: extract.TargetPerTableRow,
		DataSchema: json.RawMessage(`{"type": "object", "properties": {"description": {"type": "string"}, "amount": {"type": "number"}}}`)}
	out, err := newEngine(t, ms).Extract(t.Context(), parseDoc(t, invoice), cfg)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if want := `[{"description":"Widgets","amount":100},{"description":"Gaskets","amount":24.5}]`; string(out.Result) != want {
		t.Errorf("result = %s, want %s", out.Result, want)
	}
	if len(out.FieldMetadata.Rows) != 2 {
		t.Errorf("row metadata has %d rows, want 2", len(out.FieldMetadata.Rows))
	}
}

func TestPerPage(t *testing.T) {
	t.Parallel()
	doc := parseDoc(t, "Invoice Number: INV-1\n\fInvoice Number: INV-2\n")
	ms := newModelServer(t, func(w http.ResponseWriter, _ *http.Request, req chatRequest, _ int) {
		number := "INV-1"
		if strings.Contains(req.prompt(), "=== Page 2 ===") {
			number = "INV-2"
		}
		complete(w, req, fmt.Sprintf(`{"invoice_number": %q}`, number))
	})
	cfg := extract.Configuration{Tier: extract.TierAgentic, ExtractionTarget: extract.TargetPerPage,
		DataSchema: json.RawMessage(`{"type": "object", "properties": {"invoice_number": {"type": "string"}}}`)}
	out, err := newEngine(t, ms).Extract(t.Context(), doc, cfg)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if want := `[{"invoice_number":"INV-1"},{"invoice_number":"INV-2"}]`; string(out.Result) != want {
		t.Errorf("result = %s, want %s", out.Result, want)
	}
	var m map[string]any
	json.Unmarshal(out.FieldMetadata.Pages[1], &m)
	if cite := m["invoice_number"].(map[string]any)["citation"].([]any)[0].(map[string]any); cite["page"] != 2.0 {
		t.Errorf("page 2's value cited on page %v", cite["page"])
	}
}
