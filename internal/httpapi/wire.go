package httpapi

import (
	"encoding/json"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
)

// timeFormat is RFC 3339 in UTC with milliseconds, as the API's clients show.
const timeFormat = "2006-01-02T15:04:05.000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func formatTimePtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := formatTime(*t)
	return &s
}

// jobJSON is the wire form of an ExtractV2Job.
type jobJSON struct {
	ID              string                 `json:"id"`
	CreatedAt       string                 `json:"created_at"`
	UpdatedAt       string                 `json:"updated_at"`
	FileInput       string                 `json:"file_input"`
	ProjectID       string                 `json:"project_id"`
	Status          extract.Status         `json:"status"`
	ConfigurationID *string                `json:"configuration_id,omitempty"`
	ErrorMessage    *string                `json:"error_message,omitempty"`
	ExtractResult   json.RawMessage        `json:"extract_result,omitempty"`
	Configuration   *extract.Configuration `json:"configuration,omitempty"`
	ExtractMetadata *extractMetadataJSON   `json:"extract_metadata,omitempty"`
	Metadata        *jobMetadataJSON       `json:"metadata,omitempty"`
	Usage           *jobUsageJSON          `json:"usage,omitempty"`
}

// jobUsageJSON is what a job is charged (ExtractV2Job.Usage), with
// expand=usage; every member is null until the job has finished.
type jobUsageJSON struct {
	Credits        *int `json:"credits"`
	ExtractCredits *int `json:"extract_credits"`
	ParseCredits   *int `json:"parse_credits"`
}

// usageJSON is metadata.usage (ExtractJobUsage): the engine's counts and
// the pages billed, null until the job has finished.
type usageJSON struct {
	extract.Usage
	NumPagesBilled *int `json:"num_pages_billed"`
}

type extractMetadataJSON struct {
	FieldMetadata *extract.FieldMetadata `json:"field_metadata"`
	ParseJobID    *string                `json:"parse_job_id"`
	ParseTier     *string                `json:"parse_tier"`
}

type jobMetadataJSON struct {
	Usage  *usageJSON `json:"usage"`
	Engine string     `json:"engine,omitempty"`
}

// expansions says which optional parts of a job a reply includes.
type expansions struct {
	configuration   bool
	extractMetadata bool
	metadata        bool
	usage           bool // the top-level usage (credits)
	totalSize       bool
	downloadURL     bool // files: a download link in each file
}

func toJobJSON(j extract.Job, ex expansions) jobJSON {
	out := jobJSON{
		ID:        j.ID,
		CreatedAt: formatTime(j.CreatedAt),
		UpdatedAt: formatTime(j.UpdatedAt),
		FileInput: j.FileInput,
		ProjectID: j.ProjectID,
		Status:    j.Status,
	}
	if j.ConfigurationID != "" {
		out.ConfigurationID = &j.ConfigurationID
	}
	if j.Status == extract.StatusFailed && j.ErrorMessage != "" {
		out.ErrorMessage = &j.ErrorMessage
	}
	if j.Status == extract.StatusCompleted {
		out.ExtractResult = j.Result
	}
	if ex.configuration {
		c := j.Configuration
		out.Configuration = &c
	}
	// Metadata is included when asked for, and on its own when the job asked
	// for citations or confidence: that is what those flags are for.
	if j.Status == extract.StatusCompleted && (ex.extractMetadata || j.Configuration.CiteSources || j.Configuration.ConfidenceScores) {
		md := &extractMetadataJSON{FieldMetadata: j.FieldMetadata}
		if md.FieldMetadata == nil {
			md.FieldMetadata = &extract.FieldMetadata{}
		}
		tier := j.Configuration.ParseTier
		if tier == "" {
			tier = j.Configuration.Tier
		}
		if tier != "" {
			md.ParseTier = &tier
		}
		out.ExtractMetadata = md
	}
	bill, settled := j.Bill()
	if ex.metadata {
		u := &usageJSON{}
		if j.Usage != nil {
			u.Usage = *j.Usage
		}
		if settled {
			u.NumPagesBilled = &bill.PagesBilled
		}
		out.Metadata = &jobMetadataJSON{Usage: u, Engine: j.Engine}
	}
	if ex.usage {
		out.Usage = &jobUsageJSON{}
		if settled {
			credits := bill.Credits()
			out.Usage.Credits, out.Usage.ExtractCredits, out.Usage.ParseCredits = &credits, &bill.ExtractCredits, &bill.ParseCredits
		}
	}
	return out
}

