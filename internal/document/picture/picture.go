// Package picture reads image files — photos and scans of receipts,
// invoices and forms — into Quarry's document model with Tesseract OCR,
// through the same path as scanned PDF pages (internal/document/ocr).
//
// # Formats
//
// PNG, JPEG, GIF (its first frame), TIFF (every page: each image file
// directory is a page, in the file's order), WebP and BMP. Pages are sized
// in the image's pixels, as it is shown upright: a JPEG whose EXIF
// orientation says it was taken sideways is turned first, so a page's
// width, height and every box are those of the picture a viewer shows.
//
// # Reading
//
// Each page is made greyscale (transparency over white), then scaled for
// Tesseract, which reads text best when letters are 20 to 40 pixels high: a
// small image (a cropped receipt, a screenshot) is enlarged, a huge one is
// reduced within maxOCRPixels. Tesseract's words come back with boxes in
// the page's pixels and its confidence in each (document.Word.Confidence);
// lines, reading order and tables are then found from the boxes by
// layout.Analyze, as for PDF pages. Skew of a few degrees is Tesseract's
// to handle; a page upside down or sideways without EXIF saying so is not
// turned.
//
// # Limits
//
// An image of more than budget.Limits.MaxImagePixels pixels is refused from
// its header, before its pixels are decoded; a TIFF of more pages than the
// page limit, before any is. Words count against the document's budget, and
// the parse's context ends a running Tesseract. Every such error, and every
// image that cannot be decoded, is an *extract.Error with CodeInvalid.
package picture

import (
	"context"
	"fmt"
	"image"
	"math"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/budget"
	"github.com/quarrylabs/quarry/internal/document/layout"
	"github.com/quarrylabs/quarry/internal/document/ocr"
	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/filetype"
)

// Options say which pages of one image file to read and how.
type Options struct {
	// Pages are the 1-based pages to keep (a job's target_pages); only a
	// TIFF has more than one. Defaults to all pages (nil).
	Pages []extract.PageRange
	// MaxPages keeps at most this many of the selected pages (a job's
	// max_pages). Defaults to no limit (0).
	MaxPages int
	// PageLimit refuses a TIFF of more pages, whatever Pages selects.
	// Defaults to 5000, as for PDF.
	PageLimit int
	// Budget counts the document's words and bounds each page's pixels.
	// Defaults to a budget at budget.Limits' defaults (nil).
	Budget *budget.Budget
	// OCR says which Tesseract reads the pages, in which languages.
	OCR ocr.Options
}

// DPI is the resolution Tesseract is told an image has once scaled: the one
// it reads best, and the one scanned PDF pages are drawn at.
const DPI = 300

// Parse reads an image file of the given kind (a filetype image constant).
func Parse(ctx context.Context, data []byte, kind string, opts Options) (*document.Document, error) {
	if _, ok := codecs[kind]; !ok {
		return nil, fmt.Errorf("picture: %q is not an image kind", kind)
	}
	if len(data) == 0 {
		return nil, extract.Errorf(extract.CodeInvalid, "the file is empty: there is no image to read")
	}
	if opts.PageLimit <= 0 {
		opts.PageLimit = 5000
	}
	if opts.Budget == nil {
		opts.Budget = budget.New(budget.Limits{})
	}
	pages, err := frames(data, kind, opts.PageLimit)
	if err != nil {
		return nil, err
	}
	keep, err := extract.SelectPages(len(pages), opts.Pages, opts.MaxPages)
	if err != nil {
		return nil, err
	}
	o := opts.OCR.WithDefaults()
	bin := o.Path()
	if bin == "" {
		return nil, ocr.ErrNotInstalled("an image")
	}
	orientation := 1
	if kind == filetype.JPEG {
		orientation = exifOrientation(data)
	}
	doc := &document.Document{TotalPages: len(pages)}
	for _, n := range keep {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("read image: %w", err)
		}
		img, err := decode(pages[n-1], kind, opts.Budget.Limits().MaxImagePixels)
		if err != nil {
			if len(pages) > 1 {
				return nil, fmt.Errorf("page %d: %w", n, err)
			}
			return nil, err
		}
		page, err := read(ctx, bin, o.Languages, orient(gray(img), orientation))
		if err != nil {
			return nil, err
		}
		page.Number = n
		if err := count(opts.Budget, page.Words); err != nil {
			return nil, err
		}
		layout.Analyze(&page)
		doc.Pages = append(doc.Pages, page)
	}
	layout.LinkTables(doc)
	return doc, nil
}

