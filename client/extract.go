package client

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"net/url"
)

// ExtractService is the extraction API: /api/v2/extract.
type ExtractService struct{ c *Client }

// Create starts an extraction job and returns it PENDING (or THROTTLED).
// Give exactly one of params.Configuration and params.ConfigurationID.
//
// The request carries params.IdempotencyKey, or a fresh key when it is
// empty, so that a create retried after a lost reply returns the job the
// first attempt made.
func (s *ExtractService) Create(ctx context.Context, params CreateJobParams) (*Job, error) {
	key := params.IdempotencyKey
	if key == "" {
		key = newIdempotencyKey()
	}
	var job Job
	err := s.c.do(ctx, request{
		method: http.MethodPost, path: "/api/v2/extract",
		body: params, header: http.Header{"Idempotency-Key": {key}},
	}, &job)
	if err != nil {
		return nil, err
	}
	return &job, nil
}

// Get returns a job. expand adds optional parts: apitype.ExpandConfiguration,
// apitype.ExpandExtractMetadata, apitype.ExpandMetadata. The result
// (ExtractResult) is set once the job has COMPLETED.
func (s *ExtractService) Get(ctx context.Context, jobID string, expand ...string) (*Job, error) {
	q := url.Values{}
	if ex := nonEmpty(expand); len(ex) > 0 {
		q["expand"] = ex
	}
	var job Job
	if err := s.c.do(ctx, request{method: http.MethodGet, path: jobPath(jobID), query: q}, &job); err != nil {
		return nil, err
	}
	return &job, nil
}

// ListPage fetches one page of jobs, newest first; params may be nil. Pass
// the page's NextPageToken as params.PageToken, with the same filters, for
// the next page; it is empty on the last page.
func (s *ExtractService) ListPage(ctx context.Context, params *ListJobsParams) (*JobPage, error) {
	if params == nil {
		params = &ListJobsParams{}
	}
	var page JobPage
	if err := s.c.do(ctx, request{method: http.MethodGet, path: "/api/v2/extract", query: params.query(url.Values{})}, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// List walks every job that matches params (which may be nil), newest
// first, from params.PageToken on. Pages are fetched as the loop needs
// them, so breaking out early costs no further requests. The walk stops at
// the first error, which it yields, or when ctx ends.
func (s *ExtractService) List(ctx context.Context, params *ListJobsParams) iter.Seq2[Job, error] {
	p := ListJobsParams{}
	if params != nil {
		p = *params
	}
	return all(ctx, p.PageToken, func(ctx context.Context, token string) (*JobPage, error) {
		p.PageToken = token
		return s.ListPage(ctx, &p)
	})
}

// Cancel stops a job and returns it CANCELLED. A job that has already
// ended cannot be cancelled: the error is a conflict (IsConflict).
func (s *ExtractService) Cancel(ctx context.Context, jobID string) (*Job, error) {
	var job Job
	if err := s.c.do(ctx, request{method: http.MethodPost, path: jobPath(jobID) + "/cancel"}, &job); err != nil {
		return nil, err
	}
	return &job, nil
}

// Delete deletes a job and its results; reading it afterwards is a 404.
func (s *ExtractService) Delete(ctx context.Context, jobID string) error {
	return s.c.do(ctx, request{method: http.MethodDelete, path: jobPath(jobID)}, nil)
}

// ValidateSchema checks a data schema and returns it normalised, ready to
// use in a Configuration. An unusable schema is an invalid-request error
// (IsInvalid) whose Detail says what is wrong and where.
func (s *ExtractService) ValidateSchema(ctx context.Context, dataSchema json.RawMessage) (json.RawMessage, error) {
	var out SchemaValidation
	err := s.c.do(ctx, request{
		method: http.MethodPost, path: "/api/v2/extract/schema/validation",
		body: SchemaValidation{DataSchema: dataSchema},
	}, &out)
	if err != nil {
		return nil, err
	}
	return out.DataSchema, nil
}

// GenerateSchema asks the server for a data schema from a description, a
// sample file or a schema to refine. It returns a configuration request
// that Configurations.Create accepts as it is.
func (s *ExtractService) GenerateSchema(ctx context.Context, params GenerateSchemaParams) (*CreateConfigurationParams, error) {
	var out CreateConfigurationParams
	if err := s.c.do(ctx, request{method: http.MethodPost, path: "/api/v2/extract/schema/generate", body: params}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func jobPath(id string) string { return "/api/v2/extract/" + url.PathEscape(id) }
