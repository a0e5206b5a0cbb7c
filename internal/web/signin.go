package web

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/quarrylabs/quarry/client"
)

// signInTTL is how long the sign-in form's CSRF token lives.
const signInTTL = time.Hour

func (s *Server) signInForm(w http.ResponseWriter, r *http.Request) error {
	if s.sessions.get(r) != nil {
		http.Redirect(w, r, localPath(r.URL.Query().Get("next")), http.StatusSeeOther)
		return nil
	}
	w.Header().Set("Cache-Control", "no-store")
	msg := ""
	if r.URL.Query().Get("expired") != "" {
		msg = "Your session ended: the API key is no longer valid. Sign in with a valid key."
	}
	s.showSignIn(w, r, http.StatusOK, r.URL.Query().Get("next"), msg)
	return nil
}

// showSignIn renders the form with a fresh CSRF token, bound to the
// browser by a cookie of its own (double submit): there is no session to
// bind it to yet, and without it another site could sign a browser in
// with the attacker's key.
func (s *Server) showSignIn(w http.ResponseWriter, r *http.Request, status int, next, message string) {
	token := randomToken()
	setCookie(w, r, signInCookie, token, signInTTL)
	s.show(w, r, status, "sign-in", nil, map[string]any{
		"Title": "Sign in", "CSRF": token, "Next": next, "Error": message,
	})
}

func (s *Server) signIn(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Cache-Control", "no-store")
	if err := checkOrigin(r); err != nil {
		return err
	}
	c, err := r.Cookie(signInCookie)
	form := r.PostFormValue("csrf")
	if err != nil || form == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(form)) != 1 {
		return errCSRF
	}
	next := r.PostFormValue("next")
	key := strings.TrimSpace(r.PostFormValue("api_key"))
	if key == "" {
		s.showSignIn(w, r, http.StatusUnprocessableEntity, next, "Enter an API key.")
		return nil
	}
	api, err := s.newClient(key)
	if err != nil {
		return err
	}
	// Any authenticated call proves the key; a one-job listing is the
	// cheapest one every key may make.
	if _, err := api.Extract.ListPage(r.Context(), &client.ListJobsParams{PageSize: 1}); err != nil {
		var apiErr *client.APIError
		if errors.As(err, &apiErr) && (apiErr.StatusCode == http.StatusUnauthorized || apiErr.StatusCode == http.StatusForbidden) {
			s.showSignIn(w, r, http.StatusUnauthorized, next, "That API key was not accepted: "+apiErr.Detail)
			return nil
		}
		return err
	}
	hint := key
	if len(hint) > 8 {
		hint = hint[:8] + "…"
	}
	id, _ := s.sessions.create(api, hint)
	setSessionCookie(w, r, id, s.cfg.SessionTTL)
	setCookie(w, r, signInCookie, "", -time.Second)
	http.Redirect(w, r, localPath(next), http.StatusSeeOther)
	return nil
}

func (s *Server) signOut(w http.ResponseWriter, r *http.Request, _ *session) error {
	s.sessions.delete(r)
	clearSessionCookie(w, r)
	http.Redirect(w, r, "/ui/sign-in", http.StatusSeeOther)
	return nil
}
