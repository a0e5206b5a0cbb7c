package httpapi

import (
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/quarrylabs/quarry/internal/extract"
)

// RateLimit is the request budget of one API key: a token bucket refilled at
// PerSecond requests a second that holds up to Burst. A zero PerSecond turns
// limiting off.
type RateLimit struct {
	PerSecond float64
	Burst     int
}

// keyLimiter holds one token bucket per API key. The map only ever holds
// keys that authenticated, so it is bounded by the number of keys in the
// database and needs no eviction.
type keyLimiter struct {
	limit RateLimit
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

func newKeyLimiter(l RateLimit, now func() time.Time) *keyLimiter {
	if l.PerSecond <= 0 {
		return nil
	}
	return &keyLimiter{limit: l, now: now, buckets: map[string]*rate.Limiter{}}
}

// allow takes one request from the key's bucket, or says how long until one
// is there.
func (k *keyLimiter) allow(keyID string) (ok bool, retryAfter time.Duration) {
	if k == nil {
		return true, 0
	}
	k.mu.Lock()
	b, found := k.buckets[keyID]
	if !found {
		b = rate.NewLimiter(rate.Limit(k.limit.PerSecond), max(k.limit.Burst, 1))
		k.buckets[keyID] = b
	}
	k.mu.Unlock()
	now := k.now()
	r := b.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		// Nothing is consumed by a refused request: the client is told when
		// to come back, and a client that waits that long is served.
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// rateLimited answers a request over its key's budget: 429 with Retry-After
// in whole seconds, rounded up so that a client waiting that long finds a
// token.
func (s *Server) rateLimited(w http.ResponseWriter, retryAfter time.Duration) error {
	secs := int(math.Ceil(retryAfter.Seconds()))
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	return extract.Errorf(extract.CodeTooManyRequests,
		"rate limit exceeded: this API key may send %g requests a second (bursts of %d); retry after %d s",
		s.cfg.RateLimit.PerSecond, max(s.cfg.RateLimit.Burst, 1), max(secs, 1))
}

// limitBody caps a request body other than an upload at MaxBodyBytes and
// gives the client BodyTimeout to send it. The deadline is lifted once the
// body is read: the server keeps reading the connection in the background
// to notice a client that goes away, and a deadline left in place would
// end the request's context in the middle of long work.
func (s *Server) limitBody(w http.ResponseWriter, r *http.Request) io.ReadCloser {
	body := http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes)
	if r.Body == nil || r.Body == http.NoBody {
		return body
	}
	rc := http.NewResponseController(w)
	if rc.SetReadDeadline(time.Now().Add(s.cfg.BodyTimeout)) != nil {
		return body
	}
	return &deadlineBody{ReadCloser: body, rc: rc}
}

// deadlineBody lifts the connection's read deadline when the body ends.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	// Only a whole body lifts it: after a timeout the deadline must stay
	// passed, or the server would wait for the rest of the body to
	// discard it before it can reply and close.
	if errors.Is(err, io.EOF) && !b.done {
		b.done = true
		_ = b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}
