package webhook

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
)

// Config configures a Sender. Zero values take the documented defaults.
type Config struct {
	// AllowPrivate allows loopback, private, link-local and other
	// non-public addresses, for receivers on the same host or network.
	// Defaults to false: a webhook URL is the user's to choose, and must not
	// reach into the network Quarry runs in.
	AllowPrivate bool
	// Timeout bounds one attempt, reply included. Defaults to 10 seconds.
	Timeout time.Duration
	// MaxRedirects is how many redirects an attempt follows. Defaults to 5.
	MaxRedirects int
	// MaxReplyBytes is how much of a reply is read (so the connection can
	// be reused) before it is dropped. Defaults to 64 KiB.
	MaxReplyBytes int64
	// UserAgent names Quarry to receivers. Defaults to "Quarry-Webhook/1".
	UserAgent string
}

// WithDefaults returns the config with zero fields set to their defaults.
func (c Config) WithDefaults() Config {
	c.Timeout = cmp.Or(c.Timeout, 10*time.Second)
	c.MaxRedirects = cmp.Or(c.MaxRedirects, 5)
	c.MaxReplyBytes = cmp.Or(c.MaxReplyBytes, 64<<10)
	c.UserAgent = cmp.Or(c.UserAgent, "Quarry-Webhook/1")
	return c
}

// Sender makes delivery attempts over HTTP.
type Sender struct {
	cfg    Config
	client *http.Client
}

// NewSender returns a Sender. Unless cfg.AllowPrivate, every connection it
// opens, to the first URL or a redirect's, is checked after DNS
// resolution: the check runs on the address being dialled, so a name that
// resolves (or is rebound) to a private address is refused too. No proxy
// from the environment is used, as it would dial in the sender's stead.
func NewSender(cfg Config) *Sender {
	cfg = cfg.WithDefaults()
	dialer := &net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}
	if !cfg.AllowPrivate {
		dialer.Control = refusePrivate
	}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
	}
	client := &http.Client{
		Transport: transport,
		Timeout:   cfg.Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > cfg.MaxRedirects {
				return fmt.Errorf("stopped after %d redirects", cfg.MaxRedirects)
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("redirect to a %s URL", req.URL.Scheme)
			}
			if !sameOrigin(req.URL, via[0].URL) {
				// The client copies every header to the next request
				// and strips only Authorization and cookies: the user's
				// webhook_headers (API keys of the receiver) and the
				// signature would reach whoever the receiver redirects
				// to. Only what says what the delivery is goes on.
				for k := range req.Header {
					if !crossOriginHeaders[http.CanonicalHeaderKey(k)] {
						req.Header.Del(k)
					}
				}
			}
			return nil
		},
	}
	return &Sender{cfg: cfg, client: client}
}

// crossOriginHeaders are the headers a delivery keeps when redirected to
// another origin: none of them is a secret.
var crossOriginHeaders = map[string]bool{
	"Content-Type": true, "User-Agent": true, "Lc-Event-Id": true, "Lc-Event-Type": true,
	"Content-Length": true, "Referer": true,
}

// sameOrigin reports whether a and b have the same scheme, host and port.
func sameOrigin(a, b *url.URL) bool {
	port := func(u *url.URL) string {
		if p := u.Port(); p != "" {
			return p
		}
		if u.Scheme == "https" {
			return "443"
		}
		return "80"
	}
	return a.Scheme == b.Scheme && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

// AddressError is the refusal of an address that is not public.
type AddressError struct {
	Addr netip.Addr
}

func (e *AddressError) Error() string {
	return fmt.Sprintf("address %s is not public (loopback, private, link-local, multicast or reserved); start the server with --webhook-allow-private to allow it", e.Addr)
}

// refusePrivate is a net.Dialer Control hook: it sees the resolved address
// of every connection just before it is made.
func refusePrivate(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook: unexpected dial address %q: %w", address, err)
	}
	if !Public(ap.Addr()) {
		return &AddressError{Addr: ap.Addr()}
	}
	return nil
}

// nonPublic are ranges the netip predicates do not cover: shared address
// space (carrier-grade NAT), IETF protocol assignments, benchmarking,
// reserved, and the IPv4 ranges seen through NAT64.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("fec0::/10"),
}

var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// Public reports whether a is an address a webhook may reach by default.
func Public(a netip.Addr) bool {
	a = a.Unmap()
	if nat64.Contains(a) {
		b := a.As16()
		return Public(netip.AddrFrom4([4]byte(b[12:])))
	}
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() ||
		a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// Send makes one attempt at d. delivered is true on a 2xx reply; retry
// says whether another attempt may succeed (false when the address was
// refused: only a change of server settings helps).
func (s *Sender) Send(ctx context.Context, d extract.WebhookDelivery) (a extract.WebhookAttempt, delivered, retry bool) {
	a.At = time.Now().UTC()
	defer func() { a.Duration = time.Since(a.At) }()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Webhook.URL, bytes.NewReader(d.Payload))
	if err != nil {
		a.Error = fmt.Sprintf("bad webhook URL: %v", err)
		return a, false, false
	}
	for k, v := range d.Webhook.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.cfg.UserAgent)
	req.Header.Set("LC-Event-Id", d.EventID)
	req.Header.Set("LC-Event-Type", d.Event)
	if d.Webhook.SigningSecret != "" {
		req.Header.Set(SignatureHeader, Sign(d.Webhook.SigningSecret, d.Payload))
	}
	resp, err := s.client.Do(req)
	if err != nil {
		var refused *AddressError
		if errors.As(err, &refused) {
			a.Error = refused.Error()
			return a, false, false
		}
		a.Error = describe(err)
		return a, false, true
	}
	// Read a little so the connection can be reused; a receiver's reply
	// means nothing to Quarry beyond its status.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, s.cfg.MaxReplyBytes))
	resp.Body.Close()
	a.StatusCode = resp.StatusCode
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		a.Error = fmt.Sprintf("the receiver answered %s", resp.Status)
		return a, false, true
	}
	return a, true, false
}

// describe says what went wrong with a request in words for the delivery
// log, without the URL (which may carry a token in its query).
func describe(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if ue.Timeout() {
			return "timed out waiting for the receiver"
		}
		return ue.Err.Error()
	}
	return err.Error()
}
