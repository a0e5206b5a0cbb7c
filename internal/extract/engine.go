package extract

import (
	"context"

	"github.com/quarrylabs/quarry/internal/document"
)

// Engine fills a configuration's schema from a parsed document. Engines never
// touch the store or HTTP; the worker hands them a document and stores what
// they return.
type Engine interface {
	Extract(ctx context.Context, doc *document.Document, cfg Configuration) (Outcome, error)
}
