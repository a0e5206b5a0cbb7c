package client

import (
	"context"
	"iter"
	"net/http"
	"net/url"

	"github.com/quarrylabs/quarry/client/apitype"
)

// ConfigurationsService is the saved configurations API:
// /api/v1/beta/configurations. A saved configuration lets jobs be created
// by id (CreateJobParams.ConfigurationID) instead of repeating the schema.
type ConfigurationsService struct{ c *Client }

// Create saves a configuration. An empty Parameters.ProductType is sent as
// apitype.ProductExtractV2.
func (s *ConfigurationsService) Create(ctx context.Context, params CreateConfigurationParams) (*SavedConfiguration, error) {
	if params.Parameters.ProductType == "" {
		params.Parameters.ProductType = apitype.ProductExtractV2
	}
	var out SavedConfiguration
	if err := s.c.do(ctx, request{method: http.MethodPost, path: "/api/v1/beta/configurations", body: params}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Get returns a saved configuration.
func (s *ConfigurationsService) Get(ctx context.Context, configID string) (*SavedConfiguration, error) {
	var out SavedConfiguration
	if err := s.c.do(ctx, request{method: http.MethodGet, path: configPath(configID)}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Update renames a saved configuration or replaces its parameters (nil
// members of params are left as they are) and returns it with its version
// counted up. Jobs already created from it keep the copy they started
// with.
func (s *ConfigurationsService) Update(ctx context.Context, configID string, params UpdateConfigurationParams) (*SavedConfiguration, error) {
	if params.Parameters != nil && params.Parameters.ProductType == "" {
		p := *params.Parameters
		p.ProductType = apitype.ProductExtractV2
		params.Parameters = &p
	}
	var out SavedConfiguration
	if err := s.c.do(ctx, request{method: http.MethodPut, path: configPath(configID), body: params}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Delete deletes a saved configuration.
func (s *ConfigurationsService) Delete(ctx context.Context, configID string) error {
	return s.c.do(ctx, request{method: http.MethodDelete, path: configPath(configID)}, nil)
}

// ListPage fetches one page of saved configurations; params may be nil.
func (s *ConfigurationsService) ListPage(ctx context.Context, params *ListConfigurationsParams) (*SavedConfigurationPage, error) {
	if params == nil {
		params = &ListConfigurationsParams{}
	}
	var page SavedConfigurationPage
	if err := s.c.do(ctx, request{method: http.MethodGet, path: "/api/v1/beta/configurations", query: params.query(url.Values{})}, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// List walks every saved configuration that matches params (which may be
// nil), fetching pages as the loop needs them; see ExtractService.List.
func (s *ConfigurationsService) List(ctx context.Context, params *ListConfigurationsParams) iter.Seq2[SavedConfiguration, error] {
	p := ListConfigurationsParams{}
	if params != nil {
		p = *params
	}
	return all(ctx, p.PageToken, func(ctx context.Context, token string) (*SavedConfigurationPage, error) {
		p.PageToken = token
		return s.ListPage(ctx, &p)
	})
}

func configPath(id string) string { return "/api/v1/beta/configurations/" + url.PathEscape(id) }
