// Package pdf reads PDF files into Quarry's document model with PDFium,
// compiled to WebAssembly and run by wazero (github.com/klippa-app/go-pdfium),
// so Quarry stays one pure-Go binary with no system library to install.
//
// # Instances
//
// Compiling PDFium takes seconds, so a Parser compiles it once (New) and then
// gives every document a fresh instance of the compiled module, which costs
// about a millisecond. A fresh instance per document means a hostile file can
// leave nothing behind that affects the next one. At most Options.Instances
// instances run at once; a long document takes all that are idle, each
// reading the next unread page.
//
// A parse past its deadline (ctx, or ParseOptions.Timeout) stops between two
// pages. An instance stuck inside one PDFium call cannot be interrupted
// without slowing every call (wazero's WithCloseOnContextDone), so it is
// abandoned instead: the caller gets its timeout at once, the instance's slot
// goes to a fresh one, and the stuck one is closed when its call returns.
//
// # Coordinates
//
// Units are PDF points (1/72 inch), origin at the top-left corner of the page
// as it is displayed: a page with /Rotate 90 is as wide as the unrotated page
// is tall, and its words' boxes are where a reader sees them. A word's box is
// the union of its characters' boxes, using each font's ascent and descent
// (PDFium's loose boxes), so the words of one line share a top and a bottom.
//
// # Words
//
// PDFium gives the characters of a page in content order, with spaces and
// line breaks it generates where the layout implies them. A word is a run of
// characters with no whitespace between them, cut also where the next
// character is far from the previous one (more than 0.3 of the larger
// character's size) or is not on its line, since some PDFs position every
// word without writing spaces.
//
// # Scans
//
// A page with no text but with content (an image, or text drawn as paths) is
// read with Tesseract OCR when the tesseract program is installed: the page is
// rendered at OCRDPI and the words Tesseract finds are mapped back to points.
// A document whose selected pages have no text at all, when Tesseract is not
// installed, fails with a message saying how to install it.
//
// # Errors
//
// Every error about the input is an *extract.Error with extract.CodeInvalid
// and a sentence the user can act on: encrypted, damaged or truncated files,
// too many pages, scans that cannot be read, parses that take too long.
// Other errors (a failing reader, PDFium failing to start) are internal.
package pdf

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"runtime"
	"strings"
	"sync/atomic"
	"time"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/webassembly"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/budget"
	"github.com/quarrylabs/quarry/internal/extract"
)

// DefaultPageLimit is the most pages a PDF may have when ParseOptions.PageLimit
// is not set. It is above the 700–750 pages other services cap documents at,
// and low enough that a file claiming millions of pages is refused at once.
const DefaultPageLimit = 5000

// OCRDPI is the resolution scanned pages are rendered at for OCR: Tesseract
// reads body text best at 300 dpi.
const OCRDPI = 300

// Options configures a Parser.
type Options struct {
	// Instances is how many documents are parsed at once, each in its own
	// PDFium instance. Defaults to runtime.GOMAXPROCS(0).
	Instances int
	// CacheDir keeps PDFium's compiled code between processes, so that
	// starting takes about 0.1 s instead of seconds. Defaults to no cache
	// (""): every process compiles PDFium again.
	CacheDir string
	// MemoryLimit caps the memory of one PDFium instance in bytes, so that a
	// hostile file fails instead of exhausting the machine. Defaults to
	// 512 MiB: every PDF of the realdocs training split reads the same with
	// 256 MiB, and a file that runs an instance into its cap leaves the
	// rest of a small server's memory to the others.
	MemoryLimit int64
	// Tesseract is the Tesseract OCR program, a name looked up on PATH at
	// each use (so installing it needs no restart) or a path. Defaults to
	// "tesseract".
	Tesseract string
	// OCRLanguages are the Tesseract languages to read scans in, joined with
	// "+" as tesseract's -l flag takes them. Defaults to "eng".
	OCRLanguages string
	// Logger receives warnings about instances that did not stop in time.
	// Defaults to slog.Default().
	Logger *slog.Logger
}

