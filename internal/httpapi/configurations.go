package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/id"
	"github.com/quarrylabs/quarry/internal/pagetoken"
)

// productTypes are the product types the client's list filter names.
var productTypes = []string{"classify_v2", extract.ProductExtractV2, "parse_v2", "split_v1", "spreadsheet_v1", "unknown"}

type configurationRequest struct {
	Name       *string         `json:"name"`
	Parameters json.RawMessage `json:"parameters"`
}

// parseParameters reads saved-configuration parameters: an extract_v2
// configuration with its product type.
func parseParameters(raw json.RawMessage) (extract.Configuration, error) {
	var head struct {
		ProductType string `json:"product_type"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return extract.Configuration{}, extract.Errorf(extract.CodeInvalid, "parameters must be a JSON object")
	}
	if head.ProductType != extract.ProductExtractV2 {
		return extract.Configuration{}, extract.Errorf(extract.CodeInvalid, "parameters.product_type must be %q (got %q): Quarry stores extraction configurations only", extract.ProductExtractV2, head.ProductType)
	}
	return checkConfiguration(raw, "parameters", "product_type")
}

func checkName(name *string) (string, error) {
	if name == nil || strings.TrimSpace(*name) == "" {
		return "", extract.Errorf(extract.CodeInvalid, "name is required")
	}
	if len(*name) > 255 {
		return "", extract.Errorf(extract.CodeInvalid, "name is longer than 255 characters")
	}
	if strings.ContainsFunc(*name, unicode.IsControl) {
		return "", extract.Errorf(extract.CodeInvalid, "name contains a control character (a newline, tab or NUL); use printable characters only")
	}
	return strings.TrimSpace(*name), nil
}

func (s *Server) createConfiguration(w http.ResponseWriter, r *http.Request) error {
	p := principal(r.Context())
	var req configurationRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	name, err := checkName(req.Name)
	if err != nil {
		return err
	}
	if isNull(req.Parameters) {
		return extract.Errorf(extract.CodeInvalid, "parameters is required: {\"product_type\": \"extract_v2\", \"data_schema\": {…}}")
	}
	cfg, err := parseParameters(req.Parameters)
	if err != nil {
		return err
	}
	now := s.cfg.Now().UTC()
	c := extract.SavedConfiguration{
		ID: id.New(id.Configuration), ProjectID: p.ProjectID, Name: name, ProductType: extract.ProductExtractV2,
		Configuration: cfg, Version: 1, CreatedAt: now, UpdatedAt: now,
	}
	// The hosted service documents create as an upsert: a configuration of
	// the project with this name and product type takes the new parameters
	// (a new version) instead of a second one being made.
	stored, created, err := s.store.UpsertConfiguration(r.Context(), c)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, toConfigJSON(stored))
	return nil
}

func (s *Server) getConfiguration(w http.ResponseWriter, r *http.Request) error {
	c, err := s.store.Configuration(r.Context(), principal(r.Context()).ProjectID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toConfigJSON(c))
	return nil
}

func (s *Server) updateConfiguration(w http.ResponseWriter, r *http.Request) error {
	p := principal(r.Context())
	var req configurationRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	c, err := s.store.Configuration(r.Context(), p.ProjectID, r.PathValue("id"))
	if err != nil {
		return err
	}
	if req.Name != nil {
		name, err := checkName(req.Name)
		if err != nil {
			return err
		}
		if name != c.Name {
			if err := s.checkNameFree(r.Context(), c, name); err != nil {
				return err
			}
		}
		c.Name = name
	}
	// Every update is a new version, and the version is its time: later
	// than the one before, even within its millisecond.
	next := c.UpdatedAt.Add(time.Millisecond)
	c.UpdatedAt = s.cfg.Now().UTC()
	if c.UpdatedAt.Before(next) {
		c.UpdatedAt = next
	}
	if !isNull(req.Parameters) {
		if c.Configuration, err = parseParameters(req.Parameters); err != nil {
			return err
		}
	}
	updated, err := s.store.UpdateConfiguration(r.Context(), c)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toConfigJSON(updated))
	return nil
}

// checkNameFree refuses to rename c to a name another configuration of its
// project and product type has: create being an upsert by name, two of
// one name would leave it unclear which a create updates.
func (s *Server) checkNameFree(ctx context.Context, c extract.SavedConfiguration, name string) error {
	taken, err := s.store.ListConfigurations(ctx, extract.ConfigFilter{ProjectID: c.ProjectID, Name: name, ProductType: c.ProductType}, extract.Page{Limit: 1})
	if err != nil {
		return err
	}
	if len(taken) > 0 {
		return extract.Errorf(extract.CodeConflict, "configuration %s is already named %q; choose another name, or update or delete that one", taken[0].ID, name)
	}
	return nil
}

func (s *Server) deleteConfiguration(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.DeleteConfiguration(r.Context(), principal(r.Context()).ProjectID, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) listConfigurations(w http.ResponseWriter, r *http.Request) error {
	p := principal(r.Context())
	q := r.URL.Query()
	size, err := pageSize(r)
	if err != nil {
		return err
	}
	f := extract.ConfigFilter{ProjectID: p.ProjectID, Name: q.Get("name")}
	if v := q.Get("latest_only"); v != "" {
		if f.LatestOnly, err = strconv.ParseBool(v); err != nil {
			return extract.Errorf(extract.CodeInvalid, "latest_only must be true or false, got %q", v)
		}
	}
	// Only extract_v2 configurations exist here: a filter for other
	// product types matches nothing.
	types := multi(r, "product_type")
	for _, t := range types {
		if !slices.Contains(productTypes, t) {
			return extract.Errorf(extract.CodeInvalid, "product_type %q is not one of %s", t, strings.Join(productTypes, ", "))
		}
		if t == extract.ProductExtractV2 {
			f.ProductType = t
		}
	}
	out := listJSON[configJSON]{Items: []configJSON{}}
	if len(types) > 0 && f.ProductType == "" {
		writeJSON(w, http.StatusOK, out)
		return nil
	}
	parts := []string{"configurations", p.ProjectID, f.Name, f.ProductType}
	if f.LatestOnly {
		parts = append(parts, "latest_only")
	}
	scope := pagetoken.Scope(parts...)
	page := extract.Page{Limit: size + 1}
	if tok := q.Get("page_token"); tok != "" {
		c, err := s.tokens.Open(scope, tok)
		if err != nil {
			return err
		}
		page.After = &c
	}
	cs, err := s.store.ListConfigurations(r.Context(), f, page)
	if err != nil {
		return err
	}
	if len(cs) > size {
		cs = cs[:size]
		last := cs[size-1]
		out.NextPageToken = s.tokens.Seal(scope, extract.Cursor{CreatedAt: last.CreatedAt, ID: last.ID})
	}
	for _, c := range cs {
		out.Items = append(out.Items, toConfigJSON(c))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
