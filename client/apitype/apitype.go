// Package apitype holds the wire types of the Extract v2 API as Quarry (and
// the hosted LlamaCloud service it is compatible with) sends and accepts
// them. They are plain data with JSON tags and no behaviour beyond small
// helpers, so that programs can store, log or forward them without pulling
// in the HTTP client in package client.
//
// Parts whose shape is defined by the user's own JSON Schema (data_schema,
// extract_result, per-field metadata) are kept as json.RawMessage: decode
// them into your own types with encoding/json.
package apitype

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// ErrNoResult is returned by Job.DecodeResult for a job without a result.
var ErrNoResult = errors.New("apitype: job has no extract_result")

// Status is where an extraction job is in its life.
type Status string

// The statuses a job can have. PENDING, THROTTLED and RUNNING change;
// COMPLETED, FAILED and CANCELLED are final.
const (
	StatusPending   Status = "PENDING"   // queued, not yet started
	StatusThrottled Status = "THROTTLED" // held back by the project's concurrency quota
	StatusRunning   Status = "RUNNING"   // being extracted
	StatusCompleted Status = "COMPLETED" // finished; ExtractResult is set
	StatusFailed    Status = "FAILED"    // finished with an error; ErrorMessage says why
	StatusCancelled Status = "CANCELLED" // stopped by a user
)

// Terminal reports whether a job in this status will never change again,
// which is when waiting for it can stop.
func (s Status) Terminal() bool {
	return s == StatusCompleted || s == StatusFailed || s == StatusCancelled
}

// Values of the expand parameter of job reads and listings: optional parts
// of a job that are left out unless asked for.
const (
	ExpandConfiguration   = "configuration"    // Job.Configuration
	ExpandExtractMetadata = "extract_metadata" // Job.ExtractMetadata
	ExpandMetadata        = "metadata"         // Job.Metadata (usage counts)
	ExpandUsage           = "usage"            // Job.Usage (credits) and Job.Metadata
	ExpandTotalSize       = "total_size"       // Page.TotalSize, listings only
)

// Values of Configuration.Tier.
const (
	TierCostEffective = "cost_effective"
	TierAgentic       = "agentic"
	TierAgenticPlus   = "agentic_plus"
	TierTurbo         = "turbo"
)

// Values of Configuration.ExtractionTarget.
const (
	TargetPerDoc      = "per_doc"       // one result object for the document
	TargetPerPage     = "per_page"      // an array with one object per page
	TargetPerTableRow = "per_table_row" // an array with one object per table row
)

// Values of the document_input_type filter of job listings.
const (
	InputTypeFile     = "file_id"      // file_input is an uploaded file (dfl-…)
	InputTypeParseJob = "parse_job_id" // file_input is a parse job (pjb-…)
)

// ProductExtractV2 is the product type of saved extraction configurations.
const ProductExtractV2 = "extract_v2"

// Configuration says what to extract and how (ExtractConfiguration). Only
// DataSchema is required; the server fills the defaults (tier
// cost_effective, target per_doc, version latest) and a job's copy shows
// them, with the concrete engine version it ran.
type Configuration struct {
	// DataSchema is a JSON Schema object describing the fields to extract.
	DataSchema json.RawMessage `json:"data_schema"`
	// Tier is one of the Tier constants.
	Tier string `json:"tier,omitempty"`
	// ExtractionTarget is one of the Target constants.
	ExtractionTarget string `json:"extraction_target,omitempty"`
	// CiteSources asks for a citation (page, matching text, boxes) per field.
	CiteSources bool `json:"cite_sources"`
	// ConfidenceScores asks for a confidence per field.
	ConfidenceScores bool `json:"confidence_scores"`
	// SystemPrompt guides model-based engines.
	SystemPrompt string `json:"system_prompt,omitempty"`
	// TargetPages limits extraction to pages like "1,3,5-7" (1-based).
	TargetPages string `json:"target_pages,omitempty"`
	// MaxPages caps the pages processed; nil means no limit.
	MaxPages *int `json:"max_pages,omitempty"`
	// ParseTier is the parse tier used before extraction.
	ParseTier string `json:"parse_tier,omitempty"`
	// ParseConfigID names a saved parse configuration.
	ParseConfigID string `json:"parse_config_id,omitempty"`
	// SheetNames picks worksheets in spreadsheet mode.
	SheetNames []string `json:"sheet_names,omitempty"`
	// SpreadsheetMode reads workbooks cell by cell.
	SpreadsheetMode bool `json:"spreadsheet_mode,omitempty"`
	// DisableCache turns off reuse of earlier results.
	DisableCache bool `json:"disable_cache,omitempty"`
	// Version is "latest" or a date (2026-01-08) to pin a release. Set at
	// most one of Version and ExtractVersion; the server reports both.
	Version string `json:"version,omitempty"`
	// ExtractVersion is the command-line client's name for Version.
	ExtractVersion string `json:"extract_version,omitempty"`
}

