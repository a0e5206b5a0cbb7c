package parse

import (
	"context"
	"fmt"
	"io"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/pdf"
	"github.com/quarrylabs/quarry/internal/extract"
)

// LazyPDF is a PDF parser started by the first document that needs it:
// starting PDFium costs seconds of CPU (far more under the race detector),
// which a server that reads no PDF, a command run on a DOCX, or a test
// should not pay. Once started it is kept until Close.
type LazyPDF struct {
	opts pdf.Options
	// sem guards the fields below; a channel so that a caller waiting for
	// another's start still honours its context.
	sem    chan struct{}
	parser *pdf.Parser
	closed bool
}

// NewLazyPDF returns a parser that starts with opts at its first use.
func NewLazyPDF(opts pdf.Options) *LazyPDF {
	return &LazyPDF{opts: opts, sem: make(chan struct{}, 1)}
}

// Parse starts the pool if need be and parses the PDF.
func (l *LazyPDF) Parse(ctx context.Context, r io.Reader, opts pdf.ParseOptions) (*document.Document, error) {
	p, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return p.Parse(ctx, r, opts)
}

// RenderPNG starts the pool if need be and draws page n (1-based) of the PDF
// at dpi as a PNG; see pdf.Parser.RenderPNG.
func (l *LazyPDF) RenderPNG(ctx context.Context, r io.Reader, n, dpi int, opts pdf.ParseOptions) ([]byte, error) {
	p, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return p.RenderPNG(ctx, r, n, dpi, opts)
}

// Warm starts the pool now rather than at the first PDF, so that a
// server's first PDF job does not pay PDFium's start-up.
func (l *LazyPDF) Warm(ctx context.Context) error {
	_, err := l.get(ctx)
	return err
}

func (l *LazyPDF) get(ctx context.Context) (*pdf.Parser, error) {
	select {
	case l.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for the PDF parser: %w", ctx.Err())
	}
	defer func() { <-l.sem }()
	if l.closed {
		return nil, extract.Errorf(extract.CodeInternal, "the PDF parser is closed")
	}
	if l.parser == nil {
		// Started to the end whatever happens to this caller, so that the
		// next PDF finds the pool ready and no start is left running.
		p, err := pdf.New(context.WithoutCancel(ctx), l.opts)
		if err != nil {
			return nil, fmt.Errorf("start the PDF parser: %w", err)
		}
		l.parser = p
	}
	return l.parser, nil
}

// Close stops the pool if it was started. Parses in progress finish first.
func (l *LazyPDF) Close() error {
	l.sem <- struct{}{}
	defer func() { <-l.sem }()
	l.closed = true
	if l.parser == nil {
		return nil
	}
	return l.parser.Close()
}
