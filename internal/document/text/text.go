// Package text reads text-like documents — plain text, Markdown, CSV and
// JSON — into Quarry's document model, so that engines can cite them the way
// they cite a PDF: by page and by box.
//
// # Coordinates
//
// A unit is a character cell. A word at column c (0-based, counted in runes)
// of line l (0-based within its page) has the box {X: c, Y: l, W: its rune
// count, H: 1}. A page's Width is its longest line in runes (trailing spaces
// left out) and its Height is its number of lines, blank ones included, so
// that a box divided by the page size is where the text sits on the page. Tabs
// are not expanded: a tab is one rune, hence one cell, because any tab width
// we chose would be a guess about the author's editor. The document's Unit
// says so; the API shows a cell as document.CellWidth by
// document.CellHeight points.
//
// A Line holds the words of one source line; blank lines have no Line (they
// still count in Height and in the Y of the lines after them). Line.Text runs
// from the first word's first rune to the last word's last rune with the
// spacing of the source, so rune i of Line.Text sits in column Line.Box.X+i.
//
// # Pages
//
// Plain text has no pages, but citations need them, so the rule is:
//   - a text containing form feeds (\f, what pdftotext and line printers
//     write between pages) is paged by them and only by them; a form feed that
//     ends the file does not start an empty last page;
//   - any other text is cut every LinesPerPage (66) lines, the length of a
//     printed page at six lines per inch, which is also what pr(1) uses.
//
// JSON is pretty-printed with an indent of two spaces and then paged as text.
// A CSV file is always one page (see below).
//
// # Tables
//
// CSV input is laid out as text, one record per line with its cells joined by
// ", ", and the page also gets one Table whose rows are the records. The
// separators are layout, not words, so a cell's words are exactly its text
// and a citation of a cell never covers a neighbour's comma. All records stay
// on one page: CSV has no pages of its own, and cutting it would leave every
// page but the first without its header row, so target_pages could make the
// rows of a table unreadable. The delimiter is sniffed from the first line:
// comma, semicolon or tab, whichever occurs most outside quotes (commas on a
// tie), so European and tab-separated exports read too.
//
// Markdown pipe tables (a header row, a delimiter row like |---|:-:|, then
// body rows) become Tables of their page as well; the text of the page is
// unchanged. The delimiter row is not a table row.
//
// # Limits
//
// A few megabytes of text can ask for millions of pages, lines, cells or
// words. Before splitting anything, Parse counts the pages by their form
// feeds or newlines and measures every line against the budget's line
// length (Options.Budget, see internal/document/budget); CSV cells and
// Markdown pipe-table cells are taken from it as records and rows are read,
// and words and their text as pages are laid out.
//
// # Errors
//
// Every error about the input is an *extract.Error with extract.CodeInvalid
// and a sentence the user can act on, since it becomes the job's
// error_message (a limit's error is a *budget.Error that unwraps to one).
// Only a failing reader gives another error.
package text

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/budget"
	"github.com/quarrylabs/quarry/internal/extract"
)

// Formats Parse reads. They are the kinds internal/filetype reports for
// text-like files.
const (
	FormatText     = "txt"
	FormatMarkdown = "md"
	FormatCSV      = "csv"
	FormatJSON     = "json"
)

// LinesPerPage is how many lines a page of text without form feeds holds.
const LinesPerPage = 66

// Options says how to read a document and which of its pages to keep.
type Options struct {
	// Format is FormatText, FormatMarkdown, FormatCSV or FormatJSON.
	// Defaults to FormatText.
	Format string
	// MaxBytes refuses input larger than this many bytes. Defaults to no
	// limit (0).
	MaxBytes int64
	// Pages are the 1-based pages to keep (a job's target_pages). Pages the
	// document does not have are ignored, but naming none that it has is an
	// error. Defaults to all pages (nil).
	Pages []extract.PageRange
	// MaxPages keeps at most this many pages, the first ones of those Pages
	// selects (a job's max_pages). Defaults to no limit (0).
	MaxPages int
	// PageLimit refuses a document of more pages, whatever Pages selects:
	// a file of newlines is small and makes many pages. Defaults to no limit
	// (0).
	PageLimit int
	// Budget counts the document's words, text, cells and line lengths
	// against the server's limits. Defaults to a budget at
	// budget.Limits' defaults (nil): no parse is unbounded.
	Budget *budget.Budget
}

