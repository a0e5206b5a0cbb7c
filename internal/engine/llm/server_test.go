package llm_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// chatRequest is what the test server reads of a request.
type chatRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role    string `json:"role"`
		Content string `json:"content"`
	} `json:"messages"`
	ResponseFormat struct {
		Type       string `json:"type"`
		JSONSchema *struct {
			Name   string          `json:"name"`
			Schema json.RawMessage `json:"schema"`
			Strict bool            `json:"strict"`
		} `json:"json_schema"`
	} `json:"response_format"`
	Logprobs bool `json:"logprobs"`
}

// prompt is the whole text sent, for scripts that answer by what they see.
func (r chatRequest) prompt() string {
	var b strings.Builder
	for _, m := range r.Messages {
		b.WriteString(m.Content)
		b.WriteByte('\n')
	}
	return b.String()
}

// modelServer speaks the OpenAI-compatible chat completions protocol on
// loopback, answering each request with a script.
type modelServer struct {
	URL string

	mu       sync.Mutex
	requests []chatRequest
}

// script answers request number n (from 0). It writes the whole reply.
type script func(w http.ResponseWriter, r *http.Request, req chatRequest, n int)

func newModelServer(tb testing.TB, s script) *modelServer {
	tb.Helper()
	ms := &modelServer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/v1/chat/completions" {
			http.Error(w, `{"error":{"message":"not found"}}`, http.StatusNotFound)
			return
		}
		body, _ := io.ReadAll(r.Body)
		var req chatRequest
		if err := json.Unmarshal(body, &req); err != nil {
			http.Error(w, `{"error":{"message":"bad json"}}`, http.StatusBadRequest)
			return
		}
		ms.mu.Lock()
		n := len(ms.requests)
		ms.requests = append(ms.requests, req)
		ms.mu.Unlock()
		s(w, r, req, n)
	}))
	tb.Cleanup(srv.Close)
	ms.URL = srv.URL + "/v1"
	return ms
}

func (ms *modelServer) all() []chatRequest {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return append([]chatRequest(nil), ms.requests...)
}

// complete writes a chat completion carrying content, with token usage and,
// when asked, one logprob per byte-pair of the content.
func complete(w http.ResponseWriter, req chatRequest, content string) {
	type lp struct {
		Token   string  `json:"token"`
		Logprob float64 `json:"logprob"`
	}
	choice := map[string]any{
		"index":         0,
		"message":       map[string]any{"role": "assistant", "content": content},
		"finish_reason": "stop",
	}
	if req.Logprobs {
		var toks []lp
		for i := 0; i < len(content); i += 2 {
			toks = append(toks, lp{Token: content[i:min(i+2, len(content))], Logprob: -0.01})
		}
		choice["logprobs"] = map[string]any{"content": toks}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"id":      "chatcmpl-test",
		"object":  "chat.completion",
		"model":   req.Model,
		"choices": []any{choice},
		"usage": map[string]any{
			"prompt_tokens":     len(req.prompt()) / 4,
			"completion_tokens": len(content) / 4,
			"total_tokens":      len(req.prompt())/4 + len(content)/4,
		},
	})
}

// reply is a script that answers every request with the same content.
func reply(content string) script {
	return func(w http.ResponseWriter, _ *http.Request, req chatRequest, _ int) { complete(w, req, content) }
}

func errorReply(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":{"message":%q,"type":"invalid_request_error"}}`, msg)
}
