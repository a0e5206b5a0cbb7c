package client

import (
	"bytes"
	"cmp"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// DefaultBaseURL is where a Quarry server listens when started with its
// defaults.
const DefaultBaseURL = "http://127.0.0.1:8080"

// Version is this package's version, sent in the User-Agent header.
const Version = "0.1.0"

// Client talks to one Quarry (or LlamaCloud) server with one API key. It is
// safe for concurrent use.
type Client struct {
	// Files uploads, lists, reads and deletes documents.
	Files *FilesService
	// Extract creates, watches, lists, cancels and deletes extraction
	// jobs, and validates and generates schemas.
	Extract *ExtractService
	// Configurations manages saved extraction configurations.
	Configurations *ConfigurationsService
	// WebhookConfigs manages saved webhook configurations.
	WebhookConfigs *WebhookConfigsService

	cfg config
}

// config is what the options set.
type config struct {
	baseURL    *url.URL
	apiKey     string
	http       *http.Client
	userAgent  string
	maxRetries int
	minDelay   time.Duration
	maxDelay   time.Duration
	scope      scope
	log        *slog.Logger
}

// Option configures a Client.
type Option func(*config) error

// WithBaseURL sets the server's address, such as "http://127.0.0.1:8080"
// or "https://api.cloud.llamaindex.ai". Defaults to DefaultBaseURL.
func WithBaseURL(base string) Option {
	return func(c *config) error {
		u, err := url.Parse(strings.TrimRight(base, "/"))
		if err != nil {
			return fmt.Errorf("base URL %q: %w", base, err)
		}
		if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("base URL %q must be an absolute http or https URL", base)
		}
		c.baseURL = u
		return nil
	}
}

// WithAPIKey sets the key sent as "Authorization: Bearer <key>".
func WithAPIKey(key string) Option {
	return func(c *config) error { c.apiKey = key; return nil }
}

// WithHTTPClient sets the HTTP client requests go through, for proxies,
// TLS settings or tracing transports. Defaults to a client with no overall
// timeout: calls are bounded by their contexts.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return errors.New("WithHTTPClient: nil *http.Client")
		}
		c.http = hc
		return nil
	}
}

// WithUserAgent sets the User-Agent header. Defaults to
// "quarry-go/<Version> (<go version>)".
func WithUserAgent(ua string) Option {
	return func(c *config) error { c.userAgent = ua; return nil }
}

// WithMaxRetries sets how many times a request is retried after a 429, a
// 5xx or a failure to reach the server; 0 turns retries off. Defaults to 3.
func WithMaxRetries(n int) Option {
	return func(c *config) error {
		if n < 0 {
			return fmt.Errorf("WithMaxRetries(%d): must be 0 or more", n)
		}
		c.maxRetries = n
		return nil
	}
}

// WithRetryDelay sets the backoff between retries: the first waits about
// min, each next one twice as long, never more than max, each shortened by
// up to a quarter at random so that many clients do not retry in step. A
// Retry-After header from the server overrides it. Defaults to 500ms and 8s.
func WithRetryDelay(minDelay, maxDelay time.Duration) Option {
	return func(c *config) error {
		if minDelay <= 0 || maxDelay < minDelay {
			return fmt.Errorf("WithRetryDelay(%v, %v): want 0 < min <= max", minDelay, maxDelay)
		}
		c.minDelay, c.maxDelay = minDelay, maxDelay
		return nil
	}
}

// WithProject makes every call act in this project (and organization, if
// not empty) instead of the API key's default project. Client.WithProject
// does the same for a copy of an existing client.
func WithProject(projectID, organizationID string) Option {
	return func(c *config) error {
		c.scope = scope{projectID: projectID, organizationID: organizationID}
		return nil
	}
}

// WithLogger receives a debug record for each request and a warning for
// each retry. Defaults to discarding them.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { c.log = l; return nil }
}

// New returns a client configured by opts.
func New(opts ...Option) (*Client, error) {
	cfg := config{maxRetries: 3, minDelay: 500 * time.Millisecond, maxDelay: 8 * time.Second}
	if err := WithBaseURL(DefaultBaseURL)(&cfg); err != nil {
		return nil, err
	}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("client: %w", err)
		}
	}
	if cfg.http == nil {
		cfg.http = &http.Client{}
	}
	cfg.userAgent = cmp.Or(cfg.userAgent, "quarry-go/"+Version+" ("+runtime.Version()+")")
	if cfg.log == nil {
		cfg.log = slog.New(slog.DiscardHandler)
	}
	return newClient(cfg), nil
}

// WithProject returns a client that shares c's connections and settings but
// acts in another project (and organization, if not empty); empty
// arguments mean the API key's default project.
func (c *Client) WithProject(projectID, organizationID string) *Client {
	cfg := c.cfg
	cfg.scope = scope{projectID: projectID, organizationID: organizationID}
	return newClient(cfg)
}

func newClient(cfg config) *Client {
	c := &Client{cfg: cfg}
	c.Files = &FilesService{c: c}
	c.Extract = &ExtractService{c: c}
	c.Configurations = &ConfigurationsService{c: c}
	c.WebhookConfigs = &WebhookConfigsService{c: c}
	return c
}

