package app_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/quarrylabs/quarry/internal/app"
)

const generatePath = "/api/v2/extract/schema/generate"

// generated is a reply of the schema generator.
type generated struct {
	Name       string `json:"name"`
	Parameters struct {
		ProductType string `json:"product_type"`
		DataSchema  struct {
			Type        string                       `json:"type"`
			Description string                       `json:"description"`
			Properties  map[string]map[string]string `json:"properties"`
		} `json:"data_schema"`
		Tier             string `json:"tier"`
		ExtractionTarget string `json:"extraction_target"`
	} `json:"parameters"`
}

func (s *server) generate(tb testing.TB, body any) (generated, response) {
	tb.Helper()
	r := s.do(http.MethodPost, generatePath, body)
	if r.status != http.StatusOK {
		tb.Fatalf("generate %v: %d %s", body, r.status, r.body)
	}
	var g generated
	if err := json.Unmarshal(r.body, &g); err != nil {
		tb.Fatalf("generate reply: %v: %s", err, r.body)
	}
	return g, r
}

func TestGenerateSchema(t *testing.T) {
	t.Parallel()
	s := start(t)

	t.Run("FromFile", func(t *testing.T) {
		fileID := s.upload("invoice.txt", testdata(t, "invoice.txt"))
		g, r := s.generate(t, map[string]any{"file_id": fileID})
		if g.Name != "invoice schema" || g.Parameters.ProductType != "extract_v2" || g.Parameters.DataSchema.Type != "object" {
			t.Errorf("reply = %s, want name \"invoice schema\", product_type extract_v2, an object schema", r.body)
		}
		want := map[string]map[string]string{
			"invoice_number": {"type": "string", "description": "Invoice Number"},
			"invoice_date":   {"type": "string", "format": "date", "description": "Invoice Date"},
			"customer":       {"type": "string", "description": "Customer"},
			"paid":           {"type": "boolean", "description": "Paid"},
			"total":          {"type": "number", "description": "Total"},
		}
		if diff := cmp.Diff(want, g.Parameters.DataSchema.Properties); diff != "" {
			t.Errorf("properties (-want +got):\n%s", diff)
		}
		if d := g.Parameters.DataSchema.Description; !strings.HasPrefix(d, "Inferred without a language model") || !strings.Contains(d, "invoice.txt") {
			t.Errorf("description = %q, want it to say the schema was inferred from invoice.txt", d)
		}

		// The draft is a configuration request as it stands, and it
		// extracts the document it was drafted from.
		saved := s.do(http.MethodPost, "/api/v1/beta/configurations", json.RawMessage(r.body))
		if saved.status != http.StatusCreated {
			t.Fatalf("save the generated configuration: %d %s", saved.status, saved.body)
		}
		job := s.do(http.MethodPost, "/api/v2/extract", map[string]any{"file_input": fileID, "configuration_id": saved.json(t)["id"]})
		if job.status != http.StatusCreated {
			t.Fatalf("create job: %d %s", job.status, job.body)
		}
		done := s.waitStatus(job.json(t)["id"].(string), "COMPLETED", "FAILED")
		wantResult := map[string]any{
			"invoice_number": "INV-2024-0042", "invoice_date": "2024-03-05", "customer": "Northwind Traders",
			"paid": false, "total": 1234.56,
		}
		if diff := cmp.Diff(wantResult, done["extract_result"]); diff != "" {
			t.Errorf("result of the drafted schema (-want +got):\n%s", diff)
		}
	})

	t.Run("FromPrompt", func(t *testing.T) {
		g, _ := s.generate(t, map[string]any{"prompt": "Extract the invoice number, the total amount and due date", "name": "invoices"})
		want := map[string]map[string]string{
			"invoice_number": {"type": "string", "description": "invoice number"},
			"total_amount":   {"type": "number", "description": "total amount"},
			"due_date":       {"type": "string", "format": "date", "description": "due date"},
		}
		if diff := cmp.Diff(want, g.Parameters.DataSchema.Properties); diff != "" {
			t.Errorf("properties (-want +got):\n%s", diff)
		}
		if g.Name != "invoices" {
			t.Errorf("name = %q, want the one given", g.Name)
		}
		if d := g.Parameters.DataSchema.Description; !strings.Contains(d, "Inferred") || !strings.Contains(d, "prompt") {
			t.Errorf("description = %q, want it to say the fields were inferred from the prompt", d)
		}
		if g.Parameters.Tier != "cost_effective" || g.Parameters.ExtractionTarget != "per_doc" {
			t.Errorf("tier %q, extraction_target %q; want the defaults", g.Parameters.Tier, g.Parameters.ExtractionTarget)
		}
	})

	t.Run("DataSchemaNormalized", func(t *testing.T) {
		r := s.do(http.MethodPost, generatePath, map[string]any{
			"data_schema": map[string]any{"properties": map[string]any{"total": map[string]any{"type": "number"}}},
		})
		if r.status != http.StatusOK {
			t.Fatalf("generate: %d %s", r.status, r.body)
		}
		var got struct {
			Parameters struct {
				DataSchema json.RawMessage `json:"data_schema"`
			} `json:"parameters"`
		}
		if err := json.Unmarshal(r.body, &got); err != nil {
			t.Fatal(err)
		}
		if want := `{"type":"object","properties":{"total":{"type":"number"}}}`; string(got.Parameters.DataSchema) != want {
			t.Errorf("data_schema = %s, want %s (normalised, nothing invented)", got.Parameters.DataSchema, want)
		}
	})

	t.Run("NullDataSchemaIgnored", func(t *testing.T) {
		g, _ := s.generate(t, map[string]any{"prompt": "Extract the total", "data_schema": nil, "file_id": nil})
		if _, ok := g.Parameters.DataSchema.Properties["total"]; !ok || len(g.Parameters.DataSchema.Properties) != 1 {
			t.Errorf("properties = %v, want only total", g.Parameters.DataSchema.Properties)
		}
	})

	t.Run("DataSchemaExtendedByPrompt", func(t *testing.T) {
		g, _ := s.generate(t, map[string]any{
			"prompt":      "Also get the due date and the total",
			"data_schema": map[string]any{"type": "object", "properties": map[string]any{"total": map[string]any{"type": "string"}}},
		})
		want := map[string]map[string]string{
			"total":    {"type": "string"},
			"due_date": {"type": "string", "format": "date", "description": "due date"},
		}
		if diff := cmp.Diff(want, g.Parameters.DataSchema.Properties); diff != "" {
			t.Errorf("properties (-want +got):\n%s", diff)
		}
	})

	image := s.upload("scan.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"))
	blank := s.upload("blank.txt", []byte("Nothing labelled here.\nJust prose.\n"))
	tests := []struct {
		name       string
		body       any
		wantStatus int
		wantDetail string
	}{
		{"Empty", map[string]any{}, http.StatusUnprocessableEntity, "at least one of prompt"},
		{"NullsOnly", map[string]any{"prompt": nil, "file_id": nil, "data_schema": nil}, http.StatusUnprocessableEntity, "at least one of prompt"},
		{"UnknownField", map[string]any{"prompt": "total", "schema": map[string]any{}}, http.StatusUnprocessableEntity, "unknown field"},
		{"UnknownFile", map[string]any{"file_id": "dfl-00000000-0000-7000-8000-000000000000"}, http.StatusNotFound, "was not found"},
		{"DamagedImage", map[string]any{"file_id": image}, http.StatusUnprocessableEntity, "the PNG image cannot be read"},
		{"NoLabels", map[string]any{"file_id": blank}, http.StatusUnprocessableEntity, "found no labelled values"},
		{"NoFieldsInPrompt", map[string]any{"prompt": "The documents are scanned invoices from our suppliers."}, http.StatusUnprocessableEntity, "found no field names"},
		{"InvalidSchema", map[string]any{"data_schema": map[string]any{"type": "object", "properties": map[string]any{"total": map[string]any{"type": "money"}}}}, http.StatusUnprocessableEntity, "/properties/total"},
		{"BlankName", map[string]any{"prompt": "Extract the total", "name": " "}, http.StatusUnprocessableEntity, "name is required"},
		{"NotJSON", "{", http.StatusBadRequest, "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(http.MethodPost, generatePath, tt.body)
			if r.status != tt.wantStatus || !strings.Contains(r.detail(t), tt.wantDetail) {
				t.Errorf("generate %v: %d %s, want %d with a detail containing %q", tt.body, r.status, r.body, tt.wantStatus, tt.wantDetail)
			}
		})
	}

	t.Run("Unauthenticated", func(t *testing.T) {
		if r := s.doKey("", http.MethodPost, generatePath, map[string]any{"prompt": "Extract the total"}); r.status != http.StatusUnauthorized {
			t.Errorf("generate without a key: %d, want 401", r.status)
		}
	})
}

