package pdf_test

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-pdf/fpdf"

	"github.com/quarrylabs/quarry/internal/document/pdf"
)

// The fixtures are made here rather than committed, so that each states what
// it holds; the golden files under testdata/ hold what Quarry reads from them.

// dejaVu is DejaVu Sans cut down to Latin-1, Greek and Cyrillic (see
// testdata/DejaVuSans-subset.LICENSE): fpdf needs a TrueType font for text
// beyond Latin-1, and a committed one works on machines without fonts.
//
//go:embed testdata/DejaVuSans-subset.ttf
var dejaVu []byte

// newPDF returns an A4 writer measuring in points, with fixed dates so the
// same test writes the same bytes.
func newPDF() *fpdf.Fpdf {
	f := fpdf.New("P", "pt", "A4", "")
	f.SetCreationDate(time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC))
	f.SetModificationDate(time.Date(2024, 3, 15, 0, 0, 0, 0, time.UTC))
	f.SetCatalogSort(true)
	f.SetAutoPageBreak(false, 0)
	return f
}

func output(tb testing.TB, f *fpdf.Fpdf) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		tb.Fatalf("write pdf: %v", err)
	}
	return buf.Bytes()
}

// invoicePDF is a one-page invoice: a title, labelled fields, a table of
// items and a total.
func invoicePDF(tb testing.TB, protect func(*fpdf.Fpdf)) []byte {
	f := newPDF()
	if protect != nil {
		protect(f)
	}
	f.AddPage()
	f.SetFont("Helvetica", "B", 18)
	f.Text(56, 72, "INVOICE")
	f.SetFont("Helvetica", "", 11)
	f.Text(56, 110, "Invoice number: INV-2024-0042")
	f.Text(56, 126, "Date: 2024-03-15")
	f.Text(56, 142, "Bill to: Acme Corporation, 12 Main Street, Springfield")
	cols := []float64{56, 300, 380, 470}
	rows := [][]string{
		{"Description", "Quantity", "Unit price", "Amount"},
		{"Widget A", "10", "4.50", "45.00"},
		{"Gadget B", "2", "19.99", "39.98"},
		{"Service fee", "1", "15.00", "15.00"},
	}
	for i, row := range rows {
		for j, cell := range row {
			f.Text(cols[j], 190+float64(i)*18, cell)
		}
	}
	f.SetFont("Helvetica", "B", 11)
	f.Text(380, 280, "Total due: 99.98 EUR")
	return output(tb, f)
}

// multiColumnPDF is a page of two columns of prose, as in a newsletter.
func multiColumnPDF(tb testing.TB) []byte {
	f := newPDF()
	f.AddPage()
	f.SetFont("Times", "B", 16)
	f.Text(56, 60, "Quarterly Report")
	f.SetFont("Times", "", 11)
	left := "Revenue grew in every region this quarter. The northern office opened two new accounts " +
		"and renewed all existing contracts. Costs stayed flat while headcount rose by four."
	right := "Next quarter we plan to hire in support and sales. The board approved the budget " +
		"for the new warehouse, which opens in the spring and doubles storage capacity."
	f.SetXY(56, 80)
	f.MultiCell(230, 14, left, "", "L", false)
	f.SetXY(310, 80)
	f.MultiCell(230, 14, right, "", "L", false)
	return output(tb, f)
}

// tableRows is how many body rows tablePDF writes: more than one page holds.
const tableRows = 50

// tablePDF is a ruled table of tableRows rows that continues on a second
// page, where its header row is repeated.
func tablePDF(tb testing.TB) []byte {
	f := newPDF()
	f.SetFont("Helvetica", "", 10)
	header := func() {
		f.SetFont("Helvetica", "B", 10)
		for _, h := range []string{"Item", "SKU", "Qty", "Price"} {
			f.CellFormat(120, 18, h, "1", 0, "L", false, 0, "")
		}
		f.Ln(-1)
		f.SetFont("Helvetica", "", 10)
	}
	f.AddPage()
	f.SetXY(56, 56)
	f.SetFont("Helvetica", "B", 14)
	f.CellFormat(0, 24, "Parts list", "", 1, "L", false, 0, "")
	f.SetX(56)
	header()
	for i := 1; i <= tableRows; i++ {
		if f.GetY() > 800-56 {
			f.AddPage()
			f.SetXY(56, 56)
			header()
		}
		f.SetX(56)
		for _, c := range []string{fmt.Sprintf("Part %d", i), fmt.Sprintf("SKU-%04d", i*7), fmt.Sprint(i % 9), fmt.Sprintf("%d.%02d", i*3, i%100)} {
			f.CellFormat(120, 18, c, "1", 0, "L", false, 0, "")
		}
		f.Ln(-1)
	}
	return output(tb, f)
}

