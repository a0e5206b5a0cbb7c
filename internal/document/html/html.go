// Package html reads HTML documents into Quarry's document model: the text
// a browser shows, in reading order, with <table> elements as tables.
//
// What a reader does not see is left out: the head, scripts, styles,
// templates, embedded objects, form controls' values, and elements hidden
// by the hidden attribute or by an inline style of display:none or
// visibility:hidden. Style sheets are not applied, so an element hidden by a
// class stays in; that errs toward text the engine may cite rather than text
// it never sees.
//
// Block elements (paragraphs, headings, list items, divisions, ...) start
// new lines; inline elements flow within them, and text split by inline
// markup ("<b>Tot</b>al") stays one word, as the browser draws it. Line
// breaks (<br>) and the lines of <pre> are kept.
//
// # Pages and boxes
//
// HTML has no pages, so the text is set with layout.Flow on US Letter pages
// with inch margins, 12 point text and larger headings, paginated where it
// overflows a page; an inline style asking for a page break before or after
// an element (page-break-before: always, break-after: page, ...) is a page
// break too. Boxes are in points on that page.
//
// # Limits
//
// The document's tags and texts are counted by a streaming tokenizer
// before the parser builds its tree, a table's rows times its widest row
// before a span's columns are made, and words as they are set, each against
// Options.Budget (internal/document/budget).
package html

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/budget"
	"github.com/quarrylabs/quarry/internal/document/layout"
	"github.com/quarrylabs/quarry/internal/extract"
)

// Options says how to read a document and which of its pages to keep.
type Options struct {
	// MaxBytes refuses input larger than this many bytes. Defaults to no
	// limit (0).
	MaxBytes int64
	// Pages are the 1-based pages to keep (a job's target_pages); see
	// extract.SelectPages. Defaults to all pages (nil).
	Pages []extract.PageRange
	// MaxPages keeps at most this many of the selected pages (a job's
	// max_pages). Defaults to no limit (0).
	MaxPages int
	// PageLimit fails a document with more pages. Defaults to no limit (0).
	PageLimit int
	// Budget counts the document's words, text and table cells (spans
	// expanded) against the server's limits. Defaults to a budget at
	// budget.Limits' defaults (nil).
	Budget *budget.Budget
}

// baseSize is the size of body text, in points.
const baseSize = 12

// maxDepth is how deep the element tree is followed as structure; below it
// text is still read, as one run. Browsers cap nesting too.
const maxDepth = 512

// Parse reads an HTML document.
func Parse(ctx context.Context, r io.Reader, opts Options) (*document.Document, error) {
	if opts.MaxPages < 0 {
		return nil, extract.Errorf(extract.CodeInvalid, "max_pages must be at least 1 (omit it for no limit)")
	}
	if opts.MaxBytes > 0 {
		r = io.LimitReader(r, opts.MaxBytes+1)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read HTML document: %w", err)
	}
	if opts.MaxBytes > 0 && int64(len(data)) > opts.MaxBytes {
		return nil, extract.Errorf(extract.CodeInvalid,
			"the file is larger than %d bytes, the limit for HTML documents; split it into smaller files", opts.MaxBytes)
	}
	b := opts.Budget
	if b == nil {
		b = budget.New(budget.Limits{})
	}
	if err := countNodes(data, b); err != nil {
		return nil, err
	}
	// The document says its encoding (a BOM, <meta charset>); UTF-8 when it
	// does not.
	cr, err := charset.NewReader(bytes.NewReader(data), "text/html")
	if err != nil {
		return nil, extract.Errorf(extract.CodeInvalid, "the HTML file's character encoding cannot be read: %v", err)
	}
	root, err := xhtml.Parse(cr)
	if err != nil {
		// The parser fails only on what no browser would render either,
		// such as elements nested hundreds deep.
		return nil, extract.Errorf(extract.CodeInvalid, "the HTML document cannot be read: %v", strings.TrimPrefix(err.Error(), "html: "))
	}
	w := &walker{ctx: ctx, budget: b, flow: layout.NewFlow(layout.FlowOptions{FontSize: baseSize, Paginate: true, MaxPages: opts.PageLimit, Budget: b})}
	if err := w.block(root, 0); err != nil {
		return nil, err
	}
	pages, err := w.flow.Pages()
	if err != nil {
		return nil, err
	}
	n := 0
	for _, p := range pages {
		n += len(p.Words)
	}
	if n == 0 {
		return nil, extract.Errorf(extract.CodeInvalid, "the HTML document shows no text to extract from")
	}
	keep, err := extract.SelectPages(len(pages), opts.Pages, opts.MaxPages)
	if err != nil {
		return nil, err
	}
	doc := &document.Document{TotalPages: len(pages), Pages: make([]document.Page, 0, len(keep))}
	for _, k := range keep {
		doc.Pages = append(doc.Pages, pages[k-1])
	}
	return doc, nil
}

