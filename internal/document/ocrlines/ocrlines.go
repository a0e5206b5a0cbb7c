// Package ocrlines reads what an OCR engine reports of a scanned page as
// text lines with their boxes, one line a record in the ICDAR form
//
//	x1,y1,x2,y2,x3,y3,x4,y4,text
//
// (the four corners of the line's quadrilateral, clockwise from top-left,
// in image pixels; the text may itself hold commas). Such output knows where
// each line stands but not which lines share a row: a receipt's "TOTAL" and
// its "26.60" at the right margin come as two lines, often far apart in the
// file. Parse gives each line's words a box, spreading the line's width
// over its characters, and leaves the rows, reading order and tables to
// layout.Analyze, as for a PDF's words, so that a label and the value
// printed level with it end up on one line.
package ocrlines

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/layout"
)

// MaxLineBytes bounds one record, so that a file of one endless line
// cannot hold the reader's buffer; an OCR line is a few hundred bytes.
const MaxLineBytes = 64 << 10

// MaxLines bounds the records of one page.
const MaxLines = 20000

// Parse reads one page of OCR lines. Records that are not eight numbers and
// a text (a blank line, a header) are skipped; a record with an unusable
// box is an error, since the page could not be drawn right without it.
func Parse(r io.Reader) (*document.Document, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), MaxLineBytes)
	page := document.Page{Number: 1}
	n := 0
	for sc.Scan() {
		n++
		if n > MaxLines {
			return nil, fmt.Errorf("ocr lines: more than %d lines on a page", MaxLines)
		}
		rec := strings.TrimRight(sc.Text(), "\r")
		box, text, ok, err := record(rec)
		if err != nil {
			return nil, fmt.Errorf("ocr lines: line %d: %w", n, err)
		}
		if !ok {
			continue
		}
		addWords(&page, box, text)
		page.Width = max(page.Width, box.X+box.W)
		page.Height = max(page.Height, box.Y+box.H)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("ocr lines: %w", err)
	}
	layout.Analyze(&page)
	return &document.Document{Pages: []document.Page{page}, TotalPages: 1}, nil
}

// record splits one record into the bounding box of its quadrilateral and
// its text; ok is false for a record that is not one.
func record(rec string) (document.Box, string, bool, error) {
	parts := strings.SplitN(rec, ",", 9)
	if len(parts) < 9 || strings.TrimSpace(parts[8]) == "" {
		return document.Box{}, "", false, nil
	}
	var xs, ys [4]float64
	for i := range 8 {
		v, err := strconv.ParseFloat(strings.TrimSpace(parts[i]), 64)
		if err != nil {
			return document.Box{}, "", false, nil
		}
		if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 1e6 {
			return document.Box{}, "", false, fmt.Errorf("coordinate %q out of range", parts[i])
		}
		if i%2 == 0 {
			xs[i/2] = v
		} else {
			ys[i/2] = v
		}
	}
	x0, x1 := min(xs[0], xs[1], xs[2], xs[3]), max(xs[0], xs[1], xs[2], xs[3])
	y0, y1 := min(ys[0], ys[1], ys[2], ys[3]), max(ys[0], ys[1], ys[2], ys[3])
	// A corner off the image's edge is drawn at the edge; a box wholly
	// off it, at the edge with no width, not with a negative one.
	x0, y0, x1, y1 = max(x0, 0), max(y0, 0), max(x1, 0), max(y1, 0)
	return document.Box{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}, parts[8], true, nil
}

// addWords adds a line's words to the page, each with the share of the
// line's box its characters take: OCR lines are set in one font, so
// characters are close enough to evenly wide for a citation's box.
func addWords(p *document.Page, box document.Box, text string) {
	runes := utf8.RuneCountInString(text)
	if runes == 0 {
		return
	}
	char := box.W / float64(runes)
	pos := 0 // runes of text before the current one
	for field := range strings.FieldsSeq(text) {
		at := strings.Index(text, field)
		pos += utf8.RuneCountInString(text[:at])
		n := utf8.RuneCountInString(field)
		p.Words = append(p.Words, document.Word{
			Text: field,
			Box:  document.Box{X: box.X + float64(pos)*char, Y: box.Y, W: float64(n) * char, H: box.H},
		})
		pos += n
		text = text[at+len(field):]
	}
}