// count takes a page's words from the budget.
func count(b *budget.Budget, words []document.Word) error {
	if err := b.PageWords(len(words)); err != nil {
		return err
	}
	n := 0
	for _, w := range words {
		n += len(w.Text)
	}
	return b.Words(len(words), n)
}

// read OCRs one upright greyscale page. The page is as large as img; the
// words' boxes are in its pixels whatever scale Tesseract read it at.
func read(ctx context.Context, bin, languages string, img *image.Gray) (document.Page, error) {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	page := document.Page{Width: float64(w), Height: float64(h)}
	s := ocrScale(w, h)
	src := img
	if s != 1 {
		src = resize(img, max(1, int(math.Round(float64(w)*s))), max(1, int(math.Round(float64(h)*s))))
	}
	words, err := ocr.Read(ctx, bin, languages, src, DPI)
	if err != nil {
		return page, err
	}
	sx := float64(w) / float64(src.Bounds().Dx())
	sy := float64(h) / float64(src.Bounds().Dy())
	for i := range words {
		b := &words[i].Box
		*b = document.Box{X: round2(b.X * sx), Y: round2(b.Y * sy), W: round2(b.W * sx), H: round2(b.H * sy)}
	}
	page.Words = words
	return page, nil
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// The sizes an image is scaled to for Tesseract. A page whose longer side
// is under minOCRSide is enlarged to it (at most maxUpscale times): small
// images are mostly photos or crops of small print, whose letters are a
// dozen pixels high, and Tesseract misreads letters under about 20. On the
// realdocs receipt scans (about 450 × 1000 pixels) 1500 read more of the
// words right than 1000, 2000 or 3000, and in half the time of 2000. One
// over maxOCRPixels or maxOCRSide is reduced: Tesseract's time and memory
// grow with the pixels and nothing is gained past 300 dpi of a large page.
const (
	minOCRSide   = 1500
	maxUpscale   = 4
	maxOCRSide   = 10000
	maxOCRPixels = 40_000_000
)

// ocrScale is the factor a w × h page is scaled by for Tesseract.
func ocrScale(w, h int) float64 {
	long := float64(max(w, h))
	s := 1.0
	if long < minOCRSide {
		s = min(maxUpscale, minOCRSide/long)
	}
	s = min(s, maxOCRSide/long, math.Sqrt(maxOCRPixels/(float64(w)*float64(h))))
	if math.Abs(s-1) < 0.05 {
		return 1
	}
	return s
}

// Upright returns page n (1-based) of an image file as Parse reads it:
// greyscale, turned upright, as many pixels as the page is units, so that
// the boxes of its words fall where they were read. For showing a page
// with its citations.
func Upright(data []byte, kind string, n int, opts Options) (*image.Gray, error) {
	if _, ok := codecs[kind]; !ok {
		return nil, fmt.Errorf("picture: %q is not an image kind", kind)
	}
	if opts.PageLimit <= 0 {
		opts.PageLimit = 5000
	}
	pages, err := frames(data, kind, opts.PageLimit)
	if err != nil {
		return nil, err
	}
	if n < 1 || n > len(pages) {
		return nil, extract.Errorf(extract.CodeInvalid, "the image has no page %d: it has %d", n, len(pages))
	}
	img, err := decode(pages[n-1], kind, opts.Budget.Limits().MaxImagePixels)
	if err != nil {
		return nil, err
	}
	orientation := 1
	if kind == filetype.JPEG {
		orientation = exifOrientation(data)
	}
	return orient(gray(img), orientation), nil
}
