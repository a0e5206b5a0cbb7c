package extract

import (
	"time"
)

// File is an uploaded document. Its bytes live in a blob store under its ID.
type File struct {
	ID             string
	ProjectID      string
	Name           string
	FileType       string // detected from content: "pdf", "docx", "txt", …
	ContentType    string // the detected MIME type
	Purpose        string
	ExternalFileID string
	Size           int64
	SHA256         string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	ExpiresAt      *time.Time
}

// FileFilter selects files of one project and orders them. Zero fields do
// not filter.
type FileFilter struct {
	ProjectID      string
	Name           string
	IDs            []string
	ExternalFileID string
	// Order is the listing's order; zero is FileOrderCreated.
	Order FileOrder
}

// FileOrder is an order of a file listing: the three the hosted service's
// clients document for order_by, and no others.
type FileOrder string

const (
	// FileOrderCreated is newest first: created_at, then id, descending.
	// Cursors carry CreatedAt and ID.
	FileOrderCreated FileOrder = "created_at"
	// FileOrderName is by name, then id, ascending, comparing bytes (no
	// locale: the same order in every store). Cursors carry Name and ID.
	FileOrderName FileOrder = "name"
	// FileOrderID is by id ascending, which is oldest first for ids made
	// here (time-ordered UUIDv7). Cursors carry ID.
	FileOrderID FileOrder = "id"
)

// ParseFileOrder reads the order_by of a file listing: "" (the default),
// "created_at", "name" or "id". Anything else, a direction or several
// fields included, is CodeInvalid, as the hosted service documents.
func ParseFileOrder(s string) (FileOrder, error) {
	switch o := FileOrder(s); o {
	case "":
		return FileOrderCreated, nil
	case FileOrderCreated, FileOrderName, FileOrderID:
		return o, nil
	}
	return "", Errorf(CodeInvalid, "order_by %q is not supported: give one of \"name\" (ascending), \"id\" (ascending) or \"created_at\" (newest first), without asc/desc and without a second field", s)
}

// ProductExtractV2 is the only product type Quarry stores configurations for.
const ProductExtractV2 = "extract_v2"

// SavedConfiguration is a named, reusable configuration. Jobs created from it
// copy it in at creation, so later edits never change a job's history.
type SavedConfiguration struct {
	ID            string
	ProjectID     string
	Name          string
	ProductType   string
	Configuration Configuration
	// Version counts updates, starting at 1.
	Version   int
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ConfigFilter selects saved configurations of one project.
type ConfigFilter struct {
	ProjectID   string
	Name        string
	ProductType string
	// LatestOnly keeps, of configurations sharing a name and product type,
	// only the newest (created last). Creation is an upsert, so only
	// configurations saved before it was can share them.
	LatestOnly bool
}

// Organization owns projects; an API key belongs to one organization.
type Organization struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

// Project scopes every job, file and configuration.
type Project struct {
	ID             string
	OrganizationID string
	Name           string
	CreatedAt      time.Time
}

// APIKey is a stored key. Only a hash of the secret is kept.
type APIKey struct {
	ID             string
	OrganizationID string
	// ProjectID is the key's project: the one its requests act in, and,
	// unless OrganizationWide, the only one.
	ProjectID string
	// OrganizationWide lets the key name any project of its organization
	// with project_id; without it a request naming another project than
	// ProjectID is refused. Keys are scoped to their project unless made
	// organization-wide on purpose.
	OrganizationWide bool
	Name             string
	// Prefix is the first characters of the secret, shown in listings so a
	// person can tell keys apart.
	Prefix     string
	Hash       []byte
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// Principal is who a request acts for: a key, its organization, and the
// project the request resolved to.
type Principal struct {
	KeyID          string
	OrganizationID string
	ProjectID      string
}