// countNodes fails a document of more tags, texts and comments than the
// budget's elements, counting the tokens as they stream by: the parser
// builds a node of about a hundred bytes for each before the walker sees
// any, so a file of empty tags would take gigabytes with no word in it.
func countNodes(data []byte, b *budget.Budget) error {
	limit := b.Limits().MaxElements
	z := xhtml.NewTokenizer(bytes.NewReader(data))
	for n := 0; ; {
		switch z.Next() {
		case xhtml.ErrorToken:
			return nil
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken, xhtml.TextToken, xhtml.CommentToken:
			if n++; n > limit {
				return b.ElementsError("HTML elements and texts")
			}
		}
	}
}

type walker struct {
	ctx    context.Context
	budget *budget.Budget
	flow   *layout.Flow
	nodes  int
	pre    int // how many <pre> elements enclose the current node
}

// skipped are elements whose content is never shown as text.
var skipped = map[atom.Atom]bool{
	atom.Head: true, atom.Script: true, atom.Style: true, atom.Template: true, atom.Noscript: true,
	atom.Iframe: true, atom.Object: true, atom.Embed: true, atom.Svg: true, atom.Math: true, atom.Canvas: true,
	atom.Select: true, atom.Textarea: true, atom.Input: true, atom.Audio: true, atom.Video: true, atom.Map: true,
}

// blocks are elements that start and end a line.
var blocks = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true, atom.Body: true,
	atom.Caption: true, atom.Dd: true, atom.Details: true, atom.Dialog: true, atom.Div: true, atom.Dl: true,
	atom.Dt: true, atom.Fieldset: true, atom.Figcaption: true, atom.Figure: true, atom.Footer: true,
	atom.Form: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Header: true, atom.Hgroup: true, atom.Hr: true, atom.Legend: true, atom.Li: true, atom.Main: true,
	atom.Nav: true, atom.Ol: true, atom.P: true, atom.Pre: true, atom.Section: true, atom.Summary: true,
	atom.Ul: true, atom.Html: true, atom.Center: true, atom.Menu: true,
	// Parts of a table outside a <table> (the parser keeps them in one)
	// still make lines.
	atom.Tr: true, atom.Td: true, atom.Th: true, atom.Tbody: true, atom.Thead: true, atom.Tfoot: true,
}

// headingSize is the font size of headings, in points.
var headingSize = map[atom.Atom]float64{
	atom.H1: 24, atom.H2: 18, atom.H3: 14, atom.H4: 12, atom.H5: 10, atom.H6: 9,
}

// hidden reports whether an element is not shown.
func hidden(n *xhtml.Node) bool {
	if n.Type != xhtml.ElementNode {
		return false
	}
	if skipped[n.DataAtom] {
		return true
	}
	for _, a := range n.Attr {
		switch a.Key {
		case "hidden":
			return true
		case "style":
			s := strings.ReplaceAll(strings.ToLower(a.Val), " ", "")
			if strings.Contains(s, "display:none") || strings.Contains(s, "visibility:hidden") {
				return true
			}
		}
	}
	return false
}