// WithDefaults returns the options with every unset field at its default.
func (o Options) WithDefaults() Options {
	o.Instances = cmp.Or(o.Instances, runtime.GOMAXPROCS(0))
	o.MemoryLimit = cmp.Or(o.MemoryLimit, 512<<20)
	o.Tesseract = cmp.Or(o.Tesseract, "tesseract")
	o.OCRLanguages = cmp.Or(o.OCRLanguages, "eng")
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

func (o Options) validate() error {
	if o.Instances < 1 {
		return fmt.Errorf("pdf options: Instances must be at least 1, got %d", o.Instances)
	}
	if o.MemoryLimit < 64<<20 {
		return fmt.Errorf("pdf options: MemoryLimit must be at least 64 MiB, got %d bytes", o.MemoryLimit)
	}
	return nil
}

// ParseOptions says which pages of one document to read and within what limits.
type ParseOptions struct {
	// Pages are the 1-based pages to keep (a job's target_pages). Pages the
	// document does not have are ignored, but naming none that it has is an
	// error. Defaults to all pages (nil).
	Pages []extract.PageRange
	// MaxPages keeps at most this many pages, the first ones of those Pages
	// selects (a job's max_pages). Defaults to no limit (0).
	MaxPages int
	// PageLimit refuses a PDF with more pages than this, whatever Pages
	// selects: a guard against hostile files. Defaults to DefaultPageLimit.
	PageLimit int
	// MaxBytes refuses a file larger than this. Defaults to no limit (0).
	MaxBytes int64
	// Timeout bounds the parse of this document, on top of ctx's own
	// deadline. Defaults to none (0).
	Timeout time.Duration
	// Budget counts the document's words and text, and bounds its inflated
	// streams, against the server's limits. Defaults to a budget at
	// budget.Limits' defaults (nil).
	Budget *budget.Budget
	// NoOCR leaves scanned pages without words instead of running Tesseract
	// on them. Defaults to false: scans are read when Tesseract is installed.
	NoOCR bool
}

// Parser parses PDFs. It is safe for concurrent use; create one per process
// (New is slow) and Close it when done.
type Parser struct {
	opts  Options
	pool  pdfium.Pool
	slots chan struct{}

	// stuck counts documents abandoned in a PDFium call that outlived their
	// deadline: their instances are still running and are closed when the
	// call returns. They hold no slot, so they do not block other documents.
	stuck  atomic.Int64
	closed atomic.Bool
	// grace is how long a document past its deadline has to stop by itself
	// before it is abandoned.
	grace time.Duration
}

// New compiles PDFium and starts a pool of instances. ctx bounds the start
// only.
func New(ctx context.Context, opts Options) (*Parser, error) {
	opts = opts.WithDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	// PDFium in this module uses WebAssembly exception handling for
	// setjmp/longjmp: a runtime config must keep that core feature.
	rc := wazero.NewRuntimeConfig().
		WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesExceptionHandling).
		WithMemoryLimitPages(uint32(opts.MemoryLimit / 65536))
	if opts.CacheDir != "" {
		cache, err := wazero.NewCompilationCacheWithDir(opts.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("pdfium compilation cache in %s: %w", opts.CacheDir, err)
		}
		rc = rc.WithCompilationCache(cache)
	}
	start := make(chan struct{})
	var (
		pool pdfium.Pool
		err  error
	)
	go func() {
		defer close(start)
		pool, err = webassembly.Init(webassembly.Config{
			// Instances are made on demand and closed after each document;
			// the pool itself does not cap them (slots does), so an
			// abandoned instance never keeps a healthy document waiting.
			MinIdle:  0,
			MaxIdle:  opts.Instances,
			MaxTotal: -1,
			// Each instance's memory is a reservation of its limit that
			// grows in place; see mmapAllocator.
			Context: experimental.WithMemoryAllocator(context.Background(), mmapAllocator),
			// PDFium reads documents from memory: it gets no file system.
			FSConfig:      wazero.NewFSConfig(),
			RuntimeConfig: rc,
			Stdout:        io.Discard,
			Stderr:        io.Discard,
		})
	}()
	select {
	case <-ctx.Done():
		// The compile cannot be interrupted; let it finish and discard it.
		go func() {
			<-start
			if pool != nil {
				_ = pool.Close()
			}
		}()
		return nil, fmt.Errorf("start pdfium: %w", ctx.Err())
	case <-start:
	}
	if err != nil {
		return nil, fmt.Errorf("start pdfium: %w", err)
	}
	p := &Parser{opts: opts, pool: pool, slots: make(chan struct{}, opts.Instances), grace: 2 * time.Second}
	// Warm the pool: the first instance pays for lazy initialisation.
	inst, err := pool.GetInstanceWithContext(ctx)
	if err != nil {
		_ = pool.Close()
		return nil, fmt.Errorf("start pdfium instance: %w", err)
	}
	// Pages are read by calling the module directly: a go-pdfium that no
	// longer allows it fails here, not at the first document.
	_, err = newModule(inst)
	_ = inst.Close()
	if err != nil {
		_ = pool.Close()
		return nil, fmt.Errorf("start pdfium: %w", err)
	}
	return p, nil
}

