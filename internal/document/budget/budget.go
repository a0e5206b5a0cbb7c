// Package budget holds the parse of one document within a memory budget.
//
// A hostile file is small and asks for much: a table cell spanning a
// thousand columns and sixty thousand rows, a CSV line of sixty million
// commas, a DOCX whose hundred megabytes of words sit on one page. The
// parsers count what they make — table cells, words, bytes of text, the
// length of a line — against the Limits here, and ask before they allocate,
// so a document over a limit fails at the limit rather than after the
// machine's memory is gone. Every limit is in this one struct, with its
// default and the flag of `quarry serve` that sets it, and every failure is
// an *Error naming both, which a job reports as its error_message and does
// not retry.
package budget

import (
	"cmp"
	"fmt"
	"strconv"

	"github.com/quarrylabs/quarry/internal/extract"
)

// Limits bound what the parse of one document may make. The defaults keep a
// document at every limit within a few hundred MiB while parsing (a word
// costs about 100 bytes with its box, its line and its text), so that a
// server running one job per CPU stays within a small machine's memory;
// documents nobody made to attack the server are far below them.
type Limits struct {
	// MaxTableCells is the most table cells one document may have, every
	// table's rows times its columns after row and column spans are
	// expanded, and every shared string of a workbook. Defaults to
	// 1,000,000 (--max-table-cells): 100,000 rows of ten columns. A
	// document just under it, parsed and extracted, peaked at about
	// 630 MiB (docs/reliability.md).
	MaxTableCells int
	// MaxWords is the most words one document may have. Defaults to
	// 2,000,000, 400 words on each of 5,000 pages (--max-words).
	MaxWords int
	// MaxWordsPerPage is the most words one page of flowing text (PDF,
	// DOCX, HTML, plain text) may have; a dense printed page has about
	// 1,000. Spreadsheets and CSV, whose sheet is one page, are held by
	// MaxTableCells instead. A PDF page may have ten characters for each
	// of these words, counted before they are read. Defaults to 100,000
	// (--max-words-per-page).
	MaxWordsPerPage int
	// MaxTextBytes is the most bytes of text (UTF-8) one document may have,
	// words and cell texts together. Defaults to 64 MiB
	// (--max-text-bytes).
	MaxTextBytes int64
	// MaxLineLength is the most characters one line of a text file, one
	// CSV record, or one word may have. Defaults to 100,000
	// (--max-line-length).
	MaxLineLength int
	// MaxElements is the most elements of markup one document may have:
	// the nodes of an HTML document (elements, text, comments), the runs
	// and breaks of a DOCX. Each costs a hundred bytes or so to hold
	// whether or not it shows any text, so a file of empty tags is held to
	// it rather than to the words. Defaults to 2,000,000
	// (--max-elements).
	MaxElements int
	// MaxPDFStreamBytes is the most bytes one compressed stream of a PDF
	// (a page's content, a font, an object stream) may inflate to, four
	// times that for an image; a flate bomb fails on it before PDFium reads
	// the file. Defaults to 64 MiB (--max-pdf-stream-bytes).
	MaxPDFStreamBytes int64
	// MaxImagePixels is the most pixels one image (a page of an image
	// file) may have, checked from its header before it is decoded, which
	// takes four bytes a pixel in colour (eight for 16-bit colour). Defaults to 50,000,000
	// (--max-image-pixels): a 600 dpi scan of an A3 page, or a photo from
	// a 48-megapixel phone camera.
	MaxImagePixels int64
}

// WithDefaults returns the limits with every unset field at its default.
func (l Limits) WithDefaults() Limits {
	l.MaxTableCells = cmp.Or(l.MaxTableCells, 1_000_000)
	l.MaxWords = cmp.Or(l.MaxWords, 2_000_000)
	l.MaxWordsPerPage = cmp.Or(l.MaxWordsPerPage, 100_000)
	l.MaxTextBytes = cmp.Or(l.MaxTextBytes, 64<<20)
	l.MaxLineLength = cmp.Or(l.MaxLineLength, 100_000)
	l.MaxElements = cmp.Or(l.MaxElements, 2_000_000)
	l.MaxPDFStreamBytes = cmp.Or(l.MaxPDFStreamBytes, 64<<20)
	l.MaxImagePixels = cmp.Or(l.MaxImagePixels, 50_000_000)
	return l
}

// Validate reports the first limit that is negative, by its flag.
func (l Limits) Validate() error {
	for _, f := range []struct {
		flag string
		v    int64
	}{
		{FlagTableCells, int64(l.MaxTableCells)}, {FlagWords, int64(l.MaxWords)},
		{FlagWordsPerPage, int64(l.MaxWordsPerPage)}, {FlagTextBytes, l.MaxTextBytes},
		{FlagLineLength, int64(l.MaxLineLength)}, {FlagElements, int64(l.MaxElements)},
		{FlagPDFStreamBytes, l.MaxPDFStreamBytes}, {FlagImagePixels, l.MaxImagePixels},
	} {
		if f.v < 0 {
			return fmt.Errorf("--%s must be positive (0 for its default), got %d", f.flag, f.v)
		}
	}
	return nil
}

// The flags of `quarry serve` that set each limit; errors name them so a
// user knows what an operator can raise.
const (
	FlagTableCells     = "max-table-cells"
	FlagWords          = "max-words"
	FlagWordsPerPage   = "max-words-per-page"
	FlagTextBytes      = "max-text-bytes"
	FlagLineLength     = "max-line-length"
	FlagElements       = "max-elements"
	FlagPDFStreamBytes = "max-pdf-stream-bytes"
	FlagImagePixels    = "max-image-pixels"
	// The limits of internal/document/parse, named here so that every
	// parser's message names them the same way.
	FlagPages             = "max-document-pages"
	FlagDecompressedBytes = "max-decompressed-bytes"
	FlagParseTimeout      = "parse-timeout"
)

