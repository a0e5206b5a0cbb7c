package pdf

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"unicode"

	"github.com/klippa-app/go-pdfium"
	pdfiumerrors "github.com/klippa-app/go-pdfium/errors"
	"github.com/klippa-app/go-pdfium/references"
	"github.com/klippa-app/go-pdfium/requests"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/layout"
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
	if lead {
		defer close(job.ready)
	}
	docRef, total, err := openDocument(inst, job.data, job.opts.PageLimit)
	if err != nil {
		return err
	}
	defer inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: docRef})
	if lead {
		keep, err := extract.SelectPages(total, job.opts.Pages, job.opts.MaxPages)
		if err != nil {
			return err
		}
		job.total, job.keep, job.pages = total, keep, make([]document.Page, len(keep))
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		i := int(job.next.Add(1) - 1)
		if i >= len(job.keep) {
			return nil
		}
		page, scanned, err := readPage(inst, docRef, job.keep[i])
		if err != nil {
			return err
		}
		if scanned {
			job.scans.Add(1)
			if job.tesseract != "" {
				if err := p.ocrPage(ctx, inst, docRef, job.tesseract, &page); err != nil {
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
	if job.scans.Load() > 0 && !hasWords(doc) {
		switch {
		case job.opts.NoOCR:
			return nil, extract.Errorf(extract.CodeInvalid,
				"the PDF has no text layer: its pages are images, as in a scan, and OCR is turned off")
		case job.tesseract == "":
			return nil, extract.Errorf(extract.CodeInvalid,
				"the PDF has no text layer: its pages are images, as in a scan. Reading scans needs Tesseract OCR, "+
					"which is not installed on this server; install it (on Debian or Ubuntu: %s) and try again", installTesseract)
		default:
			return nil, extract.Errorf(extract.CodeInvalid,
				"the PDF has no text layer, and OCR found no text on its pages: are they blank, or photos rather than scans of text?")
		}
	}
	layout.LinkTables(doc)
	return doc, nil
}

// openDocument opens data and returns it with its page count, turning
// PDFium's error codes into messages a user can act on.
func openDocument(inst pdfium.Pdfium, data []byte, limit int) (references.FPDF_DOCUMENT, int, error) {
	if limit <= 0 {
		limit = DefaultPageLimit
	}
	res, err := inst.OpenDocument(&requests.OpenDocument{File: &data})
	switch {
	case errors.Is(err, pdfiumerrors.ErrPassword):
		return "", 0, extract.Errorf(extract.CodeInvalid,
			"the PDF is protected by a password; remove the password (for example, open it and print it to a new PDF) and upload it again")
	case errors.Is(err, pdfiumerrors.ErrSecurity):
		return "", 0, extract.Errorf(extract.CodeInvalid,
			"the PDF is encrypted with a method that cannot be read; save it again without encryption and upload it again")
	case errors.Is(err, pdfiumerrors.ErrFormat), errors.Is(err, pdfiumerrors.ErrFile), errors.Is(err, pdfiumerrors.ErrUnknown):
		return "", 0, extract.Errorf(extract.CodeInvalid,
			"the file is not a readable PDF: it is damaged or truncated (was the upload complete?); export it to PDF again and upload it again")
	case err != nil:
		return "", 0, fmt.Errorf("open pdf: %w", err)
	}
	doc := res.Document
	count, err := inst.FPDF_GetPageCount(&requests.FPDF_GetPageCount{Document: doc})
	if err != nil {
		inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: doc})
		return "", 0, fmt.Errorf("count pdf pages: %w", err)
	}
	switch n := count.PageCount; {
	case n == 0:
		inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: doc})
		return "", 0, extract.Errorf(extract.CodeInvalid, "the PDF has no pages")
	case n > limit:
		inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: doc})
		return "", 0, extract.Errorf(extract.CodeInvalid,
			"the PDF has %d pages, more than the %d this server reads in one document; split it into smaller files", n, limit)
	}
	return doc, count.PageCount, nil
}

