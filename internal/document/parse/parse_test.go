package parse_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/budget"
	"github.com/quarrylabs/quarry/internal/document/docx/docxtest"
	"github.com/quarrylabs/quarry/internal/document/parse"
	"github.com/quarrylabs/quarry/internal/document/pdf"
	"github.com/quarrylabs/quarry/internal/document/xlsx/xlsxtest"
	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/filetype"
	"github.com/quarrylabs/quarry/internal/golden"
)

// invoiceDOCX is a two-page Word document: a header, paragraphs, a table,
// an explicit page break.
func invoiceDOCX(tb testing.TB) []byte {
	return docxtest.Zip(tb, docxtest.WithHeaderFooter(docxtest.Document(
		docxtest.Para("Invoice number: INV-2024-17"),
		docxtest.P(`<w:r><w:t xml:space="preserve">Invoice date: </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>2024-03-01</w:t></w:r>`),
		docxtest.Table([]int{4000, 1200, 2000},
			[]string{"Description", "Qty", "Amount"},
			[]string{"Consulting, March", "12", "1,800.00"},
			[]string{"Travel", "1", "240.50"},
		),
		docxtest.P(`<w:r><w:t>Total: 2,040.50</w:t></w:r><w:r><w:br w:type="page"/></w:r>`),
		docxtest.Para("Payment terms: 30 days"),
	), "ACME Consulting Ltd", "Registered in Gondor"))
}

// invoiceXLSX is a workbook of two visible sheets and a hidden one.
func invoiceXLSX(tb testing.TB) []byte {
	return xlsxtest.Workbook(tb,
		xlsxtest.Sheet{Name: "Summary", Rows: [][]any{{"Invoice number:", "INV-88"}, {"Total:", 99.5}}},
		xlsxtest.Sheet{Name: "Lines", Rows: [][]any{{"Item", "Qty", "Price"}, {"Widget", 3, 4}, {"Gadget", 5, 1.5}}},
		xlsxtest.Sheet{Name: "Internal", Rows: [][]any{{"cost", 1}}, Hidden: true},
	)
}

func readFixture(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

func TestParseGolden(t *testing.T) {
	t.Parallel()
	docxData, xlsxData := invoiceDOCX(t), invoiceXLSX(t)
	tests := []struct {
		name string // golden file: testdata/<name>.golden
		data []byte
		file string // for type detection
		opts parse.Options
	}{
		{name: "docx", data: docxData, file: "invoice.docx"},
		{name: "docx_page2", data: docxData, file: "invoice.docx", opts: parse.Options{Pages: []extract.PageRange{{From: 2, To: 2}}}},
		{name: "xlsx", data: xlsxData, file: "invoice.xlsx"},
		{name: "xlsx_sheet", data: xlsxData, file: "invoice.xlsx", opts: parse.Options{SheetNames: []string{"Lines", "Internal"}, MaxPages: 1}},
		{name: "html", data: readFixture(t, "page.html"), file: "page.html"},
		{name: "csv", data: readFixture(t, "items.csv"), file: "items.csv"},
		{name: "markdown", data: readFixture(t, "table.md"), file: "table.md"},
		{name: "text", data: readFixture(t, "formfeed.txt"), file: "formfeed.txt"},
	}
	p := parse.New(nil, parse.Limits{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			kind := filetype.Detect(tt.data[:min(len(tt.data), filetype.SniffLen)], tt.file)
			doc, err := p.Parse(context.Background(), bytes.NewReader(tt.data), kind, tt.opts)
			if err != nil {
				t.Fatalf("Parse(%s as %s): %v", tt.file, kind, err)
			}
			golden.Check(t, filepath.Join("testdata", tt.name+".golden"), render(kind, doc))
		})
	}
}

// render writes what a reviewer checks of a parse: per page its size, its
// lines in reading order and its tables' cells. Boxes are left out but for
// the page size: they are synthesised for most formats here and checked by
// each parser's own tests.
func render(kind string, doc *document.Document) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "kind %s, total_pages %d\n", kind, doc.TotalPages)
	for _, p := range doc.Pages {
		fmt.Fprintf(&sb, "\npage %d: %gx%g, %d words, %d lines, %d tables\n", p.Number, p.Width, p.Height, len(p.Words), len(p.Lines), len(p.Tables))
		for _, l := range p.Lines {
			fmt.Fprintf(&sb, "  | %s\n", l.Text)
		}
		for i, t := range p.Tables {
			fmt.Fprintf(&sb, "  table %d continued=%v\n", i, t.Continued)
			for _, r := range t.Rows {
				cells := make([]string, len(r))
				for k, c := range r {
					cells[k] = fmt.Sprintf("%q", c.Text)
				}
				fmt.Fprintf(&sb, "    [%s]\n", strings.Join(cells, " "))
			}
		}
	}
	return sb.String()
}

