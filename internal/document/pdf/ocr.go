package pdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/references"
	"github.com/klippa-app/go-pdfium/requests"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/ocr"
	"github.com/quarrylabs/quarry/internal/extract"
)

// maxOCRPixels bounds the side of a page image given to Tesseract: an A3
// page at OCRDPI is 4961 pixels high.
const maxOCRPixels = 10000

// ocrPage reads page, which has no text, with the Tesseract program bin.
func (p *Parser) ocrPage(ctx context.Context, inst pdfium.Pdfium, docRef references.FPDF_DOCUMENT, bin string, page *document.Page) error {
	// A poster-sized page is drawn at less than OCRDPI, so that its image
	// stays within maxOCRPixels a side.
	dpi := max(1, min(OCRDPI, int(maxOCRPixels*72/max(page.Width, page.Height))))
	img, err := render(inst, docRef, page.Number, dpi, true)
	if err != nil {
		return err
	}
	words, err := ocr.Read(ctx, bin, p.opts.OCRLanguages, img.(*image.Gray), dpi)
	if err != nil {
		return err
	}
	// Tesseract measures in pixels of the rendered page, which is the
	// displayed page: scaling is all the mapping there is.
	sx := page.Width / float64(img.Bounds().Dx())
	sy := page.Height / float64(img.Bounds().Dy())
	for j := range words {
		b := &words[j].Box
		*b = roundBox(document.Box{X: b.X * sx, Y: b.Y * sy, W: b.W * sx, H: b.H * sy})
	}
	page.Words = words
	return nil
}

func hasWords(doc *document.Document) bool {
	for _, p := range doc.Pages {
		if len(p.Words) > 0 {
			return true
		}
	}
	return false
}

// render draws page n (1-based) at dpi, in grayscale or in colour. The image
// is a copy: it stays valid after the instance is gone.
func render(inst pdfium.Pdfium, doc references.FPDF_DOCUMENT, n, dpi int, gray bool) (image.Image, error) {
	format := requests.RenderImageFormatRGBA
	if gray {
		format = requests.RenderImageFormatGrayscale
	}
	res, err := inst.RenderPageInDPI(&requests.RenderPageInDPI{
		Page:        requests.Page{ByIndex: &requests.PageByIndex{Document: doc, Index: n - 1}},
		DPI:         dpi,
		ImageFormat: format,
	})
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, err
		}
		return nil, extract.Errorf(extract.CodeInvalid,
			"page %d of the PDF cannot be drawn: the file is damaged or the page is too large; export it to PDF again and upload it again", n)
	}
	defer res.Cleanup()
	switch img := res.Result.RenderedImage.(type) {
	case *image.Gray:
		return &image.Gray{Pix: bytes.Clone(img.Pix), Stride: img.Stride, Rect: img.Rect}, nil
	case *image.RGBA:
		return &image.RGBA{Pix: bytes.Clone(img.Pix), Stride: img.Stride, Rect: img.Rect}, nil
	default:
		return nil, fmt.Errorf("render pdf page %d: unexpected image type %T", n, img)
	}
}