// listJSON is a page of a listing.
type listJSON[T any] struct {
	Items         []T    `json:"items"`
	NextPageToken string `json:"next_page_token,omitempty"`
	TotalSize     *int64 `json:"total_size,omitempty"`
}

// fileJSON is the wire form of a File.
type fileJSON struct {
	ID             string  `json:"id"`
	Name           string  `json:"name"`
	ProjectID      string  `json:"project_id"`
	FileType       string  `json:"file_type"`
	FileSize       int64   `json:"file_size"`
	Purpose        string  `json:"purpose"`
	ExternalFileID *string `json:"external_file_id"`
	CreatedAt      string  `json:"created_at"`
	UpdatedAt      string  `json:"updated_at"`
	LastModifiedAt string  `json:"last_modified_at"`
	ExpiresAt      *string `json:"expires_at"`
	// DownloadURL is set with expand=download_url only: making one seals
	// a token, and a link nobody asked for is a grant nobody needed.
	DownloadURL *presignedJSON `json:"download_url,omitempty"`
}

// presignedJSON is the wire form of a PresignedURL: a link to a file's
// bytes that needs no API key until it expires.
type presignedJSON struct {
	URL       string `json:"url"`
	ExpiresAt string `json:"expires_at"`
}

func toFileJSON(f extract.File) fileJSON {
	out := fileJSON{
		ID: f.ID, Name: f.Name, ProjectID: f.ProjectID, FileType: f.FileType, FileSize: f.Size,
		Purpose:        f.Purpose,
		CreatedAt:      formatTime(f.CreatedAt),
		UpdatedAt:      formatTime(f.UpdatedAt),
		LastModifiedAt: formatTime(f.UpdatedAt),
		ExpiresAt:      formatTimePtr(f.ExpiresAt),
	}
	if f.ExternalFileID != "" {
		out.ExternalFileID = &f.ExternalFileID
	}
	return out
}

// configJSON is the wire form of a saved configuration
// (ConfigurationResponse).
type configJSON struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	ProjectID   string         `json:"project_id"`
	ProductType string         `json:"product_type"`
	Parameters  parametersJSON `json:"parameters"`
	Version     string         `json:"version"`
	CreatedAt   string         `json:"created_at"`
	UpdatedAt   string         `json:"updated_at"`
}

// parametersJSON is a configuration with its product type, as saved
// configurations carry it.
type parametersJSON struct {
	ProductType string `json:"product_type"`
	extract.Configuration
}

func (p parametersJSON) MarshalJSON() ([]byte, error) {
	b, err := json.Marshal(p.Configuration)
	if err != nil {
		return nil, err
	}
	pt, _ := json.Marshal(p.ProductType)
	return append(append([]byte(`{"product_type":`), pt...), append([]byte{','}, b[1:]...)...), nil
}

func toConfigJSON(c extract.SavedConfiguration) configJSON {
	return configJSON{
		ID: c.ID, Name: c.Name, ProjectID: c.ProjectID, ProductType: c.ProductType,
		Parameters: parametersJSON{ProductType: c.ProductType, Configuration: c.Configuration},
		// The hosted service's version is a datetime string: the time this
		// version was saved, which is the configuration's last update.
		Version:   formatTime(c.UpdatedAt),
		CreatedAt: formatTime(c.CreatedAt),
		UpdatedAt: formatTime(c.UpdatedAt),
	}
}
