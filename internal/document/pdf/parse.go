package pdf

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"unicode"

	"github.com/klippa-app/go-pdfium"
	pdfiumerrors "github.com/klippa-app/go-pdfium/errors"
	"github.com/klippa-app/go-pdfium/references"
	"github.com/klippa-app/go-pdfium/requests"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/budget"
	"github.com/quarrylabs/quarry/internal/document/layout"
	"github.com/quarrylabs/quarry/internal/document/ocr"
	"github.com/quarrylabs/quarry/internal/extract"
)

// parseJob is one document being parsed, shared by the instances reading it.
type parseJob struct {
	data []byte
	opts ParseOptions
	// tesseract is the path of the Tesseract program, or "" when it is
	// not installed or OCR is off.
	tesseract string

	// ready is closed once the first instance has set total and keep,
	// which are then read-only; it is closed also when that failed.
	ready chan struct{}
	total int
	keep  []int
	// next is the index in keep of the next page to read.
	next atomic.Int64
	// pages[i] is page keep[i]; each is written by the one instance that
	// took it, and read once all have returned.
	pages []document.Page
	// scans counts pages with no text but with content, as scans have.
	scans atomic.Int64
}

// work reads pages of job with inst until none is left. The lead instance
// selects the pages; helpers wait for that.
func (p *Parser) work(ctx context.Context, inst pdfium.Pdfium, job *parseJob, lead bool) error {
	var selected func()
	if lead {
		// Helpers wait for the pages to be selected, or for that to fail,
		// but not for the lead to finish reading them.
		selected = sync.OnceFunc(func() { close(job.ready) })
		defer selected()
	}
	m, err := newModule(inst)
	if err != nil {
		return err
	}
	doc, total, err := openPages(ctx, m, job.data, job.opts.PageLimit)
	if err != nil {
		return err
	}
	defer doc.close(ctx)
	pages := &pageReader{doc: doc, budget: job.opts.Budget}
	if lead {
		keep, err := extract.SelectPages(total, job.opts.Pages, job.opts.MaxPages)
		if err != nil {
			return err
		}
		job.total, job.keep, job.pages = total, keep, make([]document.Page, len(keep))
		selected()
	}
	// ocrDoc is the document opened through go-pdfium, which renders pages
	// for OCR: opened at the first scanned page, as most documents have none.
	var ocrDoc references.FPDF_DOCUMENT
	defer func() {
		if ocrDoc != "" {
			inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: ocrDoc})
		}
	}()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		i := int(job.next.Add(1) - 1)
		if i >= len(job.keep) {
			return nil
		}
		page, scanned, err := pages.read(ctx, job.keep[i])
		if err != nil {
			return err
		}
		if scanned {
			job.scans.Add(1)
			if job.tesseract != "" {
				if ocrDoc == "" {
					if ocrDoc, _, err = openDocument(inst, job.data, job.opts.PageLimit); err != nil {
						return err
					}
				}
				if err := p.ocrPage(ctx, inst, ocrDoc, job.tesseract, &page); err != nil {
					return err
				}
			}
		}
		layout.Analyze(&page)
		job.pages[i] = page
	}
}

// document assembles the parsed pages, refusing a document that is all scans
// when they could not be read.
func (job *parseJob) document() (*document.Document, error) {
	doc := &document.Document{TotalPages: job.total, Pages: job.pages}
	// A page's words are bounded by its content stream, which checkStreams
	// bounds; the document's by the budget, counted once all are read.
	b := job.opts.Budget
	for _, p := range doc.Pages {
		if err := b.PageWords(len(p.Words)); err != nil {
			return nil, err
		}
		n := 0
		for _, w := range p.Words {
			n += len(w.Text)
		}
		if err := b.Words(len(p.Words), n); err != nil {
			return nil, err
		}
	}
	if job.scans.Load() > 0 && !hasWords(doc) {
		switch {
		case job.opts.NoOCR:
			return nil, extract.Errorf(extract.CodeInvalid,
				"the PDF has no text layer: its pages are images, as in a scan, and OCR is turned off")
		case job.tesseract == "":
			return nil, extract.Errorf(extract.CodeInvalid,
				"the PDF has no text layer: its pages are images, as in a scan. Reading scans needs Tesseract OCR, "+
					"which is not installed on this server; install it (on Debian or Ubuntu: %s) and try again", ocr.Install)
		default:
			return nil, extract.Errorf(extract.CodeInvalid,
				"the PDF has no text layer, and OCR found no text on its pages: are they blank, or photos rather than scans of text?")
		}
	}
	layout.LinkTables(doc)
	return doc, nil
}

