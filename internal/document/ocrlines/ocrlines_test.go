package ocrlines_test

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/ocrlines"
)

func parseFile(tb testing.TB, name string) (*document.Document, error) {
	tb.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	return ocrlines.Parse(f)
}

func lineTexts(p document.Page) []string {
	out := []string{}
	for _, l := range p.Lines {
		out = append(out, l.Text)
	}
	return out
}

// TestParseLines checks that records become the page's lines: a label and
// the value printed level with it at the right margin, two records apart
// in the file, join on one line; a text's commas stay in it; records that
// are no line (a header, a blank, a text of spaces) are skipped.
func TestParseLines(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file          string // testdata/<file>
		want          []string
		width, height float64
	}{
		{
			file: "receipt.txt",
			want: []string{
				"KEDAI RUNCIT MAJU JAYA SDN BHD",
				"(482913-K)",
				"NO 12, JALAN MELATI 3, TAMAN SERI",
				"81200 JOHOR BAHRU, JOHOR",
				"DATE: 14/03/2019 TIME: 18:42",
				"MILO 1KG 16.90",
				"ROTI, GARDENIA 3.70",
				"TOTAL 20.60",
				"CASH 50.00",
			},
			width: 440, height: 448,
		},
		{
			// The quadrilaterals lean: each line's box holds all four
			// corners, and the two records, level within the lean, are
			// one line.
			file:  "skewed.txt",
			want:  []string{"Straße 5, 80333 München € 12,50"},
			width: 300, height: 67,
		},
		{
			file:  "header.txt",
			want:  []string{"Thank you"},
			width: 110, height: 30,
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			doc, err := parseFile(t, tt.file)
			if err != nil {
				t.Fatalf("Parse(%s) error: %v", tt.file, err)
			}
			if len(doc.Pages) != 1 || doc.TotalPages != 1 {
				t.Fatalf("Parse(%s) = %d pages of %d, want 1 of 1", tt.file, len(doc.Pages), doc.TotalPages)
			}
			p := doc.Pages[0]
			if p.Number != 1 || p.Width != tt.width || p.Height != tt.height {
				t.Errorf("Parse(%s) page %d is %vx%v, want page 1 of %vx%v", tt.file, p.Number, p.Width, p.Height, tt.width, tt.height)
			}
			if diff := cmp.Diff(tt.want, lineTexts(p)); diff != "" {
				t.Errorf("Parse(%s) lines mismatch (-want +got):\n%s", tt.file, diff)
			}
		})
	}
}

// TestParseWordBoxes checks that a record's words share its box by their
// characters: each starts where the characters before it end, spaces
// included, and is as wide as its own characters.
func TestParseWordBoxes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, src string
		want      []document.Word
	}{
		{
			// Ten characters over 100 units: ten units a character.
			name: "EvenlySpread",
			src:  "10,10,110,10,110,30,10,30,AB CD EFGH\n",
			want: []document.Word{
				{Text: "AB", Box: document.Box{X: 10, Y: 10, W: 20, H: 20}},
				{Text: "CD", Box: document.Box{X: 40, Y: 10, W: 20, H: 20}},
				{Text: "EFGH", Box: document.Box{X: 70, Y: 10, W: 40, H: 20}},
			},
		},
		{
			// Characters, not bytes: "ß" and "€" are one each.
			name: "Runes",
			src:  "0,0,70,0,70,10,0,10,Maß 5 €\n",
			want: []document.Word{
				{Text: "Maß", Box: document.Box{X: 0, Y: 0, W: 30, H: 10}},
				{Text: "5", Box: document.Box{X: 40, Y: 0, W: 10, H: 10}},
				{Text: "€", Box: document.Box{X: 60, Y: 0, W: 10, H: 10}},
			},
		},
		{
			// Spaces around the text take their share too.
			name: "Spaces",
			src:  "0,0,70,0,70,10,0,10, TOTAL \n",
			want: []document.Word{
				{Text: "TOTAL", Box: document.Box{X: 10, Y: 0, W: 50, H: 10}},
			},
		},
		{
			// Corners listed in another order give the same box.
			name: "CornersAnyOrder",
			src:  "110,30,10,30,10,10,110,10,AB CD EFGH\n",
			want: []document.Word{
				{Text: "AB", Box: document.Box{X: 10, Y: 10, W: 20, H: 20}},
				{Text: "CD", Box: document.Box{X: 40, Y: 10, W: 20, H: 20}},
				{Text: "EFGH", Box: document.Box{X: 70, Y: 10, W: 40, H: 20}},
			},
		},
		{
			// A corner a little off the image's edge is drawn at the edge.
			name: "ClippedAtEdge",
			src:  "-10,-4,30,-4,30,6,-10,6,ABC\n",
			want: []document.Word{
				{Text: "ABC", Box: document.Box{X: 0, Y: 0, W: 30, H: 6}},
			},
		},
		{
			// A box wholly off the image keeps its text at the edge, with
			// no width rather than a negative one.
			name: "OffTheImage",
			src:  "-20,5,-10,5,-10,15,-20,15,ab\n",
			want: []document.Word{
				{Text: "ab", Box: document.Box{X: 0, Y: 5, W: 0, H: 10}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc, err := ocrlines.Parse(strings.NewReader(tt.src))
			if err != nil {
				t.Fatalf("Parse(%q) error: %v", tt.src, err)
			}
			if diff := cmp.Diff(tt.want, doc.Pages[0].Words); diff != "" {
				t.Errorf("Parse(%q) words mismatch (-want +got):\n%s", tt.src, diff)
			}
		})
	}
}

