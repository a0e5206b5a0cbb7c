package httpapi

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
)

type principalKey struct{}

// principal returns who the request acts for; authed routes always have one.
func principal(ctx context.Context) extract.Principal {
	p, _ := ctx.Value(principalKey{}).(extract.Principal)
	return p
}

// authenticate checks the Bearer key and resolves the project the request
// acts in: the key's project. A key made organization-wide may name another
// project of its organization with project_id; any other key naming a
// project not its own is refused, even in its organization, so that a key
// handed to one project's users reaches nothing else.
func (s *Server) authenticate(r *http.Request) (extract.Principal, error) {
	h := r.Header.Get("Authorization")
	scheme, secret, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		if h == "" {
			return extract.Principal{}, extract.Errorf(extract.CodeUnauthorized, "missing API key: send it as \"Authorization: Bearer <key>\"")
		}
		return extract.Principal{}, extract.Errorf(extract.CodeUnauthorized, "the Authorization header must be \"Bearer <key>\"")
	}
	hash := extract.HashAPIKey(secret)
	key, err := s.store.APIKeyByHash(r.Context(), hash)
	if extract.IsNotFound(err) {
		return extract.Principal{}, extract.Errorf(extract.CodeUnauthorized, "invalid API key")
	}
	if err != nil {
		return extract.Principal{}, err
	}
	// The lookup was by hash; compare again in constant time so that no
	// code path ever compares key material byte by byte.
	if subtle.ConstantTimeCompare(key.Hash, hash) != 1 {
		return extract.Principal{}, extract.Errorf(extract.CodeUnauthorized, "invalid API key")
	}
	if key.RevokedAt != nil {
		return extract.Principal{}, extract.Errorf(extract.CodeUnauthorized, "this API key was revoked")
	}
	s.touchKey(r.Context(), key)
	p := extract.Principal{KeyID: key.ID, OrganizationID: key.OrganizationID, ProjectID: key.ProjectID}
	q := r.URL.Query()
	if org := q.Get("organization_id"); org != "" && org != key.OrganizationID {
		return extract.Principal{}, extract.Errorf(extract.CodeForbidden, "organization %q is not accessible with this API key", org)
	}
	if prj := q.Get("project_id"); prj != "" && prj != key.ProjectID {
		if !key.OrganizationWide {
			return extract.Principal{}, extract.Errorf(extract.CodeForbidden,
				"project %q is not accessible with this API key: the key is scoped to project %q (an organization-wide key, made with \"quarry keys create --organization-wide\", may name any project of its organization)",
				prj, key.ProjectID)
		}
		project, err := s.store.Project(r.Context(), prj)
		if err != nil && !extract.IsNotFound(err) {
			return extract.Principal{}, err
		}
		if err != nil || project.OrganizationID != key.OrganizationID {
			return extract.Principal{}, extract.Errorf(extract.CodeForbidden, "project %q is not accessible with this API key", prj)
		}
		p.ProjectID = prj
	}
	return p, nil
}

// keyTouchInterval is how stale a key's recorded last use may get: a key in
// steady use costs a write a minute in each API process, not one a request.
const keyTouchInterval = time.Minute

// touchKey records the use of key if its recorded last use is older than
// keyTouchInterval and no other request of this process has just done it.
// A failure is logged, not returned: the request itself is allowed.
func (s *Server) touchKey(ctx context.Context, key extract.APIKey) {
	now := s.cfg.Now()
	if key.LastUsedAt != nil && now.Sub(*key.LastUsedAt) < keyTouchInterval {
		return
	}
	prev, ok := s.touched.Load(key.ID)
	switch {
	case ok && now.Sub(prev.(time.Time)) < keyTouchInterval:
		return
	case ok && !s.touched.CompareAndSwap(key.ID, prev, now):
		return // a concurrent request of this process took it
	case !ok:
		if _, loaded := s.touched.LoadOrStore(key.ID, now); loaded {
			return
		}
	}
	if err := s.store.TouchAPIKey(ctx, key.ID, now.UTC()); err != nil {
		s.log.WarnContext(ctx, "record API key use", "key_id", key.ID, "err", err)
	}
}
