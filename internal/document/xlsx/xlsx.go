// Package xlsx reads Excel workbooks (.xlsx) into Quarry's document model:
// each sheet is a page holding one table, laid out exactly as a CSV file is
// (text.TablePage), so a sheet and its CSV export read the same to an
// engine. Cells show their formatted values (a date as the sheet displays
// it, not its serial number); rows with no value are left out.
//
// # Pages
//
// Page n is the workbook's n-th sheet, hidden ones included, so page numbers
// stay the same whichever sheets a job reads. A job reads the visible sheets,
// or the sheets its configuration names in sheet_names (hidden ones too);
// target_pages and max_pages then apply to those.
package xlsx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/budget"
	"github.com/quarrylabs/quarry/internal/document/layout"
	"github.com/quarrylabs/quarry/internal/document/ooxml"
	"github.com/quarrylabs/quarry/internal/document/text"
	"github.com/quarrylabs/quarry/internal/extract"
)

// Options says how to read a workbook and which of its sheets to keep.
type Options struct {
	// SheetNames are the sheets to read (a job's sheet_names), matched
	// exactly, then ignoring case. Defaults to the visible sheets (nil).
	SheetNames []string
	// Pages are the 1-based pages (sheets) to keep (a job's target_pages);
	// see extract.SelectPages. Defaults to all pages (nil).
	Pages []extract.PageRange
	// MaxPages keeps at most this many of the selected pages (a job's
	// max_pages). Defaults to no limit (0).
	MaxPages int
	// PageLimit fails a workbook with more sheets. Defaults to no limit (0).
	PageLimit int
	// MaxDecompressedBytes fails a file whose parts inflate to more bytes.
	// Defaults to no limit (0).
	MaxDecompressedBytes int64
	// Budget counts the workbook's shared strings, cells, words and text
	// against the server's limits. Defaults to a budget at budget.Limits'
	// defaults (nil).
	Budget *budget.Budget
}

// Parse reads the workbook of size bytes from r.
func Parse(ctx context.Context, r io.ReaderAt, size int64, opts Options) (*document.Document, error) {
	if opts.MaxPages < 0 {
		return nil, extract.Errorf(extract.CodeInvalid, "max_pages must be at least 1 (omit it for no limit)")
	}
	pkg, err := ooxml.Open(r, size, opts.MaxDecompressedBytes, "XLSX")
	if err != nil {
		return nil, err
	}
	// excelize inflates every part itself: refuse a bomb on the sizes the
	// archive declares (archive/zip refuses to inflate past them), and tell
	// excelize the same limit.
	if err := pkg.CheckDeclared(); err != nil {
		return nil, err
	}
	b := opts.Budget
	if b == nil {
		b = budget.New(budget.Limits{})
	}
	// excelize decodes every shared string into memory on opening, at a
	// few hundred bytes each: count them, and their text, on the inflated
	// XML as it streams by first.
	if err := checkSharedStrings(pkg, b); err != nil {
		return nil, err
	}
	xo := excelize.Options{}
	if opts.MaxDecompressedBytes > 0 {
		// Equal limits keep worksheets in memory rather than in temporary
		// files: the limit already bounds the memory.
		xo.UnzipSizeLimit, xo.UnzipXMLSizeLimit = opts.MaxDecompressedBytes, opts.MaxDecompressedBytes
	}
	f, err := excelize.OpenReader(io.NewSectionReader(r, 0, size), xo)
	if err != nil {
		return nil, extract.Errorf(extract.CodeInvalid, "the file is not a readable XLSX workbook: %v", err)
	}
	defer f.Close()

	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, extract.Errorf(extract.CodeInvalid, "the workbook has no sheets")
	}
	if opts.PageLimit > 0 && len(sheets) > opts.PageLimit {
		return nil, layout.TooManyPages(opts.PageLimit)
	}
	keep, err := choose(f, sheets, opts)
	if err != nil {
		return nil, err
	}
	doc := &document.Document{TotalPages: len(sheets)}
	for _, n := range keep {
		records, err := readSheet(ctx, f, sheets[n-1], b)
		if err != nil {
			return nil, err
		}
		p, err := text.TablePage(n, records, b)
		if err != nil {
			return nil, err
		}
		doc.Pages = append(doc.Pages, p)
	}
	words := 0
	for _, p := range doc.Pages {
		words += len(p.Words)
	}
	if words == 0 {
		return nil, extract.Errorf(extract.CodeInvalid, "the selected sheets are empty: there is no text to extract from")
	}
	return doc, nil
}

