package pdf_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"
	"github.com/google/go-cmp/cmp"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/budget"
	"github.com/quarrylabs/quarry/internal/document/pdf"
	"github.com/quarrylabs/quarry/internal/document/pdf/pdftest"
	"github.com/quarrylabs/quarry/internal/extract"
)

func parse(tb testing.TB, data []byte, opts pdf.ParseOptions) (*document.Document, error) {
	tb.Helper()
	return pdf.SharedParser(tb).Parse(context.Background(), bytes.NewReader(data), opts)
}

func mustParse(tb testing.TB, data []byte, opts pdf.ParseOptions) *document.Document {
	tb.Helper()
	doc, err := parse(tb, data, opts)
	if err != nil {
		tb.Fatalf("Parse: %v", err)
	}
	return doc
}

func wordTexts(p document.Page) []string {
	var out []string
	for _, w := range p.Words {
		out = append(out, w.Text)
	}
	return out
}

func findWord(tb testing.TB, p document.Page, text string) document.Word {
	tb.Helper()
	for _, w := range p.Words {
		if w.Text == text {
			return w
		}
	}
	tb.Fatalf("page %d has no word %q; words: %q", p.Number, text, wordTexts(p))
	return document.Word{}
}

// near reports whether the point (x, y) is on or within tol of box b.
func near(b document.Box, x, y, tol float64) bool {
	return x >= b.X-tol && x <= b.X+b.W+tol && y >= b.Y-tol && y <= b.Y+b.H+tol
}

func TestParseInvoice(t *testing.T) {
	t.Parallel()
	doc := mustParse(t, invoicePDF(t, nil), pdf.ParseOptions{})
	if doc.TotalPages != 1 || len(doc.Pages) != 1 {
		t.Fatalf("TotalPages = %d, len(Pages) = %d, want 1, 1", doc.TotalPages, len(doc.Pages))
	}
	page := doc.Pages[0]
	// A4 in points.
	if page.Number != 1 || math.Abs(page.Width-595.28) > 0.01 || math.Abs(page.Height-841.89) > 0.01 {
		t.Errorf("page = %d, %gx%g, want 1, 595.28x841.89", page.Number, page.Width, page.Height)
	}
	want := strings.Fields("INVOICE Invoice number: INV-2024-0042 Date: 2024-03-15 Bill to: Acme Corporation, 12 Main Street, Springfield " +
		"Description Quantity Unit price Amount Widget A 10 4.50 45.00 Gadget B 2 19.99 39.98 Service fee 1 15.00 15.00 Total due: 99.98 EUR")
	if diff := cmp.Diff(want, wordTexts(page)); diff != "" {
		t.Errorf("words (-want +got):\n%s", diff)
	}
	// fpdf's Text(x, y) puts the baseline's start at (x, y), top-left origin:
	// each word's box starts at x and spans the baseline.
	for _, tc := range []struct {
		word string
		x, y float64
	}{
		{"INVOICE", 56, 72},
		{"INV-2024-0042", 56 + 0, 110}, // x checked below: after "Invoice number: "
		{"Quantity", 300, 190},
		{"39.98", 470, 226},
		{"EUR", 380, 280},
	} {
		w := findWord(t, page, tc.word)
		if w.Box.Y >= tc.y || w.Box.Y+w.Box.H <= tc.y {
			t.Errorf("%q box %+v does not span the baseline y=%g", tc.word, w.Box, tc.y)
		}
		if w.Box.H < 8 || w.Box.H > 25 {
			t.Errorf("%q box height %g, want a line's height for 11–18 pt text", tc.word, w.Box.H)
		}
		if tc.word != "INV-2024-0042" && tc.word != "EUR" && math.Abs(w.Box.X-tc.x) > 1 {
			t.Errorf("%q box x = %g, want %g", tc.word, w.Box.X, tc.x)
		}
	}
	// Words of one line share their top and bottom.
	a, b := findWord(t, page, "Invoice"), findWord(t, page, "INV-2024-0042")
	if a.Box.Y != b.Box.Y || a.Box.H != b.Box.H || b.Box.X <= a.Box.X+a.Box.W {
		t.Errorf("words of one line: %+v then %+v", a.Box, b.Box)
	}
}

