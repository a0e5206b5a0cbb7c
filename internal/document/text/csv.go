package text

import (
	"encoding/csv"
	"errors"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/budget"
	"github.com/quarrylabs/quarry/internal/extract"
)

// csvSeparator is what joins the cells of a record on its laid-out line.
const csvSeparator = ", "

// readCSV reads all records leniently: rows may have any number of fields and
// stray quotes are kept as text, because spreadsheets export both and a user
// cannot easily fix either. Lines are measured before the reader sees them
// and cells counted as records come, so a line of sixty million commas
// fails on its length instead of becoming sixty million fields.
func readCSV(src string, b *budget.Budget) ([][]string, error) {
	if err := checkLines(src, b); err != nil {
		return nil, err
	}
	r := csv.NewReader(strings.NewReader(src))
	r.Comma = sniffDelimiter(src)
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	var records [][]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return records, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, extract.Errorf(extract.CodeInvalid, "the file is not valid CSV: %v on line %d", pe.Err, pe.StartLine)
			}
			return nil, extract.Errorf(extract.CodeInvalid, "the file is not valid CSV: %v", err)
		}
		// A quoted field may hold newlines, so a record can be longer
		// than any line of the file.
		n := len(rec) * len(csvSeparator)
		for _, f := range rec {
			n += len(f)
		}
		if n > b.Limits().MaxLineLength {
			if err := b.Line(n); err != nil {
				return nil, err
			}
		}
		if err := b.Cells(max(len(rec), 1)); err != nil {
			return nil, err
		}
		records = append(records, rec)
	}
}

// sniffDelimiter picks the delimiter of the first line: comma, semicolon or
// tab, whichever occurs most outside quotes; comma when none does or on a
// tie.
func sniffDelimiter(src string) rune {
	first, _, _ := strings.Cut(src, "\n")
	counts := map[rune]int{}
	quoted := false
	for _, r := range first {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && (r == ',' || r == ';' || r == '\t'):
			counts[r]++
		}
	}
	best := ','
	for _, r := range []rune{';', '\t'} {
		if counts[r] > counts[best] {
			best = r
		}
	}
	return best
}

// TablePage lays records out as one page: a line per record, cells joined by
// ", ", and a table with a row per record, in character cells as the package
// doc describes. A cell's line breaks become spaces, since a record is one
// line of the page. It is how a CSV file becomes a page, and spreadsheet
// parsers use it for their sheets, so that a sheet and its CSV export read
// the same to an engine.
//
// b counts the page's words and text; its cells are the caller's to count,
// as records are read.
func TablePage(number int, records [][]string, b *budget.Budget) (document.Page, error) {
	p := document.Page{Number: number, Height: float64(len(records))}
	var t document.Table
	for y, rec := range records {
		var line []rune
		var lineWords []int
		row := make([]document.Cell, 0, len(rec))
		for i, field := range rec {
			if i > 0 {
				line = append(line, []rune(csvSeparator)...)
			}
			text := strings.TrimSpace(strings.ReplaceAll(field, "\n", " "))
			x := len(line)
			cell := document.Cell{Text: text, Box: cellBox(x, y, utf8.RuneCountInString(text))}
			// Words of the cell, found the way layoutLines finds them but
			// offset to the cell's column.
			runes := []rune(text)
			start := -1
			for j := 0; j <= len(runes); j++ {
				if j < len(runes) && !unicode.IsSpace(runes[j]) {
					if start < 0 {
						start = j
					}
					continue
				}
				if start >= 0 {
					w := string(runes[start:j])
					if err := b.Words(1, len(w)); err != nil {
						return document.Page{}, err
					}
					cell.Words = append(cell.Words, len(p.Words))
					lineWords = append(lineWords, len(p.Words))
					p.Words = append(p.Words, document.Word{Text: w, Box: cellBox(x+start, y, j-start)})
					start = -1
				}
			}
			line = append(line, runes...)
			row = append(row, cell)
		}
		// The laid-out line keeps trailing separators of empty cells, so
		// that every cell box lies within the page.
		p.Width = max(p.Width, float64(len(line)))
		if len(lineWords) > 0 {
			first, last := p.Words[lineWords[0]].Box, p.Words[lineWords[len(lineWords)-1]].Box
			l := makeLine(p.Words, lineWords, string(line[int(first.X):int(last.X+last.W)]))
			p.Lines = append(p.Lines, l)
			t.Box = t.Box.Union(l.Box)
		}
		t.Rows = append(t.Rows, row)
	}
	if len(t.Rows) > 0 {
		p.Tables = []document.Table{t}
	}
	return p, nil
}
