package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/quarrylabs/quarry/client"
	"github.com/quarrylabs/quarry/client/apitype"
)

// jobsPageSize is the rows on one page of the jobs list.
const jobsPageSize = 25

// maxBack is how many earlier pages' tokens the jobs list carries in its
// URL for its Previous link; further back, Previous goes to the first page.
const maxBack = 20

// statuses are the choices of the status filter, in the order of a job's
// life.
var statuses = []apitype.Status{
	apitype.StatusPending, apitype.StatusThrottled, apitype.StatusRunning,
	apitype.StatusCompleted, apitype.StatusFailed, apitype.StatusCancelled,
}

// jobFilters are the jobs list's filters, as its form sends them.
type jobFilters struct {
	Status          string
	ConfigurationID string
	FileInput       string
	CreatedFrom     string // a date, 2006-01-02
	CreatedTo       string
	JobIDs          string // separated by spaces or commas
}

func filtersFrom(q url.Values) jobFilters {
	return jobFilters{
		Status:          strings.TrimSpace(q.Get("status")),
		ConfigurationID: strings.TrimSpace(q.Get("configuration_id")),
		FileInput:       strings.TrimSpace(q.Get("file_input")),
		CreatedFrom:     strings.TrimSpace(q.Get("created_from")),
		CreatedTo:       strings.TrimSpace(q.Get("created_to")),
		JobIDs:          strings.Join(q["job_ids"], " "),
	}
}

// query is the filters as the jobs list's URL carries them.
func (f jobFilters) query() url.Values {
	q := url.Values{}
	for k, v := range map[string]string{
		"status": f.Status, "configuration_id": f.ConfigurationID, "file_input": f.FileInput,
		"created_from": f.CreatedFrom, "created_to": f.CreatedTo,
	} {
		if v != "" {
			q.Set(k, v)
		}
	}
	for _, id := range f.ids() {
		q.Add("job_ids", id)
	}
	return q
}

func (f jobFilters) ids() []string {
	return strings.FieldsFunc(f.JobIDs, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\t' })
}

// params turns the filters into the API's. A date range covers whole days:
// "to" a date means to the end of that day.
func (f jobFilters) params() (*client.ListJobsParams, error) {
	p := &client.ListJobsParams{
		Status: apitype.Status(strings.ToUpper(f.Status)), ConfigurationID: f.ConfigurationID,
		FileInput: f.FileInput, JobIDs: f.ids(), Expand: []string{apitype.ExpandConfiguration},
		PageSize: jobsPageSize,
	}
	if f.CreatedFrom != "" {
		t, err := time.Parse(time.DateOnly, f.CreatedFrom)
		if err != nil {
			return nil, &pageError{status: http.StatusUnprocessableEntity, message: fmt.Sprintf("Created from %q is not a date like 2026-03-01.", f.CreatedFrom)}
		}
		p.CreatedAtOnOrAfter = t
	}
	if f.CreatedTo != "" {
		t, err := time.Parse(time.DateOnly, f.CreatedTo)
		if err != nil {
			return nil, &pageError{status: http.StatusUnprocessableEntity, message: fmt.Sprintf("Created to %q is not a date like 2026-03-01.", f.CreatedTo)}
		}
		p.CreatedAtOnOrBefore = t.Add(24*time.Hour - time.Millisecond)
	}
	return p, nil
}

// jobRow is one row of the jobs list.
type jobRow struct {
	apitype.Job
	FileName string
	// Settings are the tier and target the job ran with, "cost_effective ·
	// per_doc"; a saved configuration's id is shown beside them.
	Settings string
}

func (s *Server) jobsPage(w http.ResponseWriter, r *http.Request, sess *session) error {
	q := r.URL.Query()
	f := filtersFrom(q)
	data := map[string]any{"Title": "Jobs", "Nav": "jobs", "Filters": f, "Statuses": statuses}
	params, err := f.params()
	if err == nil {
		params.PageToken = q.Get("page_token")
		var page *client.JobPage
		page, err = sess.api.Extract.ListPage(r.Context(), params)
		if err == nil {
			data["Rows"] = s.jobRows(r, sess, page.Items)
			base := f.query()
			back := q["back"]
			if page.NextPageToken != "" {
				next := cloneValues(base)
				next.Set("page_token", page.NextPageToken)
				next["back"] = append(slices.Clone(tail(back, maxBack-1)), params.PageToken)
				data["Next"] = "/ui/jobs?" + next.Encode()
			}
			if params.PageToken != "" {
				prev := cloneValues(base)
				if len(back) > 0 {
					if t := back[len(back)-1]; t != "" {
						prev.Set("page_token", t)
					}
					if len(back) > 1 {
						prev["back"] = back[:len(back)-1]
					}
				}
				data["Prev"] = "/ui/jobs?" + prev.Encode()
				data["First"] = "/ui/jobs?" + base.Encode()
			}
		}
	}
	status := http.StatusOK
	if err != nil {
		// A bad filter is shown above the form, which keeps what was typed.
		var pe *pageError
		var apiErr *client.APIError
		switch {
		case errors.As(err, &pe):
			status, data["Error"] = pe.status, pe.message
		case errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnprocessableEntity:
			status, data["Error"] = apiErr.StatusCode, apiErr.Detail
		default:
			return err
		}
	}
	s.show(w, r, status, "jobs", sess, data)
	return nil
}

func tail(s []string, n int) []string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}