// TestGenerateSchemaLimits: drafting from a file parses within the job
// limits and a time limit, in the request.
func TestGenerateSchemaLimits(t *testing.T) {
	t.Parallel()
	t.Run("ErrLineLength", func(t *testing.T) {
		t.Parallel()
		s := start(t, func(c *app.Config) { c.Parse.Budget.MaxLineLength = 1000 })
		fileID := s.upload("wide.csv", []byte(strings.Repeat(",", 5000)+"\n"))
		r := s.do(http.MethodPost, generatePath, map[string]any{"file_id": fileID})
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(string(r.body), "more than 1,000 characters in one line (limit --max-line-length)") {
			t.Errorf("generate = %d %s, want 422 naming --max-line-length", r.status, r.body)
		}
	})
	// A generation past its time limit answers 503 but keeps its slot
	// until its parse ends, so the next one meanwhile gets 429; once the
	// parse ends, generation is served again.
	t.Run("ErrBusy", func(t *testing.T) {
		t.Parallel()
		s := start(t, func(c *app.Config) {
			c.SchemaGen.Concurrency = 1
			c.SchemaGen.Timeout = time.Millisecond
		})
		big := s.upload("big.csv", []byte("Invoice Number,Total\n"+strings.Repeat("INV-7 a b c d e f g h,12.50 i j k l m n o p\n", 150_000)))
		small := s.upload("small.txt", []byte("Invoice Number: INV-7\n"))
		r := s.do(http.MethodPost, generatePath, map[string]any{"file_id": big})
		if r.status != http.StatusServiceUnavailable {
			t.Fatalf("generate from a large file in 1ms = %d %s, want 503", r.status, r.body)
		}
		r = s.do(http.MethodPost, generatePath, map[string]any{"file_id": small})
		if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" || !strings.Contains(string(r.body), "at most 1 at once") {
			t.Fatalf("generate while the slot is taken = %d %s (Retry-After %q), want 429 with Retry-After", r.status, r.body, r.header.Get("Retry-After"))
		}
		deadline := time.Now().Add(30 * time.Second)
		for r.status == http.StatusTooManyRequests && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
			r = s.do(http.MethodPost, generatePath, map[string]any{"file_id": small, "prompt": "the invoice number"})
		}
		if r.status == http.StatusTooManyRequests {
			t.Errorf("generate after the slow parse = %d %s, want it served", r.status, r.body)
		}
	})
	t.Run("ErrTimeout", func(t *testing.T) {
		t.Parallel()
		s := start(t, func(c *app.Config) { c.SchemaGen.Timeout = time.Nanosecond })
		fileID := s.upload("long.txt", []byte(strings.Repeat("Invoice Number: INV-7\n", 50_000)))
		r := s.do(http.MethodPost, generatePath, map[string]any{"file_id": fileID})
		if r.status != http.StatusServiceUnavailable || !strings.Contains(string(r.body), "took longer than 1ns") {
			t.Errorf("generate = %d %s, want 503 naming the time limit", r.status, r.body)
		}
	})
}
