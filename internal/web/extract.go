package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/quarrylabs/quarry/client"
	"github.com/quarrylabs/quarry/client/apitype"
)

// maxFormField caps a text field of the new-extraction form: a schema is
// at most 120,000 characters of strings, well under it.
const maxFormField = 1 << 20

// maxFiles is how many files one new extraction may upload.
const maxFiles = 20

var (
	tiers   = []string{apitype.TierCostEffective, apitype.TierAgentic, apitype.TierAgenticPlus, apitype.TierTurbo}
	targets = []string{apitype.TargetPerDoc, apitype.TargetPerPage, apitype.TargetPerTableRow}
)

// configForm is the fields shared by the new-extraction and configuration
// forms.
type configForm struct {
	Name             string
	ConfigurationID  string
	Schema           string
	Tier             string
	Target           string
	CiteSources      bool
	ConfidenceScores bool
}

func defaultConfigForm() configForm {
	return configForm{Tier: apitype.TierCostEffective, Target: apitype.TargetPerDoc, CiteSources: true, ConfidenceScores: true}
}

func (f configForm) configuration() *apitype.Configuration {
	return &apitype.Configuration{
		DataSchema: json.RawMessage(f.Schema), Tier: f.Tier, ExtractionTarget: f.Target,
		CiteSources: f.CiteSources, ConfidenceScores: f.ConfidenceScores,
	}
}

// set takes one form field.
func (f *configForm) set(name, value string) {
	switch name {
	case "name":
		f.Name = strings.TrimSpace(value)
	case "configuration_id":
		f.ConfigurationID = strings.TrimSpace(value)
	case "schema":
		f.Schema = value
	case "tier":
		f.Tier = value
	case "target":
		f.Target = value
	case "cite_sources":
		f.CiteSources = value != ""
	case "confidence_scores":
		f.ConfidenceScores = value != ""
	}
}

func (s *Server) formData(r *http.Request, sess *session, title, nav string, f configForm) (map[string]any, error) {
	data := map[string]any{"Title": title, "Nav": nav, "Form": f, "Tiers": tiers, "Targets": targets}
	if nav == "new" {
		page, err := sess.api.Configurations.ListPage(r.Context(), &client.ListConfigurationsParams{PageSize: 100})
		if err != nil {
			return nil, err
		}
		data["Configurations"] = page.Items
	}
	return data, nil
}

func (s *Server) newForm(w http.ResponseWriter, r *http.Request, sess *session) error {
	f := defaultConfigForm()
	f.ConfigurationID = r.URL.Query().Get("configuration_id")
	data, err := s.formData(r, sess, "New extraction", "new", f)
	if err != nil {
		return err
	}
	s.show(w, r, http.StatusOK, "new", sess, data)
	return nil
}