// jobRows adds each job's file name, found with one listing of the files
// the page names.
func (s *Server) jobRows(r *http.Request, sess *session, jobs []apitype.Job) []jobRow {
	var ids []string
	for _, j := range jobs {
		if !slices.Contains(ids, j.FileInput) {
			ids = append(ids, j.FileInput)
		}
	}
	names := map[string]string{}
	if len(ids) > 0 {
		files, err := sess.api.Files.ListPage(r.Context(), &client.ListFilesParams{FileIDs: ids, PageSize: len(ids)})
		if err != nil {
			// The names are a convenience: the ids are shown instead.
			s.log.WarnContext(r.Context(), "list the files of a jobs page", "err", err)
		} else {
			for _, f := range files.Items {
				names[f.ID] = f.Name
			}
		}
	}
	rows := make([]jobRow, len(jobs))
	for i, j := range jobs {
		rows[i] = jobRow{Job: j, FileName: names[j.FileInput], Settings: settings(j.Configuration)}
	}
	return rows
}

func settings(c *apitype.Configuration) string {
	if c == nil {
		return ""
	}
	return strings.Join(nonEmpty(c.Tier, c.ExtractionTarget), " · ")
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// jobStatus is what the jobs list's script needs to update a row.
type jobStatus struct {
	ID          string         `json:"id"`
	Status      apitype.Status `json:"status"`
	StatusClass string         `json:"status_class"`
	UpdatedAt   string         `json:"updated_at"`
	Terminal    bool           `json:"terminal"`
}

// jobsStatus serves the current status of the jobs named by id, so that
// rows of running jobs update without reloading the page.
func (s *Server) jobsStatus(w http.ResponseWriter, r *http.Request, sess *session) error {
	ids := r.URL.Query()["id"]
	if len(ids) == 0 || len(ids) > 100 {
		return &pageError{status: http.StatusUnprocessableEntity, message: "give 1 to 100 job ids as id"}
	}
	page, err := sess.api.Extract.ListPage(r.Context(), &client.ListJobsParams{JobIDs: ids, PageSize: len(ids)})
	if err != nil {
		return err
	}
	out := make([]jobStatus, len(page.Items))
	for i, j := range page.Items {
		out[i] = jobStatus{
			ID: j.ID, Status: j.Status, StatusClass: "status status-" + strings.ToLower(string(j.Status)),
			UpdatedAt: formatTime(j.UpdatedAt), Terminal: j.Status.Terminal(),
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"jobs": out})
	return nil
}
