package httpapi

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/id"
	"github.com/quarrylabs/quarry/internal/pagetoken"
	"github.com/quarrylabs/quarry/internal/schema"
)

// createJobRequest is the body of POST /api/v2/extract.
type createJobRequest struct {
	FileInput               string          `json:"file_input"`
	Configuration           json.RawMessage `json:"configuration"`
	ConfigurationID         *string         `json:"configuration_id"`
	WebhookConfigurations   json.RawMessage `json:"webhook_configurations"`
	WebhookConfigurationIDs []string        `json:"webhook_configuration_ids"`
}

func isNull(raw json.RawMessage) bool {
	s := strings.TrimSpace(string(raw))
	return s == "" || s == "null"
}

func (s *Server) createJob(w http.ResponseWriter, r *http.Request) error {
	p := principal(r.Context())
	var req createJobRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	job, err := s.newJob(r, p, req)
	if err != nil {
		return err
	}
	if job.IdempotencyKey == "" {
		stored, err := s.creates.Do(r.Context(), job)
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusCreated, toJobJSON(stored, expansions{configuration: true}))
		return nil
	}
	stored, created, err := s.store.CreateJob(r.Context(), job, s.queue.Enqueue)
	if err != nil {
		return err
	}
	if !created {
		// A retried create: the same key must mean the same request.
		if stored.RequestHash != job.RequestHash {
			return extract.Errorf(extract.CodeInvalid, "Idempotency-Key %q was already used for a different request; use a new key for a new job", job.IdempotencyKey)
		}
		writeJSON(w, http.StatusOK, toJobJSON(stored, expansions{configuration: true}))
		return nil
	}
	writeJSON(w, http.StatusCreated, toJobJSON(stored, expansions{configuration: true}))
	return nil
}

// createJobs is the batched creates' batch.Func.
//
// A batch whose COMMIT went through but whose reply was lost (the
// connection dropped) fails as a whole, and the Batcher retries its
// creates one at a time. Each then finds its id taken, by itself: ids are
// new (id.New), so no other create holds one. Such a create answers with
// the job its first attempt made, not with a conflict for a job that
// exists. The request hash tells it from an id truly taken by another job.
func (s *Server) createJobs(ctx context.Context, jobs []extract.Job) ([]extract.Job, error) {
	stored, err := s.store.CreateJobs(ctx, jobs, s.queue.EnqueueMany)
	if len(jobs) == 1 && extract.ErrorCode(err) == extract.CodeConflict {
		j, jerr := s.store.Job(ctx, jobs[0].ProjectID, jobs[0].ID)
		if jerr == nil && j.RequestHash == jobs[0].RequestHash {
			return []extract.Job{j}, nil
		}
	}
	return stored, err
}