// pageBreak reports whether an inline style asks for a page break before
// (or, with after, after) the element.
func pageBreak(n *xhtml.Node, after bool) bool {
	side := "before"
	if after {
		side = "after"
	}
	for _, a := range n.Attr {
		if a.Key != "style" {
			continue
		}
		s := strings.ReplaceAll(strings.ToLower(a.Val), " ", "")
		if strings.Contains(s, "page-break-"+side+":always") || strings.Contains(s, "break-"+side+":page") {
			return true
		}
	}
	return false
}

// block sets the content of n.
func (w *walker) block(n *xhtml.Node, depth int) error {
	w.nodes++
	if w.nodes%4096 == 0 {
		if err := w.ctx.Err(); err != nil {
			return fmt.Errorf("parse HTML document: %w", err)
		}
	}
	switch n.Type {
	case xhtml.TextNode:
		w.text(n.Data, 0)
		return nil
	case xhtml.ElementNode, xhtml.DocumentNode:
	default:
		return nil
	}
	if hidden(n) {
		return nil
	}
	if depth > maxDepth {
		w.flow.Text(" "+textOf(n)+" ", 0)
		return nil
	}
	switch n.DataAtom {
	case atom.Br:
		w.flow.LineBreak()
		return nil
	case atom.Table:
		w.flow.EndParagraph()
		if pageBreak(n, false) {
			w.flow.PageBreak()
		}
		t, err := w.table(n)
		if err != nil {
			return err
		}
		w.flow.Table(t)
		if pageBreak(n, true) {
			w.flow.PageBreak()
			w.flow.EndParagraph()
		}
		return nil
	case atom.Img:
		// The alternative text stands in for an image, as a reader hears it.
		if alt := attr(n, "alt"); alt != "" {
			w.flow.Text(" "+alt+" ", 0)
		}
		return nil
	}
	isBlock := blocks[n.DataAtom]
	if isBlock {
		w.flow.EndParagraph()
		if pageBreak(n, false) {
			w.flow.PageBreak()
		}
	}
	if n.DataAtom == atom.Pre {
		w.pre++
		defer func() { w.pre-- }()
	}
	size := headingSize[n.DataAtom]
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == xhtml.TextNode && size > 0 {
			w.text(c.Data, size)
			continue
		}
		if err := w.block(c, depth+1); err != nil {
			return err
		}
	}
	if isBlock {
		if pageBreak(n, true) {
			w.flow.PageBreak()
		}
		w.flow.EndParagraph()
	}
	return nil
}

// text adds text; inside <pre> its newlines are line breaks.
func (w *walker) text(s string, size float64) {
	if w.pre == 0 {
		w.flow.Text(s, size)
		return
	}
	for i, line := range strings.Split(s, "\n") {
		if i > 0 {
			w.flow.LineBreak()
		}
		w.flow.Text(line, size)
	}
}

