package text

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/budget"
)

// textPages cuts a text into pages by the package's rule (form feeds, else
// every LinesPerPage lines) and returns a builder per page, so that only the
// selected pages are ever laid out. It counts the pages and measures every
// line before it splits anything: a file of newlines makes millions of
// lines, and one long line millions of words, from a few megabytes.
func textPages(src string, markdown bool, pageLimit int, b *budget.Budget) ([]func(number int) (document.Page, error), error) {
	if err := checkLines(src, b); err != nil {
		return nil, err
	}
	var pages [][]string
	if strings.Contains(src, "\f") {
		if n := strings.Count(src, "\f"); pageLimit > 0 && n > pageLimit {
			return nil, tooManyPages(pageLimit)
		}
		chunks := strings.Split(src, "\f")
		// A form feed usually ends a page rather than starts one, so what
		// follows the last one is a page only if it holds something.
		if last := chunks[len(chunks)-1]; strings.TrimSpace(last) == "" {
			chunks = chunks[:len(chunks)-1]
		}
		for _, c := range chunks {
			pages = append(pages, splitLines(c))
		}
	} else {
		if n := strings.Count(src, "\n"); pageLimit > 0 && n > pageLimit*LinesPerPage {
			return nil, tooManyPages(pageLimit)
		}
		lines := splitLines(src)
		for len(lines) > LinesPerPage {
			pages = append(pages, lines[:LinesPerPage])
			lines = lines[LinesPerPage:]
		}
		pages = append(pages, lines)
	}
	out := make([]func(int) (document.Page, error), len(pages))
	for i, lines := range pages {
		out[i] = func(n int) (document.Page, error) {
			p, byLine, err := layoutLines(n, lines, b)
			if err != nil {
				return document.Page{}, err
			}
			if markdown {
				if p.Tables, err = markdownTables(lines, &p, byLine, b); err != nil {
					return document.Page{}, err
				}
			}
			return p, nil
		}
	}
	return out, nil
}

// checkLines fails when a line of src is longer than the budget allows,
// counting runes only of lines long enough in bytes to matter.
func checkLines(src string, b *budget.Budget) error {
	limit := b.Limits().MaxLineLength
	for len(src) > 0 {
		line := src
		if i := strings.IndexByte(src, '\n'); i >= 0 {
			line, src = src[:i], src[i+1:]
		} else {
			src = ""
		}
		if len(line) > limit {
			if err := b.Line(utf8.RuneCountInString(line)); err != nil {
				return err
			}
		}
	}
	return nil
}

// splitLines splits at newlines; a final newline ends the last line rather
// than starting an empty one.
func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// layoutLines lays out lines of text as a page of character cells. It also
// returns, for each line, the indexes of its words in Page.Words. Words and
// lines are substrings of lines, which hold valid UTF-8 (see checkUTF8).
func layoutLines(number int, lines []string, b *budget.Budget) (document.Page, [][]int, error) {
	p := document.Page{Number: number, Height: float64(len(lines))}
	byLine := make([][]int, len(lines))
	for y, line := range lines {
		line = strings.TrimRightFunc(line, unicode.IsSpace)
		first := -1            // byte offset of the line's first word
		start, startX := -1, 0 // byte offset and column of the word being read
		x := 0                 // column: runes read so far
		var err error
		word := func(end int) {
			if err != nil {
				return
			}
			if err = b.PageWords(len(p.Words) + 1); err != nil {
				return
			}
			if err = b.Words(1, end-start); err != nil {
				return
			}
			byLine[y] = append(byLine[y], len(p.Words))
			p.Words = append(p.Words, document.Word{Text: line[start:end], Box: cellBox(startX, y, x-startX)})
			if first < 0 {
				first = start
			}
			start = -1
		}
		for i, r := range line {
			switch {
			case !unicode.IsSpace(r) && start < 0:
				start, startX = i, x
			case unicode.IsSpace(r) && start >= 0:
				word(i)
			}
			x++
		}
		if start >= 0 {
			word(len(line))
		}
		if err != nil {
			return document.Page{}, nil, err
		}
		p.Width = max(p.Width, float64(x))
		if idx := byLine[y]; len(idx) > 0 {
			// The line is trimmed on the right: it ends with its last word.
			p.Lines = append(p.Lines, makeLine(p.Words, idx, line[first:]))
		}
	}
	return p, byLine, nil
}