// Close stops the pool. Parses in progress finish first; a document stuck in
// PDFium is abandoned.
func (p *Parser) Close() error {
	if p.closed.Swap(true) {
		return nil
	}
	for range p.opts.Instances {
		p.slots <- struct{}{}
	}
	if err := p.pool.Close(); err != nil {
		return fmt.Errorf("close pdfium: %w", err)
	}
	return nil
}

// Stuck returns how many documents were abandoned in a PDFium call that did
// not return by their deadline and are still running. It is for metrics and
// tests.
func (p *Parser) Stuck() int { return int(p.stuck.Load()) }

// Parse reads a PDF. The returned document holds the selected pages only,
// with TotalPages the number of pages of the whole file.
//
// A long document is read by as many instances as are idle, each taking the
// next unread page, so that one large file on a quiet server uses every core
// while many files on a busy one get one instance each.
func (p *Parser) Parse(ctx context.Context, r io.Reader, opts ParseOptions) (*document.Document, error) {
	if opts.MaxPages < 0 {
		return nil, extract.Errorf(extract.CodeInvalid, "max_pages must be at least 1 (omit it for no limit)")
	}
	data, err := readAll(r, opts.MaxBytes)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, extract.Errorf(extract.CodeInvalid, "the file is empty: there is no PDF to read")
	}
	if opts.Budget == nil {
		opts.Budget = budget.New(budget.Limits{})
	}
	if err := checkStreams(data, opts.Budget); err != nil {
		return nil, err
	}
	job := &parseJob{data: data, opts: opts, ready: make(chan struct{})}
	if !opts.NoOCR {
		// Looked up for each document, so installing Tesseract needs no
		// restart.
		job.tesseract, _ = exec.LookPath(p.opts.Tesseract)
	}
	err = p.run(ctx, opts.Timeout, p.opts.Instances, func(ctx context.Context, helper int) error {
		if helper > 0 {
			// A helper joins only a document with pages enough to share.
			select {
			case <-job.ready:
			case <-ctx.Done():
				return nil
			}
			if len(job.keep) < pagesPerHelper*(helper+1) {
				return nil
			}
		}
		return p.withInstance(ctx, func(inst pdfium.Pdfium) error { return p.work(ctx, inst, job, helper == 0) })
	})
	if err != nil {
		return nil, err
	}
	return job.document()
}

// pagesPerHelper is how many selected pages each instance reading a document
// must have at least: below that, starting one costs more than it saves.
const pagesPerHelper = 4

// run calls fn in a goroutine for the first of a free slot, and in one more
// for each other slot that is free right now, up to most: fn is told which it
// is (0 for the first). It returns when all have returned, or as soon as ctx
// ends: a goroutine still inside a PDFium call that does not return (a
// hostile file can make one run for minutes) is abandoned, after a grace
// period in which it can notice ctx between two calls. An abandoned
// goroutine closes its instance when the call returns, and holds no slot
// meanwhile, so the pool stays as large as configured. The first error
// stops the other goroutines.
func (p *Parser) run(ctx context.Context, timeout time.Duration, most int, fn func(ctx context.Context, helper int) error) error {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	if p.closed.Load() {
		return errors.New("pdf parser is closed")
	}
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return p.ctxError(ctx, "waiting for a free PDF parser")
	}
	n := 1
	for n < most {
		select {
		case p.slots <- struct{}{}:
			n++
			continue
		default:
		}
		break
	}
	defer func() {
		for range n {
			<-p.slots
		}
	}()

	workCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	type result struct {
		helper int
		err    error
	}
	done := make(chan result, n)
	// state is, per goroutine, 0 while it runs, 1 once it returned and 2
	// once abandoned; whichever side moves it from 0 decides.
	state := make([]atomic.Int32, n)
	for i := range n {
		go func() {
			var err error
			defer func() {
				// A panic must not take the process down: the worker
				// serving other jobs has to stay up.
				if v := recover(); v != nil {
					err = fmt.Errorf("pdfium panicked: %v", v)
				}
				if !state[i].CompareAndSwap(0, 1) {
					p.stuck.Add(-1)
					p.opts.Logger.Warn("abandoned pdfium instance returned", slog.Any("error", err))
				}
				done <- result{i, err}
			}()
			err = fn(workCtx, i)
		}()
	}
	var first error
	for remaining := n; remaining > 0; {
		select {
		case r := <-done:
			remaining--
			if r.err != nil && first == nil {
				first = r.err
				cancel()
			}
			continue
		case <-ctx.Done():
		}
		// Give the goroutines a moment to notice ctx between two calls,
		// the usual case, before declaring them stuck.
		grace := time.NewTimer(p.grace)
		for remaining > 0 {
			select {
			case <-done:
				remaining--
				continue
			case <-grace.C:
			}
			break
		}
		grace.Stop()
		if remaining > 0 {
			for i := range state {
				if state[i].CompareAndSwap(0, 2) {
					p.stuck.Add(1)
				}
			}
			p.opts.Logger.Warn("pdfium instance did not stop at its deadline; abandoning it", slog.Int64("stuck", p.stuck.Load()))
		}
		return p.ctxError(ctx, "parsing the PDF")
	}
	if first != nil && ctx.Err() != nil && !isUserError(first) {
		return p.ctxError(ctx, "parsing the PDF")
	}
	return first
}