// Parse reads a text-like document. The returned document holds the selected
// pages only, with TotalPages the number of pages of the whole file.
func Parse(r io.Reader, opts Options) (*document.Document, error) {
	format := cmp.Or(opts.Format, FormatText)
	if !slices.Contains([]string{FormatText, FormatMarkdown, FormatCSV, FormatJSON}, format) {
		return nil, extract.Errorf(extract.CodeInvalid, "text format %q is not one of txt, md, csv, json", opts.Format)
	}
	if opts.MaxPages < 0 {
		return nil, extract.Errorf(extract.CodeInvalid, "max_pages must be at least 1 (omit it for no limit)")
	}
	data, err := readAll(r, opts.MaxBytes)
	if err != nil {
		return nil, err
	}
	if err := checkUTF8(data); err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if len(data) == 0 {
		return nil, extract.Errorf(extract.CodeInvalid, "the file is empty: there is no text to extract from")
	}
	// One newline convention from here on: \r\n (Windows) and a lone \r (old
	// Macs) both end a line.
	src := strings.ReplaceAll(string(data), "\r\n", "\n")
	src = strings.ReplaceAll(src, "\r", "\n")

	b := opts.Budget
	if b == nil {
		b = budget.New(budget.Limits{})
	}
	var pages []func(number int) (document.Page, error)
	switch format {
	case FormatCSV:
		records, err := readCSV(src, b)
		if err != nil {
			return nil, err
		}
		pages = append(pages, func(n int) (document.Page, error) { return TablePage(n, records, b) })
	case FormatJSON:
		var buf bytes.Buffer
		if err := json.Indent(&buf, []byte(src), "", "  "); err != nil {
			return nil, extract.Errorf(extract.CodeInvalid, "the file is not valid JSON: %s", jsonErrorText(err, src))
		}
		if pages, err = textPages(buf.String(), false, opts.PageLimit, b); err != nil {
			return nil, err
		}
	default:
		if pages, err = textPages(src, format == FormatMarkdown, opts.PageLimit, b); err != nil {
			return nil, err
		}
	}

	if opts.PageLimit > 0 && len(pages) > opts.PageLimit {
		return nil, tooManyPages(opts.PageLimit)
	}
	keep, err := extract.SelectPages(len(pages), opts.Pages, opts.MaxPages)
	if err != nil {
		return nil, err
	}
	doc := &document.Document{TotalPages: len(pages), Pages: make([]document.Page, 0, len(keep)), Unit: document.UnitCell}
	for _, n := range keep {
		p, err := pages[n-1](n)
		if err != nil {
			return nil, err
		}
		doc.Pages = append(doc.Pages, p)
	}
	return doc, nil
}

func tooManyPages(limit int) error { return budget.PagesError(limit) }

// readAll reads r whole, refusing more than max bytes (max <= 0: no limit).
// It reads one byte past the limit so that a file of exactly max bytes is
// accepted.
func readAll(r io.Reader, max int64) ([]byte, error) {
	if max > 0 {
		r = io.LimitReader(r, max+1)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read text document: %w", err)
	}
	if max > 0 && int64(len(data)) > max {
		return nil, extract.Errorf(extract.CodeInvalid,
			"the file is larger than %s, the limit for text documents; split it into smaller files", formatBytes(max))
	}
	return data, nil
}

// checkUTF8 refuses what is not UTF-8 text, naming the most likely cause so
// the user knows how to fix the file. UTF-16 gets its own message because it
// is what Windows tools save as "Unicode".
func checkUTF8(data []byte) error {
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		return extract.Errorf(extract.CodeInvalid, "the file is not UTF-8 text: it is UTF-16; save it as UTF-8 and upload it again")
	}
	if !utf8.Valid(data) {
		off := 0
		for off < len(data) {
			r, size := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			off += size
		}
		return extract.Errorf(extract.CodeInvalid,
			"the file is not UTF-8 text (invalid byte at offset %d); save it as UTF-8 and upload it again", off)
	}
	// NUL is valid UTF-8 but no text file has one: it means a binary file,
	// or UTF-16 without a byte order mark.
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return extract.Errorf(extract.CodeInvalid,
			"the file is not UTF-8 text (it has a NUL byte at offset %d, as binary and UTF-16 files do); save it as UTF-8 and upload it again", i)
	}
	return nil
}

// jsonErrorText turns a JSON syntax error into words with a line and column,
// which a user can find in an editor; a byte offset they cannot.
func jsonErrorText(err error, src string) string {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return err.Error()
	}
	// Offset counts the bytes read up to and including the offending one.
	before := src[:min(max(se.Offset, 0), int64(len(src)))]
	line := strings.Count(before, "\n") + 1
	col := max(utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:]), 1)
	return fmt.Sprintf("%s (line %d, column %d)", se.Error(), line, col)
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// formatBytes writes a size the way people read limits: "10 MiB", "512 KiB",
// or bytes when it is not a whole number of either.
func formatBytes(n int64) string {
	const kib, mib = 1 << 10, 1 << 20
	switch {
	case n >= mib && n%mib == 0:
		return fmt.Sprintf("%d MiB", n/mib)
	case n >= kib && n%kib == 0:
		return fmt.Sprintf("%d KiB", n/kib)
	}
	return plural(int(n), "byte")
}