func TestParseRotated(t *testing.T) {
	t.Parallel()
	doc := mustParse(t, rotatedPDF(), pdf.ParseOptions{})
	// The text starts at (72, 720) in user space on a 612×792 page; where
	// that lands once the page is turned clockwise for display.
	tests := []struct {
		rotate        int
		width, height float64
		x, y          float64
		vertical      bool
	}{
		{0, 612, 792, 72, 72, false},
		{90, 792, 612, 720, 72, true},
		{180, 612, 792, 540, 720, false},
		{270, 792, 612, 72, 540, true},
	}
	for i, tc := range tests {
		page := doc.Pages[i]
		if page.Width != tc.width || page.Height != tc.height {
			t.Errorf("rotate %d: page %gx%g, want %gx%g", tc.rotate, page.Width, page.Height, tc.width, tc.height)
		}
		// The order of vertical lines is PDFium's guess; the words are not.
		got := wordTexts(page)
		slices.Sort(got)
		if diff := cmp.Diff([]string{"Rotated", "Second", "line", "page"}, got); diff != "" {
			t.Errorf("rotate %d: words (-want +got):\n%s", tc.rotate, diff)
			continue
		}
		w := findWord(t, page, "Rotated")
		if !near(w.Box, tc.x, tc.y, 1) {
			t.Errorf("rotate %d: %q box %+v, want it at (%g, %g)", tc.rotate, w.Text, w.Box, tc.x, tc.y)
		}
		if vertical := w.Box.H > w.Box.W; vertical != tc.vertical {
			t.Errorf("rotate %d: %q box %+v, vertical = %v, want %v", tc.rotate, w.Text, w.Box, vertical, tc.vertical)
		}
		checkOnPage(t, page)
	}
	// The landscape page reads upright: its lines run across the page.
	page := doc.Pages[4]
	if page.Width != 792 || page.Height != 612 {
		t.Errorf("landscape page %gx%g, want 792x612", page.Width, page.Height)
	}
	want := []string{"Landscape", "page", "Reads", "upright"}
	if diff := cmp.Diff(want, wordTexts(page)); diff != "" {
		t.Errorf("landscape words (-want +got):\n%s", diff)
	}
	if w := findWord(t, page, "Landscape"); !near(w.Box, 72, 72, 1) || w.Box.W < w.Box.H {
		t.Errorf("landscape: %q box %+v, want it across the page at (72, 72)", w.Text, w.Box)
	}
	if w := findWord(t, page, "Reads"); !near(w.Box, 72, 92, 1) {
		t.Errorf("landscape: %q box %+v, want it at (72, 92)", w.Text, w.Box)
	}
	checkOnPage(t, page)
}

// checkOnPage checks that every word of the page is within it.
func checkOnPage(tb testing.TB, page document.Page) {
	tb.Helper()
	for _, w := range page.Words {
		if w.Box.X < 0 || w.Box.Y < 0 || w.Box.X+w.Box.W > page.Width || w.Box.Y+w.Box.H > page.Height {
			tb.Errorf("page %d: %q box %+v is off the %gx%g page", page.Number, w.Text, w.Box, page.Width, page.Height)
		}
	}
}

func TestParseNonLatin(t *testing.T) {
	t.Parallel()
	doc := mustParse(t, nonLatinPDF(t), pdf.ParseOptions{})
	var want []string
	for _, l := range nonLatinLines {
		want = append(want, strings.Fields(l)...)
	}
	if diff := cmp.Diff(want, wordTexts(doc.Pages[0])); diff != "" {
		t.Errorf("words (-want +got):\n%s", diff)
	}
}

func TestParseMultiColumn(t *testing.T) {
	t.Parallel()
	page := mustParse(t, multiColumnPDF(t), pdf.ParseOptions{}).Pages[0]
	left, right := findWord(t, page, "Revenue"), findWord(t, page, "Next")
	if left.Box.X > 60 || right.Box.X < 305 || math.Abs(left.Box.Y-right.Box.Y) > 0.5 {
		t.Errorf("column starts: %+v and %+v, want x≈56 and x≈310 on one line", left.Box, right.Box)
	}
	// No word straddles the gutter between the columns (x 286 to 310).
	for _, w := range page.Words {
		if w.Box.X < 290 && w.Box.X+w.Box.W > 305 {
			t.Errorf("word %q %+v crosses the gutter", w.Text, w.Box)
		}
	}
}

func TestParsePages(t *testing.T) {
	t.Parallel()
	data := manyPagesPDF(t, 12, 3)
	tests := []struct {
		name     string
		pages    string
		maxPages int
		want     []int
	}{
		{"All", "", 0, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}},
		{"TargetPages", "2,5-6,40", 0, []int{2, 5, 6}},
		{"MaxPages", "", 2, []int{1, 2}},
		{"Both", "3-12", 4, []int{3, 4, 5, 6}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var ranges []extract.PageRange
			if tc.pages != "" {
				var err error
				if ranges, err = extract.ParsePageRanges(tc.pages); err != nil {
					t.Fatal(err)
				}
			}
			doc := mustParse(t, data, pdf.ParseOptions{Pages: ranges, MaxPages: tc.maxPages})
			var got []int
			for _, p := range doc.Pages {
				got = append(got, p.Number)
				if w := findWord(t, p, strconv.Itoa(p.Number)); w.Box.X < 56 {
					t.Errorf("page %d heading at %+v", p.Number, w.Box)
				}
			}
			if doc.TotalPages != 12 || !slices.Equal(got, tc.want) {
				t.Errorf("TotalPages = %d, pages %v, want 12, %v", doc.TotalPages, got, tc.want)
			}
		})
	}
}

