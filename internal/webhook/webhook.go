// Package webhook tells receivers about jobs: the body of an event and its
// signature, the planner the store calls in the transaction of each status
// change, and an HTTP sender that refuses private addresses after DNS
// resolution, at every dial, redirects included.
package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/id"
)

// SignatureHeader carries a body's signature when its webhook has a secret.
const SignatureHeader = "LC-Signature"

// Sign returns the signature header's value for body: "sha256=" and the hex
// HMAC-SHA256 of the raw bytes under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether header is body's signature under secret, in
// constant time, as a receiver checks it.
func Verify(secret string, body []byte, header string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(strings.TrimSpace(header)))
}

// Body is what a delivery POSTs.
type Body struct {
	// EventID names the event; the same event to several webhooks, or sent
	// again after a lost reply, keeps it, so receivers de-duplicate on it.
	EventID   string         `json:"event_id"`
	EventType string         `json:"event_type"`
	JobID     string         `json:"job_id"`
	Status    extract.Status `json:"status"`
	// Timestamp is when the status changed.
	Timestamp string `json:"timestamp"`
	// Data is the job as the API shows it (GET /api/v2/extract/{id}): an
	// object with webhook_output_format "json", a string holding its JSON
	// with "string", the hosted service's default.
	Data any `json:"data"`
}

const timeFormat = "2006-01-02T15:04:05.000Z"

// Planner makes the deliveries of a job's status change; it is the
// extract.WebhookPlanner the store calls.
type Planner struct {
	// Render returns the job's API form for the body's data.
	Render func(extract.Job) any
	// Queue inserts a delivery's queued work in the store's transaction.
	Queue func(ctx context.Context, tx *sql.Tx, d *extract.WebhookDelivery) (int64, error)
	// Now is the clock. Defaults to time.Now.
	Now func() time.Time
}

var _ extract.WebhookPlanner = (*Planner)(nil)

// Plan returns one delivery per webhook of the job subscribed to the event
// of its current status.
func (p *Planner) Plan(job extract.Job) ([]extract.WebhookDelivery, error) {
	event, ok := extract.EventOf(job.Status)
	if !ok {
		return nil, nil
	}
	hooks, err := extract.JobWebhooks(job)
	if err != nil {
		return nil, err
	}
	clock := p.Now
	if clock == nil {
		clock = time.Now
	}
	now := clock().UTC()
	eventID := id.New(id.Event)
	var rendered []byte
	var ds []extract.WebhookDelivery
	for i, h := range hooks {
		if !h.Subscribes(event) {
			continue
		}
		if rendered == nil {
			if rendered, err = json.Marshal(p.Render(job)); err != nil {
				return nil, fmt.Errorf("webhook body of job %s: %w", job.ID, err)
			}
		}
		body := Body{EventID: eventID, EventType: event, JobID: job.ID, Status: job.Status,
			Timestamp: job.UpdatedAt.UTC().Format(timeFormat), Data: json.RawMessage(rendered)}
		if h.OutputFormat != extract.OutputJSON {
			body.Data = string(rendered)
		}
		payload, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("webhook body of job %s: %w", job.ID, err)
		}
		ds = append(ds, extract.WebhookDelivery{
			ID: id.New(id.Delivery), ProjectID: job.ProjectID, JobID: job.ID, Target: i, EventID: eventID,
			Event: event, Status: job.Status, Webhook: h, Payload: payload, CreatedAt: now, UpdatedAt: now,
		})
	}
	return ds, nil
}

// Enqueue inserts the delivery's queued work.
func (p *Planner) Enqueue(ctx context.Context, tx *sql.Tx, d *extract.WebhookDelivery) (int64, error) {
	return p.Queue(ctx, tx, d)
}
