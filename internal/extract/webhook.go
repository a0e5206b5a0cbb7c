package extract

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"
)

// Webhook events: one per status change a receiver can subscribe to.
// THROTTLED is not an event: it is a wait inside PENDING, and can flip many
// times.
const (
	EventPending = "extract.pending"
	// EventRunning is Quarry's own: the hosted service sends no event when
	// an extraction starts, and its clients' list of events does not have
	// it. A webhook gets it only when it names it in webhook_events (the
	// opt-in); one subscribed to all events (none listed) gets what the
	// hosted service sends.
	EventRunning   = "extract.running"
	EventSuccess   = "extract.success"
	EventError     = "extract.error"
	EventCancelled = "extract.cancelled"
	// EventPartialSuccess is accepted for compatibility with the hosted
	// service's clients, which may subscribe to it; Quarry never sends it,
	// as a job here either completes or fails.
	EventPartialSuccess = "extract.partial_success"
)

// WebhookEvents lists the events a webhook may subscribe to: every event of
// the hosted service's clients (so that one webhook configuration serves
// parse, classify and extract jobs there and here), and EventRunning.
// Events of other products are accepted and never happen here.
var WebhookEvents = []string{
	"batch.cancelled", "batch.error", "batch.pending", "batch.running", "batch.success",
	"classify.cancelled", "classify.error", "classify.partial_success", "classify.pending", "classify.running", "classify.success",
	EventCancelled, EventError, EventPartialSuccess, EventPending, EventRunning, EventSuccess,
	"parse.cancelled", "parse.error", "parse.partial_success", "parse.pending", "parse.running", "parse.success",
	"sheets.cancelled", "sheets.error", "sheets.partial_success", "sheets.pending", "sheets.success",
	"split.cancelled", "split.error", "split.pending", "split.processing", "split.success",
	"unmapped_event",
}

// EventOf returns the event a job entering status s sends, if any.
func EventOf(s Status) (string, bool) {
	switch s {
	case StatusPending:
		return EventPending, true
	case StatusRunning:
		return EventRunning, true
	case StatusCompleted:
		return EventSuccess, true
	case StatusFailed:
		return EventError, true
	case StatusCancelled:
		return EventCancelled, true
	}
	return "", false
}

// Output formats of a webhook's body: how the job is embedded in it.
const (
	// OutputString embeds the job as a string holding its JSON, the hosted
	// service's default.
	OutputString = "string"
	// OutputJSON embeds the job as a JSON object.
	OutputJSON = "json"
)

// Webhook is one endpoint a job notifies. Its JSON form is the API's
// webhook configuration, signing secret included: it is how a job keeps its
// webhooks, never how the API shows them.
type Webhook struct {
	URL string `json:"webhook_url"`
	// Events are the events delivered; empty means all of them.
	Events        []string          `json:"webhook_events,omitempty"`
	Headers       map[string]string `json:"webhook_headers,omitempty"`
	SigningSecret string            `json:"webhook_signing_secret,omitempty"`
	OutputFormat  string            `json:"webhook_output_format,omitempty"`
}

// Subscribes reports whether w wants event. A webhook listing no events
// wants every event the hosted service sends, which leaves out
// EventRunning: that one must be named.
func (w Webhook) Subscribes(event string) bool {
	if len(w.Events) == 0 {
		return event != EventRunning
	}
	return slices.Contains(w.Events, event)
}

// webhookKeys are the keys a webhook configuration may have.
var webhookKeys = []string{"webhook_url", "webhook_events", "webhook_headers", "webhook_signing_secret", "webhook_output_format"}

// forbiddenHeaders may not be set by a webhook: the transport owns them, and
// letting a user set them would break or smuggle requests.
var forbiddenHeaders = []string{
	"Host", "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Proxy-Connection",
	"Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Upgrade", "Lc-Signature", "Content-Type",
}

