package webhook_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/webhook"
)

func TestPublic(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr string
		want bool
	}{
		{"93.184.216.34", true},
		{"2606:2800:220:1:248:1893:25c8:1946", true},
		{"127.0.0.1", false},
		{"::1", false},
		{"10.1.2.3", false},
		{"172.16.0.1", false},
		{"192.168.1.1", false},
		{"169.254.169.254", false}, // cloud metadata
		{"fe80::1", false},
		{"fc00::1", false},
		{"0.0.0.0", false},
		{"::", false},
		{"224.0.0.1", false},
		{"ff02::1", false},
		{"100.64.0.1", false},
		{"::ffff:127.0.0.1", false},
		{"64:ff9b::a00:1", false}, // 10.0.0.1 through NAT64
		{"64:ff9b::5db8:d822", true},
	}
	for _, tt := range tests {
		if got := webhook.Public(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("Public(%s) = %v, want %v", tt.addr, got, tt.want)
		}
	}
}

func TestSignVerify(t *testing.T) {
	t.Parallel()
	body := []byte(`{"event_type":"extract.success"}`)
	sig := webhook.Sign("secret", body)
	// HMAC-SHA256 of body under "secret", as openssl computes it:
	// printf '%s' "$body" | openssl dgst -sha256 -hmac secret
	const want = "sha256=7db1f9e78e1a51fa23ce69c556f6c0e64bf020a158061e3a32de6b975d17ebf7"
	if sig != want {
		t.Fatalf("Sign = %q, want %q", sig, want)
	}
	if !webhook.Verify("secret", body, sig) {
		t.Errorf("Verify(own signature) = false")
	}
	if webhook.Verify("other", body, sig) || webhook.Verify("secret", append(body, ' '), sig) {
		t.Errorf("Verify accepted a wrong secret or an altered body")
	}
}

func TestSenderRefusesLoopback(t *testing.T) {
	t.Parallel()
	called := false
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
	defer srv.Close()
	d := extract.WebhookDelivery{Webhook: extract.Webhook{URL: srv.URL}, Payload: []byte(`{}`)}

	a, delivered, retry := webhook.NewSender(webhook.Config{}).Send(t.Context(), d)
	if delivered || retry || !strings.Contains(a.Error, "not public") || called {
		t.Errorf("Send(loopback) = %+v, delivered %v, retry %v, reached %v; want refused for good", a, delivered, retry, called)
	}
	a, delivered, _ = webhook.NewSender(webhook.Config{AllowPrivate: true}).Send(t.Context(), d)
	if !delivered || a.StatusCode != http.StatusOK || !called {
		t.Errorf("Send(loopback, allowed) = %+v, delivered %v; want 200", a, delivered)
	}
}

// TestSenderRedirectKeepsSecrets: a delivery redirected to another origin
// arrives without the user's custom headers and the signature, which are
// meant for the receiver they configured; redirected within the origin it
// keeps them.
func TestSenderRedirectKeepsSecrets(t *testing.T) {
	t.Parallel()
	got := make(chan http.Header, 1)
	final := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got <- r.Header.Clone() }))
	defer final.Close()
	// The receiver redirects /away to the other server, /here to itself.
	var receiver *httptest.Server
	receiver = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, final.URL+"/hook", http.StatusTemporaryRedirect)
		case "/here":
			http.Redirect(w, r, "/end", http.StatusTemporaryRedirect)
		default:
			got <- r.Header.Clone()
		}
	}))
	defer receiver.Close()
	sender := webhook.NewSender(webhook.Config{AllowPrivate: true})
	for _, tc := range []struct {
		path string
		kept bool
	}{{"/away", false}, {"/here", true}} {
		d := extract.WebhookDelivery{
			Webhook: extract.Webhook{URL: receiver.URL + tc.path, SigningSecret: "s3cret",
				Headers: map[string]string{"X-Api-Key": "receiver-key", "Authorization": "Bearer receiver-token"}},
			EventID: "evt-1", Event: "extract.success", Payload: []byte(`{}`),
		}
		a, delivered, _ := sender.Send(t.Context(), d)
		if !delivered {
			t.Fatalf("Send(%s) = %+v, want delivered", tc.path, a)
		}
		h := <-got
		for _, k := range []string{"X-Api-Key", "Authorization", webhook.SignatureHeader} {
			if has := h.Get(k) != ""; has != tc.kept {
				t.Errorf("redirected by %s: header %s present %v, want %v", tc.path, k, has, tc.kept)
			}
		}
		if h.Get("LC-Event-Id") != "evt-1" || h.Get("Content-Type") != "application/json" {
			t.Errorf("redirected by %s: headers %v, want the event id and content type", tc.path, h)
		}
	}
}