// PagesError is the error of a document of more than limit pages.
func PagesError(limit int) error {
	return &Error{What: "pages", Limit: int64(limit), Flag: FlagPages}
}

// Error is a document over one of the limits. It unwraps to an
// *extract.Error of code CodeInvalid with the same message, so a job fails
// at once with it (a file does not shrink on a retry) and an API reply says
// it.
type Error struct {
	// What is counted, as the message says it: "table cells", "words".
	What string
	// Limit is the value of the limit and Flag the flag that sets it.
	Limit int64
	Flag  string
	// Where narrows the message: "on one page", "in one line".
	Where string
}

func (e *Error) Error() string {
	where := ""
	if e.Where != "" {
		where = " " + e.Where
	}
	return fmt.Sprintf("the document has more than %s %s%s (limit --%s); split it into smaller files", Count(e.Limit), e.What, where, e.Flag)
}

// Unwrap gives the domain error the worker and the HTTP layer read.
func (e *Error) Unwrap() error { return &extract.Error{Code: extract.CodeInvalid, Message: e.Error()} }

// Count writes n with thousands separators: 2,000,000.
func Count(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	out := make([]byte, 0, len(s)+len(s)/3)
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// Budget counts what one parse has made against Limits. It is not safe for
// concurrent use; a parser that reads pages in parallel gives each its own
// share or guards it. The methods of a nil *Budget count nothing and never
// fail, for the tools and tests that read trusted files.
type Budget struct {
	l     Limits
	cells int64
	words int64
	text  int64
}

// New returns an empty budget under l, its unset fields at their defaults.
func New(l Limits) *Budget { return &Budget{l: l.WithDefaults()} }

// Limits returns the budget's limits, defaults filled in.
func (b *Budget) Limits() Limits {
	if b == nil {
		return Limits{}.WithDefaults()
	}
	return b.l
}

// Cells takes n table cells from the budget, or fails without taking them.
func (b *Budget) Cells(n int) error {
	if b == nil {
		return nil
	}
	if n < 0 || b.cells+int64(n) > int64(b.l.MaxTableCells) {
		return b.CellsError()
	}
	b.cells += int64(n)
	return nil
}

// CellsLeft is how many table cells the budget still has.
func (b *Budget) CellsLeft() int {
	if b == nil {
		return int(^uint(0) >> 1)
	}
	return int(int64(b.l.MaxTableCells) - b.cells)
}

// CellsError is the error of a document over MaxTableCells.
func (b *Budget) CellsError() error {
	return &Error{What: "table cells", Limit: int64(b.Limits().MaxTableCells), Flag: FlagTableCells}
}

// Words takes n words of textBytes bytes in all from the budget, or fails
// without taking them.
func (b *Budget) Words(n int, textBytes int) error {
	if b == nil {
		return nil
	}
	if b.words+int64(n) > int64(b.l.MaxWords) {
		return &Error{What: "words", Limit: int64(b.l.MaxWords), Flag: FlagWords}
	}
	if err := b.Text(textBytes); err != nil {
		return err
	}
	b.words += int64(n)
	return nil
}

// Text takes n bytes of text from the budget, or fails without taking them.
func (b *Budget) Text(n int) error {
	if b == nil {
		return nil
	}
	if b.text+int64(n) > b.l.MaxTextBytes {
		return b.TextError()
	}
	b.text += int64(n)
	return nil
}

// TextError is the error of a document over MaxTextBytes.
func (b *Budget) TextError() error {
	return &Error{What: "bytes of text", Limit: b.Limits().MaxTextBytes, Flag: FlagTextBytes}
}

// PageWords fails when a page of flowing text would hold more than
// MaxWordsPerPage words with n.
func (b *Budget) PageWords(n int) error {
	if b == nil || n <= b.l.MaxWordsPerPage {
		return nil
	}
	return &Error{What: "words", Where: "on one page", Limit: int64(b.l.MaxWordsPerPage), Flag: FlagWordsPerPage}
}

// PageChars fails when a PDF page has more than ten characters for each
// word MaxWordsPerPage allows: PDFium counts them before they are read,
// and each costs a box.
func (b *Budget) PageChars(n int) error {
	if b == nil || n <= 10*b.l.MaxWordsPerPage {
		return nil
	}
	return &Error{What: "characters", Where: "on one page", Limit: 10 * int64(b.l.MaxWordsPerPage), Flag: FlagWordsPerPage}
}

// Line fails when a line (or record, or word) of n characters is longer
// than MaxLineLength.
func (b *Budget) Line(n int) error {
	if b == nil || n <= b.l.MaxLineLength {
		return nil
	}
	return b.LineError()
}

// LineError is the error of a line over MaxLineLength.
func (b *Budget) LineError() error {
	return &Error{What: "characters", Where: "in one line", Limit: int64(b.Limits().MaxLineLength), Flag: FlagLineLength}
}

// ElementsError is the error of a document over MaxElements; what names
// the elements ("HTML elements and text nodes").
func (b *Budget) ElementsError(what string) error {
	return &Error{What: what, Limit: int64(b.Limits().MaxElements), Flag: FlagElements}
}

// StreamError is the error of a PDF stream that inflates past
// MaxPDFStreamBytes.
func (b *Budget) StreamError() error {
	l := b.Limits().MaxPDFStreamBytes
	return &Error{What: "bytes", Where: "in one inflated PDF stream (it may be a flate bomb)", Limit: l, Flag: FlagPDFStreamBytes}
}
