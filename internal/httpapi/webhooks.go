package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/id"
)

// maxJobWebhooks bounds the webhooks of one job: each status change sends
// one delivery per webhook.
const maxJobWebhooks = 10

// RenderJob is a job as a webhook's body carries it: what GET
// /api/v2/extract/{id} returns without expansions.
func RenderJob(j extract.Job) any { return toJobJSON(j, expansions{}) }

// jobWebhooks checks a create request's inline webhook configurations,
// resolves the saved ones it names, and returns them as the job keeps them:
// saved ones are copied in, so later edits never change a job's history.
func (s *Server) jobWebhooks(ctx context.Context, projectID string, inline json.RawMessage, ids []string) (json.RawMessage, error) {
	var hooks []extract.Webhook
	if !isNull(inline) {
		var raws []json.RawMessage
		if err := json.Unmarshal(inline, &raws); err != nil {
			return nil, extract.Errorf(extract.CodeInvalid, "webhook_configurations must be an array of {webhook_url, webhook_events, webhook_headers, webhook_signing_secret, webhook_output_format}")
		}
		for i, raw := range raws {
			w, err := extract.DecodeWebhook(raw, fmt.Sprintf("webhook_configurations[%d]", i))
			if err != nil {
				return nil, err
			}
			hooks = append(hooks, w)
		}
	}
	for _, wid := range ids {
		saved, err := s.store.Webhook(ctx, projectID, wid)
		if extract.IsNotFound(err) {
			return nil, extract.Errorf(extract.CodeNotFound, "webhook_configuration_ids: %q was not found in this project", wid)
		}
		if err != nil {
			return nil, err
		}
		hooks = append(hooks, saved.Webhook)
	}
	if len(hooks) == 0 {
		return nil, nil
	}
	if len(hooks) > maxJobWebhooks {
		return nil, extract.Errorf(extract.CodeInvalid, "a job may notify at most %d webhooks, got %d", maxJobWebhooks, len(hooks))
	}
	b, err := json.Marshal(hooks)
	if err != nil {
		return nil, fmt.Errorf("encode webhooks: %w", err)
	}
	return b, nil
}

// webhookConfigJSON is the wire form of a saved webhook configuration. The
// signing secret is write-only: only whether there is one shows.
type webhookConfigJSON struct {
	ID           string            `json:"id"`
	HasSecret    bool              `json:"has_secret"`
	TenantID     string            `json:"tenant_id"`
	TenantType   string            `json:"tenant_type"`
	URL          string            `json:"webhook_url"`
	Events       []string          `json:"webhook_events"`
	Headers      map[string]string `json:"webhook_headers"`
	OutputFormat string            `json:"webhook_output_format"`
	CreatedAt    string            `json:"created_at"`
	UpdatedAt    string            `json:"updated_at"`
}

func toWebhookConfigJSON(w extract.SavedWebhook) webhookConfigJSON {
	return webhookConfigJSON{
		ID: w.ID, HasSecret: w.Webhook.SigningSecret != "", TenantID: w.ProjectID, TenantType: "project",
		URL: w.Webhook.URL, Events: w.Webhook.Events, Headers: w.Webhook.Headers, OutputFormat: w.Webhook.OutputFormat,
		CreatedAt: formatTime(w.CreatedAt), UpdatedAt: formatTime(w.UpdatedAt),
	}
}

func (s *Server) createWebhookConfig(w http.ResponseWriter, r *http.Request) error {
	var raw json.RawMessage
	if err := s.decodeJSON(w, r, &raw); err != nil {
		return err
	}
	hook, err := extract.DecodeWebhook(raw, "body")
	if err != nil {
		return err
	}
	now := s.cfg.Now().UTC()
	saved := extract.SavedWebhook{ID: id.New(id.Webhook), ProjectID: principal(r.Context()).ProjectID, Webhook: hook, CreatedAt: now, UpdatedAt: now}
	if err := s.store.CreateWebhook(r.Context(), saved); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, toWebhookConfigJSON(saved))
	return nil
}