// WebhookConfiguration asks the server to POST a job's status changes to a
// URL.
type WebhookConfiguration struct {
	// URL receives the notifications.
	URL string `json:"webhook_url"`
	// Events subscribes to some of extract.pending, extract.success,
	// extract.error, extract.cancelled, and extract.running (Quarry's own,
	// sent only when named); none means all but extract.running. The
	// hosted service's other events (parse.*, classify.*…) are accepted
	// and never sent.
	Events []string `json:"webhook_events,omitempty"`
	// Headers are sent with every delivery.
	Headers map[string]string `json:"webhook_headers,omitempty"`
	// SigningSecret, when set, makes each delivery carry
	// "LC-Signature: sha256=<hex HMAC-SHA256 of the body>".
	SigningSecret string `json:"webhook_signing_secret,omitempty"`
	// OutputFormat is "string" (default) or "json".
	OutputFormat string `json:"webhook_output_format,omitempty"`
}

// CreateJobParams is the body of a job creation (ExtractV2JobCreate). Give
// exactly one of Configuration and ConfigurationID.
type CreateJobParams struct {
	// FileInput is the uploaded file (dfl-…) or parse job (pjb-…) to read.
	FileInput string `json:"file_input"`
	// Configuration is an inline configuration.
	Configuration *Configuration `json:"configuration,omitempty"`
	// ConfigurationID names a saved configuration (cfg-…).
	ConfigurationID string `json:"configuration_id,omitempty"`
	// WebhookConfigurations subscribe URLs to the job's status changes.
	WebhookConfigurations []WebhookConfiguration `json:"webhook_configurations,omitempty"`
	// WebhookConfigurationIDs name saved webhook configurations (whc-…) to
	// notify as well; the job keeps a copy of each.
	WebhookConfigurationIDs []string `json:"webhook_configuration_ids,omitempty"`
	// IdempotencyKey, when set, is sent as the Idempotency-Key header: a
	// retried create with the same key returns the same job instead of
	// starting another, which is also what lets the client retry creates
	// safely. It is not part of the body.
	IdempotencyKey string `json:"-"`
}

// Job is an extraction job (ExtractV2Job).
type Job struct {
	ID        string    `json:"id"` // ext-…
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// FileInput is the file (dfl-…) or parse job (pjb-…) the job reads.
	FileInput string `json:"file_input"`
	ProjectID string `json:"project_id"`
	Status    Status `json:"status"`
	// ConfigurationID is the saved configuration the job was created
	// from, if any.
	ConfigurationID string `json:"configuration_id,omitempty"`
	// ErrorMessage says why a FAILED job failed.
	ErrorMessage string `json:"error_message,omitempty"`
	// ExtractResult is set when the job COMPLETED: an object for per_doc,
	// an array of objects for per_page and per_table_row.
	ExtractResult json.RawMessage `json:"extract_result,omitempty"`
	// Configuration is the full configuration the job ran with; present
	// with ExpandConfiguration and in the reply to a create.
	Configuration *Configuration `json:"configuration,omitempty"`
	// ExtractMetadata holds per-field citations and confidences; present
	// with ExpandExtractMetadata, or when the job asked for citations or
	// confidence scores.
	ExtractMetadata *ExtractMetadata `json:"extract_metadata,omitempty"`
	// Metadata holds usage; present with ExpandMetadata or ExpandUsage.
	Metadata *JobMetadata `json:"metadata,omitempty"`
	// Usage is what the job was charged; present with ExpandUsage.
	Usage *JobUsage `json:"usage,omitempty"`
	// WebhookDeliveries are the job's webhook deliveries with every
	// attempt; present with ExpandWebhookDeliveries.
	WebhookDeliveries []WebhookDelivery `json:"webhook_deliveries,omitempty"`
}