// newJob checks a create request and builds the job it asks for.
func (s *Server) newJob(r *http.Request, p extract.Principal, req createJobRequest) (extract.Job, error) {
	ctx := r.Context()
	if req.FileInput == "" {
		return extract.Job{}, extract.Errorf(extract.CodeInvalid, "file_input is required: the id of an uploaded file (dfl-…)")
	}
	hasInline, hasSaved := !isNull(req.Configuration), req.ConfigurationID != nil && *req.ConfigurationID != ""
	if hasInline == hasSaved {
		return extract.Job{}, extract.Errorf(extract.CodeInvalid, "give exactly one of configuration (inline) and configuration_id (a saved configuration)")
	}
	job := extract.Job{
		ID:             id.New(id.Job),
		ProjectID:      p.ProjectID,
		FileInput:      req.FileInput,
		Status:         extract.StatusPending,
		IdempotencyKey: r.Header.Get("Idempotency-Key"),
	}
	if len(job.IdempotencyKey) > 255 {
		return extract.Job{}, extract.Errorf(extract.CodeInvalid, "Idempotency-Key is longer than 255 characters")
	}
	switch {
	case strings.HasPrefix(req.FileInput, id.ParseJob+"-"):
		return extract.Job{}, extract.Errorf(extract.CodeInvalid, "file_input %q: parse jobs are not available on this server; upload the file and pass its dfl- id", req.FileInput)
	case !strings.HasPrefix(req.FileInput, id.File+"-"):
		return extract.Job{}, extract.Errorf(extract.CodeInvalid, "file_input %q is not a file id (dfl-…)", req.FileInput)
	}
	// The store finds the file in the create's transaction
	// (extract.FileInputNotFound).
	if hasSaved {
		saved, err := s.store.Configuration(ctx, p.ProjectID, *req.ConfigurationID)
		if err != nil {
			if extract.IsNotFound(err) {
				return extract.Job{}, extract.Errorf(extract.CodeNotFound, "configuration_id %q was not found in this project", *req.ConfigurationID)
			}
			return extract.Job{}, err
		}
		job.ConfigurationID = saved.ID
		job.Configuration = saved.Configuration
	} else {
		cfg, err := s.checked.Get(req.Configuration, func() (extract.Configuration, error) {
			return checkConfiguration(req.Configuration, "configuration")
		})
		if err != nil {
			return extract.Job{}, err
		}
		job.Configuration = cfg
	}
	job.Configuration = job.Configuration.Resolve()
	if pc := job.Configuration.ParseConfigID; pc != "" {
		if err := s.checkParseConfig(ctx, p.ProjectID, pc); err != nil {
			return extract.Job{}, err
		}
	}
	hooks, err := s.jobWebhooks(ctx, p.ProjectID, req.WebhookConfigurations, req.WebhookConfigurationIDs)
	if err != nil {
		return extract.Job{}, err
	}
	job.Webhooks = hooks
	job.RequestHash = requestHash(job)
	return job, nil
}

// checkParseConfig refuses a parse_config_id, saying why. It names a saved
// parse configuration of the hosted service, which says how its parser
// reads a document; Quarry's parser takes what such a configuration could
// say that it supports (the pages, the sheets) from the extraction
// configuration itself, and Quarry saves extraction configurations only. An
// id naming nothing in the project is a 404, as configuration_id is; one
// naming an extraction configuration is a 422. Either way the detail says
// what to send instead, rather than the id being kept and ignored.
func (s *Server) checkParseConfig(ctx context.Context, projectID, pcID string) error {
	const instead = "this server keeps no parse configurations: leave parse_config_id out and give the pages and sheets to read as target_pages, max_pages and sheet_names in the configuration"
	saved, err := s.store.Configuration(ctx, projectID, pcID)
	if extract.IsNotFound(err) {
		return extract.Errorf(extract.CodeNotFound, "configuration.parse_config_id %q names no configuration in this project; %s", pcID, instead)
	}
	if err != nil {
		return fmt.Errorf("look up parse_config_id %s: %w", pcID, err)
	}
	return extract.Errorf(extract.CodeInvalid, "configuration.parse_config_id %q names the %s configuration %q, not a parse configuration; %s",
		pcID, saved.ProductType, saved.Name, instead)
}

// checkConfiguration decodes, normalises and validates a configuration a
// user sent, including its JSON Schema.
func checkConfiguration(raw json.RawMessage, prefix string, allowExtra ...string) (extract.Configuration, error) {
	cfg, err := extract.DecodeConfiguration(raw, prefix, allowExtra...)
	if err != nil {
		return cfg, err
	}
	if err := cfg.Normalize(prefix); err != nil {
		return cfg, err
	}
	normalized, err := schema.Validate(cfg.DataSchema)
	if err != nil {
		return cfg, extract.Errorf(extract.CodeInvalid, "%s.%s", prefix, extract.ErrorMessage(err))
	}
	cfg.DataSchema = normalized
	return cfg, nil
}