// choose returns the 1-based numbers of the sheets to read.
func choose(f *excelize.File, sheets []string, opts Options) ([]int, error) {
	var candidates []int
	if len(opts.SheetNames) > 0 {
		for _, name := range opts.SheetNames {
			i := slices.Index(sheets, name)
			if i < 0 {
				i = slices.IndexFunc(sheets, func(s string) bool { return strings.EqualFold(s, name) })
			}
			if i < 0 {
				return nil, extract.Errorf(extract.CodeInvalid, "sheet_names names %q, which is not a sheet of this workbook; its sheets are %s", name, quoteAll(sheets))
			}
			if !slices.Contains(candidates, i+1) {
				candidates = append(candidates, i+1)
			}
		}
		slices.Sort(candidates)
	} else {
		for i, s := range sheets {
			if visible, err := f.GetSheetVisible(s); err != nil || visible {
				candidates = append(candidates, i+1)
			}
		}
	}
	keep := candidates
	if len(opts.Pages) > 0 {
		// target_pages count sheets of the whole workbook; SelectPages
		// says when they name none of them.
		if _, err := extract.SelectPages(len(sheets), opts.Pages, 0); err != nil {
			return nil, err
		}
		keep = slices.DeleteFunc(slices.Clone(candidates), func(n int) bool { return !extract.ContainsPage(opts.Pages, n) })
	}
	if len(keep) == 0 {
		return nil, extract.Errorf(extract.CodeInvalid, "no sheet of this workbook is both in target_pages and among the sheets read (%s)", quoteAll(names(sheets, candidates)))
	}
	if opts.MaxPages > 0 && len(keep) > opts.MaxPages {
		keep = keep[:opts.MaxPages]
	}
	return keep, nil
}

func names(sheets []string, numbers []int) []string {
	out := make([]string, len(numbers))
	for i, n := range numbers {
		out[i] = sheets[n-1]
	}
	return out
}

func quoteAll(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return strings.Join(q, ", ")
}

// readSheet returns a sheet's rows of formatted values without the empty
// ones, taking their cells from b.
func readSheet(ctx context.Context, f *excelize.File, sheet string, b *budget.Budget) ([][]string, error) {
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, extract.Errorf(extract.CodeInvalid, "the sheet %q cannot be read: %v", sheet, err)
	}
	defer rows.Close()
	var out [][]string
	for n := 0; rows.Next(); n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("read sheet %q: %w", sheet, err)
			}
		}
		cols, err := rows.Columns()
		if err != nil {
			return nil, extract.Errorf(extract.CodeInvalid, "the sheet %q cannot be read: %v", sheet, err)
		}
		// An empty row counts too: a sheet can claim a million of them.
		if err := b.Cells(max(len(cols), 1)); err != nil {
			return nil, err
		}
		for len(cols) > 0 && strings.TrimSpace(cols[len(cols)-1]) == "" {
			cols = cols[:len(cols)-1]
		}
		if len(cols) > 0 {
			out = append(out, cols)
		}
	}
	if err := rows.Error(); err != nil {
		if errors.Is(err, ctx.Err()) && ctx.Err() != nil {
			return nil, fmt.Errorf("read sheet %q: %w", sheet, err)
		}
		return nil, extract.Errorf(extract.CodeInvalid, "the sheet %q cannot be read: %v", sheet, err)
	}
	return out, nil
}

// checkSharedStrings fails a workbook whose shared strings are more than
// the budget's cells, or whose text is more than its bytes of text,
// reading the part's inflated XML in small pieces: a string is an <si>
// element (with any namespace prefix), and its text what lies outside
// tags. Entities count as written, which errs towards the limit only for
// workbooks next to it.
func checkSharedStrings(pkg *ooxml.Package, b *budget.Budget) error {
	rc, err := pkg.Open("xl/sharedStrings.xml")
	if errors.Is(err, ooxml.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	defer rc.Close()
	l := b.Limits()
	var (
		strs, textBytes int64
		inTag, closing  bool
		name            []byte // the tag's name read so far
		naming          bool
	)
	buf := make([]byte, 64<<10)
	for {
		n, err := rc.Read(buf)
		for _, c := range buf[:n] {
			switch {
			case c == '<':
				inTag, naming, closing, name = true, true, false, name[:0]
			case !inTag:
				textBytes++
			case c == '>':
				inTag = false
				if naming {
					strs += isSI(name, closing)
				}
				naming = false
			case naming && c == '/' && len(name) == 0:
				closing = true
			case naming && (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '/'):
				strs += isSI(name, closing)
				naming = false
			case naming && len(name) < 16:
				name = append(name, c)
			}
		}
		if strs > int64(l.MaxTableCells) {
			return b.CellsError()
		}
		if textBytes > l.MaxTextBytes {
			return b.Text(int(textBytes))
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return extract.Errorf(extract.CodeInvalid, "the XLSX file is damaged: its shared strings cannot be inflated (%v)", err)
		}
	}
}

// isSI is 1 for the opening tag of a shared string: si, or x:si.
func isSI(name []byte, closing bool) int64 {
	if closing {
		return 0
	}
	if i := strings.LastIndexByte(string(name), ':'); i >= 0 {
		name = name[i+1:]
	}
	if string(name) == "si" {
		return 1
	}
	return 0
}
