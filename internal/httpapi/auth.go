package httpapi

import (
	"context"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/quarrylabs/quarry/internal/extract"
)

type principalKey struct{}

// principal returns who the request acts for; authed routes always have one.
func principal(ctx context.Context) extract.Principal {
	p, _ := ctx.Value(principalKey{}).(extract.Principal)
	return p
}

// authenticate checks the Bearer key and resolves the project the request
// acts in: the key's default project, or project_id when given, which must
// belong to the key's organization.
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
	p := extract.Principal{KeyID: key.ID, OrganizationID: key.OrganizationID, ProjectID: key.ProjectID}
	q := r.URL.Query()
	if org := q.Get("organization_id"); org != "" && org != key.OrganizationID {
		return extract.Principal{}, extract.Errorf(extract.CodeForbidden, "organization %q is not accessible with this API key", org)
	}
	if prj := q.Get("project_id"); prj != "" && prj != key.ProjectID {
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
