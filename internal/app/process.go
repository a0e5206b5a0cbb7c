package app

import (
	"context"
	"fmt"

	"github.com/quarrylabs/quarry/internal/blob"
	"github.com/quarrylabs/quarry/internal/document/text"
	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/filetype"
)

// maxTextBytes caps a text-like document the parser reads: far above any
// real text document, low enough that one job cannot exhaust memory.
const maxTextBytes = 64 << 20

// processor does one job's work: load the file, parse it, run the engine.
type processor struct {
	store  extract.Store
	blobs  *blob.Local
	engine extract.Engine
}

func (p *processor) Process(ctx context.Context, job extract.Job) (extract.Outcome, error) {
	f, err := p.store.File(ctx, job.ProjectID, job.FileInput)
	if extract.IsNotFound(err) {
		return extract.Outcome{}, extract.Errorf(extract.CodeInvalid, "the file %s was deleted before the job ran", job.FileInput)
	}
	if err != nil {
		return extract.Outcome{}, fmt.Errorf("load file: %w", err)
	}
	if !filetype.TextLike(f.FileType) {
		return extract.Outcome{}, extract.Errorf(extract.CodeInvalid,
			"%s files are not supported yet: this server extracts from plain text, Markdown, CSV and JSON files (the file %q was detected as %s from its content)",
			f.FileType, f.Name, f.FileType)
	}
	cfg := job.Configuration
	var pages []extract.PageRange
	if cfg.TargetPages != "" {
		if pages, err = extract.ParsePageRanges(cfg.TargetPages); err != nil {
			return extract.Outcome{}, err
		}
	}
	maxPages := 0
	if cfg.MaxPages != nil {
		maxPages = *cfg.MaxPages
	}
	body, err := p.blobs.Open(ctx, f.ID)
	if extract.IsNotFound(err) {
		return extract.Outcome{}, extract.Errorf(extract.CodeInvalid, "the content of file %s is no longer stored", f.ID)
	}
	if err != nil {
		return extract.Outcome{}, err
	}
	defer body.Close()
	doc, err := text.Parse(body, text.Options{Format: f.FileType, MaxBytes: maxTextBytes, Pages: pages, MaxPages: maxPages})
	if err != nil {
		return extract.Outcome{}, err
	}
	return p.engine.Extract(ctx, doc, cfg)
}
