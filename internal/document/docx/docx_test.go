package docx_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/budget"
	"github.com/quarrylabs/quarry/internal/document/docx"
	"github.com/quarrylabs/quarry/internal/document/docx/docxtest"
	"github.com/quarrylabs/quarry/internal/extract"
)

func parse(tb testing.TB, data []byte, opts docx.Options) (*document.Document, error) {
	tb.Helper()
	return docx.Parse(context.Background(), bytes.NewReader(data), int64(len(data)), opts)
}

// pageLines returns each page's line texts.
func pageLines(doc *document.Document) [][]string {
	var out [][]string
	for _, p := range doc.Pages {
		lines := []string{}
		for _, l := range p.Lines {
			lines = append(lines, l.Text)
		}
		out = append(out, lines)
	}
	return out
}

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		files  map[string]string
		opts   docx.Options
		want   [][]string // lines per page
		tables [][][]string
	}{
		{
			name: "RunsSplitAWord",
			files: docxtest.Document(
				docxtest.P(`<w:r><w:t xml:space="preserve">Invoice number: INV-</w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>2024</w:t></w:r><w:r><w:t>-7</w:t></w:r>`),
				docxtest.Para("Total: 12.00"),
			),
			want: [][]string{{"Invoice number: INV-2024-7", "Total: 12.00"}},
		},
		{
			name: "HiddenDeletedAndFieldCodesLeftOut",
			files: docxtest.Document(
				docxtest.P(`<w:r><w:t>Shown</w:t></w:r><w:r><w:rPr><w:vanish/></w:rPr><w:t>hidden</w:t></w:r>`+
					`<w:del><w:r><w:delText>deleted</w:delText></w:r></w:del><w:ins><w:r><w:t xml:space="preserve"> inserted</w:t></w:r></w:ins>`),
				docxtest.P(`<w:r><w:t xml:space="preserve">Page </w:t></w:r><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText> PAGE </w:instrText></w:r>`+
					`<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>1</w:t></w:r><w:r><w:fldChar w:fldCharType="end"/></w:r>`),
			),
			want: [][]string{{"Shown inserted", "Page 1"}},
		},
		{
			name: "Table",
			files: docxtest.Document(
				docxtest.Para("Items:"),
				docxtest.Table([]int{4000, 1500, 2000},
					[]string{"Description", "Qty", "Amount"},
					[]string{"Widget", "3", "1,236.00"},
					[]string{"Gadget, large and blue", "", "5.50"},
				),
				docxtest.Para("Thank you."),
			),
			want: [][]string{{"Items:", "Description Qty Amount", "Widget 3 1,236.00", "Gadget, large and blue 5.50", "Thank you."}},
			tables: [][][]string{{
				{"Description", "Qty", "Amount"},
				{"Widget", "3", "1,236.00"},
				{"Gadget, large and blue", "", "5.50"},
			}},
		},
		{
			name: "MergedCells",
			files: docxtest.Document(`<w:tbl><w:tblGrid><w:gridCol w:w="3000"/><w:gridCol w:w="3000"/><w:gridCol w:w="3000"/></w:tblGrid>` +
				`<w:tr><w:tc><w:tcPr><w:gridSpan w:val="2"/></w:tcPr>` + docxtest.Para("Both") + `</w:tc><w:tc>` + docxtest.Para("C") + `</w:tc></w:tr>` +
				`<w:tr><w:tc>` + docxtest.Para("a") + `</w:tc><w:tc>` + docxtest.Para("b") + `</w:tc><w:tc><w:tcPr><w:vMerge/></w:tcPr>` + docxtest.Para("stale") + `</w:tc></w:tr>` +
				`</w:tbl>`),
			want:   [][]string{{"Both C", "a b"}},
			tables: [][][]string{{{"Both", "", "C"}, {"a", "b", ""}}},
		},
		{
			name:  "ExplicitPageBreak",
			files: docxtest.Document(docxtest.Para("one"), docxtest.P(`<w:r><w:t>two</w:t><w:br w:type="page"/><w:t>three</w:t></w:r>`), docxtest.Para("four")),
			want:  [][]string{{"one", "two"}, {"three", "four"}},
		},
		{
			name: "RenderedPageBreaksAfterExplicitOnes",
			// Word writes both an explicit break and, at the start of the
			// next page, the rendered one: one page end, not two.
			files: docxtest.Document(
				docxtest.P(`<w:r><w:t>one</w:t></w:r><w:r><w:br w:type="page"/></w:r>`),
				docxtest.P(`<w:r><w:lastRenderedPageBreak/><w:t>two</w:t></w:r>`),
				docxtest.P(`<w:r><w:t xml:space="preserve">three </w:t></w:r><w:r><w:lastRenderedPageBreak/><w:t>four</w:t></w:r>`),
			),
			want: [][]string{{"one"}, {"two", "three"}, {"four"}},
		},
		{
			name: "PageBreakBeforeAndSections",
			files: docxtest.Document(
				docxtest.Para("one"),
				`<w:p><w:pPr><w:pageBreakBefore/></w:pPr><w:r><w:t>two</w:t></w:r></w:p>`,
				`<w:p><w:pPr><w:sectPr><w:type w:val="continuous"/></w:sectPr></w:pPr><w:r><w:t>still two</w:t></w:r></w:p>`,
				`<w:p><w:pPr><w:sectPr/></w:pPr><w:r><w:t>end of section</w:t></w:r></w:p>`,
				docxtest.Para("three"),
			),
			want: [][]string{{"one"}, {"two", "still two", "end of section"}, {"three"}},
		},
		{
			name: "HeaderAndFooterOnEveryPage",
			files: docxtest.WithHeaderFooter(docxtest.Document(
				docxtest.Para("one"),
				docxtest.P(`<w:r><w:br w:type="page"/><w:t>two</w:t></w:r>`),
			), "ACME Corp", "Confidential"),
			want: [][]string{{"ACME Corp", "one", "Confidential"}, {"ACME Corp", "two", "Confidential"}},
		},
		{
			name:  "TextBox",
			files: docxtest.Document(docxtest.P(`<w:r><w:t>Body</w:t></w:r><w:r><w:drawing><wp:anchor><a:graphic><a:graphicData><wps:wsp><wps:txbx><w:txbxContent>` + docxtest.Para("In the box") + `</w:txbxContent></wps:txbx></wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></w:r>`)),
			want:  [][]string{{"Body", "In the box"}},
		},
		{
			name:  "TargetPages",
			files: docxtest.Document(docxtest.Para("one"), docxtest.P(`<w:r><w:br w:type="page"/><w:t>two</w:t><w:br w:type="page"/><w:t>three</w:t></w:r>`)),
			opts:  docx.Options{Pages: []extract.PageRange{{From: 2, To: 3}}, MaxPages: 1},
			want:  [][]string{{"two"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := parse(t, docxtest.Zip(t, tt.files), tt.opts)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(tt.want, pageLines(doc)); diff != "" {
				t.Errorf("lines per page (-want +got):\n%s", diff)
			}
			var tables [][][]string
			for _, p := range doc.Pages {
				for _, tb := range p.Tables {
					var rows [][]string
					for _, r := range tb.Rows {
						var cells []string
						for _, c := range r {
							cells = append(cells, c.Text)
						}
						rows = append(rows, cells)
					}
					tables = append(tables, rows)
				}
			}
			if diff := cmp.Diff(tt.tables, tables); diff != "" {
				t.Errorf("tables (-want +got):\n%s", diff)
			}
			for _, p := range doc.Pages {
				for _, w := range p.Words {
					if w.Box.W <= 0 || w.Box.H <= 0 || w.Box.X < 0 || w.Box.Y < 0 || w.Box.Y+w.Box.H > p.Height {
						t.Errorf("page %d word %q has box %+v on a page %gx%g", p.Number, w.Text, w.Box, p.Width, p.Height)
					}
				}
			}
		})
	}
}