// withInstance calls fn with a fresh instance and closes it after: a new
// instance serves each document, whatever the last one did to its memory.
func (p *Parser) withInstance(ctx context.Context, fn func(pdfium.Pdfium) error) error {
	inst, err := p.pool.GetInstanceWithContext(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("get pdfium instance: %w", err)
	}
	defer inst.Close()
	if err := fn(inst); err != nil {
		return p.trapped(err)
	}
	return nil
}

// trapped turns a trap of the PDFium instance into a failure of the
// document: a PDFium call that hits the instance's memory limit, or
// reaches code its authors marked unreachable, ends in a WebAssembly trap
// (wazero reports it as "wasm error: …"). The instance is discarded after
// each document, so the process is unharmed, but the same file would trap
// again: it is the file's failure, not a transient one to retry.
func (p *Parser) trapped(err error) error {
	if isUserError(err) || !strings.Contains(err.Error(), "wasm error:") {
		return err
	}
	return fmt.Errorf("%w (%w)", extract.Errorf(extract.CodeInvalid,
		"the PDF could not be read: PDFium, the PDF reader, stopped on its content, as it does when a file needs more than its memory limit of %s (limit --pdf-memory-limit) or is damaged; split it into smaller files",
		formatMiB(p.opts.MemoryLimit)), err)
}

// formatMiB writes a size in MiB, or GiB when it is whole.
func formatMiB(n int64) string {
	if n >= 1<<30 && n%(1<<30) == 0 {
		return fmt.Sprintf("%d GiB", n>>30)
	}
	return fmt.Sprintf("%d MiB", n>>20)
}

// timeoutError is what a parse past its deadline returns: a message for the
// user that also matches context.DeadlineExceeded, so a caller can tell a
// timeout from a bad file.
type timeoutError struct{ err *extract.Error }

func (e timeoutError) Error() string   { return e.err.Error() }
func (e timeoutError) Unwrap() []error { return []error{e.err, context.DeadlineExceeded} }

func (p *Parser) ctxError(ctx context.Context, doing string) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return timeoutError{extract.Errorf(extract.CodeInvalid,
			"the PDF took longer than the time allowed to parse (%s; limit --%s); split it into smaller files or select fewer pages with target_pages", doing, budget.FlagParseTimeout)}
	}
	return fmt.Errorf("%s: %w", doing, ctx.Err())
}

func isUserError(err error) bool {
	var e *extract.Error
	return errors.As(err, &e)
}

// readAll reads r whole, refusing more than max bytes (max <= 0: no limit).
func readAll(r io.Reader, max int64) ([]byte, error) {
	if max > 0 {
		r = io.LimitReader(r, max+1)
	}
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, fmt.Errorf("read pdf: %w", err)
	}
	if max > 0 && int64(buf.Len()) > max {
		return nil, extract.Errorf(extract.CodeInvalid,
			"the file is larger than %d bytes, the limit for PDF documents; split it into smaller files", max)
	}
	return buf.Bytes(), nil
}