// TestParseErrors checks that every file Quarry cannot read fails with a
// message for the user (extract.CodeInvalid) saying what to do.
func TestParseErrors(t *testing.T) {
	t.Parallel()
	invoice := invoicePDF(t, nil)
	tests := []struct {
		name string
		data []byte
		opts pdf.ParseOptions
		want string
	}{
		{"ErrEncrypted", invoicePDF(t, func(f *fpdf.Fpdf) { f.SetProtection(fpdf.CnProtectPrint, "secret", "owner") }), pdf.ParseOptions{}, "protected by a password"},
		{"ErrTruncated", invoice[:len(invoice)/2], pdf.ParseOptions{}, "damaged or truncated"},
		{"ErrNotPDF", []byte("this is a text file, not a PDF\n"), pdf.ParseOptions{}, "not a readable PDF"},
		{"ErrEmpty", nil, pdf.ParseOptions{}, "the file is empty"},
		{"ErrTooManyPages", manyPagesPDF(t, 5, 1), pdf.ParseOptions{PageLimit: 4}, "has 5 pages, more than the 4"},
		{"ErrTooLarge", invoice, pdf.ParseOptions{MaxBytes: 100}, "larger than 100 bytes"},
		{"ErrTargetPages", invoice, pdf.ParseOptions{Pages: []extract.PageRange{{From: 3, To: 4}}}, "target_pages 3-4 names no page"},
		{"ErrMaxPages", invoice, pdf.ParseOptions{MaxPages: -1}, "max_pages must be at least 1"},
		{"ErrFlateBomb", pdftest.FlateBomb(3 << 20), pdf.ParseOptions{Budget: budget.New(budget.Limits{MaxPDFStreamBytes: 2 << 20})}, "more than 2,097,152 bytes in one inflated PDF stream (it may be a flate bomb) (limit --max-pdf-stream-bytes)"},
		{"ErrWords", invoice, pdf.ParseOptions{Budget: budget.New(budget.Limits{MaxWords: 3})}, "more than 3 words (limit --max-words)"},
		{"ErrCharsPerPage", invoice, pdf.ParseOptions{Budget: budget.New(budget.Limits{MaxWordsPerPage: 2})}, "more than 20 characters on one page (limit --max-words-per-page)"},
		{"ErrWordsPerPage", pdftest.Build([]byte("BT /F1 12 Tf 72 720 Td (a b c d e) Tj ET"), false), pdf.ParseOptions{Budget: budget.New(budget.Limits{MaxWordsPerPage: 4})}, "more than 4 words on one page (limit --max-words-per-page)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc, err := parse(t, tc.data, tc.opts)
			if err == nil {
				t.Fatalf("Parse = %d pages, want an error containing %q", len(doc.Pages), tc.want)
			}
			if code := extract.ErrorCode(err); code != extract.CodeInvalid || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse = %v (code %s), want code invalid and %q", err, code, tc.want)
			}
		})
	}
}

// TestParseFlateWithinLimit: a content stream that inflates to megabytes,
// under the limit, is read; the stream check stops only what is over it.
func TestParseFlateWithinLimit(t *testing.T) {
	t.Parallel()
	doc := mustParse(t, pdftest.FlateBomb(3<<20), pdf.ParseOptions{})
	if got := wordTexts(doc.Pages[0]); !slices.Contains(got, "Total") {
		t.Errorf("words = %q, want Total among them", got)
	}
}