func TestParsePaginatesUnrenderedFiles(t *testing.T) {
	t.Parallel()
	// Written by a program, never opened in Word: no page ends recorded, so
	// the notional page cuts it.
	var paras []string
	for range 200 {
		paras = append(paras, docxtest.Para("A line of text that fills a good part of the width of the page."))
	}
	doc, err := parse(t, docxtest.Zip(t, docxtest.Document(paras...)), docx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if doc.TotalPages < 3 {
		t.Errorf("TotalPages = %d, want at least 3 for 200 paragraphs", doc.TotalPages)
	}
}

func TestParseLandscapePageSize(t *testing.T) {
	t.Parallel()
	files := docxtest.Document(docxtest.Para("wide"),
		`<w:sectPr><w:pgSz w:w="16838" w:h="11906" w:orient="landscape"/><w:pgMar w:top="720" w:right="720" w:bottom="720" w:left="720"/></w:sectPr>`)
	doc, err := parse(t, docxtest.Zip(t, files), docx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := doc.Pages[0]
	if p.Width != 841.9 || p.Height != 595.3 {
		t.Errorf("page size %gx%g, want 841.9x595.3 (A4 landscape)", p.Width, p.Height)
	}
	if w := p.Words[0].Box; w.X != 36 {
		t.Errorf("first word at x %g, want the 36pt margin", w.X)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	threePages := docxtest.Zip(t, docxtest.Document(docxtest.P(`<w:r><w:t>1</w:t><w:br w:type="page"/><w:t>2</w:t><w:br w:type="page"/><w:t>3</w:t></w:r>`)))
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		data []byte
		ctx  context.Context
		opts docx.Options
		want string
	}{
		{"ErrNotZip", []byte("not a zip at all"), nil, docx.Options{}, "the file is not a valid DOCX file (it is not a readable zip archive"},
		{"ErrNoDocumentPart", docxtest.Zip(t, map[string]string{"other.xml": "<a/>"}), nil, docx.Options{}, "it has no word/document.xml"},
		{"ErrBadXML", docxtest.Zip(t, map[string]string{"word/document.xml": "<w:document><w:body><w:p>"}), nil, docx.Options{}, "word/document.xml is not valid XML"},
		{"ErrNoText", docxtest.Zip(t, docxtest.Document()), nil, docx.Options{}, "the document has no text"},
		{"ErrZipBomb", docxtest.Zip(t, docxtest.Document(docxtest.Para(strings.Repeat("a ", 1<<20)))), nil, docx.Options{MaxDecompressedBytes: 1 << 20}, "inflates to more than 1 MiB"},
		{"ErrTooManyPages", threePages, nil, docx.Options{PageLimit: 2}, "more than 2 pages"},
		{"ErrNoTargetPage", threePages, nil, docx.Options{Pages: []extract.PageRange{{From: 4, To: 4}}}, "names no page of this document, which has 3 pages"},
		{"ErrDeep", docxtest.Zip(t, docxtest.Document(strings.Repeat("<w:sdt>", 1000)+strings.Repeat("</w:sdt>", 1000))), nil, docx.Options{}, "nests its content more than"},
		{"ErrCanceled", docxtest.Zip(t, docxtest.Document(strings.Repeat(docxtest.Para("x"), 5000))), canceled, docx.Options{}, "context canceled"},
		// Word's rendered page end puts every word on one page.
		{"ErrWordsPerPage", docxtest.Zip(t, docxtest.Document(docxtest.P(`<w:r><w:lastRenderedPageBreak/><w:t>`+strings.Repeat("w ", 101)+`</w:t></w:r>`))), nil, docx.Options{Budget: budget.New(budget.Limits{MaxWordsPerPage: 100})}, "more than 100 words on one page (limit --max-words-per-page)"},
		{"ErrWords", docxtest.Zip(t, docxtest.Document(strings.Repeat(docxtest.Para("a b c d e f g h i j"), 10))), nil, docx.Options{Budget: budget.New(budget.Limits{MaxWords: 99})}, "more than 99 words (limit --max-words)"},
		{"ErrText", docxtest.Zip(t, docxtest.Document(docxtest.Para(strings.Repeat("x", 2000)))), nil, docx.Options{Budget: budget.New(budget.Limits{MaxTextBytes: 1000})}, "more than 1,000 bytes of text (limit --max-text-bytes)"},
		{"ErrRuns", docxtest.Zip(t, docxtest.Document(docxtest.P(`<w:r>`+strings.Repeat(`<w:br/>`, 11)+`<w:t>x</w:t></w:r>`))), nil, docx.Options{Budget: budget.New(budget.Limits{MaxElements: 10})}, "more than 10 runs and breaks (limit --max-elements)"},
		{"ErrHugeWord", docxtest.Zip(t, docxtest.Document(docxtest.Para(strings.Repeat("x", 2000)))), nil, docx.Options{Budget: budget.New(budget.Limits{MaxLineLength: 1000})}, "more than 1,000 characters in one line (limit --max-line-length)"},
		{"ErrTableCells", docxtest.Zip(t, docxtest.Document(docxtest.Table([]int{1, 1}, [][]string{{"a", "b"}, {"c", "d"}, {"e", "f"}}...))), nil, docx.Options{Budget: budget.New(budget.Limits{MaxTableCells: 5})}, "more than 5 table cells (limit --max-table-cells)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			_, err := docx.Parse(ctx, bytes.NewReader(tt.data), int64(len(tt.data)), tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Parse error = %v, want one containing %q", err, tt.want)
			}
			if tt.ctx != nil {
				if !errors.Is(err, context.Canceled) {
					t.Errorf("error %v does not wrap context.Canceled", err)
				}
				return
			}
			if code := extract.ErrorCode(err); code != extract.CodeInvalid {
				t.Errorf("error code = %s, want %s", code, extract.CodeInvalid)
			}
		})
	}
}
