package xlsx_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/budget"
	"github.com/quarrylabs/quarry/internal/document/xlsx"
	"github.com/quarrylabs/quarry/internal/document/xlsx/xlsxtest"
	"github.com/quarrylabs/quarry/internal/extract"
)

func parse(data []byte, opts xlsx.Options) (*document.Document, error) {
	return xlsx.Parse(context.Background(), bytes.NewReader(data), int64(len(data)), opts)
}

// sheetTables returns each page's number and its table's cell texts.
func sheetTables(doc *document.Document) map[int][][]string {
	out := map[int][][]string{}
	for _, p := range doc.Pages {
		rows := [][]string{}
		for _, t := range p.Tables {
			for _, r := range t.Rows {
				var cells []string
				for _, c := range r {
					cells = append(cells, c.Text)
				}
				rows = append(rows, cells)
			}
		}
		out[p.Number] = rows
	}
	return out
}

func TestParse(t *testing.T) {
	t.Parallel()
	book := xlsxtest.Workbook(t,
		xlsxtest.Sheet{Name: "Invoice", Rows: [][]any{
			{"Invoice number:", "INV-9"},
			{"Date", time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)},
			{},
			{"Item", "Qty", "Price"},
			{"Widget", 3, 4.5},
		}},
		xlsxtest.Sheet{Name: "Notes", Rows: [][]any{{"Remember the milk"}}},
		xlsxtest.Sheet{Name: "Secret", Rows: [][]any{{"hidden"}}, Hidden: true},
		xlsxtest.Sheet{Name: "Empty"},
	)
	invoice := [][]string{{"Invoice number:", "INV-9"}, {"Date", "Mar-24"}, {"Item", "Qty", "Price"}, {"Widget", "3", "4.5"}}
	tests := []struct {
		name  string
		opts  xlsx.Options
		want  map[int][][]string
		lines []string // of the first page
	}{
		{
			name:  "VisibleSheets",
			want:  map[int][][]string{1: invoice, 2: {{"Remember the milk"}}, 4: {}},
			lines: []string{"Invoice number:, INV-9", "Date, Mar-24", "Item, Qty, Price", "Widget, 3, 4.5"},
		},
		{
			name: "SheetNames",
			opts: xlsx.Options{SheetNames: []string{"secret", "Notes"}},
			want: map[int][][]string{2: {{"Remember the milk"}}, 3: {{"hidden"}}},
		},
		{
			name: "TargetPages",
			opts: xlsx.Options{Pages: []extract.PageRange{{From: 2, To: 3}}},
			want: map[int][][]string{2: {{"Remember the milk"}}},
		},
		{
			name: "MaxPages",
			opts: xlsx.Options{MaxPages: 1},
			want: map[int][][]string{1: invoice},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := parse(book, tt.opts)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if doc.TotalPages != 4 {
				t.Errorf("TotalPages = %d, want 4", doc.TotalPages)
			}
			if diff := cmp.Diff(tt.want, sheetTables(doc)); diff != "" {
				t.Errorf("tables by page (-want +got):\n%s", diff)
			}
			if tt.lines != nil {
				var got []string
				for _, l := range doc.Pages[0].Lines {
					got = append(got, l.Text)
				}
				if diff := cmp.Diff(tt.lines, got); diff != "" {
					t.Errorf("lines of page 1 (-want +got):\n%s", diff)
				}
			}
		})
	}
}

