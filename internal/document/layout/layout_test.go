package layout_test

import (
	"math"
	"strings"
	"testing"
	"unicode"

	"github.com/google/go-cmp/cmp"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/layout"
)

// grid lays out lines of text in character cells (a word at column c of line
// l has the box {c, l, len, 1}), the way the text parser does, so that test
// pages can be drawn as text.
func grid(lines ...string) document.Page {
	p := document.Page{Number: 1, Height: float64(len(lines))}
	for y, line := range lines {
		runes := []rune(line)
		p.Width = max(p.Width, float64(len(runes)))
		start := -1
		for x := 0; x <= len(runes); x++ {
			if x < len(runes) && !unicode.IsSpace(runes[x]) {
				if start < 0 {
					start = x
				}
				continue
			}
			if start >= 0 {
				p.Words = append(p.Words, document.Word{
					Text: string(runes[start:x]),
					Box:  document.Box{X: float64(start), Y: float64(y), W: float64(x - start), H: 1},
				})
				start = -1
			}
		}
	}
	return p
}

// word places a word in points: x, baseline y, font size; the box spans the
// font size above the baseline plus a fifth of it below, like PDF glyphs.
func word(text string, x, baseline, size float64) document.Word {
	return document.Word{Text: text, Box: document.Box{
		X: x, Y: baseline - size, W: 0.5 * size * float64(len([]rune(text))), H: 1.2 * size,
	}}
}

// sentence places the words of s from x on one baseline, a space apart.
func sentence(s string, x, baseline, size float64) []document.Word {
	var out []document.Word
	for _, f := range strings.Fields(s) {
		w := word(f, x, baseline, size)
		out = append(out, w)
		x += w.Box.W + 0.3*size
	}
	return out
}

func lineTexts(p *document.Page) []string {
	out := make([]string, len(p.Lines))
	for i, l := range p.Lines {
		out[i] = l.Text
	}
	return out
}

func tableTexts(p *document.Page) [][][]string {
	var out [][][]string
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
	return out
}