// DecodeResult unmarshals the job's extract_result into v. It fails if the
// job has no result (it has not completed).
func (j *Job) DecodeResult(v any) error {
	if len(j.ExtractResult) == 0 {
		return fmt.Errorf("%w (job %s is %s)", ErrNoResult, j.ID, j.Status)
	}
	return json.Unmarshal(j.ExtractResult, v)
}

// ExtractMetadata is a finished job's extraction metadata
// (ExtractJobMetadata).
type ExtractMetadata struct {
	FieldMetadata *FieldMetadata `json:"field_metadata,omitempty"`
	// ParseJobID is the parse job the extraction read, if any.
	ParseJobID string `json:"parse_job_id,omitempty"`
	// ParseTier is the parse tier that was used.
	ParseTier string `json:"parse_tier,omitempty"`
}

// FieldMetadata holds per-field metadata mirroring the shape of the result:
// a scalar field maps to a FieldMetadataEntry, an array field to a list with
// one entry (or object of entries) per element, a nested object nests.
// Exactly one member is set, by extraction target.
type FieldMetadata struct {
	// DocumentMetadata is set for per_doc: an object keyed by field name.
	DocumentMetadata json.RawMessage `json:"document_metadata,omitempty"`
	// PageMetadata is set for per_page: one object per page.
	PageMetadata []json.RawMessage `json:"page_metadata,omitempty"`
	// RowMetadata is set for per_table_row: one object per row.
	RowMetadata []json.RawMessage `json:"row_metadata,omitempty"`
}

// Field decodes the metadata entry of a top-level scalar field of a per_doc
// result. It reports false if there is none.
func (m *FieldMetadata) Field(name string) (FieldMetadataEntry, bool) {
	if m == nil || len(m.DocumentMetadata) == 0 {
		return FieldMetadataEntry{}, false
	}
	var fields map[string]json.RawMessage
	if json.Unmarshal(m.DocumentMetadata, &fields) != nil {
		return FieldMetadataEntry{}, false
	}
	raw, ok := fields[name]
	if !ok {
		return FieldMetadataEntry{}, false
	}
	var e FieldMetadataEntry
	if json.Unmarshal(raw, &e) != nil {
		return FieldMetadataEntry{}, false
	}
	return e, true
}

// FieldMetadataEntry is the metadata of one extracted scalar value.
type FieldMetadataEntry struct {
	Citation []Citation `json:"citation,omitempty"`
	// Confidence is in [0, 1]; nil when not asked for.
	Confidence           *float64 `json:"confidence,omitempty"`
	ExtractionConfidence *float64 `json:"extraction_confidence,omitempty"`
	ParsingConfidence    *float64 `json:"parsing_confidence,omitempty"`
}

// Citation is where in the document a value was found.
type Citation struct {
	// Page is 1-based.
	Page          int           `json:"page"`
	MatchingText  string        `json:"matching_text,omitempty"`
	BoundingBoxes []BoundingBox `json:"bounding_boxes,omitempty"`
	// PageDimensions is the size of the page, in the boxes' units: a box
	// divided by it is a fraction of the page, to lay over any drawing of
	// it.
	PageDimensions *PageDimensions `json:"page_dimensions,omitempty"`
}

// PageDimensions is a page's size in points.
type PageDimensions struct {
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
}

// BoundingBox is a rectangle on a page in points (1/72 inch) from the page's
// top-left corner, whatever the document's format: PDF's own units; a
// text document's character cell is 7.2 by 12 points (10 characters and 6
// lines an inch); an image's pixel is a point (an image is read at 72
// pixels an inch), so its boxes are in the pixels of the upright image.
type BoundingBox struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	W float64 `json:"w"`
	H float64 `json:"h"`
}

// JobMetadata is job-level metadata.
type JobMetadata struct {
	Usage *Usage `json:"usage,omitempty"`
	// Engine names the engine that produced the result (Quarry only).
	Engine string `json:"engine,omitempty"`
}

// Usage counts what a job consumed.
type Usage struct {
	NumPagesExtracted int `json:"num_pages_extracted"`
	NumDocumentTokens int `json:"num_document_tokens"`
	NumOutputTokens   int `json:"num_output_tokens"`
	// NumPagesBilled is the pages charged for: those extracted when the
	// job completed, 0 when it failed or was cancelled; nil until it ends.
	NumPagesBilled *int `json:"num_pages_billed,omitempty"`
}