// readPage reads page n (1-based) of doc. scanned reports a page with no text
// but with something drawn on it: a candidate for OCR.
func readPage(inst pdfium.Pdfium, doc references.FPDF_DOCUMENT, n int) (page document.Page, scanned bool, err error) {
	damaged := func() error {
		return extract.Errorf(extract.CodeInvalid,
			"page %d of the PDF cannot be read: the file is damaged; export it to PDF again and upload it again", n)
	}
	loaded, err := inst.FPDF_LoadPage(&requests.FPDF_LoadPage{Document: doc, Index: n - 1})
	if err != nil {
		if errors.Is(err, pdfiumerrors.ErrPage) {
			return page, false, damaged()
		}
		return page, false, fmt.Errorf("load pdf page %d: %w", n, err)
	}
	ref := requests.Page{ByReference: &loaded.Page}
	defer inst.FPDF_ClosePage(&requests.FPDF_ClosePage{Page: loaded.Page})

	w, err := inst.FPDF_GetPageWidthF(&requests.FPDF_GetPageWidthF{Page: ref})
	if err != nil {
		return page, false, fmt.Errorf("pdf page %d width: %w", n, err)
	}
	h, err := inst.FPDF_GetPageHeightF(&requests.FPDF_GetPageHeightF{Page: ref})
	if err != nil {
		return page, false, fmt.Errorf("pdf page %d height: %w", n, err)
	}
	page = document.Page{Number: n, Width: round2(float64(w.PageWidth)), Height: round2(float64(h.PageHeight))}
	if !(page.Width > 0 && page.Height > 0) || math.IsInf(page.Width, 0) || math.IsInf(page.Height, 0) {
		return page, false, damaged()
	}
	m, err := displayMatrix(inst, ref, page.Width, page.Height)
	if err != nil {
		return page, false, fmt.Errorf("pdf page %d: %w", n, err)
	}

	text, err := inst.FPDFText_LoadPage(&requests.FPDFText_LoadPage{Page: ref})
	if err != nil {
		return page, false, damaged()
	}
	defer inst.FPDFText_ClosePage(&requests.FPDFText_ClosePage{TextPage: text.TextPage})
	count, err := inst.FPDFText_CountChars(&requests.FPDFText_CountChars{TextPage: text.TextPage})
	if err != nil {
		return page, false, fmt.Errorf("count chars of pdf page %d: %w", n, err)
	}
	runes, err := pageRunes(inst, text.TextPage, count.Count)
	if err != nil {
		return page, false, fmt.Errorf("text of pdf page %d: %w", n, err)
	}
	chars := make([]char, 0, count.Count)
	for i, r := range runes {
		if isBreak(r) {
			chars = append(chars, char{r: ' '})
			continue
		}
		// Loose boxes span the font's ascent to descent, so all characters
		// of a line get the same height whatever their shape.
		b, err := inst.FPDFText_GetLooseCharBox(&requests.FPDFText_GetLooseCharBox{TextPage: text.TextPage, Index: i})
		if err != nil {
			// PDFium has no box for some generated characters: treat them
			// as the spaces they stand for.
			chars = append(chars, char{r: ' '})
			continue
		}
		box := m.box(float64(b.Rect.Left), float64(b.Rect.Top), float64(b.Rect.Right), float64(b.Rect.Bottom))
		if r == 2 {
			// PDFium reports a hyphen that ends a line as U+0002.
			r = '-'
		}
		chars = append(chars, char{r: r, box: box})
	}
	page.Words = words(chars)
	if len(page.Words) == 0 {
		objs, err := inst.FPDFPage_CountObjects(&requests.FPDFPage_CountObjects{Page: ref})
		if err != nil {
			return page, false, fmt.Errorf("count objects of pdf page %d: %w", n, err)
		}
		scanned = objs.Count > 0
	}
	return page, scanned, nil
}

// pageRunes returns the character at each of the count indexes of a text
// page. One call for the page's text is much cheaper than one per
// character; it holds one rune per index unless PDFium's text differs from
// its characters (it can, around ligatures and broken fonts), and then the
// characters are asked for one by one.
func pageRunes(inst pdfium.Pdfium, text references.FPDF_TEXTPAGE, count int) ([]rune, error) {
	if count == 0 {
		return nil, nil
	}
	all, err := inst.FPDFText_GetText(&requests.FPDFText_GetText{TextPage: text, Count: count})
	if err != nil {
		return nil, err
	}
	if runes := []rune(all.Text); len(runes) == count {
		return runes, nil
	}
	runes := make([]rune, count)
	for i := range runes {
		u, err := inst.FPDFText_GetUnicode(&requests.FPDFText_GetUnicode{TextPage: text, Index: i})
		if err != nil {
			return nil, fmt.Errorf("char %d: %w", i, err)
		}
		runes[i] = rune(u.Unicode)
	}
	return runes, nil
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
func displayMatrix(inst pdfium.Pdfium, page requests.Page, width, height float64) (matrix, error) {
	const scale, span = 64.0, 1000.0
	dev := func(x, y float64) (float64, float64, error) {
		r, err := inst.FPDF_PageToDevice(&requests.FPDF_PageToDevice{
			Page:  page,
			SizeX: int(math.Round(width * scale)), SizeY: int(math.Round(height * scale)),
			PageX: x, PageY: y,
		})
		if err != nil {
			return 0, 0, fmt.Errorf("map page to device: %w", err)
		}
		return float64(r.DeviceX) / scale, float64(r.DeviceY) / scale, nil
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