// fakePDF records the options it is given and does what it is told.
type fakePDF struct {
	got   pdf.ParseOptions
	panic bool
	wait  bool // until the context ends
}

func (f *fakePDF) Parse(ctx context.Context, r io.Reader, opts pdf.ParseOptions) (*document.Document, error) {
	f.got = opts
	switch {
	case f.panic:
		var m map[string]int
		m["boom"]++ // a nil map write, as a parser bug would make
	case f.wait:
		<-ctx.Done()
		return nil, fmt.Errorf("read page: %w", ctx.Err())
	}
	return &document.Document{TotalPages: 3, Pages: []document.Page{{Number: 2}}}, nil
}

func TestParsePassesOptionsToPDF(t *testing.T) {
	t.Parallel()
	f := &fakePDF{}
	p := parse.New(f, parse.Limits{PageLimit: 7, Timeout: time.Minute, Budget: budget.Limits{MaxWords: 9}})
	opts := parse.Options{Pages: []extract.PageRange{{From: 2, To: 3}}, MaxPages: 1}
	if _, err := p.Parse(context.Background(), strings.NewReader("%PDF-1.7"), filetype.PDF, opts); err != nil {
		t.Fatal(err)
	}
	// The document gets a fresh budget under the parser's limits.
	if got := f.got.Budget.Limits(); got != (budget.Limits{MaxWords: 9}).WithDefaults() {
		t.Errorf("PDF budget limits = %+v, want MaxWords 9 and the defaults", got)
	}
	f.got.Budget = nil
	want := pdf.ParseOptions{Pages: opts.Pages, MaxPages: 1, PageLimit: 7, Timeout: time.Minute}
	if diff := cmp.Diff(want, f.got); diff != "" {
		t.Errorf("PDF options (-want +got):\n%s", diff)
	}
}

// bombDOCX is a DOCX whose document part inflates to about n bytes.
func bombDOCX(tb testing.TB, n int) []byte {
	return docxtest.Zip(tb, docxtest.Document(docxtest.Para(strings.Repeat("a ", n/2))))
}

// bombXLSX is an XLSX whose worksheet inflates to about n bytes.
func bombXLSX(tb testing.TB, n int) []byte {
	return xlsxtest.Workbook(tb, xlsxtest.Sheet{Name: "S", Rows: [][]any{{strings.Repeat("a", 32000)}}, Cells: bigColumn(n / 32000)})
}

func bigColumn(rows int) map[string]any {
	cells := map[string]any{}
	for r := 2; r < rows+2; r++ {
		// Distinct strings: the shared string table would keep one copy of
		// equal ones.
		cells[fmt.Sprintf("A%d", r)] = fmt.Sprint(r) + strings.Repeat("b", 32000)
	}
	return cells
}

