package apitype

import "time"

// ExpandWebhookDeliveries adds Job.WebhookDeliveries to a job's reply.
const ExpandWebhookDeliveries = "webhook_deliveries"

// Webhook events, the values of WebhookConfiguration.Events and of
// WebhookEvent.EventType.
const (
	EventPending   = "extract.pending"
	EventRunning   = "extract.running"
	EventSuccess   = "extract.success"
	EventError     = "extract.error"
	EventCancelled = "extract.cancelled"
)

// Delivery states.
const (
	DeliveryPending   = "pending"   // not yet accepted; attempts go on
	DeliveryDelivered = "delivered" // the receiver answered 2xx
	DeliveryFailed    = "failed"    // given up on
)

// WebhookDelivery is one event sent to one webhook of a job.
type WebhookDelivery struct {
	ID        string `json:"id"` // whd-…
	EventID   string `json:"event_id"`
	EventType string `json:"event_type"`
	// Status is the job's status the event reports.
	Status     Status           `json:"status"`
	WebhookURL string           `json:"webhook_url"`
	State      string           `json:"state"`
	Attempts   []WebhookAttempt `json:"attempts"`
	CreatedAt  time.Time        `json:"created_at"`
	UpdatedAt  time.Time        `json:"updated_at"`
}

// WebhookAttempt is one try at a delivery.
type WebhookAttempt struct {
	At time.Time `json:"at"`
	// StatusCode is the receiver's reply; nil when none came.
	StatusCode *int `json:"status_code"`
	// Error says why the attempt failed; nil when it succeeded.
	Error      *string `json:"error"`
	DurationMS float64 `json:"duration_ms"`
}

// WebhookConfig is a saved webhook configuration. Its signing secret is
// never returned: HasSecret says whether there is one.
type WebhookConfig struct {
	ID           string            `json:"id"` // whc-…
	HasSecret    bool              `json:"has_secret"`
	TenantID     string            `json:"tenant_id"`
	TenantType   string            `json:"tenant_type"`
	URL          string            `json:"webhook_url"`
	Events       []string          `json:"webhook_events"`
	Headers      map[string]string `json:"webhook_headers"`
	OutputFormat string            `json:"webhook_output_format"`
	CreatedAt    time.Time         `json:"created_at"`
	UpdatedAt    time.Time         `json:"updated_at"`
}

// UpdateWebhookConfigParams changes a saved webhook configuration; nil
// members are left as they are.
type UpdateWebhookConfigParams struct {
	URL           *string            `json:"webhook_url,omitempty"`
	Events        *[]string          `json:"webhook_events,omitempty"`
	Headers       *map[string]string `json:"webhook_headers,omitempty"`
	SigningSecret *string            `json:"webhook_signing_secret,omitempty"`
	OutputFormat  *string            `json:"webhook_output_format,omitempty"`
}

// WebhookEvent is the body a webhook receives.
type WebhookEvent struct {
	EventID   string    `json:"event_id"` // the same on every attempt: de-duplicate on it
	EventType string    `json:"event_type"`
	JobID     string    `json:"job_id"`
	Status    Status    `json:"status"`
	Timestamp time.Time `json:"timestamp"`
	// Data is the job: an object with output format "json", a string
	// holding its JSON with "string" (the default).
	Data any `json:"data"`
}