// TestParseTrapIsPermanent: a file that runs PDFium into its memory limit
// fails as the file's fault, naming the limit, rather than as an internal
// error a queue would retry.
func TestParseTrapIsPermanent(t *testing.T) {
	t.Parallel()
	p, err := pdf.New(context.Background(), pdf.Options{Instances: 1, MemoryLimit: 64 << 20, CacheDir: pdf.CacheDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	bomb := pdftest.FlateBomb(256 << 20)
	_, err = p.Parse(context.Background(), bytes.NewReader(bomb), pdf.ParseOptions{Budget: budget.New(budget.Limits{MaxPDFStreamBytes: 1 << 40})})
	if code := extract.ErrorCode(err); code != extract.CodeInvalid || !strings.Contains(err.Error(), "memory limit of 64 MiB (limit --pdf-memory-limit)") {
		t.Fatalf("Parse = %v (code %s), want code invalid naming --pdf-memory-limit", err, code)
	}
}

// TestParseOwnerPassword: a PDF encrypted with an owner password only (the
// usual "no copying" restriction) opens without a password and is read.
func TestParseOwnerPassword(t *testing.T) {
	t.Parallel()
	data := invoicePDF(t, func(f *fpdf.Fpdf) { f.SetProtection(fpdf.CnProtectPrint, "", "owner") })
	doc := mustParse(t, data, pdf.ParseOptions{})
	findWord(t, doc.Pages[0], "INV-2024-0042")
}

func TestParseBlankPage(t *testing.T) {
	t.Parallel()
	doc := mustParse(t, blankPDF(t), pdf.ParseOptions{})
	if len(doc.Pages) != 1 || len(doc.Pages[0].Words) != 0 {
		t.Errorf("Parse = %+v, want one page without words", doc)
	}
}

func TestParseScanWithoutTesseract(t *testing.T) {
	t.Parallel()
	p := pdf.SharedParserWithoutTesseract(t)
	_, err := p.Parse(context.Background(), bytes.NewReader(scannedPDF(t, p)), pdf.ParseOptions{})
	want := "no text layer"
	if extract.ErrorCode(err) != extract.CodeInvalid || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "apt-get install tesseract-ocr") {
		t.Errorf("Parse = %v, want code invalid, %q and how to install Tesseract", err, want)
	}
	// A document with text on some pages keeps its scanned pages empty.
	mixed := rawPDF(rawPage{0, []rawLine{{72, 720, "Cover"}}, false})
	doc, err := p.Parse(context.Background(), bytes.NewReader(mixed), pdf.ParseOptions{})
	if err != nil || len(doc.Pages[0].Words) != 1 {
		t.Errorf("Parse(text page) = %v, %v", doc, err)
	}
}

func TestParseScanOCR(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("tesseract"); err != nil {
		t.Skip("tesseract is not installed (apt-get install tesseract-ocr): OCR is not tested")
	}
	p := pdf.SharedParser(t)
	doc := mustParse(t, scannedPDF(t, p), pdf.ParseOptions{})
	page := doc.Pages[0]
	for _, word := range []string{"INVOICE", "INV-2024-0042", "Springfield", "99.98"} {
		findWord(t, page, word)
	}
	// The words are where the text was on the page that was scanned.
	if w := findWord(t, page, "INVOICE"); !near(w.Box, 56, 72, 4) {
		t.Errorf("OCR box of INVOICE = %+v, want it at (56, 72)", w.Box)
	}
	if w := findWord(t, page, "Quantity"); !near(w.Box, 300, 190, 4) {
		t.Errorf("OCR box of Quantity = %+v, want it at (300, 190)", w.Box)
	}
}

func TestParseTimeout(t *testing.T) {
	t.Parallel()
	data := manyPagesPDF(t, 300, 40)
	start := time.Now()
	_, err := parse(t, data, pdf.ParseOptions{Timeout: 50 * time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) || extract.ErrorCode(err) != extract.CodeInvalid || !strings.Contains(err.Error(), "took longer than the time allowed") {
		t.Fatalf("Parse = %v after %v, want a timeout for the user", err, time.Since(start))
	}
	// The parser is healthy afterwards.
	findWord(t, mustParse(t, invoicePDF(t, nil), pdf.ParseOptions{}).Pages[0], "INVOICE")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = pdf.SharedParser(t).Parse(ctx, bytes.NewReader(data), pdf.ParseOptions{})
	if !errors.Is(err, context.Canceled) || extract.ErrorCode(err) != extract.CodeInternal {
		t.Errorf("Parse(cancelled) = %v, want context.Canceled", err)
	}
}

func TestRenderPNG(t *testing.T) {
	t.Parallel()
	p := pdf.SharedParser(t)
	png, err := p.RenderPNG(context.Background(), bytes.NewReader(rotatedPDF()), 2, 72, pdf.ParseOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Fatalf("RenderPNG = %q…, want a PNG", png[:8])
	}
	// Page 2 is turned 90 degrees: 792×612 at 72 dpi.
	w, h := int(png[16])<<24|int(png[17])<<16|int(png[18])<<8|int(png[19]), int(png[20])<<24|int(png[21])<<16|int(png[22])<<8|int(png[23])
	if w != 792 || h != 612 {
		t.Errorf("RenderPNG size %dx%d, want 792x612", w, h)
	}
	for _, tc := range []struct{ page, dpi int }{{6, 72}, {0, 72}, {1, 0}, {1, 1200}} {
		if _, err := p.RenderPNG(context.Background(), bytes.NewReader(rotatedPDF()), tc.page, tc.dpi, pdf.ParseOptions{}); extract.ErrorCode(err) != extract.CodeInvalid {
			t.Errorf("RenderPNG(page %d, %d dpi) = %v, want code invalid", tc.page, tc.dpi, err)
		}
	}
}
