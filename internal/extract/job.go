package extract

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/quarrylabs/quarry/internal/id"
)

// Status is where a job is in its life. Only the worker moves a job forward;
// only a user cancels it.
type Status string

const (
	StatusPending   Status = "PENDING"   // queued, not yet started
	StatusThrottled Status = "THROTTLED" // held back by the project's concurrency limit
	StatusRunning   Status = "RUNNING"
	StatusCompleted Status = "COMPLETED"
	StatusFailed    Status = "FAILED"
	StatusCancelled Status = "CANCELLED"
)

// Statuses lists every status, in the order of a job's life.
var Statuses = []Status{StatusPending, StatusThrottled, StatusRunning, StatusCompleted, StatusFailed, StatusCancelled}

// ParseStatus accepts a status name in any case.
func ParseStatus(s string) (Status, error) {
	for _, st := range Statuses {
		if strings.EqualFold(s, string(st)) {
			return st, nil
		}
	}
	return "", Errorf(CodeInvalid, "status %q is not one of PENDING, THROTTLED, RUNNING, COMPLETED, FAILED, CANCELLED", s)
}

// Terminal reports whether a job in this status will never change again.
func (s Status) Terminal() bool {
	return s == StatusCompleted || s == StatusFailed || s == StatusCancelled
}

// Job is an extraction job as the API shows it.
type Job struct {
	ID              string
	ProjectID       string
	FileInput       string // a dfl- file or a pjb- parse job
	ConfigurationID string // the saved configuration it was created from, if any
	Configuration   Configuration
	Status          Status
	ErrorMessage    string

	// Result is the extracted JSON: an object for per_doc, an array for
	// per_page and per_table_row. Nil until the job completes.
	Result json.RawMessage
	// FieldMetadata mirrors Result's shape with a citation and a confidence
	// for every value; see FieldMetadata.
	FieldMetadata *FieldMetadata
	Usage         *Usage
	// Engine names the engine that produced the result ("builtin", "llm:…").
	Engine string

	// Webhooks are the webhook configurations given at creation, kept
	// verbatim for the delivery machinery.
	Webhooks json.RawMessage

	IdempotencyKey string
	// RequestHash fingerprints the create request that made the job, so that a
	// replay under the same Idempotency-Key with other parameters is refused.
	RequestHash string

	CreatedAt  time.Time
	UpdatedAt  time.Time
	StartedAt  *time.Time
	FinishedAt *time.Time
}

// FieldMetadata holds per-field citations and confidences. Exactly one of its
// members is set, by extraction target.
type FieldMetadata struct {
	Document json.RawMessage   `json:"document_metadata,omitempty"`
	Pages    []json.RawMessage `json:"page_metadata,omitempty"`
	Rows     []json.RawMessage `json:"row_metadata,omitempty"`
}

// Usage counts what a job consumed.
type Usage struct {
	NumPagesExtracted int `json:"num_pages_extracted"`
	NumDocumentTokens int `json:"num_document_tokens"`
	NumOutputTokens   int `json:"num_output_tokens"`
}

// Outcome is what a finished run of a job produced.
type Outcome struct {
	Result        json.RawMessage
	FieldMetadata *FieldMetadata
	Usage         Usage
	Engine        string
}

// Cursor is a position in the order of a listing: the last item a page
// returned. The next page starts strictly after it.
type Cursor struct {
	CreatedAt time.Time
	ID        string
	// Name is the last item's name, set only in listings ordered by name
	// (FileOrderName), where it comes before ID in the order.
	Name string
}

// Input types of a job's file_input.
const (
	InputTypeFile     = "file_id"
	InputTypeParseJob = "parse_job_id"
)

// JobFilter selects jobs of one project. Zero fields do not filter.
type JobFilter struct {
	ProjectID       string
	Status          Status
	ConfigurationID string
	FileInput       string
	InputType       string     // InputTypeFile or InputTypeParseJob
	CreatedFrom     *time.Time // inclusive
	CreatedTo       *time.Time // inclusive
	IDs             []string
}

// Page asks for one page of a listing: up to Limit items after Cursor.
type Page struct {
	After *Cursor
	Limit int
}

// SetCreateDefaults fills what a store defaults in a job it creates: an
// empty Status becomes PENDING, a zero CreatedAt now, a zero UpdatedAt
// CreatedAt.
func (j *Job) SetCreateDefaults(now time.Time) {
	if j.Status == "" {
		j.Status = StatusPending
	}
	if j.CreatedAt.IsZero() {
		j.CreatedAt = now
	}
	if j.UpdatedAt.IsZero() {
		j.UpdatedAt = j.CreatedAt
	}
}

// FileRef names an uploaded file of a project.
type FileRef struct{ ProjectID, FileID string }

// FileInputs returns, once each, the files the jobs are made from: the
// FileInputs that are uploaded files' ids (not parse jobs'), with the
// jobs' projects. A store finds each before creating the jobs.
func FileInputs(jobs ...*Job) []FileRef {
	refs := make([]FileRef, 0, 1)
	for _, j := range jobs {
		if !strings.HasPrefix(j.FileInput, id.File+"-") {
			continue
		}
		r := FileRef{ProjectID: j.ProjectID, FileID: j.FileInput}
		if !slices.Contains(refs, r) {
			refs = append(refs, r)
		}
	}
	return refs
}

// FileInputNotFound is the error of a create whose file_input names no
// file of the job's project.
func FileInputNotFound(fileID string) error {
	return Errorf(CodeNotFound, "file_input %q was not found in this project; upload it first with POST /api/v1/beta/files", fileID)
}

// PrepareCreates readies a batch for Store.CreateJobs: it sets each job's
// create defaults and returns pointers to the jobs, for the
// EnqueueManyFunc. A job with an IdempotencyKey is an error: those are
// created one at a time, with CreateJob's lookup.
func PrepareCreates(jobs []Job, now time.Time) ([]*Job, error) {
	ptrs := make([]*Job, len(jobs))
	for i := range jobs {
		if jobs[i].IdempotencyKey != "" {
			return nil, fmt.Errorf("job %s has an idempotency key; create it with CreateJob", jobs[i].ID)
		}
		jobs[i].SetCreateDefaults(now)
		ptrs[i] = &jobs[i]
	}
	return ptrs, nil
}