// JobUsage is what a job was charged, in the hosted service's credits:
// Quarry charges nobody, but counts as that service documents (5, 15, 50
// or 35 credits a page for the tiers cost_effective, agentic, agentic_plus
// and turbo). Every member is nil until the job has finished.
type JobUsage struct {
	Credits        *int `json:"credits"`
	ExtractCredits *int `json:"extract_credits"`
	// ParseCredits is 0: parsing is part of Quarry's extraction.
	ParseCredits *int `json:"parse_credits"`
}

// Page is one page of a listing.
type Page[T any] struct {
	Items []T `json:"items"`
	// NextPageToken fetches the next page; empty on the last one.
	NextPageToken string `json:"next_page_token,omitempty"`
	// TotalSize is the number of matching items, when asked for; it may
	// be an estimate.
	TotalSize *int64 `json:"total_size,omitempty"`
}

// JobPage is a page of jobs.
type JobPage = Page[Job]

// FilePage is a page of files.
type FilePage = Page[File]

// SavedConfigurationPage is a page of saved configurations.
type SavedConfigurationPage = Page[SavedConfiguration]

// SchemaValidation is the reply to a schema validation: the schema,
// normalised and ready to use in a Configuration.
type SchemaValidation struct {
	DataSchema json.RawMessage `json:"data_schema"`
}

// File is an uploaded file.
type File struct {
	ID        string `json:"id"` // dfl-…
	Name      string `json:"name"`
	ProjectID string `json:"project_id"`
	// FileType is detected from the bytes: "txt", "pdf", "docx"…
	FileType string `json:"file_type"`
	// FileSize is in bytes (Quarry only).
	FileSize int64  `json:"file_size,omitempty"`
	Purpose  string `json:"purpose"`
	// ExternalFileID is the caller's own id for the file, if given.
	ExternalFileID string     `json:"external_file_id,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at,omitzero"`
	LastModifiedAt time.Time  `json:"last_modified_at,omitzero"`
	ExpiresAt      *time.Time `json:"expires_at,omitempty"`
	// DownloadURL is a link to the file's bytes, present when asked for
	// (expand=download_url; ListFilesParams.DownloadURL).
	DownloadURL *FileContent `json:"download_url,omitempty"`
}

// FileContent is a short-lived URL the file's bytes can be downloaded
// from without an API key (PresignedURL): whoever holds it may download
// the file until ExpiresAt.
type FileContent struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// SavedConfiguration is a named, versioned configuration jobs can be
// created from (ConfigurationResponse).
type SavedConfiguration struct {
	ID          string                  `json:"id"` // cfg-…
	Name        string                  `json:"name"`
	ProjectID   string                  `json:"project_id,omitempty"`
	ProductType string                  `json:"product_type"`
	Parameters  ConfigurationParameters `json:"parameters"`
	// Version is the time this version was saved, as a datetime string
	// (RFC 3339, the same instant as UpdatedAt): a create of an existing
	// name or an update makes a new one.
	Version   string    `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// ConfigurationParameters is a configuration with its product type, as
// saved configurations carry it.
type ConfigurationParameters struct {
	// ProductType is ProductExtractV2; the client fills it when empty.
	ProductType string `json:"product_type"`
	Configuration
}

// CreateConfigurationParams is the body of a saved configuration's
// creation.
type CreateConfigurationParams struct {
	Name       string                  `json:"name"`
	Parameters ConfigurationParameters `json:"parameters"`
}

// UpdateConfigurationParams is the body of a saved configuration's update;
// nil members are left as they are.
type UpdateConfigurationParams struct {
	Name       *string                  `json:"name,omitempty"`
	Parameters *ConfigurationParameters `json:"parameters,omitempty"`
}

// GenerateSchemaParams is the body of a schema generation: describe the data
// in words, point at a sample file, or give a schema to refine; all are
// optional.
type GenerateSchemaParams struct {
	// Prompt describes in natural language the data to extract.
	Prompt string `json:"prompt,omitempty"`
	// FileID is an uploaded file (dfl-…) to derive the fields from.
	FileID string `json:"file_id,omitempty"`
	// DataSchema is a schema to validate, refine or extend.
	DataSchema json.RawMessage `json:"data_schema,omitempty"`
	// Name names the configuration request that comes back; the server
	// makes one up when it is empty.
	Name string `json:"name,omitempty"`
}