// openDocument opens data through go-pdfium, for rendering, and returns it
// with its page count.
func openDocument(inst pdfium.Pdfium, data []byte, limit int) (references.FPDF_DOCUMENT, int, error) {
	res, err := inst.OpenDocument(&requests.OpenDocument{File: &data})
	if err != nil {
		return "", 0, openError(err)
	}
	doc := res.Document
	count, err := inst.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: doc})
	if err != nil {
		err = fmt.Errorf("count pdf pages: %w", err)
	} else {
		err = checkPageCount(count.PageCount, limit)
	}
	if err != nil {
		inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: doc})
		return "", 0, err
	}
	return doc, count.PageCount, nil
}

// openPages opens data in m, for reading its pages, and returns it with its
// page count.
func openPages(ctx context.Context, m *module, data []byte, limit int) (*wasmDoc, int, error) {
	doc, err := m.openDocument(ctx, data)
	if err != nil {
		return nil, 0, openError(err)
	}
	n, err := doc.pageCount(ctx)
	if err != nil {
		err = fmt.Errorf("count pdf pages: %w", err)
	} else {
		err = checkPageCount(n, limit)
	}
	if err != nil {
		doc.close(ctx)
		return nil, 0, err
	}
	return doc, n, nil
}

// openError turns PDFium's error codes for a document it cannot open into
// messages a user can act on.
func openError(err error) error {
	switch {
	case errors.Is(err, pdfiumerrors.ErrPassword):
		return extract.Errorf(extract.CodeInvalid,
			"the PDF is protected by a password; remove the password (for example, open it and print it to a new PDF) and upload it again")
	case errors.Is(err, pdfiumerrors.ErrSecurity):
		return extract.Errorf(extract.CodeInvalid,
			"the PDF is encrypted with a method that cannot be read; save it again without encryption and upload it again")
	case errors.Is(err, pdfiumerrors.ErrFormat), errors.Is(err, pdfiumerrors.ErrFile), errors.Is(err, pdfiumerrors.ErrUnknown):
		return extract.Errorf(extract.CodeInvalid,
			"the file is not a readable PDF: it is damaged or truncated (was the upload complete?); export it to PDF again and upload it again")
	default:
		return fmt.Errorf("open pdf: %w", err)
	}
}

// checkPageCount refuses a document with no pages or more than limit
// (DefaultPageLimit if limit <= 0).
func checkPageCount(n, limit int) error {
	if limit <= 0 {
		limit = DefaultPageLimit
	}
	switch {
	case n <= 0:
		return extract.Errorf(extract.CodeInvalid, "the PDF has no pages")
	case n > limit:
		return extract.Errorf(extract.CodeInvalid,
			"the PDF has %d pages, more than the %d this server reads in one document (limit --%s); split it into smaller files", n, limit, budget.FlagPages)
	}
	return nil
}

// pageReader reads the pages of a document, keeping its buffers from one
// page to the next: a page of text has thousands of characters.
type pageReader struct {
	doc   *wasmDoc
	runes []rune
	chars []char
	// budget bounds a page's characters before they are read; only its
	// limits are read here, by every instance at once.
	budget *budget.Budget
}

// read reads page n (1-based). scanned reports a page with no text but with
// something drawn on it: a candidate for OCR.
func (pr *pageReader) read(ctx context.Context, n int) (page document.Page, scanned bool, err error) {
	doc := pr.doc
	damaged := func() error {
		return extract.Errorf(extract.CodeInvalid,
			"page %d of the PDF cannot be read: the file is damaged; export it to PDF again and upload it again", n)
	}
	doc.m.impl.Lock()
	defer doc.m.impl.Unlock()
	pg, ok, err := doc.loadPage(ctx, n-1)
	defer pg.close(ctx)
	switch {
	case err != nil:
		return page, false, fmt.Errorf("load pdf page %d: %w", n, err)
	case !ok:
		return page, false, damaged()
	}

	w, h, err := pg.size(ctx)
	if err != nil {
		return page, false, fmt.Errorf("pdf page %d size: %w", n, err)
	}
	page = document.Page{Number: n, Width: round2(w), Height: round2(h)}
	if !(page.Width > 0 && page.Height > 0) || math.IsInf(page.Width, 0) || math.IsInf(page.Height, 0) {
		return page, false, damaged()
	}
	m, err := displayMatrix(ctx, &pg, page.Width, page.Height)
	if err != nil {
		return page, false, fmt.Errorf("pdf page %d: %w", n, err)
	}

	if ok, err := pg.loadText(ctx); err != nil || !ok {
		// PDFium fails here only on content it cannot make sense of.
		return page, false, damaged()
	}
	count, err := pg.countChars(ctx)
	if err == nil && count < 0 {
		err = errors.New("pdfium failed")
	}
	if err != nil {
		return page, false, fmt.Errorf("count chars of pdf page %d: %w", n, err)
	}
	if err := pr.budget.PageChars(count); err != nil {
		return page, false, err
	}
	pr.runes, err = pg.runes(ctx, count, pr.runes)
	if err != nil {
		return page, false, fmt.Errorf("text of pdf page %d: %w", n, err)
	}
	chars := pr.chars[:0]
	for i, r := range pr.runes {
		if isBreak(r) {
			chars = append(chars, char{r: ' '})
			continue
		}
		// Loose boxes span the font's ascent to descent, so all characters
		// of a line get the same height whatever their shape.
		left, top, right, bottom, ok, err := pg.looseCharBox(ctx, i)
		if err != nil {
			return page, false, fmt.Errorf("box of char %d of pdf page %d: %w", i, n, err)
		}
		if !ok {
			// PDFium has no box for some generated characters: treat them
			// as the spaces they stand for.
			chars = append(chars, char{r: ' '})
			continue
		}
		if r == 2 {
			// PDFium reports a hyphen that ends a line as U+0002.
			r = '-'
		}
		chars = append(chars, char{r: r, box: m.box(left, top, right, bottom)})
	}
	pr.chars = chars
	page.Words = words(chars)
	if len(page.Words) == 0 {
		objs, err := pg.countObjects(ctx)
		if err != nil {
			return page, false, fmt.Errorf("count objects of pdf page %d: %w", n, err)
		}
		scanned = objs > 0
	}
	return page, scanned, nil
}

