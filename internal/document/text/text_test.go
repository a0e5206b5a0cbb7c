package text_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/budget"
	"github.com/quarrylabs/quarry/internal/document/text"
	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/golden"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string // golden file: testdata/<name>.golden
		file string
		opts text.Options
	}{
		{name: "invoice", file: "invoice.txt"},
		{name: "formfeed", file: "formfeed.txt"},
		{name: "formfeed_pages", file: "formfeed.txt", opts: text.Options{Pages: []extract.PageRange{{From: 2, To: 2}, {From: 4, To: 9}}}},
		{name: "long", file: "long.txt"},
		{name: "long_maxpages", file: "long.txt", opts: text.Options{Pages: []extract.PageRange{{From: 2, To: 3}}, MaxPages: 1}},
		{name: "crlf", file: "crlf.txt"},
		{name: "table", file: "table.md", opts: text.Options{Format: text.FormatMarkdown}},
		{name: "table_as_text", file: "table.md"},
		{name: "items", file: "items.csv", opts: text.Options{Format: text.FormatCSV}},
		{name: "semicolon", file: "semicolon.csv", opts: text.Options{Format: text.FormatCSV}},
		{name: "tabs", file: "tabs.csv", opts: text.Options{Format: text.FormatCSV}},
		{name: "record", file: "record.json", opts: text.Options{Format: text.FormatJSON}},
		{name: "exact_limit", file: "invoice.txt", opts: text.Options{MaxBytes: fileSize(t, "invoice.txt")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			doc, err := text.Parse(bytes.NewReader(data), tt.opts)
			if err != nil {
				t.Fatalf("Parse(%s) error: %v", tt.file, err)
			}
			checkInvariants(t, doc)
			golden.Check(t, filepath.Join("testdata", tt.name+".golden"), render(doc))
		})
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		input string
		opts  text.Options
		want  string // a substring of the message
	}{
		{"ErrEmpty", "", text.Options{}, "the file is empty"},
		{"ErrOnlyBOM", "\ufeff", text.Options{}, "the file is empty"},
		{"ErrInvalidUTF8", "total: 5\xff\xfe", text.Options{}, "the file is not UTF-8 text (invalid byte at offset 8)"},
		{"ErrUTF16", "\xff\xfet\x00o\x00", text.Options{}, "the file is not UTF-8 text: it is UTF-16"},
		{"ErrNUL", "a\x00b", text.Options{}, "the file is not UTF-8 text (it has a NUL byte at offset 1"},
		{"ErrTooLarge", "0123456789", text.Options{MaxBytes: 9}, "the file is larger than 9 bytes"},
		{"ErrTooLargeMiB", strings.Repeat("x", 1<<20+1), text.Options{MaxBytes: 1 << 20}, "larger than 1 MiB"},
		{"ErrNoTargetPage", "a\fb\fc", text.Options{Pages: []extract.PageRange{{From: 4, To: 5}, {From: 7, To: 7}}}, "target_pages 4-5,7 names no page of this document, which has 3 pages"},
		{"ErrNoTargetPageOne", "a", text.Options{Pages: []extract.PageRange{{From: 2, To: 2}}}, "which has 1 page"},
		{"ErrTooManyPages", "a\fb\fc", text.Options{PageLimit: 2}, "the document has more than 2 pages"},
		{"ErrJSON", "{\n  \"a\": 1,\n  \"b\" 2\n}", text.Options{Format: text.FormatJSON}, "the file is not valid JSON: invalid character '2' after object key (line 3, column 7)"},
		{"ErrJSONTruncated", "{\"a\": [1, 2", text.Options{Format: text.FormatJSON}, "the file is not valid JSON: unexpected end of JSON input"},
		{"ErrFormat", "a", text.Options{Format: "pdf"}, `text format "pdf" is not one of txt, md, csv, json`},
		{"ErrMaxPages", "a", text.Options{MaxPages: -1}, "max_pages must be at least 1"},
		{"ErrLongLine", "short\n" + strings.Repeat("ab ", 40), text.Options{Budget: budget.New(budget.Limits{MaxLineLength: 100})}, "more than 100 characters in one line (limit --max-line-length)"},
		{"ErrLongLineDefault", strings.Repeat("a ", 60_000), text.Options{}, "more than 100,000 characters in one line (limit --max-line-length)"},
		{"ErrCSVCommas", strings.Repeat(",", 200_000), text.Options{Format: text.FormatCSV}, "more than 100,000 characters in one line (limit --max-line-length)"},
		{"ErrCSVQuotedRecord", `"` + strings.Repeat("x\n", 100) + `"`, text.Options{Format: text.FormatCSV, Budget: budget.New(budget.Limits{MaxLineLength: 100})}, "more than 100 characters in one line"},
		{"ErrCSVCells", strings.Repeat("a,b,c\n", 4), text.Options{Format: text.FormatCSV, Budget: budget.New(budget.Limits{MaxTableCells: 10})}, "more than 10 table cells (limit --max-table-cells)"},
		{"ErrCSVWords", strings.Repeat("a b,c d\n", 3), text.Options{Format: text.FormatCSV, Budget: budget.New(budget.Limits{MaxWords: 11})}, "more than 11 words (limit --max-words)"},
		{"ErrWords", strings.Repeat("a b c\n", 10), text.Options{Budget: budget.New(budget.Limits{MaxWords: 29})}, "more than 29 words (limit --max-words)"},
		{"ErrWordsPerPage", strings.Repeat("a b c\n", 10), text.Options{Budget: budget.New(budget.Limits{MaxWordsPerPage: 20})}, "more than 20 words on one page (limit --max-words-per-page)"},
		{"ErrText", strings.Repeat("abcd\n", 10), text.Options{Budget: budget.New(budget.Limits{MaxTextBytes: 39})}, "more than 39 bytes of text (limit --max-text-bytes)"},
		{"ErrMarkdownCells", "|a|b|\n|-|-|\n" + strings.Repeat("|x|y|\n", 5), text.Options{Format: text.FormatMarkdown, Budget: budget.New(budget.Limits{MaxTableCells: 11})}, "more than 11 table cells (limit --max-table-cells)"},
		// Pages are counted before the text is split into lines.
		{"ErrNewlines", strings.Repeat("\n", 67*3), text.Options{PageLimit: 3}, "the document has more than 3 pages"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := text.Parse(strings.NewReader(tt.input), tt.opts)
			var e *extract.Error
			if !errors.As(err, &e) || e.Code != extract.CodeInvalid {
				t.Fatalf("Parse() error = %v (%T), want an *extract.Error with CodeInvalid", err, err)
			}
			if !strings.Contains(e.Message, tt.want) {
				t.Errorf("Parse() error = %q, want it to contain %q", e.Message, tt.want)
			}
		})
	}
}