// TestParseErrors checks that a record whose box cannot be drawn, and
// input past the bounds, fail with the line that broke them, while a
// record that is no line at all is skipped.
func TestParseErrors(t *testing.T) {
	t.Parallel()
	many := func(n int) string {
		return strings.Repeat("0,0,10,0,10,10,0,10,x\n", n)
	}
	tests := []struct {
		name, src string
		wantErr   string // "" for no error
		wantErrIs error
	}{
		{name: "Huge", src: "0,0,10,0,10,10,0,2e6,x\n", wantErr: `line 1: coordinate "2e6" out of range`},
		{name: "NaN", src: "0,0,10,0,10,10,0,10,x\n0,NaN,10,0,10,10,0,10,y\n", wantErr: `line 2: coordinate "NaN" out of range`},
		{name: "Inf", src: "0,0,-Inf,0,10,10,0,10,x\n", wantErr: "out of range"},
		{name: "NotANumber", src: "0,0,ten,0,10,10,0,10,x\n", wantErr: ""},
		{name: "TooFewFields", src: "0,0,10,0,10,10,x\n", wantErr: ""},
		{name: "AtMostLines", src: many(ocrlines.MaxLines)},
		{name: "TooManyLines", src: many(ocrlines.MaxLines + 1), wantErr: "more than 20000 lines"},
		{name: "LongRecord", src: "0,0,10,0,10,10,0,10," + strings.Repeat("x", ocrlines.MaxLineBytes) + "\n", wantErrIs: bufio.ErrTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ocrlines.Parse(strings.NewReader(tt.src))
			switch {
			case tt.wantErrIs != nil:
				if !errors.Is(err, tt.wantErrIs) {
					t.Errorf("Parse() error = %v, want %v", err, tt.wantErrIs)
				}
			case tt.wantErr == "" && err != nil:
				t.Errorf("Parse() error = %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Parse() error = %v, want one saying %q", err, tt.wantErr)
			}
		})
	}
}

// FuzzParse feeds arbitrary records (seeded from testdata/) to Parse: it
// must not panic, and every word it makes must stand inside its page.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"receipt.txt", "skewed.txt", "header.txt"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add("-20,5,-10,5,-10,15,-20,15,off the page\n")
	f.Fuzz(func(t *testing.T, src string) {
		doc, err := ocrlines.Parse(strings.NewReader(src))
		if err != nil {
			return
		}
		p := doc.Pages[0]
		for _, w := range p.Words {
			b := w.Box
			if b.X < 0 || b.Y < 0 || b.W < 0 || b.H < 0 || b.X+b.W > p.Width+1e-6 || b.Y+b.H > p.Height+1e-6 {
				t.Fatalf("Parse(%q) word %q at %+v, outside its %vx%v page", src, w.Text, b, p.Width, p.Height)
			}
		}
	})
}