// isBreak reports characters that separate words: whitespace, and the
// control characters PDFium generates or a broken font maps glyphs to.
func isBreak(r rune) bool {
	return r == 0 || unicode.IsSpace(r) || (unicode.IsControl(r) && r != 2) || r == 0xfffe || r == 0xffff
}

// matrix maps PDF user space (origin bottom-left, unrotated) to the
// displayed page in points (origin top-left, /Rotate and the crop box
// applied): x' = a·x + c·y + e, y' = b·x + d·y + f.
type matrix struct{ a, b, c, d, e, f float64 }

// displayMatrix asks PDFium where three points land on the displayed page
// instead of redoing its arithmetic for rotation, crop and media boxes.
// FPDF_PageToDevice returns whole device pixels, so the page is mapped onto
// a device 64 times its size and the points are 1000 units apart: the error
// is below 1/64 of a point.
func displayMatrix(ctx context.Context, page *wasmPage, width, height float64) (matrix, error) {
	const scale, span = 64.0, 1000.0
	sx, sy := int(math.Round(width*scale)), int(math.Round(height*scale))
	dev := func(x, y float64) (float64, float64, error) {
		dx, dy, err := page.toDevice(ctx, sx, sy, x, y)
		if err != nil {
			return 0, 0, fmt.Errorf("map page to device: %w", err)
		}
		return float64(dx) / scale, float64(dy) / scale, nil
	}
	e, f, err := dev(0, 0)
	if err != nil {
		return matrix{}, err
	}
	x1, y1, err := dev(span, 0)
	if err != nil {
		return matrix{}, err
	}
	x2, y2, err := dev(0, span)
	if err != nil {
		return matrix{}, err
	}
	return matrix{a: (x1 - e) / span, b: (y1 - f) / span, c: (x2 - e) / span, d: (y2 - f) / span, e: e, f: f}, nil
}

// box maps a rectangle of user space to the smallest displayed box holding it.
func (m matrix) box(left, top, right, bottom float64) document.Box {
	if m.b == 0 && m.c == 0 {
		// Unrotated, the usual case: two corners are enough. It runs once
		// per character, and the loop below costs several times more.
		x0, x1 := m.a*left+m.e, m.a*right+m.e
		y0, y1 := m.d*top+m.f, m.d*bottom+m.f
		return document.Box{X: min(x0, x1), Y: min(y0, y1), W: max(x0, x1) - min(x0, x1), H: max(y0, y1) - min(y0, y1)}
	}
	x0, y0 := math.Inf(1), math.Inf(1)
	x1, y1 := math.Inf(-1), math.Inf(-1)
	for _, pt := range [4][2]float64{{left, top}, {right, top}, {left, bottom}, {right, bottom}} {
		x := m.a*pt[0] + m.c*pt[1] + m.e
		y := m.b*pt[0] + m.d*pt[1] + m.f
		x0, y0, x1, y1 = min(x0, x), min(y0, y), max(x1, x), max(y1, y)
	}
	return document.Box{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

func roundBox(b document.Box) document.Box {
	x0, y0 := round2(b.X), round2(b.Y)
	return document.Box{X: x0, Y: y0, W: round2(round2(b.X+b.W) - x0), H: round2(round2(b.Y+b.H) - y0)}
}
