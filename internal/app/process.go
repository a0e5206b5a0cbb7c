package app

import (
	"context"
	"fmt"
	"io"

	"github.com/quarrylabs/quarry/internal/document/parse"
	"github.com/quarrylabs/quarry/internal/extract"
)

// opener reads uploaded files' bytes: a local directory or a bucket.
type opener interface {
	Open(ctx context.Context, key string) (io.ReadCloser, error)
}

// processor does one job's work: read the file, parse it, run the engine.
type processor struct {
	blobs  opener
	parser *parse.Parser
	engine extract.Engine
}

func (p *processor) Process(ctx context.Context, job extract.Job, f *extract.File) (extract.Outcome, error) {
	if f == nil {
		return extract.Outcome{}, extract.Errorf(extract.CodeInvalid, "the file %s was deleted before the job ran", job.FileInput)
	}
	if !parse.Supported(f.FileType) {
		// Checked before opening the content, so the message can name the
		// file.
		return extract.Outcome{}, extract.Errorf(extract.CodeInvalid,
			"%s files are not supported: this server reads PDF, DOCX, XLSX, HTML, CSV, Markdown, JSON and plain text files (the file %q was detected as %s from its content)",
			f.FileType, f.Name, f.FileType)
	}
	cfg := job.Configuration
	opts, err := parse.OptionsFor(cfg)
	if err != nil {
		return extract.Outcome{}, err
	}
	body, err := p.blobs.Open(ctx, f.ID)
	if extract.IsNotFound(err) {
		return extract.Outcome{}, extract.Errorf(extract.CodeInvalid, "the content of file %s is no longer stored", f.ID)
	}
	if err != nil {
		return extract.Outcome{}, err
	}
	defer body.Close()
	doc, err := p.parser.Parse(ctx, body, f.FileType, opts)
	if err != nil {
		return extract.Outcome{}, err
	}
	// The engine reports usage.num_pages_extracted from doc.Pages: the
	// pages parsed after target_pages, max_pages and sheet_names.
	out, err := p.engine.Extract(ctx, doc, cfg)
	if err != nil {
		return extract.Outcome{}, err
	}
	// Engines cite in the document's own units and report everything;
	// what the API shows is decided once, here, before it is stored.
	if out.FieldMetadata, err = extract.ShowMetadata(out.FieldMetadata, out.Result, doc, cfg); err != nil {
		return extract.Outcome{}, fmt.Errorf("job %s: %w", job.ID, err)
	}
	return out, nil
}
