package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
)

// client speaks the chat completions protocol to one server. It remembers
// what the server turned down (json_schema response formats, logprobs) so
// that only the first job pays for finding out.
type client struct {
	cfg  Config
	sem  chan struct{}
	url  string
	mode atomic.Int32 // formatSchema until the server refuses it
	// noLogprobs is set once the server refused logprobs.
	noLogprobs atomic.Bool
}

const (
	formatSchema int32 = iota // response_format json_schema, strict
	formatObject              // response_format json_object (JSON mode)
)

func newClient(cfg Config) *client {
	return &client{
		cfg: cfg,
		sem: make(chan struct{}, cfg.MaxConcurrency),
		url: strings.TrimSuffix(cfg.BaseURL, "/") + "/chat/completions",
	}
}

type message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type responseFormat struct {
	Type       string      `json:"type"`
	JSONSchema *jsonSchema `json:"json_schema,omitempty"`
}

type jsonSchema struct {
	Name   string `json:"name"`
	Schema any    `json:"schema"`
	Strict bool   `json:"strict"`
}

type chatRequest struct {
	Model          string          `json:"model"`
	Messages       []message       `json:"messages"`
	ResponseFormat *responseFormat `json:"response_format,omitempty"`
	Temperature    float64         `json:"temperature"`
	MaxTokens      int             `json:"max_tokens,omitempty"`
	Logprobs       bool            `json:"logprobs,omitempty"`
}

type chatResponse struct {
	Choices []struct {
		Message      message `json:"message"`
		FinishReason string  `json:"finish_reason"`
		Logprobs     *struct {
			Content []tokenLogprob `json:"content"`
		} `json:"logprobs"`
	} `json:"choices"`
	Usage struct {
		PromptTokens     int `json:"prompt_tokens"`
		CompletionTokens int `json:"completion_tokens"`
	} `json:"usage"`
}

type tokenLogprob struct {
	Token   string  `json:"token"`
	Logprob float64 `json:"logprob"`
}

// reply is one completion: its text, the log-probability of each of its
// tokens when the server gave them, and what it cost.
type reply struct {
	content  string
	logprobs []tokenLogprob
	usage    extract.Usage
}

// complete asks for a JSON reply to messages, shaped by schema (already
// strict-compatible). It falls back to JSON mode when the server refuses
// json_schema, and retries what is worth retrying.
func (c *client) complete(ctx context.Context, model string, msgs []message, schema any) (reply, error) {
	for {
		mode := c.mode.Load()
		req := chatRequest{
			Model:       model,
			Messages:    msgs,
			Temperature: 0,
			MaxTokens:   c.cfg.MaxOutputTokens,
			Logprobs:    !c.noLogprobs.Load(),
		}
		if mode == formatSchema {
			req.ResponseFormat = &responseFormat{Type: "json_schema", JSONSchema: &jsonSchema{Name: "extraction", Schema: schema, Strict: true}}
		} else {
			req.ResponseFormat = &responseFormat{Type: "json_object"}
		}
		r, err := c.send(ctx, req)
		var re *refusedError
		if errors.As(err, &re) {
			// A 400 that names the feature is the server saying it lacks
			// it; drop the feature for good and ask again. Anything else is
			// a real error.
			switch {
			case mode == formatSchema && re.mentions("json_schema", "response_format", "schema"):
				c.mode.CompareAndSwap(formatSchema, formatObject)
				c.cfg.Logger.InfoContext(ctx, "model server refused json_schema output; using JSON mode", "base_url", c.cfg.BaseURL)
				continue
			case req.Logprobs && re.mentions("logprob"):
				c.noLogprobs.Store(true)
				continue
			}
		}
		return r, err
	}
}

// refusedError is a 400 from the server.
type refusedError struct{ body string }

func (e *refusedError) Error() string { return "400 Bad Request: " + e.body }

func (e *refusedError) mentions(words ...string) bool {
	b := strings.ToLower(e.body)
	for _, w := range words {
		if strings.Contains(b, w) {
			return true
		}
	}
	return false
}

// send posts one request, retrying 429s, 5xxs and connection errors with
// backoff (the server's Retry-After when it gives one). Every attempt holds
// a slot of the concurrency limit only while it is in flight, so a job
// waiting out a backoff does not block the others.
func (c *client) send(ctx context.Context, req chatRequest) (reply, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return reply{}, fmt.Errorf("encode request: %w", err)
	}
	wait := c.cfg.RetryBackoff
	for attempt := 0; ; attempt++ {
		r, retryAfter, err := c.attempt(ctx, body)
		if err == nil || retryAfter < 0 || attempt >= c.cfg.MaxRetries || ctx.Err() != nil {
			if err != nil && ctx.Err() == nil && retryAfter >= 0 {
				err = fmt.Errorf("after %d attempts: %w", attempt+1, err)
			}
			return r, err
		}
		d := wait
		if retryAfter > 0 {
			d = retryAfter
		}
		c.cfg.Logger.WarnContext(ctx, "model request failed; retrying", "err", err, "wait", d, "attempt", attempt+1)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return reply{}, fmt.Errorf("model request: %w", ctx.Err())
		case <-t.C:
		}
		wait = min(wait*2, time.Minute)
	}
}

// attempt sends the request once. retryAfter is negative when the error is
// not worth retrying, and otherwise the wait the server asked for (zero:
// none said).
func (c *client) attempt(ctx context.Context, body []byte) (r reply, retryAfter time.Duration, err error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return reply{}, -1, fmt.Errorf("wait for a model slot: %w", ctx.Err())
	}
	defer func() { <-c.sem }()
	if c.cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.Timeout)
		defer cancel()
	}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return reply{}, -1, fmt.Errorf("model request: %w", err)
	}
	hreq.Header.Set("Content-Type", "application/json")
	if c.cfg.APIKey != "" {
		hreq.Header.Set("Authorization", "Bearer "+c.cfg.APIKey)
	}
	resp, err := c.cfg.HTTPClient.Do(hreq)
	if err != nil {
		// A connection error is retried; a cancelled job is not.
		return reply{}, 0, fmt.Errorf("model request: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return reply{}, 0, fmt.Errorf("read model reply: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return reply{}, parseRetryAfter(resp.Header.Get("Retry-After")), fmt.Errorf("model server: %s: %s", resp.Status, snippet(raw))
	case resp.StatusCode == http.StatusBadRequest:
		return reply{}, -1, &refusedError{body: snippet(raw)}
	case resp.StatusCode != http.StatusOK:
		return reply{}, -1, fmt.Errorf("model server: %s: %s", resp.Status, snippet(raw))
	}
	var cr chatResponse
	if err := json.Unmarshal(raw, &cr); err != nil {
		return reply{}, -1, fmt.Errorf("model server reply is not a chat completion: %w", err)
	}
	if len(cr.Choices) == 0 {
		return reply{}, -1, errors.New("model server reply has no choices")
	}
	ch := cr.Choices[0]
	r = reply{content: ch.Message.Content, usage: extract.Usage{
		NumDocumentTokens: cr.Usage.PromptTokens,
		NumOutputTokens:   cr.Usage.CompletionTokens,
	}}
	if ch.Logprobs != nil {
		r.logprobs = ch.Logprobs.Content
	}
	return r, 0, nil
}

// parseRetryAfter reads delta-seconds or an HTTP date. A zero or past wait
// becomes a nanosecond so that it still counts as "the server said".
func parseRetryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && !math.IsNaN(s) && s >= 0 {
		return max(time.Duration(min(s, 3600)*float64(time.Second)), time.Nanosecond)
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), time.Nanosecond)
	}
	return 0
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