func TestParseLimits(t *testing.T) {
	t.Parallel()
	pages := strings.Repeat("page\f", 11)
	tests := []struct {
		name   string
		data   []byte
		kind   string
		limits parse.Limits
		pdf    parse.PDF
		want   string
	}{
		{"ErrZipBombDOCX", bombDOCX(t, 4<<20), filetype.DOCX, parse.Limits{MaxDecompressedBytes: 1 << 20}, nil, "the DOCX file inflates to more than 1 MiB (limit --max-decompressed-bytes); it may be a zip bomb"},
		{"ErrZipBombXLSX", bombXLSX(t, 4<<20), filetype.XLSX, parse.Limits{MaxDecompressedBytes: 1 << 20}, nil, "the XLSX file inflates to more than 1 MiB"},
		{"ErrTooManyPagesText", []byte(pages), filetype.Text, parse.Limits{PageLimit: 10}, nil, "the document has more than 10 pages (limit --max-document-pages)"},
		{"ErrTooManyPagesHTML", []byte(strings.Repeat(`<p style="break-before: page">x</p>`, 11)), filetype.HTML, parse.Limits{PageLimit: 10}, nil, "more than 10 pages"},
		{"ErrTooManyPagesDOCX", docxtest.Zip(t, docxtest.Document(docxtest.P(strings.Repeat(`<w:r><w:t>x</w:t><w:br w:type="page"/></w:r>`, 11)))), filetype.DOCX, parse.Limits{PageLimit: 10}, nil, "more than 10 pages"},
		{"ErrTooManyPagesPDF", nil, filetype.PDF, parse.Limits{PageLimit: 2}, &fakePDF{}, "the document has more than 2 pages (limit --max-document-pages)"},
		{"ErrTooLarge", []byte("0123456789"), filetype.Text, parse.Limits{MaxBytes: 9}, nil, "the file is larger than 9 bytes"},
		{"ErrTimeout", nil, filetype.PDF, parse.Limits{Timeout: time.Millisecond}, &fakePDF{wait: true}, "the document took longer than 1ms to parse (limit --parse-timeout)"},
		{"ErrPanic", nil, filetype.PDF, parse.Limits{}, &fakePDF{panic: true}, "the pdf file could not be read: the parser failed on its content"},
		{"ErrNoPDFParser", []byte("%PDF-1.7"), filetype.PDF, parse.Limits{}, nil, "PDF files are not supported by this server"},
		{"ErrImageDamaged", []byte("\x89PNG"), filetype.PNG, parse.Limits{}, nil, "the PNG image cannot be read"},
		{"ErrZip", []byte("PK\x03\x04"), filetype.Zip, parse.Limits{}, nil, "zip files are not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := parse.New(tt.pdf, tt.limits).Parse(context.Background(), bytes.NewReader(tt.data), tt.kind, parse.Options{})
			if err == nil || extract.ErrorMessage(err) == "" || !strings.Contains(extract.ErrorMessage(err), tt.want) {
				t.Fatalf("Parse error = %v, want a message containing %q", err, tt.want)
			}
			if code := extract.ErrorCode(err); code != extract.CodeInvalid {
				t.Errorf("error code = %s, want %s", code, extract.CodeInvalid)
			}
		})
	}
}

func TestParseCallerCancelIsNotATimeout(t *testing.T) {
	t.Parallel()
	// A job's own end (cancel, shutdown, job timeout) is not the document's
	// fault: the worker must see the context error, not a user failure.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := parse.New(&fakePDF{wait: true}, parse.Limits{}).Parse(ctx, strings.NewReader("%PDF"), filetype.PDF, parse.Options{})
	if !errors.Is(err, context.Canceled) || extract.ErrorCode(err) != extract.CodeInternal {
		t.Errorf("Parse with a cancelled context = %v (code %s), want context.Canceled and no user error", err, extract.ErrorCode(err))
	}
}

func TestOptionsFor(t *testing.T) {
	t.Parallel()
	three, zero := 3, 0
	tests := []struct {
		name string
		cfg  extract.Configuration
		want parse.Options
		err  string
	}{
		{name: "OK", cfg: extract.Configuration{TargetPages: "1,3-4", MaxPages: &three, SheetNames: []string{"Q1"}},
			want: parse.Options{Pages: []extract.PageRange{{From: 1, To: 1}, {From: 3, To: 4}}, MaxPages: 3, SheetNames: []string{"Q1"}}},
		{name: "Empty", cfg: extract.Configuration{}, want: parse.Options{}},
		{name: "ErrTargetPages", cfg: extract.Configuration{TargetPages: "2-1"}, err: `range "2-1" runs backwards`},
		{name: "ErrMaxPages", cfg: extract.Configuration{MaxPages: &zero}, err: "max_pages must be at least 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parse.OptionsFor(tt.cfg)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("OptionsFor error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("OptionsFor (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "invoice.docx")
	if err := os.WriteFile(path, invoiceDOCX(t), 0o600); err != nil {
		t.Fatal(err)
	}
	doc, kind, err := parse.New(nil, parse.Limits{}).File(context.Background(), path, parse.Options{MaxPages: 1})
	if err != nil {
		t.Fatal(err)
	}
	if kind != filetype.DOCX || doc.TotalPages != 2 || len(doc.Pages) != 1 {
		t.Errorf("File = kind %s, %d of %d pages; want docx, 1 of 2", kind, len(doc.Pages), doc.TotalPages)
	}
}
