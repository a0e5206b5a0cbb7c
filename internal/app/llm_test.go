package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/quarrylabs/quarry/internal/app"
	"github.com/quarrylabs/quarry/internal/engine/llm"
)

// openAIServer answers every chat completion with content, speaking the
// OpenAI-compatible wire protocol on loopback, and counts the requests that
// asked for strict structured output.
func openAIServer(tb testing.TB, content string) (url string, strict *atomic.Int32) {
	tb.Helper()
	strict = &atomic.Int32{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer sk-local" {
			http.Error(w, `{"error":{"message":"unexpected request"}}`, http.StatusBadRequest)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var req struct {
			Model          string `json:"model"`
			ResponseFormat struct {
				Type       string `json:"type"`
				JSONSchema struct {
					Strict bool `json:"strict"`
				} `json:"json_schema"`
			} `json:"response_format"`
		}
		json.Unmarshal(body, &req)
		if req.ResponseFormat.Type == "json_schema" && req.ResponseFormat.JSONSchema.Strict {
			strict.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"object":  "chat.completion",
			"model":   req.Model,
			"choices": []any{map[string]any{"index": 0, "finish_reason": "stop", "message": map[string]any{"role": "assistant", "content": content}}},
			"usage":   map[string]any{"prompt_tokens": 812, "completion_tokens": 57, "total_tokens": 869},
		})
	}))
	tb.Cleanup(srv.Close)
	return srv.URL + "/v1", strict
}

func withLLM(c llm.Config) option { return func(cfg *app.Config) { cfg.LLM = c } }

func TestLLMEngineEndToEnd(t *testing.T) {
	t.Parallel()
	url, strict := openAIServer(t, `{"invoice_number": "INV-2024-0042", "invoice_date": "2024-03-05", "total": 1234.56,
		"customer": "Globex Corporation", "paid": false, "purchase_order": null}`)
	s := start(t, withLLM(llm.Config{BaseURL: url, APIKey: "sk-local", Model: "test-model"}))
	file := s.upload("invoice.txt", testdata(t, "invoice.txt"))

	t.Run("Agentic", func(t *testing.T) {
		job := s.createJob(file, map[string]any{"data_schema": invoiceSchema, "tier": "agentic", "cite_sources": true, "confidence_scores": true})
		done := s.waitStatus(job["id"].(string), "COMPLETED", "FAILED")
		if done["status"] != "COMPLETED" {
			t.Fatalf("job %v: %v", done["status"], done["error_message"])
		}
		result := done["extract_result"].(map[string]any)
		if result["invoice_number"] != "INV-2024-0042" || result["total"] != 1234.56 {
			t.Errorf("extract_result = %v", result)
		}
		md := done["metadata"].(map[string]any)
		if md["engine"] != "llm:test-model" {
			t.Errorf("metadata.engine = %v, want llm:test-model", md["engine"])
		}
		usage := md["usage"].(map[string]any)
		if usage["num_document_tokens"] != 812.0 || usage["num_output_tokens"] != 57.0 || usage["num_pages_extracted"] != 1.0 {
			t.Errorf("usage = %v, want the server's 812 and 57 tokens over 1 page", usage)
		}
		fm := done["extract_metadata"].(map[string]any)["field_metadata"].(map[string]any)["document_metadata"].(map[string]any)
		total := fm["total"].(map[string]any)
		cite := total["citation"].([]any)[0].(map[string]any)
		if cite["page"] != 1.0 || cite["matching_text"] != "$1,234.56" || len(cite["bounding_boxes"].([]any)) != 1 {
			t.Errorf("total citation = %v", cite)
		}
		// The model's customer is not in the document.
		if c := fm["customer"].(map[string]any)["confidence"].(float64); c >= 0.2 {
			t.Errorf("ungrounded customer confidence = %v, want < 0.2", c)
		}
		if strict.Load() == 0 {
			t.Errorf("no request asked for strict structured output")
		}
	})

	t.Run("StrictGrounding", func(t *testing.T) {
		job := s.createJob(file, map[string]any{"data_schema": invoiceSchema, "tier": "agentic", "strict_grounding": true})
		done := s.waitStatus(job["id"].(string), "COMPLETED", "FAILED")
		result, _ := done["extract_result"].(map[string]any)
		if _, ok := result["customer"]; ok || result["invoice_number"] != "INV-2024-0042" {
			t.Errorf("extract_result = %v, want the ungrounded customer gone (%v)", result, done["error_message"])
		}
	})

	t.Run("CostEffective", func(t *testing.T) {
		job := s.createJob(file, map[string]any{"data_schema": invoiceSchema})
		done := s.waitStatus(job["id"].(string), "COMPLETED", "FAILED")
		if md := done["metadata"].(map[string]any); md["engine"] != "builtin" {
			t.Errorf("metadata.engine = %v, want builtin", md["engine"])
		}
	})
}

// Without a model, the agentic tiers run the built-in engine and say so.
func TestAgenticWithoutModel(t *testing.T) {
	t.Parallel()
	s := start(t)
	file := s.upload("invoice.txt", testdata(t, "invoice.txt"))
	job := s.createJob(file, map[string]any{"data_schema": invoiceSchema, "tier": "agentic_plus"})
	done := s.waitStatus(job["id"].(string), "COMPLETED", "FAILED")
	if md := done["metadata"].(map[string]any); md["engine"] != "builtin" {
		t.Errorf("metadata.engine = %v, want builtin", md["engine"])
	}
	if got := done["extract_result"].(map[string]any)["invoice_number"]; !strings.HasPrefix(got.(string), "INV-") {
		t.Errorf("invoice_number = %v", got)
	}
}