// bomb is a zip whose one sheet inflates to size bytes of spaces.
func bomb(tb testing.TB, size int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("xl/worksheets/sheet1.xml")
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := w.Write(bytes.Repeat([]byte(" "), size)); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// replacePart returns the zip with one part's content replaced.
func replacePart(tb testing.TB, data []byte, name, content string) []byte {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		w, err := zw.Create(f.Name)
		if err != nil {
			tb.Fatal(err)
		}
		if f.Name == name {
			_, err = w.Write([]byte(content))
		} else {
			var rc io.ReadCloser
			if rc, err = f.Open(); err == nil {
				_, err = io.Copy(w, rc)
				rc.Close()
			}
		}
		if err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	book := xlsxtest.Workbook(t, xlsxtest.Sheet{Name: "A", Rows: [][]any{{"a"}}}, xlsxtest.Sheet{Name: "B", Rows: [][]any{{"b"}}}, xlsxtest.Sheet{Name: "C"})
	// A thousand cells on the first row and one near the sheet's last row:
	// the rows between count too, or a sheet could claim a million of them
	// for free.
	var sheet strings.Builder
	sheet.WriteString(`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1">`)
	for c := range 1000 {
		name, _ := excelize.CoordinatesToCellName(c+1, 1)
		sheet.WriteString(`<c r="` + name + `" t="inlineStr"><is><t>x</t></is></c>`)
	}
	sheet.WriteString(`</row><row r="1048000"><c r="A1048000" t="inlineStr"><is><t>last</t></is></c></row></sheetData></worksheet>`)
	many := replacePart(t, xlsxtest.Workbook(t, xlsxtest.Sheet{Name: "Big"}), "xl/worksheets/sheet1.xml", sheet.String())
	strs := func(n int, text string) []byte {
		var sst strings.Builder
		sst.WriteString(`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
		for range n {
			sst.WriteString(`<si><t>` + text + `</t></si>`)
		}
		sst.WriteString(`</sst>`)
		return replacePart(t, xlsxtest.Workbook(t, xlsxtest.Sheet{Name: "S", Rows: [][]any{{"a"}}}), "xl/sharedStrings.xml", sst.String())
	}
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		data []byte
		ctx  context.Context
		opts xlsx.Options
		want string
	}{
		{"ErrUnknownSheet", book, nil, xlsx.Options{SheetNames: []string{"A", "Totals"}}, `sheet_names names "Totals", which is not a sheet of this workbook; its sheets are "A", "B", "C"`},
		{"ErrNoTargetPage", book, nil, xlsx.Options{Pages: []extract.PageRange{{From: 5, To: 6}}}, "names no page of this document, which has 3 pages"},
		{"ErrTargetPagesAndSheetNames", book, nil, xlsx.Options{SheetNames: []string{"A"}, Pages: []extract.PageRange{{From: 2, To: 2}}}, `no sheet of this workbook is both in target_pages and among the sheets read ("A")`},
		{"ErrEmpty", book, nil, xlsx.Options{SheetNames: []string{"C"}}, "the selected sheets are empty"},
		{"ErrTooManyPages", book, nil, xlsx.Options{PageLimit: 2}, "more than 2 pages"},
		{"ErrZipBomb", bomb(t, 8<<20), nil, xlsx.Options{MaxDecompressedBytes: 1 << 20}, "inflates to more than 1 MiB"},
		{"ErrNotZip", []byte("plain text"), nil, xlsx.Options{}, "not a valid XLSX file"},
		{"ErrNotWorkbook", bomb(t, 10), nil, xlsx.Options{}, "not a readable XLSX workbook"},
		{"ErrTooManyCells", many, nil, xlsx.Options{Budget: budget.New(budget.Limits{MaxTableCells: 1 << 20})}, "more than 1,048,576 table cells (limit --max-table-cells)"},
		// Shared strings are counted on the inflated XML before excelize
		// decodes them, whether or not any cell uses them.
		{"ErrSharedStrings", strs(1001, "x"), nil, xlsx.Options{Budget: budget.New(budget.Limits{MaxTableCells: 1000})}, "more than 1,000 table cells (limit --max-table-cells)"},
		{"ErrSharedStringsText", strs(10, strings.Repeat("y", 200)), nil, xlsx.Options{Budget: budget.New(budget.Limits{MaxTextBytes: 1000})}, "more than 1,000 bytes of text (limit --max-text-bytes)"},
		{"ErrCanceled", book, canceled, xlsx.Options{}, "context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			_, err := xlsx.Parse(ctx, bytes.NewReader(tt.data), int64(len(tt.data)), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error = %v, want one containing %q", err, tt.want)
			}
			if tt.ctx != nil {
				if !errors.Is(err, context.Canceled) {
					t.Errorf("error %v does not wrap context.Canceled", err)
				}
			} else if code := extract.ErrorCode(err); code != extract.CodeInvalid {
				t.Errorf("error code = %s, want %s", code, extract.CodeInvalid)
			}
		})
	}
}