func TestParseReadError(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk on fire")
	_, err := text.Parse(io.MultiReader(strings.NewReader("abc"), errReader{boom}), text.Options{})
	if !errors.Is(err, boom) {
		t.Fatalf("Parse() error = %v, want it to wrap %v", err, boom)
	}
	if extract.ErrorCode(err) != extract.CodeInternal {
		t.Errorf("ErrorCode = %s, want internal: a failing reader is not the user's fault", extract.ErrorCode(err))
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// TestPageCount pins the paging rule on sizes around its edges.
func TestPageCount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		input string
		want  int
	}{
		{"OneLine", "a", 1},
		{"BlankOnly", "\n\n", 1},
		{"FullPage", strings.Repeat("x\n", text.LinesPerPage), 1},
		{"OneOver", strings.Repeat("x\n", text.LinesPerPage+1), 2},
		{"TrailingFormFeed", "a\fb\f", 2},
		{"TrailingFormFeedNewline", "a\n\fb\n\f\n", 2},
		{"LeadingFormFeed", "\fa", 2},
		{"FormFeedsOnly", "\f\f", 2},
		{"LongFormFeedPage", strings.Repeat("x\n", 200) + "\fy", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := text.Parse(strings.NewReader(tt.input), text.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if doc.TotalPages != tt.want || len(doc.Pages) != tt.want {
				t.Errorf("Parse(%q): TotalPages %d, %d pages; want %d", tt.input, doc.TotalPages, len(doc.Pages), tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	formats := []string{text.FormatText, text.FormatMarkdown, text.FormatCSV, text.FormatJSON}
	entries, err := os.ReadDir("testdata")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".golden") {
			continue
		}
		data, err := os.ReadFile(filepath.Join("testdata", e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		for i := range formats {
			f.Add(data, uint8(i), uint8(0), uint8(0))
		}
	}
	f.Add([]byte("| a | b |\n|---|---|\n| 1 |"), uint8(1), uint8(1), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, format, page, maxPages uint8) {
		opts := text.Options{Format: formats[int(format)%len(formats)], MaxPages: int(maxPages % 4)}
		if page > 0 {
			opts.Pages = []extract.PageRange{{From: int(page % 8), To: int(page%8) + 1}}
		}
		doc, err := text.Parse(bytes.NewReader(data), opts)
		if err != nil {
			var e *extract.Error
			if !errors.As(err, &e) || e.Code != extract.CodeInvalid || e.Message == "" {
				t.Fatalf("Parse() error = %#v, want an *extract.Error with CodeInvalid and a message", err)
			}
			return
		}
		checkInvariants(t, doc)
	})
}

// checkInvariants asserts what every engine relies on: pages in order and in
// range, boxes inside their page, indexes that point at words, words without
// spaces, and line and cell texts that match their words.
func checkInvariants(tb testing.TB, doc *document.Document) {
	tb.Helper()
	if doc.TotalPages < 1 || len(doc.Pages) > doc.TotalPages {
		tb.Fatalf("TotalPages %d with %d pages", doc.TotalPages, len(doc.Pages))
	}
	prev := 0
	for _, p := range doc.Pages {
		if p.Number <= prev || p.Number > doc.TotalPages {
			tb.Fatalf("page number %d after %d, of %d", p.Number, prev, doc.TotalPages)
		}
		prev = p.Number
		inPage := func(what string, b document.Box) {
			tb.Helper()
			if b.X < 0 || b.Y < 0 || b.W < 0 || b.H < 0 || b.X+b.W > p.Width || b.Y+b.H > p.Height {
				tb.Fatalf("page %d: %s box %+v outside the %gx%g page", p.Number, what, b, p.Width, p.Height)
			}
		}
		validWords := func(what string, idx []int) {
			tb.Helper()
			for _, i := range idx {
				if i < 0 || i >= len(p.Words) {
					tb.Fatalf("page %d: %s indexes word %d of %d", p.Number, what, i, len(p.Words))
				}
			}
		}
		for _, w := range p.Words {
			inPage("word "+strconv.Quote(w.Text), w.Box)
			if w.Text == "" || strings.IndexFunc(w.Text, unicode.IsSpace) >= 0 || float64(len([]rune(w.Text))) != w.Box.W {
				tb.Fatalf("page %d: word %q with box %+v", p.Number, w.Text, w.Box)
			}
		}
		for _, l := range p.Lines {
			inPage("line "+strconv.Quote(l.Text), l.Box)
			validWords("line "+strconv.Quote(l.Text), l.Words)
			if len(l.Words) == 0 {
				tb.Fatalf("page %d: line %q without words", p.Number, l.Text)
			}
			if float64(len([]rune(l.Text))) != l.Box.W {
				tb.Fatalf("page %d: line text %q is not as wide as its box %+v", p.Number, l.Text, l.Box)
			}
			for _, i := range l.Words {
				w := p.Words[i]
				at, lt := int(w.Box.X-l.Box.X), []rune(l.Text)
				if w.Box.Y != l.Box.Y || at < 0 || at > len(lt) || !strings.HasPrefix(string(lt[at:]), w.Text) {
					tb.Fatalf("page %d: word %q is not at column %d of line %q", p.Number, w.Text, at, l.Text)
				}
			}
		}
		for ti, tab := range p.Tables {
			inPage(fmt.Sprintf("table %d", ti), tab.Box)
			for _, row := range tab.Rows {
				for _, c := range row {
					inPage("cell "+strconv.Quote(c.Text), c.Box)
					validWords("cell "+strconv.Quote(c.Text), c.Words)
				}
			}
		}
	}
}

// render writes a document as text that reads well in a diff.
func render(doc *document.Document) string {
	var b strings.Builder
	fmt.Fprintf(&b, "total_pages %d\n", doc.TotalPages)
	for _, p := range doc.Pages {
		fmt.Fprintf(&b, "\npage %d: width %s height %s, %d words\n", p.Number, num(p.Width), num(p.Height), len(p.Words))
		for _, l := range p.Lines {
			fmt.Fprintf(&b, "  line %s %q\n   ", box(l.Box), l.Text)
			for _, i := range l.Words {
				fmt.Fprintf(&b, " %d:%q@%s", i, p.Words[i].Text, box(p.Words[i].Box))
			}
			b.WriteString("\n")
		}
		for ti, t := range p.Tables {
			fmt.Fprintf(&b, "  table %d %s continued=%t\n", ti, box(t.Box), t.Continued)
			for ri, row := range t.Rows {
				fmt.Fprintf(&b, "    row %d:", ri)
				for _, c := range row {
					fmt.Fprintf(&b, " [%q %s words %v]", c.Text, box(c.Box), c.Words)
				}
				b.WriteString("\n")
			}
		}
	}
	return b.String()
}

func box(b document.Box) string {
	return fmt.Sprintf("(%s,%s %sx%s)", num(b.X), num(b.Y), num(b.W), num(b.H))
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func fileSize(tb testing.TB, name string) int64 {
	tb.Helper()
	fi, err := os.Stat(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return fi.Size()
}

// BenchmarkParse measures a one-page invoice, the size of most jobs, and
// the same invoice over 600 pages.
func BenchmarkParse(b *testing.B) {
	page, err := os.ReadFile(filepath.Join("testdata", "invoice.txt"))
	if err != nil {
		b.Fatal(err)
	}
	for _, pages := range []int{1, 600} {
		b.Run(fmt.Sprintf("Pages=%d", pages), func(b *testing.B) {
			data := bytes.Repeat(append(page, '\f'), pages)
			for b.Loop() {
				if _, err := text.Parse(bytes.NewReader(data), text.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