// BaseURL returns the server's address the client was configured with.
func (c *Client) BaseURL() string { return c.cfg.baseURL.String() }

// request is one API call.
type request struct {
	method string
	// path is absolute on the server ("/api/v2/extract"); url, when set,
	// is used instead and carries no API key (download links).
	path  string
	url   string
	query url.Values
	// body is sent as JSON unless nil.
	body any
	// newBody, when set, makes a fresh body for each attempt (uploads).
	newBody func() (io.Reader, int64, string, error)
	header  http.Header
	// noRetry marks a request that can be sent only once: an upload
	// whose bytes cannot be read again.
	noRetry bool
}

// do sends the request, retrying as configured, and decodes a 2xx reply's
// JSON into out (if not nil). Any other reply is an *APIError.
func (c *Client) do(ctx context.Context, r request, out any) error {
	resp, err := c.send(ctx, r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("%s %s: decode reply: %w", r.method, r.path, err)
	}
	return nil
}

// send sends the request until it gets a reply that is not worth retrying
// and returns it with its body unread; a non-2xx reply is returned as an
// *APIError with the body consumed.
func (c *Client) send(ctx context.Context, r request) (*http.Response, error) {
	var payload []byte
	if r.body != nil {
		var err error
		if payload, err = json.Marshal(r.body); err != nil {
			return nil, fmt.Errorf("%s %s: encode body: %w", r.method, r.path, err)
		}
	}
	for attempt := 0; ; attempt++ {
		req, err := c.newHTTPRequest(ctx, r, payload)
		if err != nil {
			return nil, err
		}
		c.cfg.log.DebugContext(ctx, "request", "method", req.Method, "url", req.URL.Redacted(), "attempt", attempt+1)
		resp, err := c.cfg.http.Do(req)
		var retryAfter time.Duration
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return nil, fmt.Errorf("%s %s: %w", r.method, r.displayPath(), ctx.Err())
			}
			err = fmt.Errorf("%s %s: %w", r.method, r.displayPath(), err)
			if r.noRetry || attempt >= c.cfg.maxRetries {
				return nil, err
			}
			c.cfg.log.WarnContext(ctx, "request failed; retrying", "method", r.method, "path", r.displayPath(), "err", err, "attempt", attempt+1)
		case resp.StatusCode < 300:
			return resp, nil
		default:
			apiErr := readAPIError(resp, r)
			retryable := resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500
			if !retryable || r.noRetry || attempt >= c.cfg.maxRetries {
				return nil, apiErr
			}
			retryAfter = apiErr.RetryAfter
			c.cfg.log.WarnContext(ctx, "server asked to retry", "method", r.method, "path", r.displayPath(),
				"status", resp.StatusCode, "request_id", apiErr.RequestID, "attempt", attempt+1)
		}
		if err := sleep(ctx, cmp.Or(retryAfter, c.backoff(attempt))); err != nil {
			return nil, fmt.Errorf("%s %s: %w", r.method, r.displayPath(), err)
		}
	}
}

func (r request) displayPath() string {
	if r.url != "" {
		if u, err := url.Parse(r.url); err == nil {
			return u.Path
		}
	}
	return r.path
}

func (c *Client) newHTTPRequest(ctx context.Context, r request, payload []byte) (*http.Request, error) {
	target := r.url
	if target == "" {
		u := *c.cfg.baseURL
		u.Path = strings.TrimRight(u.Path, "/") + r.path
		q := c.cfg.scope.query()
		for k, vs := range r.query {
			q[k] = vs
		}
		u.RawQuery = q.Encode()
		target = u.String()
	}
	var (
		body        io.Reader
		length      int64 = -1
		contentType string
	)
	switch {
	case r.newBody != nil:
		var err error
		if body, length, contentType, err = r.newBody(); err != nil {
			return nil, err
		}
	case payload != nil:
		body, length, contentType = bytes.NewReader(payload), int64(len(payload)), "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, r.method, target, body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", r.method, r.displayPath(), err)
	}
	if length >= 0 {
		req.ContentLength = length
	}
	for k, vs := range r.header {
		req.Header[k] = vs
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.cfg.userAgent)
	if r.url == "" && c.cfg.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.cfg.apiKey)
	}
	return req, nil
}

// backoff is the wait before retry number attempt+1: exponential from
// minDelay, capped at maxDelay, less up to 25% at random.
func (c *Client) backoff(attempt int) time.Duration {
	d := c.cfg.minDelay << min(attempt, 30)
	if d <= 0 || d > c.cfg.maxDelay {
		d = c.cfg.maxDelay
	}
	return d - time.Duration(rand.Int64N(int64(d)/4+1))
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// parseRetryAfter reads a Retry-After header: seconds or an HTTP date.
func parseRetryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// newIdempotencyKey makes a key that tells a retried create from a new one.
func newIdempotencyKey() string {
	var b [16]byte
	_, _ = crand.Read(b[:])
	return "quarry-go-" + hex.EncodeToString(b[:])
}
