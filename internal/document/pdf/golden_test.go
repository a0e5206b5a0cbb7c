package pdf_test

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/pdf"
)

var update = flag.Bool("update", false, "rewrite the golden files and the fuzz seeds under testdata/")

// fixtures are the PDFs the golden test reads, by the name of their golden
// file. Those under maxSeedSize also seed FuzzParse.
func fixtures(tb testing.TB) map[string][]byte {
	invoice := invoicePDF(tb, nil)
	return map[string][]byte{
		"invoice":     invoice,
		"multicolumn": multiColumnPDF(tb),
		"table":       tablePDF(tb),
		"rotated":     rotatedPDF(),
		"nonlatin":    nonLatinPDF(tb),
		"truncated":   invoice[:len(invoice)/2],
	}
}

const maxSeedSize = 8 << 10

// TestGolden compares what Quarry reads from each fixture with a reviewed
// summary under testdata/: text per page in reading order, word, line and
// table counts, and table cells. Run with -update to rewrite them, and
// review the diff.
func TestGolden(t *testing.T) {
	t.Parallel()
	for name, data := range fixtures(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			doc, err := parse(t, data, pdf.ParseOptions{})
			got := summary(doc, err)
			path := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				if len(data) <= maxSeedSize {
					writeSeed(t, name, data)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", path, diff)
			}
		})
	}
}

// writeSeed writes data as a seed of FuzzParse in the format go test reads.
func writeSeed(tb testing.TB, name string, data []byte) {
	tb.Helper()
	dir := filepath.Join("testdata", "fuzz", "FuzzParse")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	seed := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
	if err := os.WriteFile(filepath.Join(dir, name), []byte(seed), 0o644); err != nil {
		tb.Fatal(err)
	}
}

// summary writes what a reviewer needs to check a parse: per page its size,
// counts and text, one line of the page per line of the summary, then its
// tables cell by cell.
func summary(doc *document.Document, err error) string {
	var b strings.Builder
	if err != nil {
		fmt.Fprintf(&b, "error: %v\n", err)
		return b.String()
	}
	fmt.Fprintf(&b, "pages: %d of %d\n", len(doc.Pages), doc.TotalPages)
	for _, p := range doc.Pages {
		fmt.Fprintf(&b, "\npage %d: %g x %g pt, %d words, %d lines, %d tables\n",
			p.Number, p.Width, p.Height, len(p.Words), len(p.Lines), len(p.Tables))
		for _, l := range textLines(p) {
			fmt.Fprintf(&b, "  %s\n", l)
		}
		for i, t := range p.Tables {
			fmt.Fprintf(&b, "  table %d: %d rows, continued %v\n", i+1, len(t.Rows), t.Continued)
			for _, row := range t.Rows {
				cells := make([]string, len(row))
				for j, c := range row {
					cells[j] = c.Text
				}
				fmt.Fprintf(&b, "    | %s |\n", strings.Join(cells, " | "))
			}
		}
	}
	return b.String()
}

// textLines returns the page's text line by line: its Lines when layout
// analysis made them, or else its words in order, a new line starting where
// a word is not on the previous word's baseline.
func textLines(p document.Page) []string {
	if len(p.Lines) > 0 {
		out := make([]string, len(p.Lines))
		for i, l := range p.Lines {
			out[i] = l.Text
		}
		return out
	}
	var (
		out  []string
		line bytes.Buffer
		prev *document.Box
	)
	for i, w := range p.Words {
		if prev != nil {
			if math.Abs((w.Box.Y+w.Box.H)-(prev.Y+prev.H)) > prev.H/2 || w.Box.X < prev.X {
				out = append(out, line.String())
				line.Reset()
			} else {
				line.WriteByte(' ')
			}
		}
		line.WriteString(w.Text)
		prev = &p.Words[i].Box
	}
	if line.Len() > 0 {
		out = append(out, line.String())
	}
	return out
}
