package client

import (
	"net/url"
	"strconv"
	"time"

	"github.com/quarrylabs/quarry/client/apitype"
)

// The wire types, aliased so that call sites read client.Job rather than
// apitype.Job. Their documentation is in package apitype.
type (
	Job                       = apitype.Job
	JobPage                   = apitype.JobPage
	Status                    = apitype.Status
	Configuration             = apitype.Configuration
	CreateJobParams           = apitype.CreateJobParams
	WebhookConfiguration      = apitype.WebhookConfiguration
	ExtractMetadata           = apitype.ExtractMetadata
	FieldMetadata             = apitype.FieldMetadata
	FieldMetadataEntry        = apitype.FieldMetadataEntry
	Citation                  = apitype.Citation
	BoundingBox               = apitype.BoundingBox
	PageDimensions            = apitype.PageDimensions
	JobMetadata               = apitype.JobMetadata
	Usage                     = apitype.Usage
	SchemaValidation          = apitype.SchemaValidation
	GenerateSchemaParams      = apitype.GenerateSchemaParams
	File                      = apitype.File
	FilePage                  = apitype.FilePage
	FileContent               = apitype.FileContent
	SavedConfiguration        = apitype.SavedConfiguration
	SavedConfigurationPage    = apitype.SavedConfigurationPage
	ConfigurationParameters   = apitype.ConfigurationParameters
	CreateConfigurationParams = apitype.CreateConfigurationParams
	UpdateConfigurationParams = apitype.UpdateConfigurationParams
)

// The job statuses; see apitype.Status.
const (
	StatusPending   = apitype.StatusPending
	StatusThrottled = apitype.StatusThrottled
	StatusRunning   = apitype.StatusRunning
	StatusCompleted = apitype.StatusCompleted
	StatusFailed    = apitype.StatusFailed
	StatusCancelled = apitype.StatusCancelled
)

// scope is the project a client acts in. Both are optional: without them
// the API key's default project is used.
type scope struct {
	projectID      string
	organizationID string
}

func (s scope) query() url.Values {
	q := url.Values{}
	if s.projectID != "" {
		q.Set("project_id", s.projectID)
	}
	if s.organizationID != "" {
		q.Set("organization_id", s.organizationID)
	}
	return q
}

// ListJobsParams filters and pages a job listing (GET /api/v2/extract).
// Zero values are left out; filters combine with AND.
type ListJobsParams struct {
	// Status keeps jobs in this status.
	Status Status
	// ConfigurationID keeps jobs created from this saved configuration.
	ConfigurationID string
	// FileInput keeps jobs reading this file (dfl-…) or parse job (pjb-…).
	FileInput string
	// DocumentInputValue is the deprecated name of FileInput, kept for
	// programs written against the older API; prefer FileInput.
	DocumentInputValue string
	// DocumentInputType is "file_id" or "parse_job_id".
	DocumentInputType string
	// CreatedAtOnOrAfter and CreatedAtOnOrBefore are inclusive bounds on
	// creation time; the zero time means no bound.
	CreatedAtOnOrAfter  time.Time
	CreatedAtOnOrBefore time.Time
	// JobIDs keeps only these jobs.
	JobIDs []string
	// Expand adds optional parts to each job (apitype.ExpandConfiguration,
	// …); apitype.ExpandTotalSize asks for JobPage.TotalSize.
	Expand []string
	// PageSize is the number of jobs per page: 1 to 1000, 0 for the
	// server's default (50).
	PageSize int
	// PageToken is the NextPageToken of the previous page, made with the
	// same filters. List starts there; ListPage fetches that page.
	PageToken string
}

func (p *ListJobsParams) query(q url.Values) url.Values {
	set(q, "status", string(p.Status))
	set(q, "configuration_id", p.ConfigurationID)
	set(q, "file_input", p.FileInput)
	set(q, "document_input_value", p.DocumentInputValue)
	set(q, "document_input_type", p.DocumentInputType)
	setTime(q, "created_at_on_or_after", p.CreatedAtOnOrAfter)
	setTime(q, "created_at_on_or_before", p.CreatedAtOnOrBefore)
	q["job_ids"] = nonEmpty(p.JobIDs)
	q["expand"] = nonEmpty(p.Expand)
	setInt(q, "page_size", p.PageSize)
	set(q, "page_token", p.PageToken)
	return clean(q)
}

// UploadParams are the form fields sent with an uploaded file.
type UploadParams struct {
	// Purpose is how the file will be used: "extract", "parse",
	// "user_data", "split", "classify", "sheet", "agent_app". Defaults to
	// "extract".
	Purpose string
	// ExternalFileID is the caller's own id for the file.
	ExternalFileID string
}

// ListFilesParams filters and pages a file listing.
type ListFilesParams struct {
	// FileName keeps files with this name.
	FileName string
	// FileIDs keeps only these files.
	FileIDs []string
	// ExternalFileID keeps files with this external id.
	ExternalFileID string
	// OrderBy is "name" (ascending), "id" (ascending) or "created_at"
	// (newest first, the default); the server refuses anything else.
	OrderBy string
	// DownloadURL asks for each file's DownloadURL (expand=download_url).
	DownloadURL bool
	// PageSize is 1 to 1000, 0 for the server's default (50).
	PageSize int
	// PageToken is the NextPageToken of the previous page.
	PageToken string
}

func (p *ListFilesParams) query(q url.Values) url.Values {
	set(q, "file_name", p.FileName)
	q["file_ids"] = nonEmpty(p.FileIDs)
	set(q, "external_file_id", p.ExternalFileID)
	set(q, "order_by", p.OrderBy)
	if p.DownloadURL {
		q.Set("expand", "download_url")
	}
	setInt(q, "page_size", p.PageSize)
	set(q, "page_token", p.PageToken)
	return clean(q)
}

// ListConfigurationsParams filters and pages a saved configuration listing.
type ListConfigurationsParams struct {
	// Name keeps configurations with this name.
	Name string
	// ProductType keeps configurations of this product type
	// (apitype.ProductExtractV2).
	ProductType string
	// LatestOnly keeps the latest version of each configuration.
	LatestOnly bool
	// PageSize is 1 to 1000, 0 for the server's default (50).
	PageSize int
	// PageToken is the NextPageToken of the previous page.
	PageToken string
}

func (p *ListConfigurationsParams) query(q url.Values) url.Values {
	set(q, "name", p.Name)
	set(q, "product_type", p.ProductType)
	if p.LatestOnly {
		q.Set("latest_only", "true")
	}
	setInt(q, "page_size", p.PageSize)
	set(q, "page_token", p.PageToken)
	return clean(q)
}

func set(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}

func setInt(q url.Values, k string, v int) {
	if v != 0 {
		q.Set(k, strconv.Itoa(v))
	}
}

func setTime(q url.Values, k string, t time.Time) {
	if !t.IsZero() {
		q.Set(k, t.UTC().Format("2006-01-02T15:04:05.000Z"))
	}
}

func nonEmpty(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// clean drops keys left without values, so that they are not sent empty.
func clean(q url.Values) url.Values {
	for k, v := range q {
		if len(v) == 0 {
			delete(q, k)
		}
	}
	return q
}
