package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/quarrylabs/quarry/client"
	"github.com/quarrylabs/quarry/client/apitype"
)

// event is one line of a job's status history.
type event struct {
	What string
	At   time.Time
}

func (s *Server) jobPage(w http.ResponseWriter, r *http.Request, sess *session) error {
	job, err := sess.api.Extract.Get(r.Context(), r.PathValue("id"),
		apitype.ExpandConfiguration, apitype.ExpandExtractMetadata, apitype.ExpandMetadata)
	if err != nil {
		return err
	}
	data := map[string]any{"Title": "Job " + job.ID, "Nav": "jobs", "Job": job, "History": s.history(r, job), "DPI": s.cfg.PageDPI}
	if f, err := sess.api.Files.Get(r.Context(), job.FileInput); err == nil {
		data["File"], data["PageMode"], data["DPI"] = f, s.pageMode(f), s.pageDPI(f)
	} else if !client.IsNotFound(err) {
		return err
	}
	if job.Configuration != nil {
		data["Schema"] = indentJSON(job.Configuration.DataSchema)
	}
	if len(job.ExtractResult) > 0 {
		tree, err := buildResult(job)
		if err != nil {
			return err
		}
		data["Result"] = tree
	}
	s.show(w, r, http.StatusOK, "job", sess, data)
	return nil
}

// history is what the job's row knows of its life. The API shows only
// created_at and updated_at; the row has when the job started and
// finished. It is read for a job the API has just returned to this key,
// in the project the API said the job is in, so no other project's row
// can be read here.
func (s *Server) history(r *http.Request, job *apitype.Job) []event {
	h := []event{{"Created", job.CreatedAt}}
	row, err := s.jobs.Job(r.Context(), job.ProjectID, job.ID)
	if err != nil {
		s.log.WarnContext(r.Context(), "read a job's times", "job_id", job.ID, "err", err)
		return append(h, event{"Last updated", job.UpdatedAt})
	}
	if row.StartedAt != nil {
		h = append(h, event{"Started", *row.StartedAt})
	}
	if row.FinishedAt != nil {
		what := "Finished"
		switch job.Status {
		case apitype.StatusCompleted:
			what = "Completed"
		case apitype.StatusFailed:
			what = "Failed"
		case apitype.StatusCancelled:
			what = "Cancelled"
		}
		h = append(h, event{what, *row.FinishedAt})
	} else if job.Status.Terminal() || row.StartedAt == nil {
		h = append(h, event{"Last updated", job.UpdatedAt})
	}
	return h
}

func indentJSON(raw json.RawMessage) string {
	var b strings.Builder
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return string(raw)
	}
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	_ = enc.Encode(orderedOrPlain(raw))
	return b.String()
}

// orderedOrPlain decodes raw keeping its objects' key order, so that a
// schema or a result reads in the order its author wrote it.
func orderedOrPlain(raw json.RawMessage) any {
	v, err := decodeOrdered(raw)
	if err != nil {
		return json.RawMessage(raw)
	}
	return v
}

func (s *Server) resultJSON(w http.ResponseWriter, r *http.Request, sess *session) error {
	job, err := s.completedJob(r, sess)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="`+job.ID+`.json"`)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(orderedOrPlain(job.ExtractResult))
}

func (s *Server) resultCSV(w http.ResponseWriter, r *http.Request, sess *session) error {
	job, err := s.completedJob(r, sess)
	if err != nil {
		return err
	}
	v, err := decodeOrdered(job.ExtractResult)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+job.ID+`.csv"`)
	return writeCSV(w, v)
}

func (s *Server) completedJob(r *http.Request, sess *session) (*apitype.Job, error) {
	job, err := sess.api.Extract.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if len(job.ExtractResult) == 0 {
		return nil, &pageError{status: http.StatusConflict, message: "This job has no result: it is " + string(job.Status) + "."}
	}
	return job, nil
}

func (s *Server) cancelJob(w http.ResponseWriter, r *http.Request, sess *session) error {
	if _, err := sess.api.Extract.Cancel(r.Context(), r.PathValue("id")); err != nil && !client.IsConflict(err) {
		return err
	}
	http.Redirect(w, r, "/ui/jobs/"+urlPathEscape(r.PathValue("id")), http.StatusSeeOther)
	return nil
}