// newExtraction reads the new-extraction form as a stream: the CSRF token
// first, then the settings, then the files, each uploaded to the API as
// it arrives, so that no file is held whole in memory. The jobs are
// created once every file is in; one file lands on its job's page,
// several on the jobs list showing just them.
func (s *Server) newExtraction(w http.ResponseWriter, r *http.Request, sess *session) error {
	mr, err := r.MultipartReader()
	if err != nil {
		return &pageError{status: http.StatusBadRequest, message: "The form must be sent as multipart/form-data."}
	}
	f := configForm{}
	csrfChecked := false
	var fileIDs []string
	fail := func(msg string) error {
		data, err := s.formData(r, sess, "New extraction", "new", f)
		if err != nil {
			return err
		}
		data["Error"] = msg
		s.show(w, r, http.StatusUnprocessableEntity, "new", sess, data)
		return nil
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return &pageError{status: http.StatusBadRequest, message: "The form could not be read: " + err.Error()}
		}
		name := part.FormName()
		if !csrfChecked {
			// The token is the form's first field: nothing is read,
			// let alone uploaded, before it is checked.
			v, _ := io.ReadAll(io.LimitReader(part, 256))
			if name != "csrf" || !sess.validCSRF(string(v)) {
				return errCSRF
			}
			csrfChecked = true
			continue
		}
		if name != "files" {
			v, err := io.ReadAll(io.LimitReader(part, maxFormField+1))
			if err != nil {
				return fmt.Errorf("read form field %s: %w", name, err)
			}
			if len(v) > maxFormField {
				return fail(fmt.Sprintf("The %s field is longer than %d bytes.", name, maxFormField))
			}
			f.set(name, string(v))
			continue
		}
		if part.FileName() == "" {
			continue // the file input, left empty
		}
		if len(fileIDs) == maxFiles {
			return fail(fmt.Sprintf("Upload at most %d files at once.", maxFiles))
		}
		if len(fileIDs) == 0 {
			// The settings came before the files: check them before the
			// first upload, so a typo in the schema uploads nothing.
			if msg := s.checkNewForm(r, sess, f); msg != "" {
				return fail(msg)
			}
		}
		file, err := sess.api.Files.Upload(r.Context(), part.FileName(), part, nil)
		if err != nil {
			var apiErr *client.APIError
			if errors.As(err, &apiErr) && apiErr.StatusCode < 500 && apiErr.StatusCode != http.StatusUnauthorized {
				return fail(fmt.Sprintf("%s: %s", part.FileName(), apiErr.Detail))
			}
			return err
		}
		fileIDs = append(fileIDs, file.ID)
	}
	if !csrfChecked {
		return errCSRF
	}
	if len(fileIDs) == 0 {
		return fail("Choose at least one file to extract from.")
	}
	var jobIDs []string
	for _, id := range fileIDs {
		params := client.CreateJobParams{FileInput: id}
		if f.ConfigurationID != "" {
			params.ConfigurationID = f.ConfigurationID
		} else {
			params.Configuration = f.configuration()
		}
		job, err := sess.api.Extract.Create(r.Context(), params)
		if err != nil {
			var apiErr *client.APIError
			if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnprocessableEntity {
				return fail(apiErr.Detail)
			}
			return err
		}
		jobIDs = append(jobIDs, job.ID)
	}
	if len(jobIDs) == 1 {
		http.Redirect(w, r, "/ui/jobs/"+url.PathEscape(jobIDs[0]), http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, "/ui/jobs?"+url.Values{"job_ids": jobIDs}.Encode(), http.StatusSeeOther)
	return nil
}

// checkNewForm says what is wrong with the form's settings, or "".
func (s *Server) checkNewForm(r *http.Request, sess *session, f configForm) string {
	if f.ConfigurationID != "" {
		return ""
	}
	if strings.TrimSpace(f.Schema) == "" {
		return "Paste a schema, or choose a saved configuration."
	}
	if _, err := sess.api.Extract.ValidateSchema(r.Context(), json.RawMessage(f.Schema)); err != nil {
		var apiErr *client.APIError
		if errors.As(err, &apiErr) && apiErr.StatusCode < 500 {
			return apiErr.Detail
		}
		return "The schema could not be checked: " + err.Error()
	}
	return ""
}

// problem is one thing wrong with a schema, at a JSON pointer into it.
type problem struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// problemAt finds "at /json/pointer: what is wrong" in the API's words.
var problemAt = regexp.MustCompile(`at (/\S*|the root): (.*)$`)

// problems splits the API's validation detail into its problems.
func problems(detail string) []problem {
	var out []problem
	for _, part := range strings.Split(detail, "; ") {
		if m := problemAt.FindStringSubmatch(part); m != nil {
			path := m[1]
			if path == "the root" {
				path = "/"
			}
			out = append(out, problem{Path: path, Message: m[2]})
			continue
		}
		out = append(out, problem{Path: "", Message: part})
	}
	return out
}