func (s *Server) listWebhookConfigs(w http.ResponseWriter, r *http.Request) error {
	hooks, err := s.store.ListWebhooks(r.Context(), principal(r.Context()).ProjectID)
	if err != nil {
		return err
	}
	out := make([]webhookConfigJSON, 0, len(hooks))
	for _, h := range hooks {
		out = append(out, toWebhookConfigJSON(h))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) getWebhookConfig(w http.ResponseWriter, r *http.Request) error {
	hook, err := s.store.Webhook(r.Context(), principal(r.Context()).ProjectID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toWebhookConfigJSON(hook))
	return nil
}

// updateWebhookConfig changes only the fields the request has; a null
// removes the field (all events, no headers, no secret).
func (s *Server) updateWebhookConfig(w http.ResponseWriter, r *http.Request) error {
	var changes map[string]json.RawMessage
	if err := s.decodeJSON(w, r, &changes); err != nil {
		return err
	}
	saved, err := s.store.Webhook(r.Context(), principal(r.Context()).ProjectID, r.PathValue("id"))
	if err != nil {
		return err
	}
	current, err := json.Marshal(saved.Webhook)
	if err != nil {
		return fmt.Errorf("encode webhook: %w", err)
	}
	var merged map[string]json.RawMessage
	if err := json.Unmarshal(current, &merged); err != nil {
		return fmt.Errorf("decode webhook: %w", err)
	}
	for k, v := range changes {
		if isNull(v) {
			if k == "webhook_url" {
				return extract.Errorf(extract.CodeInvalid, "webhook_url cannot be removed; give a new one or leave it out")
			}
			delete(merged, k)
			continue
		}
		merged[k] = v
	}
	raw, err := json.Marshal(merged)
	if err != nil {
		return fmt.Errorf("encode webhook: %w", err)
	}
	if saved.Webhook, err = extract.DecodeWebhook(raw, "body"); err != nil {
		return err
	}
	saved.UpdatedAt = s.cfg.Now().UTC()
	updated, err := s.store.UpdateWebhook(r.Context(), saved)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toWebhookConfigJSON(updated))
	return nil
}

func (s *Server) deleteWebhookConfig(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.DeleteWebhook(r.Context(), principal(r.Context()).ProjectID, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// deliveryJSON is one webhook delivery of a job, with its attempts.
type deliveryJSON struct {
	ID         string        `json:"id"`
	EventID    string        `json:"event_id"`
	EventType  string        `json:"event_type"`
	Status     string        `json:"status"`
	WebhookURL string        `json:"webhook_url"`
	State      string        `json:"state"`
	Attempts   []attemptJSON `json:"attempts"`
	CreatedAt  string        `json:"created_at"`
	UpdatedAt  string        `json:"updated_at"`
}

type attemptJSON struct {
	At         string  `json:"at"`
	StatusCode *int    `json:"status_code"`
	Error      *string `json:"error"`
	DurationMS float64 `json:"duration_ms"`
}

func toDeliveryJSON(d extract.WebhookDelivery) deliveryJSON {
	out := deliveryJSON{
		ID: d.ID, EventID: d.EventID, EventType: d.Event, Status: string(d.Status), WebhookURL: d.Webhook.URL,
		State: string(d.State), Attempts: make([]attemptJSON, 0, len(d.Attempts)),
		CreatedAt: formatTime(d.CreatedAt), UpdatedAt: formatTime(d.UpdatedAt),
	}
	for _, a := range d.Attempts {
		aj := attemptJSON{At: formatTime(a.At), DurationMS: float64(a.Duration.Microseconds()) / 1000}
		if a.StatusCode != 0 {
			aj.StatusCode = &a.StatusCode
		}
		if a.Error != "" {
			aj.Error = &a.Error
		}
		out.Attempts = append(out.Attempts, aj)
	}
	return out
}

// jobWithDeliveriesJSON is a job with expand=webhook_deliveries.
type jobWithDeliveriesJSON struct {
	jobJSON
	WebhookDeliveries []deliveryJSON `json:"webhook_deliveries"`
}

// wantsDeliveries reports whether expand asks for webhook_deliveries.
func wantsDeliveries(r *http.Request) bool {
	return slices.Contains(multi(r, "expand"), "webhook_deliveries")
}

// withDeliveries adds the job's webhook deliveries to its reply.
func (s *Server) withDeliveries(ctx context.Context, j extract.Job, out jobJSON) (any, error) {
	ds, err := s.store.WebhookDeliveries(ctx, j.ProjectID, j.ID)
	if err != nil {
		return nil, err
	}
	res := jobWithDeliveriesJSON{jobJSON: out, WebhookDeliveries: make([]deliveryJSON, 0, len(ds))}
	for _, d := range ds {
		res.WebhookDeliveries = append(res.WebhookDeliveries, toDeliveryJSON(d))
	}
	return res, nil
}
