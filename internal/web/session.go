package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/quarrylabs/quarry/client"
)

// sessionCookie holds the session id; signInCookie the CSRF token of the
// sign-in form, before there is a session to bind one to.
const (
	sessionCookie = "quarry_session"
	signInCookie  = "quarry_sign_in"
)

// session is one signed-in browser.
type session struct {
	// api calls the API in process with the key the user signed in with.
	// The key lives only here, in the server's memory.
	api *client.Client
	// keyHint is the start of the key, to show who is signed in.
	keyHint string
	// csrf is the token every form and script POST must carry.
	csrf    string
	expires time.Time
}

// CSRF is the token the session's forms carry.
func (s *session) CSRF() string { return s.csrf }

// KeyHint is the start of the signed-in key.
func (s *session) KeyHint() string { return s.keyHint }

func (s *session) validCSRF(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.csrf)) == 1
}

// sessions keeps the signed-in browsers in memory, by the SHA-256 of their
// session id: the id itself is only ever in the browser's cookie. Sessions
// end at sign-out, at expiry and when the server restarts. Expired ones are
// dropped as new ones are made, so no goroutine is needed to sweep them.
//
// Behind several API processes, a browser must reach the process it signed
// in at (sticky sessions), or sign in again at the next one.
type sessions struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu sync.Mutex
	m  map[[sha256.Size]byte]*session
}

func newSessions(ttl time.Duration, max int, now func() time.Time) *sessions {
	return &sessions{ttl: ttl, max: max, now: now, m: map[[sha256.Size]byte]*session{}}
}

// create starts a session and returns its id, for the cookie.
func (ss *sessions) create(api *client.Client, keyHint string) (id string, sess *session) {
	id = randomToken()
	sess = &session{api: api, keyHint: keyHint, csrf: randomToken(), expires: ss.now().Add(ss.ttl)}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	now := ss.now()
	for k, s := range ss.m {
		if !now.Before(s.expires) {
			delete(ss.m, k)
		}
	}
	if len(ss.m) >= ss.max {
		var oldest [sha256.Size]byte
		var first time.Time
		for k, s := range ss.m {
			if first.IsZero() || s.expires.Before(first) {
				oldest, first = k, s.expires
			}
		}
		delete(ss.m, oldest)
	}
	ss.m[sha256.Sum256([]byte(id))] = sess
	return id, sess
}

// get returns the request's live session, or nil.
func (ss *sessions) get(r *http.Request) *session {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	k := sha256.Sum256([]byte(c.Value))
	ss.mu.Lock()
	defer ss.mu.Unlock()
	sess, ok := ss.m[k]
	if !ok {
		return nil
	}
	if !ss.now().Before(sess.expires) {
		delete(ss.m, k)
		return nil
	}
	return sess
}

// delete ends the request's session, if it has one.
func (ss *sessions) delete(r *http.Request) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return
	}
	ss.mu.Lock()
	delete(ss.m, sha256.Sum256([]byte(c.Value)))
	ss.mu.Unlock()
}

// randomToken is 256 random bits, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b)
}

// secure reports whether the browser reached us over TLS, directly or
// through a proxy that says so; only then can a cookie be marked Secure
// and still come back.
func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: "/ui/", MaxAge: int(maxAge.Seconds()),
		HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteStrictMode,
	})
}

func setSessionCookie(w http.ResponseWriter, r *http.Request, id string, ttl time.Duration) {
	setCookie(w, r, sessionCookie, id, ttl)
}

func clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: "", Path: "/ui/", MaxAge: -1,
		HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteStrictMode,
	})
}

// errCSRF refuses a POST without the session's token: a form on another
// site, or a page left open across a sign-in.
var errCSRF = &pageError{status: http.StatusForbidden, message: "The form was out of date or did not come from this dashboard; reload the page and try again."}

// csrfFromRequest is the token a script sends in X-CSRF-Token or a form in
// its csrf field.
func csrfFromRequest(r *http.Request) string {
	if t := r.Header.Get("X-CSRF-Token"); t != "" {
		return t
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return r.PostFormValue("csrf")
	}
	return ""
}

// checkOrigin refuses a POST that a browser says came from another origin.
// The CSRF token is the real defence; this one costs nothing and also
// covers the sign-in form.
func checkOrigin(r *http.Request) error {
	origin := r.Header.Get("Origin")
	if origin == "" || origin == "null" && r.Header.Get("Sec-Fetch-Site") == "same-origin" {
		return nil
	}
	u, err := url.Parse(origin)
	if err != nil || !strings.EqualFold(u.Host, r.Host) {
		return errCSRF
	}
	return nil
}

// localPath returns next if it is a dashboard path on this server, else the
// jobs page, so that a sign-in link cannot send the user elsewhere.
func localPath(next string) string {
	if strings.HasPrefix(next, "/ui/") && !strings.HasPrefix(next, "/ui//") && !strings.ContainsAny(next, "\\\r\n") {
		return next
	}
	return "/ui/jobs"
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