// DecodeWebhook reads a webhook configuration a user sent, refusing unknown
// keys, and checks it (see Webhook.Validate). prefix names where it sits in
// the request.
func DecodeWebhook(raw json.RawMessage, prefix string) (Webhook, error) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil || keys == nil {
		return Webhook{}, Errorf(CodeInvalid, "%s must be a JSON object with webhook_url and optionally %s", prefix, strings.Join(webhookKeys[1:], ", "))
	}
	var unknown []string
	for k := range keys {
		if !slices.Contains(webhookKeys, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return Webhook{}, Errorf(CodeInvalid, "%s has unknown field(s) %s; accepted fields are %s", prefix, strings.Join(unknown, ", "), strings.Join(webhookKeys, ", "))
	}
	if ev, ok := keys["webhook_events"]; ok && string(bytes.TrimSpace(ev)) == "[]" {
		return Webhook{}, Errorf(CodeInvalid, "%s.webhook_events is empty, which subscribes to nothing; omit it (or send null) for all events", prefix)
	}
	var w Webhook
	if err := json.Unmarshal(raw, &w); err != nil {
		return Webhook{}, Errorf(CodeInvalid, "%s: %s", prefix, typeErrorMessage(err))
	}
	if err := w.Validate(prefix); err != nil {
		return Webhook{}, err
	}
	return w, nil
}

func typeErrorMessage(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Field + " must be of type " + jsonTypeName(te.Type.Kind().String())
	}
	return err.Error()
}

// Validate checks a webhook: an absolute http or https URL, known events,
// header names that are valid and not owned by the transport, a known
// output format (empty becomes "string"). Whether the URL's address may be
// reached is decided when it is dialled, after DNS resolution.
func (w *Webhook) Validate(prefix string) error {
	u, err := url.Parse(w.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Hostname() == "" {
		return Errorf(CodeInvalid, "%s.webhook_url %q must be an absolute http or https URL", prefix, w.URL)
	}
	if u.User != nil {
		return Errorf(CodeInvalid, "%s.webhook_url must not carry credentials; send them in webhook_headers", prefix)
	}
	if len(w.URL) > 2048 {
		return Errorf(CodeInvalid, "%s.webhook_url is longer than 2048 characters", prefix)
	}
	for _, e := range w.Events {
		if !slices.Contains(WebhookEvents, e) {
			return Errorf(CodeInvalid, "%s.webhook_events: %q is not an event; extraction jobs send %s (and %s when named), and the events of the hosted service's other products (parse.*, classify.*, split.*, sheets.*, batch.*) are accepted and never sent",
				prefix, e, strings.Join([]string{EventPending, EventSuccess, EventError, EventCancelled}, ", "), EventRunning)
		}
	}
	w.Events = slices.Compact(slices.Sorted(slices.Values(w.Events)))
	if len(w.Headers) > 50 {
		return Errorf(CodeInvalid, "%s.webhook_headers has %d headers; at most 50 are allowed", prefix, len(w.Headers))
	}
	for name, value := range w.Headers {
		if !validHeaderName(name) {
			return Errorf(CodeInvalid, "%s.webhook_headers: %q is not a valid header name", prefix, name)
		}
		if slices.Contains(forbiddenHeaders, http.CanonicalHeaderKey(name)) {
			return Errorf(CodeInvalid, "%s.webhook_headers: %s is set by Quarry and cannot be overridden", prefix, http.CanonicalHeaderKey(name))
		}
		if strings.ContainsAny(value, "\r\n\x00") {
			return Errorf(CodeInvalid, "%s.webhook_headers: the value of %s holds a line break or NUL", prefix, name)
		}
	}
	switch w.OutputFormat {
	case "":
		w.OutputFormat = OutputString
	case OutputString, OutputJSON:
	default:
		return Errorf(CodeInvalid, "%s.webhook_output_format %q is not one of string, json", prefix, w.OutputFormat)
	}
	return nil
}

// validHeaderName reports whether s is an HTTP token (RFC 9110, 5.6.2).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c >= 0x80 || c <= ' ' || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 || c == 0x7f {
			return false
		}
	}
	return true
}

// SavedWebhook is a named, reusable webhook configuration of a project.
// Jobs that name it copy it in at creation, as they do a saved
// configuration.
type SavedWebhook struct {
	ID        string
	ProjectID string
	Webhook   Webhook
	CreatedAt time.Time
	UpdatedAt time.Time
}

// DeliveryState is where a webhook delivery is.
type DeliveryState string

const (
	// DeliveryPending: not yet accepted by the receiver; attempts go on.
	DeliveryPending DeliveryState = "pending"
	// DeliveryDelivered: the receiver answered 2xx.
	DeliveryDelivered DeliveryState = "delivered"
	// DeliveryFailed: given up on (out of time, or the address is not
	// allowed).
	DeliveryFailed DeliveryState = "failed"
)