// nonLatinPDF is a page of Greek, Cyrillic and accented Latin text.
func nonLatinPDF(tb testing.TB) []byte {
	f := newPDF()
	f.AddUTF8FontFromBytes("dejavu", "", dejaVu)
	f.AddPage()
	f.SetFont("dejavu", "", 12)
	for i, line := range nonLatinLines {
		f.Text(56, 72+float64(i)*20, line)
	}
	return output(tb, f)
}

var nonLatinLines = []string{
	"Ελληνικά: Καλημέρα κόσμε",
	"Русский: Привет, мир",
	"Français: déjà vu, garçon, œuvre",
	"Total: 12,50 €",
}

// scannedPDF is what a scanner makes of the invoice: a page holding only an
// image of it, drawn by PDFium at 150 dpi.
func scannedPDF(tb testing.TB, p *pdf.Parser) []byte {
	tb.Helper()
	png, err := p.RenderPNG(context.Background(), bytes.NewReader(invoicePDF(tb, nil)), 1, 150, pdf.ParseOptions{})
	if err != nil {
		tb.Fatalf("render invoice: %v", err)
	}
	f := newPDF()
	f.AddPage()
	opt := fpdf.ImageOptions{ImageType: "PNG"}
	f.RegisterImageOptionsReader("scan", opt, bytes.NewReader(png))
	w, h := f.GetPageSize()
	f.ImageOptions("scan", 0, 0, w, h, false, opt, 0, "")
	return output(tb, f)
}

// blankPDF has one page with nothing on it.
func blankPDF(tb testing.TB) []byte {
	f := newPDF()
	f.AddPage()
	return output(tb, f)
}

// manyPagesPDF has n pages, each with a heading and lines of text.
func manyPagesPDF(tb testing.TB, n, lines int) []byte {
	f := newPDF()
	f.SetCompression(true)
	for i := 1; i <= n; i++ {
		f.AddPage()
		f.SetFont("Helvetica", "B", 14)
		f.Text(56, 60, fmt.Sprintf("Section %d", i))
		f.SetFont("Helvetica", "", 10)
		for l := range lines {
			f.Text(56, 90+float64(l)*14, fmt.Sprintf("Line %d of page %d: the quick brown fox jumps over the lazy dog, amount %d.%02d EUR", l+1, i, i*l, l))
		}
	}
	return output(tb, f)
}

// rawPage is one page of rawPDF: its /Rotate and lines of Helvetica text,
// each drawn at (X, Y) in user space (origin bottom-left), along the x axis
// or, when Up, along the y axis.
type rawPage struct {
	Rotate int
	Lines  []rawLine
	Up     bool
}

type rawLine struct {
	X, Y float64
	Text string
}

// rawPDF writes a US Letter (612 × 792 pt) PDF by hand, for what fpdf cannot
// write: a page's /Rotate.
func rawPDF(pages ...rawPage) []byte {
	var objs []string
	add := func(s string) int { objs = append(objs, s); return len(objs) }
	catalog := add("") // filled in below, once the pages are known
	tree := add("")
	font := add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	var kids []string
	for _, p := range pages {
		var content strings.Builder
		for _, l := range p.Lines {
			m := "1 0 0 1"
			if p.Up {
				m = "0 1 -1 0"
			}
			fmt.Fprintf(&content, "BT /F1 12 Tf %s %g %g Tm (%s) Tj ET\n", m, l.X, l.Y, l.Text)
		}
		stream := add(fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()))
		page := add(fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Rotate %d /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>",
			tree, p.Rotate, font, stream))
		kids = append(kids, fmt.Sprintf("%d 0 R", page))
	}
	objs[catalog-1] = fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R >>", tree)
	objs[tree-1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids))

	var buf bytes.Buffer
	buf.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = buf.Len()
		fmt.Fprintf(&buf, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := buf.Len()
	fmt.Fprintf(&buf, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&buf, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&buf, "trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, catalog, xref)
	return buf.Bytes()
}

// rotatedPDF has the same two lines on four pages, rotated 0, 90, 180 and
// 270 degrees clockwise for display, then a landscape page as scanners and
// printers write them: /Rotate 90 over text drawn turned the other way, so
// that it reads upright.
func rotatedPDF() []byte {
	lines := []rawLine{{72, 720, "Rotated page"}, {72, 700, "Second line"}}
	landscape := []rawLine{{72, 72, "Landscape page"}, {92, 72, "Reads upright"}}
	return rawPDF(rawPage{0, lines, false}, rawPage{90, lines, false}, rawPage{180, lines, false}, rawPage{270, lines, false},
		rawPage{90, landscape, true})
}