// requestHash fingerprints what a create request asked for.
func requestHash(j extract.Job) string {
	h := sha256.New()
	b, _ := json.Marshal([]any{j.FileInput, j.ConfigurationID, j.Configuration, j.Webhooks})
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

func (s *Server) getJob(w http.ResponseWriter, r *http.Request) error {
	ex, err := parseExpand(r, "configuration", "extract_metadata", "metadata", "usage", "webhook_deliveries")
	if err != nil {
		return err
	}
	job, err := s.store.Job(r.Context(), principal(r.Context()).ProjectID, r.PathValue("id"))
	if err != nil {
		return err
	}
	if wantsDeliveries(r) {
		out, err := s.withDeliveries(r.Context(), job, toJobJSON(job, ex))
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
	writeJSON(w, http.StatusOK, toJobJSON(job, ex))
	return nil
}

func (s *Server) cancelJob(w http.ResponseWriter, r *http.Request) error {
	job, err := s.store.CancelJob(r.Context(), principal(r.Context()).ProjectID, r.PathValue("id"), s.cfg.Now(), s.queue.Cancel)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toJobJSON(job, expansions{}))
	return nil
}

func (s *Server) deleteJob(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.DeleteJob(r.Context(), principal(r.Context()).ProjectID, r.PathValue("id"), s.queue.Remove); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) validateSchema(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		DataSchema json.RawMessage `json:"data_schema"`
	}
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	if isNull(req.DataSchema) {
		return extract.Errorf(extract.CodeInvalid, "data_schema is required")
	}
	normalized, err := schema.Validate(req.DataSchema)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]json.RawMessage{"data_schema": normalized})
	return nil
}

// listJobs serves GET /api/v2/extract: filters, newest first, keyset pages.
func (s *Server) listJobs(w http.ResponseWriter, r *http.Request) error {
	p := principal(r.Context())
	q := r.URL.Query()
	ex, err := parseExpand(r, "configuration", "extract_metadata", "metadata", "usage", "total_size")
	if err != nil {
		return err
	}
	size, err := pageSize(r)
	if err != nil {
		return err
	}
	f := extract.JobFilter{ProjectID: p.ProjectID, ConfigurationID: q.Get("configuration_id"), IDs: multi(r, "job_ids")}
	if v := q.Get("status"); v != "" {
		if f.Status, err = extract.ParseStatus(v); err != nil {
			return err
		}
	}
	f.FileInput = q.Get("file_input")
	if legacy := q.Get("document_input_value"); legacy != "" {
		if f.FileInput != "" && f.FileInput != legacy {
			return extract.Errorf(extract.CodeInvalid, "file_input and document_input_value (its deprecated alias) differ; give only file_input")
		}
		f.FileInput = legacy
	}
	switch t := q.Get("document_input_type"); t {
	case "", extract.InputTypeFile, extract.InputTypeParseJob:
		f.InputType = t
	default:
		return extract.Errorf(extract.CodeInvalid, "document_input_type %q is not one of file_id, parse_job_id", t)
	}
	if f.CreatedFrom, err = parseTimeParam("created_at_on_or_after", q.Get("created_at_on_or_after")); err != nil {
		return err
	}
	if f.CreatedTo, err = parseTimeParam("created_at_on_or_before", q.Get("created_at_on_or_before")); err != nil {
		return err
	}
	if len(f.IDs) > 1000 {
		return extract.Errorf(extract.CodeInvalid, "job_ids lists %d ids; at most 1000 are allowed", len(f.IDs))
	}
	slices.Sort(f.IDs)
	f.IDs = slices.Compact(f.IDs)

	scope := pagetoken.Scope("extract_jobs", p.ProjectID, string(f.Status), f.ConfigurationID, f.FileInput, f.InputType,
		fmtMillis(f.CreatedFrom), fmtMillis(f.CreatedTo), strings.Join(f.IDs, ","))
	page := extract.Page{Limit: size + 1}
	if tok := q.Get("page_token"); tok != "" {
		c, err := s.tokens.Open(scope, tok)
		if err != nil {
			return err
		}
		page.After = &c
	}
	jobs, err := s.store.ListJobs(r.Context(), f, page)
	if err != nil {
		return err
	}
	out := listJSON[jobJSON]{Items: make([]jobJSON, 0, min(len(jobs), size))}
	if len(jobs) > size {
		jobs = jobs[:size]
		last := jobs[size-1]
		out.NextPageToken = s.tokens.Seal(scope, extract.Cursor{CreatedAt: last.CreatedAt, ID: last.ID})
	}
	for _, j := range jobs {
		out.Items = append(out.Items, toJobJSON(j, ex))
	}
	if ex.totalSize {
		n, err := s.store.CountJobs(r.Context(), f)
		if err != nil {
			return err
		}
		out.TotalSize = &n
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
