package builtin_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/go-pdf/fpdf"

	"github.com/quarrylabs/quarry/internal/document/docx/docxtest"
	"github.com/quarrylabs/quarry/internal/document/parse"
	"github.com/quarrylabs/quarry/internal/document/pdf"
	"github.com/quarrylabs/quarry/internal/document/xlsx/xlsxtest"
	"github.com/quarrylabs/quarry/internal/engine/builtin"
	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/filetype"
)

// parser reads every format the tests write; PDFium starts once, at the
// first PDF.
var parser = sync.OnceValue(func() *parse.Parser {
	opts := pdf.Options{Instances: 1}
	if dir, err := os.UserCacheDir(); err == nil {
		opts.CacheDir = filepath.Join(dir, "quarry", "pdfium")
	}
	return parse.New(parse.NewLazyPDF(opts), parse.Limits{})
})

// readmeSchema is the schema of the README's walkthrough.
const readmeSchema = `{"type": "object", "properties": {
  "invoice_number": {"type": "string"},
  "invoice_date": {"type": "string", "format": "date"},
  "customer": {"type": "string"},
  "total": {"type": "number"}}}`

// TestRecordTableAnyFormatAnyOrder reads a table of one row under a header
// naming the README schema's fields, in every format that has tables and
// whatever the columns' order: each field is the cell under its header.
func TestRecordTableAnyFormatAnyOrder(t *testing.T) {
	t.Parallel()
	cells := map[string][2]string{ // field → header, cell
		"invoice_number": {"Invoice Number", "INV-2024-0042"},
		"invoice_date":   {"Invoice Date", "2024-03-05"},
		"customer":       {"Customer", "Northwind Traders"},
		"total":          {"Total", "1,234.56"},
	}
	want := map[string]any{"invoice_number": "INV-2024-0042", "invoice_date": "2024-03-05", "customer": "Northwind Traders", "total": 1234.56}
	orders := map[string][]string{
		"schema order":   {"invoice_number", "invoice_date", "customer", "total"},
		"customer first": {"customer", "invoice_number", "invoice_date", "total"},
		"reversed":       {"total", "customer", "invoice_date", "invoice_number"},
		"total second":   {"invoice_date", "total", "invoice_number", "customer"},
	}
	formats := []struct {
		kind  string
		write func(tb testing.TB, header, row []string) []byte
	}{
		{filetype.CSV, csvTable},
		{filetype.Markdown, markdownTable},
		{filetype.HTML, htmlTable},
		{filetype.XLSX, xlsxTable},
		{filetype.DOCX, docxTable},
		{filetype.PDF, pdfTable},
		{filetype.Text, textTable},
	}
	cfg := extract.Configuration{DataSchema: json.RawMessage(readmeSchema)}
	for _, f := range formats {
		for name, order := range orders {
			t.Run(f.kind+"/"+name, func(t *testing.T) {
				t.Parallel()
				var header, row []string
				for _, field := range order {
					header = append(header, cells[field][0])
					row = append(row, cells[field][1])
				}
				data := f.write(t, header, row)
				doc, err := parser().Parse(context.Background(), bytes.NewReader(data), f.kind, parse.Options{})
				if err != nil {
					t.Fatalf("parse %s: %v", f.kind, err)
				}
				out, err := builtin.New().Extract(context.Background(), doc, cfg)
				if err != nil {
					t.Fatal(err)
				}
				var got map[string]any
				if err := json.Unmarshal(out.Result, &got); err != nil {
					t.Fatal(err)
				}
				for field, w := range want {
					if got[field] != w {
						t.Errorf("%s = %#v, want %#v (header %q; result %s)", field, got[field], w, header, out.Result)
					}
				}
			})
		}
	}
}

func csvTable(_ testing.TB, header, row []string) []byte {
	quote := func(cells []string) string {
		out := make([]string, len(cells))
		for i, c := range cells {
			out[i] = c
			if strings.ContainsAny(c, `,"`) {
				out[i] = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
			}
		}
		return strings.Join(out, ",")
	}
	return []byte(quote(header) + "\n" + quote(row) + "\n")
}

func markdownTable(_ testing.TB, header, row []string) []byte {
	rule := strings.Repeat("|---", len(header)) + "|"
	return []byte("# Invoice\n\n| " + strings.Join(header, " | ") + " |\n" + rule + "\n| " + strings.Join(row, " | ") + " |\n")
}

func htmlTable(_ testing.TB, header, row []string) []byte {
	var b strings.Builder
	b.WriteString("<!doctype html><html><body><h1>Invoice</h1><table><thead><tr>")
	for _, h := range header {
		fmt.Fprintf(&b, "<th>%s</th>", html.EscapeString(h))
	}
	b.WriteString("</tr></thead><tbody><tr>")
	for _, c := range row {
		fmt.Fprintf(&b, "<td>%s</td>", html.EscapeString(c))
	}
	b.WriteString("</tr></tbody></table></body></html>")
	return []byte(b.String())
}

func xlsxTable(tb testing.TB, header, row []string) []byte {
	h, r := make([]any, len(header)), make([]any, len(row))
	for i := range header {
		h[i], r[i] = header[i], row[i]
	}
	return xlsxtest.Workbook(tb, xlsxtest.Sheet{Name: "Invoices", Rows: [][]any{h, r}})
}

func docxTable(tb testing.TB, header, row []string) []byte {
	widths := make([]int, len(header))
	for i := range widths {
		widths[i] = 2200
	}
	return docxtest.Zip(tb, docxtest.Document(docxtest.Para("Invoice"), docxtest.Table(widths, header, row)))
}

// pdfTable draws the table as a PDF's text: no ruling, cells placed at
// their columns, as most generated invoices print them.
func pdfTable(tb testing.TB, header, row []string) []byte {
	f := fpdf.New("P", "pt", "A4", "")
	f.AddPage()
	f.SetFont("Helvetica", "B", 14)
	f.Text(50, 60, "Invoice")
	for i := range header {
		x := 50 + float64(i)*130
		f.SetFont("Helvetica", "B", 10)
		f.Text(x, 110, header[i])
		f.SetFont("Helvetica", "", 10)
		f.Text(x, 128, row[i])
	}
	var b bytes.Buffer
	if err := f.Output(&b); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// textTable lines the cells up in columns of plain text.
func textTable(_ testing.TB, header, row []string) []byte {
	pad := func(cells []string) string {
		var b strings.Builder
		for _, c := range cells {
			fmt.Fprintf(&b, "%-22s", c)
		}
		return strings.TrimRight(b.String(), " ")
	}
	return []byte("INVOICE\n\n" + pad(header) + "\n" + pad(row) + "\n")
}