// validateSchema checks a schema for the forms' live validation, through
// the API's schema validation endpoint.
func (s *Server) validateSchema(w http.ResponseWriter, r *http.Request, sess *session) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		return &pageError{status: http.StatusUnsupportedMediaType, message: "send the schema as JSON: {\"data_schema\": …}"}
	}
	var req struct {
		DataSchema json.RawMessage `json:"data_schema"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, maxFormField)).Decode(&req); err != nil {
		return &pageError{status: http.StatusBadRequest, message: "the request is not JSON of the form {\"data_schema\": …}"}
	}
	if len(req.DataSchema) == 0 {
		writeJSON(w, http.StatusOK, map[string]any{"valid": false, "problems": []problem{{Message: "data_schema is required"}}})
		return nil
	}
	_, err := sess.api.Extract.ValidateSchema(r.Context(), req.DataSchema)
	var apiErr *client.APIError
	switch {
	case err == nil:
		writeJSON(w, http.StatusOK, map[string]any{"valid": true, "problems": []problem{}})
	case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnprocessableEntity:
		writeJSON(w, http.StatusOK, map[string]any{"valid": false, "problems": problems(apiErr.Detail)})
	default:
		return err
	}
	return nil
}

func (s *Server) configurationsPage(w http.ResponseWriter, r *http.Request, sess *session) error {
	params := &client.ListConfigurationsParams{PageSize: 50, PageToken: r.URL.Query().Get("page_token")}
	page, err := sess.api.Configurations.ListPage(r.Context(), params)
	if err != nil {
		return err
	}
	data := map[string]any{"Title": "Configurations", "Nav": "configurations", "Items": page.Items}
	if page.NextPageToken != "" {
		data["Next"] = "/ui/configurations?" + url.Values{"page_token": {page.NextPageToken}}.Encode()
	}
	s.show(w, r, http.StatusOK, "configurations", sess, data)
	return nil
}

// configurationForm shows an empty form for a new configuration, or a
// saved one's for editing.
func (s *Server) configurationForm(w http.ResponseWriter, r *http.Request, sess *session) error {
	f := defaultConfigForm()
	title := "New configuration"
	var saved *apitype.SavedConfiguration
	if id := r.PathValue("id"); id != "" {
		var err error
		if saved, err = sess.api.Configurations.Get(r.Context(), id); err != nil {
			return err
		}
		c := saved.Parameters.Configuration
		f = configForm{
			Name: saved.Name, Schema: indentJSON(c.DataSchema), Tier: c.Tier, Target: c.ExtractionTarget,
			CiteSources: c.CiteSources, ConfidenceScores: c.ConfidenceScores,
		}
		title = "Configuration " + saved.Name
	}
	data, err := s.formData(r, sess, title, "configurations", f)
	if err != nil {
		return err
	}
	data["Saved"] = saved
	if saved != nil && r.URL.Query().Get("saved") != "" {
		data["Notice"] = "Saved."
	}
	s.show(w, r, http.StatusOK, "configuration", sess, data)
	return nil
}

// saveConfiguration creates a configuration, or updates the one named in
// the path, keeping the settings the form does not show.
func (s *Server) saveConfiguration(w http.ResponseWriter, r *http.Request, sess *session) error {
	f := configForm{}
	for _, k := range []string{"name", "schema", "tier", "target", "cite_sources", "confidence_scores"} {
		f.set(k, r.PostFormValue(k))
	}
	id := r.PathValue("id")
	var saved *apitype.SavedConfiguration
	var err error
	if id == "" {
		saved, err = sess.api.Configurations.Create(r.Context(), client.CreateConfigurationParams{
			Name: f.Name, Parameters: apitype.ConfigurationParameters{ProductType: apitype.ProductExtractV2, Configuration: *f.configuration()},
		})
	} else {
		var old *apitype.SavedConfiguration
		if old, err = sess.api.Configurations.Get(r.Context(), id); err != nil {
			return err
		}
		params := old.Parameters
		params.DataSchema, params.Tier, params.ExtractionTarget = json.RawMessage(f.Schema), f.Tier, f.Target
		params.CiteSources, params.ConfidenceScores = f.CiteSources, f.ConfidenceScores
		saved, err = sess.api.Configurations.Update(r.Context(), id, client.UpdateConfigurationParams{Name: &f.Name, Parameters: &params})
	}
	var apiErr *client.APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnprocessableEntity {
		data, ferr := s.formData(r, sess, "Configuration", "configurations", f)
		if ferr != nil {
			return ferr
		}
		data["Error"] = apiErr.Detail
		if id != "" {
			data["Saved"] = &apitype.SavedConfiguration{ID: id, Name: f.Name}
		}
		s.show(w, r, http.StatusUnprocessableEntity, "configuration", sess, data)
		return nil
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/ui/configurations/"+url.PathEscape(saved.ID)+"?saved=1", http.StatusSeeOther)
	return nil
}
