// Package parse is the one entry point from an uploaded file to Quarry's
// document model: it picks the parser by the file's detected type
// (internal/filetype), applies a job's target_pages, max_pages and
// sheet_names, and holds every parse to the limits a server needs against
// hostile files — a largest file, a most pages, a most decompressed bytes
// for zip-based formats, a most pixels for images, a time limit per
// document, and a memory budget
// (internal/document/budget) the parsers spend as they make cells, words
// and text. Each limit fails
// with an *extract.Error of code CodeInvalid whose message names it, and a
// parser that panics on a file fails that file alone.
package parse

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"time"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/budget"
	"github.com/quarrylabs/quarry/internal/document/docx"
	"github.com/quarrylabs/quarry/internal/document/html"
	"github.com/quarrylabs/quarry/internal/document/ocr"
	"github.com/quarrylabs/quarry/internal/document/pdf"
	"github.com/quarrylabs/quarry/internal/document/picture"
	"github.com/quarrylabs/quarry/internal/document/text"
	"github.com/quarrylabs/quarry/internal/document/xlsx"
	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/filetype"
)

// PDF parses PDF files. *pdf.Parser is one; it is an interface so that the
// costly PDFium pool is made once by whoever owns it (the server) and only
// when a PDF needs it (the command line).
type PDF interface {
	Parse(ctx context.Context, r io.Reader, opts pdf.ParseOptions) (*document.Document, error)
}

// Limits hold every parse within bounds.
type Limits struct {
	// MaxBytes refuses a larger file. Defaults to 100 MiB, the server's
	// default upload limit.
	MaxBytes int64
	// PageLimit refuses a document of more pages, whatever a job selects.
	// Defaults to pdf.DefaultPageLimit (5000).
	PageLimit int
	// MaxDecompressedBytes refuses a DOCX or XLSX whose parts inflate to
	// more (zip bombs). Defaults to 256 MiB.
	MaxDecompressedBytes int64
	// Timeout bounds the parse of one document. Defaults to 2 minutes.
	Timeout time.Duration
	// Budget bounds what the parse of one document may make: table cells,
	// words, bytes of text, line length, inflated PDF streams, pixels of an
	// image. See budget.Limits for the defaults.
	Budget budget.Limits
	// OCR says which Tesseract reads image files, in which languages; see
	// ocr.Options for the defaults. (Scanned PDF pages are read as the
	// PDF parser's own options say.)
	OCR ocr.Options
}

// WithDefaults returns the limits with every unset field at its default.
func (l Limits) WithDefaults() Limits {
	l.MaxBytes = cmp.Or(l.MaxBytes, 100<<20)
	l.PageLimit = cmp.Or(l.PageLimit, pdf.DefaultPageLimit)
	l.MaxDecompressedBytes = cmp.Or(l.MaxDecompressedBytes, 256<<20)
	l.Timeout = cmp.Or(l.Timeout, 2*time.Minute)
	l.Budget = l.Budget.WithDefaults()
	l.OCR = l.OCR.WithDefaults()
	return l
}

// Options say what of one document to read.
type Options struct {
	// Pages are the 1-based pages to keep (a job's target_pages). A
	// selection naming no page of the document is an error; see
	// extract.SelectPages. Defaults to all pages (nil).
	Pages []extract.PageRange
	// MaxPages keeps at most this many of the selected pages (a job's
	// max_pages). Defaults to no limit (0).
	MaxPages int
	// SheetNames picks the sheets of a spreadsheet (a job's sheet_names);
	// other formats ignore it. Defaults to the visible sheets (nil).
	SheetNames []string
}

// OptionsFor returns the options a job's configuration asks for.
func OptionsFor(cfg extract.Configuration) (Options, error) {
	var o Options
	if cfg.TargetPages != "" {
		var err error
		if o.Pages, err = extract.ParsePageRanges(cfg.TargetPages); err != nil {
			return Options{}, err
		}
	}
	if cfg.MaxPages != nil {
		if *cfg.MaxPages < 1 {
			return Options{}, extract.Errorf(extract.CodeInvalid, "max_pages must be at least 1 (omit it for no limit)")
		}
		o.MaxPages = *cfg.MaxPages
	}
	o.SheetNames = cfg.SheetNames
	return o, nil
}

// Parser parses documents of every supported type.
type Parser struct {
	pdf    PDF
	limits Limits
}

// New returns a parser. pdf may be nil: PDF files then fail with a message
// saying this server does not read them.
func New(pdf PDF, limits Limits) *Parser {
	return &Parser{pdf: pdf, limits: limits.WithDefaults()}
}

// File parses the file at path, detecting its type from its content and
// name the way uploads are detected.
func (p *Parser) File(ctx context.Context, path string, opts Options) (*document.Document, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("open document: %w", err)
	}
	defer f.Close()
	head := make([]byte, filetype.SniffLen)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, "", fmt.Errorf("read document: %w", err)
	}
	kind := filetype.Detect(head[:n], path)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, "", fmt.Errorf("read document: %w", err)
	}
	doc, err := p.Parse(ctx, f, kind, opts)
	return doc, kind, err
}

