package llm

import (
	"cmp"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
)

// Config says which model server to use and how hard to push it.
type Config struct {
	// BaseURL is the server's OpenAI-compatible API root, the part before
	// /chat/completions: http://127.0.0.1:11434/v1 for Ollama,
	// http://127.0.0.1:8000/v1 for vLLM. Defaults to
	// https://api.openai.com/v1.
	BaseURL string
	// APIKey is sent as a bearer token when set; local servers need none.
	APIKey string
	// Model is the model the agentic tiers use unless a tier names its own.
	// No model at all means no model is configured: Enabled is false.
	Model string
	// AgenticModel and AgenticPlusModel name a model for one tier.
	// Default to Model.
	AgenticModel     string
	AgenticPlusModel string
	// ContextWindow is the model's context in tokens; documents that do
	// not fit are split by pages. Defaults to 16384.
	ContextWindow int
	// MaxOutputTokens is the room left for the reply, and the max_tokens
	// asked for. Defaults to a quarter of ContextWindow, at most 4096.
	MaxOutputTokens int
	// MaxConcurrency bounds the requests in flight to the server from this
	// process, over all jobs. Defaults to 4.
	MaxConcurrency int
	// Timeout bounds one request, retries not included. Defaults to 5
	// minutes: a local model on a CPU is slow.
	Timeout time.Duration
	// MaxRetries is how many times a 429, a 5xx or a connection error is
	// retried. Defaults to 4.
	MaxRetries int
	// RetryBackoff is the wait before the first retry when the server says
	// nothing (no Retry-After); it doubles with each retry. Defaults to 1s.
	RetryBackoff time.Duration
	// HTTPClient sends the requests. Defaults to a client of its own.
	HTTPClient *http.Client
	// Builtin is the engine that runs cost_effective and turbo jobs and
	// gives the model its candidates as hints. Required.
	Builtin extract.Engine
	// Logger receives logs. Defaults to discarding them.
	Logger *slog.Logger
}

// Enabled reports whether a model is configured at all.
func (c Config) Enabled() bool {
	return c.Model != "" || c.AgenticModel != "" || c.AgenticPlusModel != ""
}

// WithDefaults fills every unset field with its default.
func (c Config) WithDefaults() Config {
	c.BaseURL = cmp.Or(c.BaseURL, "https://api.openai.com/v1")
	c.AgenticModel = cmp.Or(c.AgenticModel, c.Model)
	c.AgenticPlusModel = cmp.Or(c.AgenticPlusModel, c.Model, c.AgenticModel)
	c.AgenticModel = cmp.Or(c.AgenticModel, c.AgenticPlusModel)
	c.ContextWindow = cmp.Or(c.ContextWindow, 16384)
	c.MaxOutputTokens = cmp.Or(c.MaxOutputTokens, min(c.ContextWindow/4, 4096))
	c.MaxConcurrency = cmp.Or(c.MaxConcurrency, 4)
	c.Timeout = cmp.Or(c.Timeout, 5*time.Minute)
	c.MaxRetries = cmp.Or(c.MaxRetries, 4)
	c.RetryBackoff = cmp.Or(c.RetryBackoff, time.Second)
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func (c Config) validate() error {
	if !c.Enabled() {
		return errors.New("llm: Model is required")
	}
	if c.Builtin == nil {
		return errors.New("llm: Builtin is required")
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return errors.New("llm: BaseURL must be an http:// or https:// URL such as http://127.0.0.1:11434/v1")
	}
	// A budget must remain for the document after the reply and the prompt's
	// fixed part; below that every page would be its own chunk and still not
	// fit.
	if c.ContextWindow < 2048 {
		return errors.New("llm: ContextWindow must be at least 2048 tokens")
	}
	if c.MaxOutputTokens >= c.ContextWindow/2 {
		return errors.New("llm: MaxOutputTokens must be under half of ContextWindow, to leave room for the document")
	}
	if c.MaxConcurrency < 1 || c.MaxRetries < 0 || c.Timeout < 0 {
		return errors.New("llm: MaxConcurrency must be at least 1, MaxRetries and Timeout not negative")
	}
	return nil
}