func TestAnalyze(t *testing.T) {
	t.Parallel()
	// Two columns of running text whose lines are offset by half a line, as
	// when the columns use different leading.
	var offset []document.Word
	for i, s := range []string{"the left column starts here and", "goes on for a few lines of", "running text until it ends"} {
		offset = append(offset, sentence(s, 50, 100+float64(i)*14, 10)...)
	}
	for i, s := range []string{"while the right column has its", "own lines set half a line", "lower than those on the left"} {
		offset = append(offset, sentence(s, 320, 107+float64(i)*14, 10)...)
	}
	tests := []struct {
		name   string
		page   document.Page
		lines  []string
		tables [][][]string
	}{
		{
			name:  "OneColumn",
			page:  grid("Invoice number: INV-1", "", "Total due: 12.00"),
			lines: []string{"Invoice number: INV-1", "Total due: 12.00"},
		},
		{
			name: "BaselineJitter",
			page: document.Page{Width: 600, Height: 800, Words: []document.Word{
				word("Total", 50, 100, 10), word("due:", 80, 101.5, 10), word("12.00", 110, 99, 10),
				word("Paid", 50, 114, 10),
			}},
			lines: []string{"Total due: 12.00", "Paid"},
		},
		{
			name: "Superscript",
			page: document.Page{Width: 600, Height: 800, Words: []document.Word{
				word("Area:", 50, 100, 10), word("12", 80, 100, 10), word("m", 95, 100, 10),
				word("2", 101, 96, 6), word("next", 50, 114, 10),
			}},
			lines: []string{"Area: 12 m 2", "next"},
		},
		{
			name: "TwoColumnsUnderATitle",
			page: grid(
				"A Title Across The Whole Page Of Text Here",
				"",
				"the first column has     the second column has",
				"several words on each    words that continue the",
				"of its lines and ends    story after the first",
				"here in the end.         one, to its end here.",
				"",
				"Footer line across the page at its bottom end",
			),
			lines: []string{
				"A Title Across The Whole Page Of Text Here",
				"the first column has", "several words on each", "of its lines and ends", "here in the end.",
				"the second column has", "words that continue the", "story after the first", "one, to its end here.",
				"Footer line across the page at its bottom end",
			},
		},
		{
			name: "TwoColumnsOffset",
			page: document.Page{Width: 600, Height: 800, Words: offset},
			lines: []string{
				"the left column starts here and", "goes on for a few lines of", "running text until it ends",
				"while the right column has its", "own lines set half a line", "lower than those on the left",
			},
		},
		{
			name: "Table",
			page: grid(
				"Items ordered this month:",
				"Description      Qty   Price",
				"Widget large     3     412.00",
				"Gadget                 5.50",
				"Gizmo, blue      10    1.25",
				"",
				"Thank you for your order.",
			),
			lines: []string{
				"Items ordered this month:",
				"Description Qty Price", "Widget large 3 412.00", "Gadget 5.50", "Gizmo, blue 10 1.25",
				"Thank you for your order.",
			},
			tables: [][][]string{{
				{"Description", "Qty", "Price"},
				{"Widget large", "3", "412.00"},
				{"Gadget", "", "5.50"},
				{"Gizmo, blue", "10", "1.25"},
			}},
		},
		{
			name: "TableWithWrappedCell",
			page: grid(
				"Item       Notes             Amount",
				"Shipping   by sea, slow      10.00",
				"           and insured",
				"Handling   none              2.00",
			),
			lines: []string{"Item Notes Amount", "Shipping by sea, slow 10.00", "and insured", "Handling none 2.00"},
			tables: [][][]string{{
				{"Item", "Notes", "Amount"},
				{"Shipping", "by sea, slow", "10.00"},
				{"", "and insured", ""},
				{"Handling", "none", "2.00"},
			}},
		},
		{
			name: "KeyValuesAligned",
			page: grid(
				"Invoice number:   INV-2024-001",
				"Invoice date:     2024-03-01",
			),
			lines: []string{"Invoice number: INV-2024-001", "Invoice date: 2024-03-01"},
			tables: [][][]string{{
				{"Invoice number:", "INV-2024-001"},
				{"Invoice date:", "2024-03-01"},
			}},
		},
		{
			name:  "WideGapOnOneLineOnly",
			page:  grid("Total:        12.00", "and some words of text after it"),
			lines: []string{"Total: 12.00", "and some words of text after it"},
		},
		{
			name:  "Empty",
			page:  document.Page{Width: 10, Height: 10},
			lines: []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := tt.page
			layout.Analyze(&p)
			checkPage(t, &p)
			if diff := cmp.Diff(tt.lines, lineTexts(&p)); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.tables, tableTexts(&p)); diff != "" {
				t.Errorf("tables (-want +got):\n%s", diff)
			}
		})
	}
}

// checkPage checks what must hold of any analysed page: every word in
// exactly one line, lines' text and boxes made of their words, cells' words
// inside their row.
func checkPage(tb testing.TB, p *document.Page) {
	tb.Helper()
	seen := make([]int, len(p.Words))
	for i, l := range p.Lines {
		var texts []string
		for _, w := range l.Words {
			if w < 0 || w >= len(p.Words) {
				tb.Fatalf("line %d has word index %d of %d", i, w, len(p.Words))
			}
			seen[w]++
			texts = append(texts, p.Words[w].Text)
		}
		if got := strings.Join(texts, " "); got != l.Text {
			tb.Errorf("line %d text %q, its words say %q", i, l.Text, got)
		}
	}
	for w, n := range seen {
		if n != 1 {
			tb.Errorf("word %d %q is in %d lines, want 1", w, p.Words[w].Text, n)
		}
	}
	for ti, t := range p.Tables {
		for ri, r := range t.Rows {
			if len(r) != len(t.Rows[0]) {
				tb.Errorf("table %d row %d has %d cells, row 0 has %d", ti, ri, len(r), len(t.Rows[0]))
			}
			for _, c := range r {
				for _, w := range c.Words {
					if w < 0 || w >= len(p.Words) {
						tb.Fatalf("table %d cell has word index %d of %d", ti, w, len(p.Words))
					}
				}
			}
		}
	}
}

