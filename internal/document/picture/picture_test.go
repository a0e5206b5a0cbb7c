package picture_test

import (
	"bytes"
	"context"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/image/bmp"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/budget"
	"github.com/quarrylabs/quarry/internal/document/ocr"
	"github.com/quarrylabs/quarry/internal/document/picture"
	"github.com/quarrylabs/quarry/internal/document/picture/picturetest"
	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/filetype"
)

var lines = []string{"INVOICE 4521", "Total 12.75"}

// text is a page's lines, one a line.
func text(p document.Page) string {
	var out []string
	for _, l := range p.Lines {
		out = append(out, l.Text)
	}
	return strings.Join(out, "\n")
}

func word(p document.Page, text string) (document.Word, bool) {
	for _, w := range p.Words {
		if w.Text == text {
			return w, true
		}
	}
	return document.Word{}, false
}

func TestParseFormats(t *testing.T) {
	picturetest.NeedTesseract(t)
	t.Parallel()
	img, at := picturetest.Text(t, lines...)
	webp, err := os.ReadFile(filepath.Join("testdata", "invoice.webp"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, kind string
		data       []byte
	}{
		{"PNG", filetype.PNG, picturetest.Encode(t, img, func(b *bytes.Buffer, i image.Image) error { return png.Encode(b, i) })},
		{"PNGTransparent", filetype.PNG, picturetest.Encode(t, picturetest.Transparent(img), func(b *bytes.Buffer, i image.Image) error { return png.Encode(b, i) })},
		{"JPEG", filetype.JPEG, picturetest.Encode(t, img, func(b *bytes.Buffer, i image.Image) error { return jpeg.Encode(b, i, &jpeg.Options{Quality: 85}) })},
		{"GIF", filetype.GIF, picturetest.Encode(t, picturetest.Paletted(img), func(b *bytes.Buffer, i image.Image) error { return gif.Encode(b, i, nil) })},
		{"BMP", filetype.BMP, picturetest.Encode(t, img, func(b *bytes.Buffer, i image.Image) error { return bmp.Encode(b, i) })},
		{"TIFF", filetype.TIFF, picturetest.TIFF(img)},
		// Go writes no WebP: the file is the same text, written by cwebp
		// -lossless from the PNG above.
		{"WebP", filetype.WebP, webp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := filetype.Detect(tt.data, ""); got != tt.kind {
				t.Fatalf("Detect = %q, want %q", got, tt.kind)
			}
			doc, err := picture.Parse(context.Background(), tt.data, tt.kind, picture.Options{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if doc.TotalPages != 1 || len(doc.Pages) != 1 {
				t.Fatalf("pages = %d of %d, want 1 of 1", len(doc.Pages), doc.TotalPages)
			}
			p := doc.Pages[0]
			b := img.Bounds()
			if p.Number != 1 || p.Width != float64(b.Dx()) || p.Height != float64(b.Dy()) {
				t.Errorf("page %d is %g x %g, want page 1 of %d x %d pixels", p.Number, p.Width, p.Height, b.Dx(), b.Dy())
			}
			if got, want := text(p), strings.Join(lines, "\n"); got != want {
				t.Errorf("text = %q, want %q", got, want)
			}
			w, ok := word(p, "4521")
			if !ok {
				t.Fatalf("no word 4521 in %q", text(p))
			}
			// Where the text was drawn, in the image's pixels.
			if d := w.Box.Y - float64(at[0].Y); d < -4 || d > 4 {
				t.Errorf("box of 4521 = %+v, want its top near y=%d", w.Box, at[0].Y)
			}
			if w.Confidence < 0.5 || w.Confidence > 1 {
				t.Errorf("confidence of 4521 = %g, want Tesseract's, above 0.5", w.Confidence)
			}
		})
	}
}

func TestParseTIFFPages(t *testing.T) {
	picturetest.NeedTesseract(t)
	t.Parallel()
	one, _ := picturetest.Text(t, "PAGE ONE")
	two, _ := picturetest.Text(t, "SECOND PAGE", "TOTAL 87.25")
	data := picturetest.TIFF(one, two)

	doc, err := picture.Parse(context.Background(), data, filetype.TIFF, picture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if doc.TotalPages != 2 || len(doc.Pages) != 2 {
		t.Fatalf("pages = %d of %d, want 2 of 2", len(doc.Pages), doc.TotalPages)
	}
	for i, want := range []string{"PAGE ONE", "SECOND PAGE\nTOTAL 87.25"} {
		p := doc.Pages[i]
		if p.Number != i+1 || text(p) != want {
			t.Errorf("page %d = %q, want page %d %q", p.Number, text(p), i+1, want)
		}
	}
	if b := two.Bounds(); doc.Pages[1].Width != float64(b.Dx()) || doc.Pages[1].Height != float64(b.Dy()) {
		t.Errorf("page 2 is %g x %g, want its own %d x %d", doc.Pages[1].Width, doc.Pages[1].Height, b.Dx(), b.Dy())
	}

	// target_pages picks a page; the rest are not read.
	doc, err = picture.Parse(context.Background(), data, filetype.TIFF, picture.Options{Pages: []extract.PageRange{{From: 2, To: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	if doc.TotalPages != 2 || len(doc.Pages) != 1 || doc.Pages[0].Number != 2 {
		t.Fatalf("target page 2: got %d pages of %d, first %+v", len(doc.Pages), doc.TotalPages, doc.Pages)
	}
}

func TestParseEXIFOrientation(t *testing.T) {
	picturetest.NeedTesseract(t)
	t.Parallel()
	upright, _ := picturetest.Text(t, lines...)
	stored := picturetest.RotateAnticlockwise(upright)
	data := picturetest.WithOrientation(picturetest.Encode(t, stored, func(b *bytes.Buffer, i image.Image) error {
		return jpeg.Encode(b, i, &jpeg.Options{Quality: 90})
	}), 6)
	doc, err := picture.Parse(context.Background(), data, filetype.JPEG, picture.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := doc.Pages[0]
	b := upright.Bounds()
	if p.Width != float64(b.Dx()) || p.Height != float64(b.Dy()) {
		t.Errorf("page is %g x %g, want it upright: %d x %d", p.Width, p.Height, b.Dx(), b.Dy())
	}
	if got, want := text(p), strings.Join(lines, "\n"); got != want {
		t.Errorf("text = %q, want %q", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	picturetest.NeedTesseract(t)
	t.Parallel()
	img, _ := picturetest.Text(t, lines...)
	pngData := picturetest.Encode(t, img, func(b *bytes.Buffer, i image.Image) error { return png.Encode(b, i) })
	tests := []struct {
		name, kind string
		data       []byte
		opts       picture.Options
		want       string
	}{
		{"ErrEmpty", filetype.PNG, nil, picture.Options{}, "the file is empty"},
		{"ErrTruncated", filetype.PNG, pngData[:len(pngData)/2], picture.Options{}, "the PNG image cannot be read"},
		{"ErrNotJPEG", filetype.JPEG, []byte("\xff\xd8\xffgarbage"), picture.Options{}, "the JPEG image cannot be read"},
		{"ErrPixels", filetype.PNG, pngData, picture.Options{Budget: budget.New(budget.Limits{MaxImagePixels: 1000})},
			"more than 1,000 pixels in one image (this one is"},
		{"ErrTIFFPages", filetype.TIFF, picturetest.TIFF(img, img, img), picture.Options{PageLimit: 2}, "more than 2 pages (limit --max-document-pages)"},
		{"ErrTargetPages", filetype.PNG, pngData, picture.Options{Pages: []extract.PageRange{{From: 3, To: 4}}}, "target_pages"},
		{"ErrWords", filetype.PNG, pngData, picture.Options{Budget: budget.New(budget.Limits{MaxWords: 2})}, "more than 2 words"},
		{"ErrLanguage", filetype.PNG, pngData, picture.Options{OCR: ocr.Options{Languages: "xyz"}}, `no data for language "xyz"`},
		{"ErrNoTesseract", filetype.PNG, pngData, picture.Options{OCR: ocr.Options{Program: "/nonexistent/tesseract"}}, "apt-get install tesseract-ocr"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := picture.Parse(context.Background(), tt.data, tt.kind, tt.opts)
			if extract.ErrorCode(err) != extract.CodeInvalid || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse = %v (code %v), want an invalid-input error saying %q", err, extract.ErrorCode(err), tt.want)
			}
		})
	}
}

func TestParseCancelled(t *testing.T) {
	picturetest.NeedTesseract(t)
	t.Parallel()
	img, _ := picturetest.Text(t, lines...)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := picture.Parse(ctx, picturetest.Encode(t, img, func(b *bytes.Buffer, i image.Image) error { return png.Encode(b, i) }), filetype.PNG, picture.Options{})
	if err == nil || extract.ErrorCode(err) == extract.CodeInvalid || !strings.Contains(err.Error(), context.Canceled.Error()) {
		t.Errorf("Parse with a cancelled context = %v, want the context's error", err)
	}
}

func TestParseLanguages(t *testing.T) {
	picturetest.NeedTesseract(t)
	if _, err := os.Stat("/usr/share/tesseract-ocr/5/tessdata/deu.traineddata"); err != nil {
		t.Skip("Tesseract's German data is not installed (apt-get install tesseract-ocr-deu)")
	}
	t.Parallel()
	img, _ := picturetest.Text(t, "Größe der Straße: 12 Maß")
	data := picturetest.Encode(t, img, func(b *bytes.Buffer, i image.Image) error { return png.Encode(b, i) })
	doc, err := picture.Parse(context.Background(), data, filetype.PNG, picture.Options{OCR: ocr.Options{Languages: "deu+eng"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := text(doc.Pages[0]); got != "Größe der Straße: 12 Maß" {
		t.Errorf("text read in German = %q, want %q", got, "Größe der Straße: 12 Maß")
	}
}
