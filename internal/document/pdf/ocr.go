package pdf

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/references"
	"github.com/klippa-app/go-pdfium/requests"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/extract"
)

// installTesseract is how the error messages tell an operator to install
// Tesseract: the Debian and Ubuntu package Quarry is tested with.
const installTesseract = "apt-get install tesseract-ocr"

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
	words, err := p.tesseract(ctx, bin, img.(*image.Gray), dpi)
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

// tesseract runs Tesseract on img and returns the words it found, with boxes
// in the image's pixels.
func (p *Parser) tesseract(ctx context.Context, bin string, img *image.Gray, dpi int) ([]document.Word, error) {
	// PGM is the cheapest format Tesseract reads: a header and the pixels.
	var in bytes.Buffer
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	in.Grow(w*h + 32)
	fmt.Fprintf(&in, "P5\n%d %d\n255\n", w, h)
	for y := range h {
		in.Write(img.Pix[y*img.Stride : y*img.Stride+w])
	}
	cmd := exec.CommandContext(ctx, bin, "stdin", "stdout", "--dpi", strconv.Itoa(dpi), "-l", p.opts.OCRLanguages, "tsv")
	cmd.Stdin = &in
	// Tesseract's own threads would fight the parser's parallelism for the
	// same cores; one thread per page is faster overall.
	cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		msg := strings.TrimSpace(stderr.String())
		if strings.Contains(msg, "Failed loading language") {
			return nil, extract.Errorf(extract.CodeInvalid,
				"OCR of the scanned PDF failed: Tesseract has no data for language %q on this server; install it (on Debian or Ubuntu: apt-get install tesseract-ocr-%s)",
				p.opts.OCRLanguages, strings.Split(p.opts.OCRLanguages, "+")[0])
		}
		return nil, fmt.Errorf("run tesseract: %w: %s", err, msg)
	}
	words, err := parseTSV(out)
	if err != nil {
		return nil, fmt.Errorf("read tesseract output: %w", err)
	}
	return words, nil
}

// parseTSV reads the words of Tesseract's TSV output: level 5 rows, whose
// columns are level, page_num, block_num, par_num, line_num, word_num, left,
// top, width, height, conf and text. Rows come in reading order.
func parseTSV(out []byte) ([]document.Word, error) {
	var words []document.Word
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for first := true; sc.Scan(); first = false {
		if first {
			continue // the header
		}
		f := strings.Split(sc.Text(), "\t")
		if len(f) < 12 || f[0] != "5" {
			continue
		}
		text := strings.TrimSpace(f[11])
		if text == "" {
			continue
		}
		var n [4]float64
		for i := range n {
			v, err := strconv.Atoi(f[6+i])
			if err != nil {
				return nil, fmt.Errorf("column %d of %q: %w", 7+i, sc.Text(), err)
			}
			n[i] = float64(v)
		}
		words = append(words, document.Word{Text: text, Box: document.Box{X: n[0], Y: n[1], W: n[2], H: n[3]}})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return words, nil
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