func TestAnalyzeHostileBoxes(t *testing.T) {
	t.Parallel()
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name  string
		words []document.Word
	}{
		{"NaN", []document.Word{{Text: "a", Box: document.Box{X: nan, Y: nan, W: nan, H: nan}}, {Text: "b", Box: document.Box{X: 1, Y: 1, W: 1, H: 1}}}},
		{"Inf", []document.Word{{Text: "a", Box: document.Box{X: inf, Y: -inf, W: inf, H: 1}}, {Text: "b", Box: document.Box{X: 1, Y: 1, W: 1, H: 1}}}},
		{"ZeroSize", []document.Word{{Text: "a"}, {Text: "b"}, {Text: "c", Box: document.Box{X: 5}}}},
		{"NegativeSize", []document.Word{{Text: "a", Box: document.Box{X: 5, Y: 5, W: -3, H: -3}}, {Text: "b", Box: document.Box{X: 1, Y: 5, W: 1, H: 1}}}},
		{"Overlapping", []document.Word{{Text: "a", Box: document.Box{W: 10, H: 10}}, {Text: "b", Box: document.Box{W: 10, H: 10}}, {Text: "c", Box: document.Box{X: 2, Y: 2, W: 10, H: 10}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := document.Page{Words: tt.words}
			layout.Analyze(&p)
			checkPage(t, &p)
		})
	}
}

func TestAnalyzeManyWords(t *testing.T) {
	t.Parallel()
	// Past MaxWords the page still gets every word in a line.
	var lines []string
	for range layout.MaxWords/10 + 1 {
		lines = append(lines, "a b c d e f g h i j")
	}
	p := grid(lines...)
	layout.Analyze(&p)
	checkPage(t, &p)
	if len(p.Lines) != len(lines) || len(p.Tables) != 0 {
		t.Errorf("Analyze(%d words) = %d lines, %d tables; want %d lines, 0 tables", len(p.Words), len(p.Lines), len(p.Tables), len(lines))
	}
}

func TestLinkTables(t *testing.T) {
	t.Parallel()
	endsWithTable := grid(
		"Some text before the table on the first page.",
		"Item        Qty    Price",
		"Widget      3      4.00",
		"Gadget      5      1.50",
	)
	endsWithTableAndFooter := grid(
		"Some text before the table on the first page.",
		"Item        Qty    Price",
		"Widget      3      4.00",
		"Gadget      5      1.50",
		"",
		"Page 1",
	)
	startsWithTable := grid(
		"Gizmo       7      2.00",
		"Doohickey   1      9.99",
		"And the text that follows it.",
	)
	startsWithText := grid(
		"A paragraph first, then the table.",
		"and another line of it",
		"and a third one.",
		"Gizmo       7      2.00",
		"Doohickey   1      9.99",
	)
	otherColumns := grid(
		"Gizmo       7      2.00    blue",
		"Doohickey   1      9.99    red",
	)
	shifted := grid(
		"                  Gizmo       7      2.00",
		"                  Doohickey   1      9.99",
	)
	// Amounts are right-aligned under headers wider than they are: the
	// columns keep their right edges, not their left ones, from page to
	// page.
	rightAligned := grid(
		"Some text before the table on the first page.",
		"Item           Quantity       Amount",
		"Widget                3        12.00",
		"Gadget               15       120.50",
	)
	rightAlignedNext := grid(
		"Gizmo                 7         2.00",
		"Doohickey             1        19.99",
	)
	tests := []struct {
		name       string
		prev, next document.Page
		nextNumber int
		want       bool
	}{
		{"Continued", endsWithTable, startsWithTable, 2, true},
		{"ContinuedRightAligned", rightAligned, rightAlignedNext, 2, true},
		{"ContinuedUnderFooter", endsWithTableAndFooter, startsWithTable, 2, true},
		{"TextFirst", endsWithTable, startsWithText, 2, false},
		{"OtherColumns", endsWithTable, otherColumns, 2, false},
		{"Shifted", endsWithTable, shifted, 2, false},
		{"NotNextPage", endsWithTable, startsWithTable, 3, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := &document.Document{Pages: []document.Page{tt.prev, tt.next}}
			doc.Pages[1].Number = tt.nextNumber
			for i := range doc.Pages {
				layout.Analyze(&doc.Pages[i])
			}
			if len(doc.Pages[0].Tables) != 1 || len(doc.Pages[1].Tables) != 1 {
				t.Fatalf("pages have %d and %d tables, want 1 and 1", len(doc.Pages[0].Tables), len(doc.Pages[1].Tables))
			}
			layout.LinkTables(doc)
			if got := doc.Pages[1].Tables[0].Continued; got != tt.want {
				t.Errorf("Continued = %v, want %v", got, tt.want)
			}
			if doc.Pages[0].Tables[0].Continued {
				t.Errorf("the first page's table is Continued")
			}
		})
	}
}