// Parse reads a document of the given kind (a filetype constant).
func (p *Parser) Parse(ctx context.Context, r io.Reader, kind string, opts Options) (doc *document.Document, err error) {
	if opts.MaxPages < 0 {
		return nil, extract.Errorf(extract.CodeInvalid, "max_pages must be at least 1 (omit it for no limit)")
	}
	if !Supported(kind) {
		return nil, unsupported(kind)
	}
	if kind == filetype.PDF && p.pdf == nil {
		return nil, extract.Errorf(extract.CodeInvalid, "PDF files are not supported by this server: it was started without its PDF parser")
	}
	data, err := readAll(r, p.limits.MaxBytes)
	if err != nil {
		return nil, err
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, p.limits.Timeout)
	defer cancel()
	// A parser bug must fail this document, not the process: the worker
	// recovers too, but the command line and tests call here directly.
	defer func() {
		if v := recover(); v != nil {
			doc = nil
			err = fmt.Errorf("%w (panic: %v)\n%s",
				extract.Errorf(extract.CodeInvalid, "the %s file could not be read: the parser failed on its content", kind), v, debug.Stack())
		}
	}()
	doc, err = p.parse(ctx, data, kind, opts)
	if err != nil {
		// Our own deadline is the document's fault; the caller's (a job
		// timeout, a cancel, a shutdown) is reported as it is.
		if errors.Is(err, context.DeadlineExceeded) && parent.Err() == nil && extract.ErrorCode(err) == extract.CodeInternal {
			return nil, fmt.Errorf("%w: %w", extract.Errorf(extract.CodeInvalid,
				"the document took longer than %s to parse (limit --%s); split it into smaller files", p.limits.Timeout, budget.FlagParseTimeout), err)
		}
		return nil, err
	}
	if doc.TotalPages > p.limits.PageLimit {
		return nil, budget.PagesError(p.limits.PageLimit)
	}
	return doc, nil
}

func (p *Parser) parse(ctx context.Context, data []byte, kind string, opts Options) (*document.Document, error) {
	l := p.limits
	// One budget per document: its limits hold for the whole file.
	b := budget.New(l.Budget)
	switch kind {
	case filetype.PDF:
		return p.pdf.Parse(ctx, bytes.NewReader(data), pdf.ParseOptions{
			Pages: opts.Pages, MaxPages: opts.MaxPages, PageLimit: l.PageLimit, Timeout: l.Timeout, Budget: b,
		})
	case filetype.DOCX:
		return docx.Parse(ctx, bytes.NewReader(data), int64(len(data)), docx.Options{
			Pages: opts.Pages, MaxPages: opts.MaxPages, PageLimit: l.PageLimit, MaxDecompressedBytes: l.MaxDecompressedBytes, Budget: b,
		})
	case filetype.XLSX:
		return xlsx.Parse(ctx, bytes.NewReader(data), int64(len(data)), xlsx.Options{
			SheetNames: opts.SheetNames, Pages: opts.Pages, MaxPages: opts.MaxPages,
			PageLimit: l.PageLimit, MaxDecompressedBytes: l.MaxDecompressedBytes, Budget: b,
		})
	case filetype.PNG, filetype.JPEG, filetype.TIFF, filetype.WebP, filetype.BMP, filetype.GIF:
		return picture.Parse(ctx, data, kind, picture.Options{
			Pages: opts.Pages, MaxPages: opts.MaxPages, PageLimit: l.PageLimit, Budget: b, OCR: l.OCR,
		})
	case filetype.HTML:
		return html.Parse(ctx, bytes.NewReader(data), html.Options{Pages: opts.Pages, MaxPages: opts.MaxPages, PageLimit: l.PageLimit, Budget: b})
	default: // text-like, as Supported says
		return text.Parse(bytes.NewReader(data), text.Options{
			Format: kind, Pages: opts.Pages, MaxPages: opts.MaxPages, PageLimit: l.PageLimit, Budget: b,
		})
	}
}

// Supported reports whether kind is a type Parse reads.
func Supported(kind string) bool {
	switch kind {
	case filetype.PDF, filetype.DOCX, filetype.XLSX, filetype.HTML:
		return true
	}
	return filetype.TextLike(kind) || filetype.Image(kind)
}

func unsupported(kind string) error {
	return extract.Errorf(extract.CodeInvalid,
		"%s files are not supported: this server reads PDF, DOCX, XLSX, HTML, CSV, Markdown, JSON and plain text files, and PNG, JPEG, TIFF, WebP, BMP and GIF images", kind)
}

// readAll reads the whole file, refusing more than max bytes.
func readAll(r io.Reader, max int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("read document: %w", err)
	}
	if int64(len(data)) > max {
		return nil, extract.Errorf(extract.CodeInvalid,
			"the file is larger than %d bytes, the most this server parses in one document (limit --max-upload-bytes); split it into smaller files", max)
	}
	return data, nil
}