// makeLine builds the Line of the given words, at least one, whose text
// runs from the first word to the end of the last.
func makeLine(words []document.Word, idx []int, text string) document.Line {
	var box document.Box
	for _, i := range idx {
		box = box.Union(words[i].Box)
	}
	return document.Line{Words: idx, Text: text, Box: box}
}

// cellBox is the box of n cells starting at column x of line y.
func cellBox(x, y, n int) document.Box {
	return document.Box{X: float64(x), Y: float64(y), W: float64(n), H: 1}
}

// markdownTables finds the pipe tables of a Markdown page: a header row, a
// delimiter row with as many cells, then the rows that follow while they
// contain a pipe. Each row's cells are taken from b before they are made:
// a line of pipes is a row of as many cells.
func markdownTables(lines []string, p *document.Page, byLine [][]int, b *budget.Budget) ([]document.Table, error) {
	var tables []document.Table
	for y := 0; y+1 < len(lines); y++ {
		header := splitPipes(lines[y])
		delim := splitPipes(lines[y+1])
		if len(header) == 0 || len(header) != len(delim) || !isDelimiterRow(lines[y+1], delim) {
			continue
		}
		var t document.Table
		if err := b.Cells(len(header)); err != nil {
			return nil, err
		}
		t.Rows = append(t.Rows, pipeRow(lines[y], y, header, p, byLine[y]))
		end := y + 2
		for ; end < len(lines); end++ {
			cells := splitPipes(lines[end])
			if len(cells) == 0 {
				break
			}
			if err := b.Cells(len(cells)); err != nil {
				return nil, err
			}
			t.Rows = append(t.Rows, pipeRow(lines[end], end, cells, p, byLine[end]))
		}
		for ly := y; ly < end; ly++ {
			for _, w := range byLine[ly] {
				t.Box = t.Box.Union(p.Words[w].Box)
			}
		}
		tables = append(tables, t)
		y = end - 1
	}
	return tables, nil
}

// span is a half-open range of columns.
type span struct{ from, to int }

// splitPipes returns the cells of a Markdown table row as column ranges, or
// nil when the line has no unescaped pipe. A pipe opening or closing the row
// does not make an empty cell.
func splitPipes(line string) []span {
	runes := []rune(strings.TrimRightFunc(line, unicode.IsSpace))
	var cuts []int
	for i := 0; i < len(runes); i++ {
		switch runes[i] {
		case '\\':
			i++ // an escaped character, \| included, is text
		case '|':
			cuts = append(cuts, i)
		}
	}
	if len(cuts) == 0 {
		return nil
	}
	var cells []span
	from := 0
	for _, c := range append(cuts, len(runes)) {
		cells = append(cells, span{from, c})
		from = c + 1
	}
	lead := strings.TrimSpace(string(runes[:cuts[0]])) == ""
	if lead {
		cells = cells[1:]
	}
	if cuts[len(cuts)-1] == len(runes)-1 && len(cells) > 0 {
		cells = cells[:len(cells)-1]
	}
	return cells
}

// isDelimiterRow reports whether every cell is dashes with optional colons
// (---, :--, --:, :-:).
func isDelimiterRow(line string, cells []span) bool {
	runes := []rune(line)
	for _, c := range cells {
		s := strings.TrimSpace(string(runes[c.from:c.to]))
		s = strings.TrimSuffix(strings.TrimPrefix(s, ":"), ":")
		if s == "" || strings.Trim(s, "-") != "" {
			return false
		}
	}
	return true
}

// pipeRow makes the cells of one Markdown table row. A cell's words are the
// line's words lying wholly inside it; a word glued across a pipe ("a|b")
// belongs to no cell, but the cell's text and box are still right.
func pipeRow(line string, y int, cells []span, p *document.Page, lineWords []int) []document.Cell {
	runes := []rune(line)
	row := make([]document.Cell, 0, len(cells))
	for _, c := range cells {
		from, to := c.from, c.to
		for from < to && unicode.IsSpace(runes[from]) {
			from++
		}
		for to > from && unicode.IsSpace(runes[to-1]) {
			to--
		}
		cell := document.Cell{Text: string(runes[from:to]), Box: cellBox(from, y, to-from)}
		if from == to {
			cell.Box = cellBox(c.from, y, 0)
		}
		for _, w := range lineWords {
			b := p.Words[w].Box
			if int(b.X) >= from && int(b.X+b.W) <= to {
				cell.Words = append(cell.Words, w)
			}
		}
		row = append(row, cell)
	}
	return row
}