// WebhookDelivery is one event sent to one webhook of a job, with every
// attempt made to send it.
type WebhookDelivery struct {
	ID        string
	ProjectID string
	JobID     string
	// Seq orders a job's deliveries: one job's deliveries to one webhook
	// are sent in Seq order.
	Seq int
	// Target is the webhook's index in the job's list.
	Target  int
	EventID string
	Event   string
	Status  Status // the job's status the event reports
	Webhook Webhook
	// Payload is the body sent, fixed when the event happened, so that
	// every attempt sends the same bytes.
	Payload   json.RawMessage
	State     DeliveryState
	Attempts  []WebhookAttempt
	CreatedAt time.Time
	UpdatedAt time.Time
}

// WebhookAttempt is one try at a delivery.
type WebhookAttempt struct {
	At         time.Time
	StatusCode int // 0 when no reply came
	Error      string
	Duration   time.Duration
}

// WebhookPlanner makes the deliveries a status change calls for. The store
// calls it inside the transaction of every change that sends an event, with
// the job as the change left it.
type WebhookPlanner interface {
	// Plan returns the deliveries for job's current status (none when no
	// webhook of the job subscribes to its event), with ids, event, payload
	// and webhook set; the store sets Seq and the state.
	Plan(job Job) ([]WebhookDelivery, error)
	// Enqueue inserts the queued work of a delivery inside the transaction
	// that records it, and returns its queue id.
	Enqueue(ctx context.Context, tx *sql.Tx, d *WebhookDelivery) (int64, error)
}

// JobWebhooks decodes the webhooks a job keeps.
func JobWebhooks(j Job) ([]Webhook, error) {
	if len(j.Webhooks) == 0 {
		return nil, nil
	}
	var ws []Webhook
	if err := json.Unmarshal(j.Webhooks, &ws); err != nil {
		return nil, Errorf(CodeInternal, "job %s: decode webhooks: %v", j.ID, err)
	}
	return ws, nil
}

// WebhookStore keeps saved webhooks and the deliveries of jobs' events.
type WebhookStore interface {
	// SetWebhookPlanner makes every status change that sends an event
	// (creation, RUNNING, COMPLETED, FAILED, CANCELLED) record and enqueue
	// its deliveries in its own transaction, so an event is never lost nor
	// sent for a change that rolled back. Call it before the store is
	// shared; nil turns deliveries off.
	SetWebhookPlanner(p WebhookPlanner)

	CreateWebhook(ctx context.Context, w SavedWebhook) error
	// Webhook returns a saved webhook; CodeNotFound if absent.
	Webhook(ctx context.Context, projectID, id string) (SavedWebhook, error)
	// ListWebhooks returns a project's saved webhooks, newest first.
	ListWebhooks(ctx context.Context, projectID string) ([]SavedWebhook, error)
	// UpdateWebhook replaces a saved webhook's configuration and bumps
	// UpdatedAt; CodeNotFound if absent.
	UpdateWebhook(ctx context.Context, w SavedWebhook) (SavedWebhook, error)
	DeleteWebhook(ctx context.Context, projectID, id string) error

	// WebhookDeliveries returns a job's deliveries in Seq order, with their
	// attempts; CodeNotFound if the job is absent.
	WebhookDeliveries(ctx context.Context, projectID, jobID string) ([]WebhookDelivery, error)
	// WebhookDelivery returns one delivery (any project's: the worker's
	// read); CodeNotFound if absent, as when its job was deleted.
	WebhookDelivery(ctx context.Context, id string) (WebhookDelivery, error)
	// WebhookDeliveryWaits reports whether an earlier delivery of the same
	// job to the same webhook is still pending, so that d must wait its
	// turn.
	WebhookDeliveryWaits(ctx context.Context, d WebhookDelivery) (bool, error)
	// RecordWebhookAttempt appends an attempt to a pending delivery and
	// moves it to state. It reports false, recording nothing, when the
	// delivery is gone or no longer pending.
	RecordWebhookAttempt(ctx context.Context, id string, a WebhookAttempt, state DeliveryState) (bool, error)
}
