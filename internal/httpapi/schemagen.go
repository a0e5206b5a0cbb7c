package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"strings"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/parse"
	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/schemagen"
)

// generateSchemaRequest is the body of POST /api/v2/extract/schema/generate.
type generateSchemaRequest struct {
	Prompt     *string         `json:"prompt"`
	FileID     *string         `json:"file_id"`
	DataSchema json.RawMessage `json:"data_schema"`
	Name       *string         `json:"name"`
}

// configurationCreateJSON is a configuration request (ConfigurationCreate):
// what POST /api/v1/beta/configurations takes, so a generated schema can be
// saved as it comes.
type configurationCreateJSON struct {
	Name       string         `json:"name"`
	Parameters parametersJSON `json:"parameters"`
}

// generateSchema drafts a data_schema. This server has no language model,
// so it says only what it can know: a given data_schema is validated and
// normalised; a file's labelled values and a prompt's list of field names
// add properties, guessed by fixed rules (internal/schemagen), and the
// schema's description says so.
func (s *Server) generateSchema(w http.ResponseWriter, r *http.Request) error {
	p := principal(r.Context())
	var req generateSchemaRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	prompt := strings.TrimSpace(deref(req.Prompt))
	fileID := strings.TrimSpace(deref(req.FileID))
	hasSchema := !isNull(req.DataSchema)
	if prompt == "" && fileID == "" && !hasSchema {
		return extract.Errorf(extract.CodeInvalid, "give at least one of prompt (the fields to extract, in words), file_id (a document to draft the schema from) and data_schema (a schema to check and extend)")
	}

	var (
		fields  []schemagen.Field
		sources []string
		name    = "generated schema"
	)
	if fileID != "" {
		f, err := s.store.File(r.Context(), p.ProjectID, fileID)
		if extract.IsNotFound(err) {
			return extract.Errorf(extract.CodeNotFound, "file_id %q was not found in this project; upload it first with POST /api/v1/beta/files", fileID)
		}
		if err != nil {
			return err
		}
		found, err := s.fileFields(w, r, f)
		if err != nil {
			return err
		}
		if len(found) == 0 && prompt == "" && !hasSchema {
			return extract.Errorf(extract.CodeInvalid, "found no labelled values (lines like \"Invoice Number: INV-7\") in %s to draft a schema from; list the fields in a prompt, or give a data_schema", f.Name)
		}
		if len(found) > 0 {
			fields = append(fields, found...)
			sources = append(sources, fmt.Sprintf("the labelled values in %s (each \"Label: value\" becomes a field typed by its value)", f.Name))
		}
		name = strings.TrimSuffix(f.Name, path.Ext(f.Name)) + " schema"
	}
	if prompt != "" {
		found := schemagen.FromPrompt(prompt)
		if len(found) == 0 && len(fields) == 0 && !hasSchema {
			return extract.Errorf(extract.CodeInvalid, "found no field names in the prompt; list the fields to extract, e.g. \"Extract the invoice number, the total amount and the due date\"")
		}
		if len(found) > 0 {
			fields = append(fields, found...)
			sources = append(sources, "the field names the prompt lists (each typed by the words of its name)")
		}
	}
	description := ""
	if len(sources) > 0 {
		description = "Inferred without a language model from " + strings.Join(sources, " and from ") + "; review it before use."
	}
	var base json.RawMessage
	if hasSchema {
		base = req.DataSchema
	}
	schema, err := schemagen.Build(base, fields, description)
	if err != nil {
		return err
	}
	if req.Name != nil {
		if name, err = checkName(req.Name); err != nil {
			return err
		}
	}
	cfg := extract.Configuration{DataSchema: schema}
	if err := cfg.Normalize("parameters"); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, configurationCreateJSON{
		Name:       name,
		Parameters: parametersJSON{ProductType: extract.ProductExtractV2, Configuration: cfg},
	})
	return nil
}

// fileFields reads the first pages of an uploaded file of any format the
// parser reads and drafts fields from its labelled values.
func (s *Server) fileFields(w http.ResponseWriter, r *http.Request, f extract.File) ([]schemagen.Field, error) {
	if !parse.Supported(f.FileType) {
		return nil, extract.Errorf(extract.CodeInvalid,
			"%s files cannot be read to draft a schema: this server reads PDF, DOCX, XLSX, HTML, CSV, Markdown, JSON and plain text files (%q was detected as %s from its content); list the fields in a prompt instead",
			f.FileType, f.Name, f.FileType)
	}
	// Parsing is the costly part: a bounded number at once, each within
	// the job limits and a time limit. A parse past its time goes on until
	// its own limits stop it, holding its token, so the bound stays true.
	select {
	case s.schemaGens <- struct{}{}:
	default:
		w.Header().Set("Retry-After", "2")
		return nil, extract.Errorf(extract.CodeTooManyRequests,
			"too many schema generations from files are running on this server (at most %d at once); retry in a few seconds", cap(s.schemaGens))
	}
	release := func() { <-s.schemaGens }
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), s.cfg.SchemaGen.Timeout)
	type result struct {
		doc *document.Document
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer cancel()
		defer release()
		doc, err := s.parseFile(ctx, f)
		done <- result{doc, err}
	}()
	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		return nil, extract.Errorf(extract.CodeUnavailable,
			"reading %s took longer than %s, the limit for drafting a schema; list the fields in a prompt instead", f.Name, s.cfg.SchemaGen.Timeout)
	case <-r.Context().Done():
		return nil, fmt.Errorf("generate schema: %w", r.Context().Err())
	}
	if res.err != nil {
		if extract.ErrorCode(res.err) == extract.CodeInternal {
			return nil, fmt.Errorf("parse file %s: %w", f.ID, res.err)
		}
		return nil, extract.Errorf(extract.ErrorCode(res.err), "file %s: %s", f.Name, extract.ErrorMessage(res.err))
	}
	return schemagen.FromDocument(res.doc), nil
}

// parseFile reads the first pages of an uploaded file.
func (s *Server) parseFile(ctx context.Context, f extract.File) (*document.Document, error) {
	body, err := s.blobs.Open(ctx, f.ID)
	if extract.IsNotFound(err) {
		return nil, extract.Errorf(extract.CodeInvalid, "the content of file %s is no longer stored", f.ID)
	}
	if err != nil {
		return nil, fmt.Errorf("open file %s: %w", f.ID, err)
	}
	defer body.Close()
	return s.cfg.Parser.Parse(ctx, body, f.FileType, parse.Options{MaxPages: s.cfg.SchemaGen.MaxPages})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