// table turns a <table> into a FlowTable, following rowspan and colspan so
// that each cell lands in its column. Cells text is read flat: a table in a
// cell is its rows' text, one per line.
//
// Spans are what make a small table large: the table will have a cell for
// each of its rows times its widest row's columns, so that product is held
// to the cells left in the budget before any column of a span is made.
// The flow takes the cells from the budget when it sets the table.
func (w *walker) table(t *xhtml.Node) (layout.FlowTable, error) {
	var ft layout.FlowTable
	// taken[col] is how many more rows a rowspan from above covers col.
	var taken []int
	trs := rows(t)
	width := 0 // the widest row so far, in columns
	fits := func(rows, cols int) bool {
		return cols <= width || cols <= w.budget.CellsLeft()/max(rows, 1)
	}
	for i, tr := range trs {
		var row layout.FlowRow
		col := 0
		next := func() {
			for col < len(taken) && taken[col] > 0 {
				row.Cells = append(row.Cells, layout.FlowCell{})
				col++
			}
		}
		for c := tr.FirstChild; c != nil; c = c.NextSibling {
			if c.Type != xhtml.ElementNode || (c.DataAtom != atom.Td && c.DataAtom != atom.Th) || hidden(c) {
				continue
			}
			next()
			span := clampSpan(attr(c, "colspan"), 1000)
			rowspan := clampSpan(attr(c, "rowspan"), 65534)
			if !fits(len(trs), col+span) {
				return layout.FlowTable{}, w.budget.CellsError()
			}
			width = max(width, col+span)
			row.Cells = append(row.Cells, layout.FlowCell{Text: cellText(c), Span: span})
			for k := col; k < col+span; k++ {
				for len(taken) <= k {
					taken = append(taken, 0)
				}
				taken[k] = max(taken[k], rowspan)
			}
			col += span
		}
		next()
		for k := range taken {
			if taken[k] > 0 {
				taken[k]--
			}
		}
		if pageBreak(tr, false) {
			row.BreakBefore = true
		}
		ft.Rows = append(ft.Rows, row)
		if i%256 == 0 {
			if err := w.ctx.Err(); err != nil {
				return layout.FlowTable{}, fmt.Errorf("parse HTML table: %w", err)
			}
		}
	}
	return ft, nil
}

// clampSpan reads a colspan or rowspan: at least 1, at most limit (the
// limits browsers apply).
func clampSpan(s string, limit int) int {
	v, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || v < 1 {
		return 1
	}
	return min(v, limit)
}

// rows returns a table's rows, in <thead>, <tbody>, <tfoot> or directly in
// it, but not those of tables nested in its cells.
func rows(t *xhtml.Node) []*xhtml.Node {
	var out []*xhtml.Node
	for c := t.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != xhtml.ElementNode || hidden(c) {
			continue
		}
		switch c.DataAtom {
		case atom.Tr:
			out = append(out, c)
		case atom.Thead, atom.Tbody, atom.Tfoot:
			for r := c.FirstChild; r != nil; r = r.NextSibling {
				if r.Type == xhtml.ElementNode && r.DataAtom == atom.Tr && !hidden(r) {
					out = append(out, r)
				}
			}
		}
	}
	return out
}

// cellText is the visible text of a cell, its blocks on separate lines.
func cellText(n *xhtml.Node) string {
	var sb strings.Builder
	var walk func(n *xhtml.Node, depth int)
	walk = func(n *xhtml.Node, depth int) {
		if hidden(n) || depth > maxDepth {
			return
		}
		switch {
		case n.Type == xhtml.TextNode:
			sb.WriteString(n.Data)
			return
		case n.Type != xhtml.ElementNode:
			return
		case n.DataAtom == atom.Br:
			sb.WriteString("\n")
			return
		case n.DataAtom == atom.Img:
			sb.WriteString(" " + attr(n, "alt") + " ")
			return
		}
		brk := (blocks[n.DataAtom] || n.DataAtom == atom.Table) && n.DataAtom != atom.Td && n.DataAtom != atom.Th
		if brk {
			sb.WriteString("\n")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, depth+1)
			if c.Type == xhtml.ElementNode && (c.DataAtom == atom.Td || c.DataAtom == atom.Th) {
				sb.WriteString(" ")
			}
		}
		if brk {
			sb.WriteString("\n")
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, 1)
	}
	var lines []string
	for l := range strings.SplitSeq(sb.String(), "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

// textOf is all the visible text under n, iteratively, for trees nested
// past maxDepth.
func textOf(n *xhtml.Node) string {
	var sb strings.Builder
	stack := []*xhtml.Node{n}
	for len(stack) > 0 {
		c := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if hidden(c) {
			continue
		}
		if c.Type == xhtml.TextNode {
			sb.WriteString(c.Data)
			sb.WriteByte(' ')
		}
		for k := c.LastChild; k != nil; k = k.PrevSibling {
			stack = append(stack, k)
		}
	}
	return sb.String()
}

func attr(n *xhtml.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
