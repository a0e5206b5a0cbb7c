package client

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"

	"github.com/quarrylabs/quarry/client/apitype"
)

// The webhook wire types; see package apitype.
type (
	WebhookDelivery           = apitype.WebhookDelivery
	WebhookAttempt            = apitype.WebhookAttempt
	WebhookConfig             = apitype.WebhookConfig
	UpdateWebhookConfigParams = apitype.UpdateWebhookConfigParams
	WebhookEvent              = apitype.WebhookEvent
)

// Webhook events and delivery states; see package apitype.
const (
	EventPending      = apitype.EventPending
	EventRunning      = apitype.EventRunning
	EventSuccess      = apitype.EventSuccess
	EventError        = apitype.EventError
	EventCancelled    = apitype.EventCancelled
	DeliveryPending   = apitype.DeliveryPending
	DeliveryDelivered = apitype.DeliveryDelivered
	DeliveryFailed    = apitype.DeliveryFailed
)

// WebhookConfigsService is the saved webhook configurations API:
// /api/v1/beta/webhook-configs. Jobs name them in
// CreateJobParams.WebhookConfigurationIDs.
type WebhookConfigsService struct{ c *Client }

// Create saves a webhook configuration.
func (s *WebhookConfigsService) Create(ctx context.Context, params WebhookConfiguration) (*WebhookConfig, error) {
	var out WebhookConfig
	if err := s.c.do(ctx, request{method: http.MethodPost, path: "/api/v1/beta/webhook-configs", body: params}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// List returns the project's saved webhook configurations, newest first.
func (s *WebhookConfigsService) List(ctx context.Context) ([]WebhookConfig, error) {
	var out []WebhookConfig
	if err := s.c.do(ctx, request{method: http.MethodGet, path: "/api/v1/beta/webhook-configs"}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Get returns a saved webhook configuration.
func (s *WebhookConfigsService) Get(ctx context.Context, id string) (*WebhookConfig, error) {
	var out WebhookConfig
	if err := s.c.do(ctx, request{method: http.MethodGet, path: webhookConfigPath(id)}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Update changes the members of params that are set. Jobs already created
// with the configuration keep the copy they started with.
func (s *WebhookConfigsService) Update(ctx context.Context, id string, params UpdateWebhookConfigParams) (*WebhookConfig, error) {
	var out WebhookConfig
	if err := s.c.do(ctx, request{method: http.MethodPut, path: webhookConfigPath(id), body: params}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Delete removes a saved webhook configuration.
func (s *WebhookConfigsService) Delete(ctx context.Context, id string) error {
	return s.c.do(ctx, request{method: http.MethodDelete, path: webhookConfigPath(id)}, nil)
}

func webhookConfigPath(id string) string { return "/api/v1/beta/webhook-configs/" + url.PathEscape(id) }

// Deliveries returns a job's webhook deliveries, oldest first, each with
// every attempt made (time, status code, error, duration).
func (s *ExtractService) Deliveries(ctx context.Context, jobID string) ([]WebhookDelivery, error) {
	job, err := s.Get(ctx, jobID, apitype.ExpandWebhookDeliveries)
	if err != nil {
		return nil, err
	}
	if job.WebhookDeliveries == nil {
		return []WebhookDelivery{}, nil
	}
	return job.WebhookDeliveries, nil
}

// VerifyWebhookSignature reports whether signature, the LC-Signature
// header of a delivery, is "sha256=" and the hex HMAC-SHA256 of body (the
// raw request body, before any parsing) under secret. It compares in
// constant time.
func VerifyWebhookSignature(secret string, body []byte, signature string) bool {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	want := "sha256=" + hex.EncodeToString(m.Sum(nil))
	return hmac.Equal([]byte(want), []byte(strings.TrimSpace(signature)))
}
