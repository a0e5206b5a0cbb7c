package extract

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestWebhookSubscribes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		events []string
		event  string
		want   bool
	}{
		{"AllGetsPending", nil, EventPending, true},
		{"AllGetsSuccess", nil, EventSuccess, true},
		{"AllGetsError", nil, EventError, true},
		{"AllGetsCancelled", nil, EventCancelled, true},
		{"AllLeavesOutRunning", nil, EventRunning, false},
		{"RunningByName", []string{EventRunning}, EventRunning, true},
		{"OnlyNamed", []string{EventSuccess}, EventPending, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := (Webhook{Events: tc.events}).Subscribes(tc.event); got != tc.want {
				t.Errorf("Webhook{Events: %v}.Subscribes(%q) = %v, want %v", tc.events, tc.event, got, tc.want)
			}
		})
	}
}

func TestDecodeWebhookEvents(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		events  string
		wantErr string
	}{
		{"Extract", `["extract.pending","extract.success"]`, ""},
		{"OtherProducts", `["parse.success","parse.running","classify.error","split.processing","sheets.pending","batch.success","unmapped_event"]`, ""},
		{"RunningOptIn", `["extract.running"]`, ""},
		{"Null", `null`, ""},
		{"Unknown", `["extract.done"]`, `"extract.done" is not an event`},
		{"Empty", `[]`, "subscribes to nothing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := json.RawMessage(`{"webhook_url":"https://example.com/hook","webhook_events":` + tc.events + `}`)
			_, err := DecodeWebhook(raw, "webhook_configurations[0]")
			if tc.wantErr == "" && err != nil {
				t.Fatalf("DecodeWebhook(%s) = %v, want no error", raw, err)
			}
			if tc.wantErr != "" && (err == nil || ErrorCode(err) != CodeInvalid || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("DecodeWebhook(%s) = %v, want an invalid error saying %q", raw, err, tc.wantErr)
			}
		})
	}
}
