package html_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/budget"
	"github.com/quarrylabs/quarry/internal/document/html"
	"github.com/quarrylabs/quarry/internal/extract"
)

func lines(doc *document.Document) [][]string {
	var out [][]string
	for _, p := range doc.Pages {
		ls := []string{}
		for _, l := range p.Lines {
			ls = append(ls, l.Text)
		}
		out = append(out, ls)
	}
	return out
}

func tables(doc *document.Document) [][][]string {
	var out [][][]string
	for _, p := range doc.Pages {
		for _, t := range p.Tables {
			var rows [][]string
			for _, r := range t.Rows {
				var cells []string
				for _, c := range r {
					cells = append(cells, c.Text)
				}
				rows = append(rows, cells)
			}
			out = append(out, rows)
		}
	}
	return out
}

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		html   string
		opts   html.Options
		want   [][]string
		tables [][][]string
	}{
		{
			name: "VisibleTextInOrder",
			html: `<!doctype html><html><head><title>Not shown</title><style>p{color:red}</style></head><body>
<h1>Invoice</h1><p>Invoice number: <b>INV</b>-7</p><script>var total = 99;</script>
<div hidden>secret</div><p style="display: none">gone</p><span style="visibility:hidden">gone too</span>
<ul><li>first</li><li>second<br>line two</li></ul><p>Total: <span>12.00</span></p><img src=x alt="Logo"></body></html>`,
			want: [][]string{{"Invoice", "Invoice number: INV-7", "first", "second", "line two", "Total: 12.00", "Logo"}},
		},
		{
			name: "Pre",
			html: "<pre>a  b\nc\n\nd</pre>",
			want: [][]string{{"a b", "c", "d"}},
		},
		{
			name: "Table",
			html: `<p>Items</p><table><thead><tr><th>Item</th><th>Qty</th><th>Price</th></tr></thead>
<tbody><tr><td rowspan=2>Widget</td><td>3</td><td>4.00</td></tr><tr><td>5</td><td>1.50</td></tr>
<tr><td colspan=2>Total</td><td>19.50</td></tr><tr style="display:none"><td>x</td></tr></tbody></table><p>After</p>`,
			want: [][]string{{"Items", "Item Qty Price", "Widget 3 4.00", "5 1.50", "Total 19.50", "After"}},
			tables: [][][]string{{
				{"Item", "Qty", "Price"},
				{"Widget", "3", "4.00"},
				{"", "5", "1.50"},
				{"Total", "", "19.50"},
			}},
		},
		{
			name: "NestedTableFlattened",
			html: `<table><tr><td>outer<table><tr><td>in 1</td><td>in 2</td></tr></table></td><td>right</td></tr></table>`,
			want: [][]string{{"outer right", "in 1 in 2"}},
			tables: [][][]string{{
				{"outer in 1 in 2", "right"},
			}},
		},
		{
			name: "PageBreakStyles",
			html: `<p>one</p><p style="page-break-before: always">two</p><div style="break-after:page">three</div><p>four</p>`,
			want: [][]string{{"one"}, {"two", "three"}, {"four"}},
		},
		{
			name: "TargetPages",
			html: `<p>one</p><p style="page-break-before: always">two</p><p style="page-break-before: always">three</p>`,
			opts: html.Options{Pages: []extract.PageRange{{From: 2, To: 2}}},
			want: [][]string{{"two"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := html.Parse(context.Background(), strings.NewReader(tt.html), tt.opts)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(tt.want, lines(doc)); diff != "" {
				t.Errorf("lines per page (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.tables, tables(doc)); diff != "" {
				t.Errorf("tables (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseLongDocumentIsPaginated(t *testing.T) {
	t.Parallel()
	doc, err := html.Parse(context.Background(), strings.NewReader(strings.Repeat("<p>Another paragraph of the page.</p>", 300)), html.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if doc.TotalPages < 4 {
		t.Fatalf("TotalPages = %d, want at least 4 for 300 paragraphs", doc.TotalPages)
	}
	for _, p := range doc.Pages {
		for _, w := range p.Words {
			if w.Box.Y < 0 || w.Box.Y+w.Box.H > p.Height {
				t.Fatalf("page %d: word %q at %+v is off the %g-high page", p.Number, w.Text, w.Box, p.Height)
			}
		}
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		html string
		ctx  context.Context
		opts html.Options
		want string
	}{
		{"ErrNoText", "<html><head><title>t</title></head><body><script>x</script></body></html>", nil, html.Options{}, "shows no text"},
		{"ErrTooLarge", "<p>0123456789</p>", nil, html.Options{MaxBytes: 5}, "larger than 5 bytes"},
		{"ErrTooManyPages", strings.Repeat("<p style='page-break-before:always'>x</p>", 4), nil, html.Options{PageLimit: 3}, "more than 3 pages"},
		{"ErrHugeTable", "<table>" + strings.Repeat("<tr><td colspan=1000>x</td></tr>", 2001) + "</table>", nil, html.Options{}, "more than 1,000,000 table cells (limit --max-table-cells)"},
		// Spans are counted before they are expanded: the first row asks
		// for 50,000 columns, which 65,534 rows would fill.
		{"ErrSpanBomb", "<table>" + strings.Repeat("<tr>"+strings.Repeat("<td colspan=1000 rowspan=65534>x</td>", 50)+"</tr>", 40) + "</table>", nil, html.Options{}, "more than 1,000,000 table cells (limit --max-table-cells)"},
		{"ErrCellBudget", "<table>" + strings.Repeat("<tr><td colspan=10>x</td></tr>", 11) + "</table>", nil, html.Options{Budget: budget.New(budget.Limits{MaxTableCells: 100})}, "more than 100 table cells (limit --max-table-cells)"},
		{"ErrWordBudget", strings.Repeat("<p>a b c d e</p>", 3), nil, html.Options{Budget: budget.New(budget.Limits{MaxWords: 14})}, "more than 14 words (limit --max-words)"},
		{"ErrElements", "<p>x</p>" + strings.Repeat("<b></b>", 100), nil, html.Options{Budget: budget.New(budget.Limits{MaxElements: 100})}, "more than 100 HTML elements and texts (limit --max-elements)"},
		{"ErrLongWord", "<p>" + strings.Repeat("x", 101) + "</p>", nil, html.Options{Budget: budget.New(budget.Limits{MaxLineLength: 100})}, "more than 100 characters in one line (limit --max-line-length)"},
		{"ErrCanceled", strings.Repeat("<p>x</p>", 10000), canceled, html.Options{}, "context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := tt.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			_, err := html.Parse(ctx, strings.NewReader(tt.html), tt.opts)
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

func TestParseDeepNesting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		depth int
		err   string
	}{
		{depth: 400},
		{depth: 5000, err: "the HTML document cannot be read: open stack of elements exceeds 512 nodes"},
	}
	for _, tt := range tests {
		src := strings.Repeat("<span>", tt.depth) + "deep text" + strings.Repeat("</span>", tt.depth)
		doc, err := html.Parse(context.Background(), strings.NewReader(src), html.Options{})
		if tt.err != "" {
			if err == nil || err.Error() != tt.err || extract.ErrorCode(err) != extract.CodeInvalid {
				t.Errorf("Parse(%d spans) error = %v, want %q", tt.depth, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Parse(%d spans): %v", tt.depth, err)
		}
		if diff := cmp.Diff([][]string{{"deep text"}}, lines(doc)); diff != "" {
			t.Errorf("Parse(%d spans) lines (-want +got):\n%s", tt.depth, diff)
		}
	}
}
