// Package docx reads Word documents (Office Open XML, .docx) into Quarry's
// document model: the body's paragraphs and tables, text boxes, and the
// header and footer of the page.
//
// # Pages and boxes
//
// A DOCX holds no positions: Word lays the text out when it opens the file.
// The parser sets the text on notional pages with layout.Flow, using the
// page size and margins of the document's last section (US Letter with inch
// margins when it has none) and the font sizes of its runs and styles, so
// every word has a box in points that is roughly where Word draws it.
//
// Pages end where the file marks them: an explicit page break, a paragraph
// that starts a page (pageBreakBefore), a section that starts a new page,
// and the page ends Word recorded the last time it saved the file
// (lastRenderedPageBreak). A file that records none (one written by a
// program rather than by Word) is paginated by the notional page instead, so
// that a long document still has pages to cite and to select.
//
// The default header and footer are set in the margins of every page, as
// Word prints them (first-page and even-page variants are not told apart).
// Hidden text, deleted revisions and field codes are left out; the text of
// fields (a page number, a date) is kept as Word last showed it.
//
// # Errors
//
// A file that is not a DOCX, is damaged, inflates past the limit, has too
// many pages or passes a limit of its budget (text, runs, words, words on a
// page, table cells; see internal/document/budget) fails with an error of
// code CodeInvalid whose message says which. The body is decoded as it
// inflates and its text counted as it is read, so a part of hundreds of
// MiB is never held whole.
package docx

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/budget"
	"github.com/quarrylabs/quarry/internal/document/layout"
	"github.com/quarrylabs/quarry/internal/document/ooxml"
	"github.com/quarrylabs/quarry/internal/extract"
)

// Options says how to read a document and which of its pages to keep.
type Options struct {
	// Pages are the 1-based pages to keep (a job's target_pages); see
	// extract.SelectPages. Defaults to all pages (nil).
	Pages []extract.PageRange
	// MaxPages keeps at most this many of the selected pages (a job's
	// max_pages). Defaults to no limit (0).
	MaxPages int
	// PageLimit fails a document with more pages. Defaults to no limit (0).
	PageLimit int
	// MaxDecompressedBytes fails a file whose parts inflate to more bytes.
	// Defaults to no limit (0).
	MaxDecompressedBytes int64
	// Budget counts the document's words, text and table cells, and the
	// words of each page, against the server's limits. Defaults to a
	// budget at budget.Limits' defaults (nil).
	Budget *budget.Budget
}

// maxDepth bounds the nesting of elements the parser follows: Word nests a
// handful deep (tables in tables, text boxes); thousands is an attack on the
// stack.
const maxDepth = 256

// Parse reads the DOCX of size bytes from r.
func Parse(ctx context.Context, r io.ReaderAt, size int64, opts Options) (*document.Document, error) {
	if opts.MaxPages < 0 {
		return nil, extract.Errorf(extract.CodeInvalid, "max_pages must be at least 1 (omit it for no limit)")
	}
	pkg, err := ooxml.Open(r, size, opts.MaxDecompressedBytes, "DOCX")
	if err != nil {
		return nil, err
	}
	main := "word/document.xml"
	// The body is decoded as it inflates: it can be hundreds of MiB of
	// XML, of which the parser keeps only the text.
	data, err := pkg.Stream(main)
	if errors.Is(err, ooxml.ErrNotExist) {
		return nil, extract.Errorf(extract.CodeInvalid, "the file is not a valid DOCX file: it has no word/document.xml")
	}
	if err != nil {
		return nil, err
	}
	defer data.Close()
	st, err := readStyles(pkg)
	if err != nil {
		return nil, err
	}
	b := opts.Budget
	if b == nil {
		b = budget.New(budget.Limits{})
	}
	// The parts' text is held twice, as runs and then as words: the runs
	// of all parts together are held to the same bytes of text.
	text := &textCount{b: b, limit: b.Limits().MaxTextBytes, maxItems: b.Limits().MaxElements}
	body, err := parsePart(ctx, data, main, st, text)
	if err != nil {
		return nil, err
	}
	rels, err := pkg.Relationships(main)
	if err != nil {
		return nil, err
	}
	sect := body.sect
	if sect == nil {
		sect = &section{}
	}
	opt := layout.FlowOptions{
		Width: sect.width, Height: sect.height,
		Top: sect.top, Right: sect.right, Bottom: sect.bottom, Left: sect.left,
		FontSize: st.defaultSize,
		Paginate: !body.rendered,
		MaxPages: opts.PageLimit,
		Budget:   b,
	}
	for _, hf := range []struct {
		id  string
		out *[]string
	}{{sect.header, &opt.Header}, {sect.footer, &opt.Footer}} {
		target, ok := rels[hf.id]
		if hf.id == "" || !ok {
			continue
		}
		data, err := pkg.Read(target)
		if errors.Is(err, ooxml.ErrNotExist) {
			continue // a dangling reference: Word shows no header either
		}
		if err != nil {
			return nil, err
		}
		part, err := parsePart(ctx, bytes.NewReader(data), target, st, text)
		if err != nil {
			return nil, err
		}
		*hf.out = flatten(part.blocks)
	}

	flow := layout.NewFlow(opt)
	for _, b := range body.blocks {
		set(flow, b)
	}
	pages, err := flow.Pages()
	if err != nil {
		return nil, err
	}
	if words(pages) == 0 {
		return nil, extract.Errorf(extract.CodeInvalid, "the document has no text to extract from (it may hold only images)")
	}
	return selectPages(pages, opts)
}

func words(pages []document.Page) int {
	n := 0
	for _, p := range pages {
		n += len(p.Words)
	}
	return n
}

// selectPages keeps the pages a job reads.
func selectPages(pages []document.Page, opts Options) (*document.Document, error) {
	keep, err := extract.SelectPages(len(pages), opts.Pages, opts.MaxPages)
	if err != nil {
		return nil, err
	}
	doc := &document.Document{TotalPages: len(pages), Pages: make([]document.Page, 0, len(keep))}
	for _, n := range keep {
		doc.Pages = append(doc.Pages, pages[n-1])
	}
	return doc, nil
}

// set lays one block out.
func set(f *layout.Flow, b block) {
	switch {
	case b.para != nil:
		p := b.para
		if p.breakBefore {
			f.PageBreak()
		}
		for _, it := range p.items {
			switch it.kind {
			case itemText:
				f.Text(it.text, it.size)
			case itemLineBreak:
				f.LineBreak()
			case itemPageBreak:
				f.PageBreak()
			}
		}
		f.EndParagraph()
		for _, a := range p.after {
			set(f, a)
		}
		if p.breakAfter {
			f.PageBreak()
			f.EndParagraph()
		}
	case b.table != nil:
		t := layout.FlowTable{Widths: b.table.widths}
		for _, r := range b.table.rows {
			row := layout.FlowRow{BreakBefore: r.breakBefore}
			for _, c := range r.cells {
				fc := layout.FlowCell{Span: c.span}
				if !c.merged {
					fc.Text = strings.Join(flatten(c.blocks), "\n")
					fc.Size = firstSize(c.blocks)
				}
				row.Cells = append(row.Cells, fc)
			}
			t.Rows = append(t.Rows, row)
		}
		f.Table(t)
	}
}

// flatten returns the text of blocks as paragraphs: a table row becomes one
// paragraph with its cells' text separated by spaces, as a header's or a
// nested table's text reads best on its own.
func flatten(blocks []block) []string {
	var out []string
	for _, b := range blocks {
		switch {
		case b.para != nil:
			var sb strings.Builder
			for _, it := range b.para.items {
				switch it.kind {
				case itemText:
					sb.WriteString(it.text)
				case itemLineBreak, itemPageBreak:
					sb.WriteString("\n")
				}
			}
			if s := strings.TrimSpace(sb.String()); s != "" {
				out = append(out, strings.Split(s, "\n")...)
			}
			out = append(out, flatten(b.para.after)...)
		case b.table != nil:
			for _, r := range b.table.rows {
				var cells []string
				for _, c := range r.cells {
					cells = append(cells, flatten(c.blocks)...)
				}
				if s := strings.Join(cells, " "); strings.TrimSpace(s) != "" {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

func firstSize(blocks []block) float64 {
	for _, b := range blocks {
		if b.para == nil {
			continue
		}
		for _, it := range b.para.items {
			if it.kind == itemText && strings.TrimSpace(it.text) != "" {
				return it.size
			}
		}
	}
	return 0
}

// The document as read, before layout.
type (
	part struct {
		blocks   []block
		sect     *section // the body's (last) section
		rendered bool     // the file records Word's page ends
	}
	block struct {
		para  *para
		table *table
	}
	para struct {
		items       []item
		breakBefore bool
		breakAfter  bool    // a section ends here and the next starts a page
		after       []block // text boxes anchored in the paragraph
	}
	item struct {
		kind itemKind
		text string
		size float64 // points; 0 for the document default
	}
	table struct {
		widths []float64
		rows   []row
	}
	row struct {
		cells       []cell
		breakBefore bool
	}
	cell struct {
		span   int
		merged bool // continues a vertically merged cell: its text is above
		blocks []block
	}
	section struct {
		width, height            float64 // points
		top, right, bottom, left float64
		header, footer           string // relationship ids
		newPage                  bool   // the next section starts a page
	}
)

type itemKind int

const (
	itemText itemKind = iota
	itemLineBreak
	itemPageBreak
)

// parser reads one part's XML.
type parser struct {
	ctx    context.Context
	d      *xml.Decoder
	name   string
	st     *styles
	tokens int
	spent  *textCount
	out    part
}

// textCount counts the bytes of the runs read from a document's parts, and
// the runs and breaks themselves, which cost memory to hold even when
// empty.
type textCount struct {
	b        *budget.Budget
	n        int64
	limit    int64
	items    int
	maxItems int
}

func parsePart(ctx context.Context, data io.Reader, name string, st *styles, text *textCount) (*part, error) {
	p := &parser{ctx: ctx, d: xml.NewDecoder(data), name: name, st: st, spent: text}
	// The root (w:document, w:hdr, w:ftr) holds the blocks, in w:body for
	// the document.
	blocks, err := p.blocks(0)
	if err != nil {
		return nil, err
	}
	p.out.blocks = blocks
	return &p.out, nil
}

// token returns the next token, checking the context now and then so that
// a huge part cannot outlive the parse timeout.
func (p *parser) token() (xml.Token, error) {
	if p.spent.n > p.spent.limit {
		return nil, p.spent.b.TextError()
	}
	if p.spent.items > p.spent.maxItems {
		return nil, p.spent.b.ElementsError("runs and breaks")
	}
	p.tokens++
	if p.tokens%4096 == 0 {
		if err := p.ctx.Err(); err != nil {
			return nil, fmt.Errorf("parse %s: %w", p.name, err)
		}
	}
	tok, err := p.d.Token()
	if err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		return nil, p.xmlError(err)
	}
	return tok, nil
}

func (p *parser) tooDeep(depth int) error {
	if depth > maxDepth {
		return extract.Errorf(extract.CodeInvalid, "the DOCX file nests its content more than %d levels deep, which this server does not read", maxDepth)
	}
	return nil
}

// blocks reads paragraphs and tables up to the end of the element whose
// start was just read (or the end of the part).
func (p *parser) blocks(depth int) ([]block, error) {
	if err := p.tooDeep(depth); err != nil {
		return nil, err
	}
	var out []block
	for {
		tok, err := p.token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return out, nil
		case xml.StartElement:
			switch t.Name.Local {
			case "p":
				pa, err := p.paragraph(depth + 1)
				if err != nil {
					return nil, err
				}
				out = append(out, block{para: pa})
			case "tbl":
				tb, err := p.table(depth + 1)
				if err != nil {
					return nil, err
				}
				out = append(out, block{table: tb})
			case "sectPr":
				s, err := p.section(depth + 1)
				if err != nil {
					return nil, err
				}
				p.out.sect = s
			case "del", "moveFrom", "Fallback":
				if err := p.d.Skip(); err != nil {
					return nil, p.xmlError(err)
				}
			default:
				// Containers (the body, content controls, custom XML,
				// tracked insertions) hold blocks too.
				inner, err := p.blocks(depth + 1)
				if err != nil {
					return nil, err
				}
				out = append(out, inner...)
			}
		}
	}
}

func (p *parser) xmlError(err error) error {
	// The part's reader fails with its own message (a zip bomb, a damaged
	// archive), which says more than the decoder's.
	if e := (*extract.Error)(nil); errors.As(err, &e) {
		return e
	}
	return extract.Errorf(extract.CodeInvalid, "the DOCX file is damaged: %s is not valid XML (%v)", p.name, err)
}

// runState is the formatting of the run being read.
type runState struct {
	size   float64
	hidden bool
}

// paragraph reads a w:p.
func (p *parser) paragraph(depth int) (*para, error) {
	pa := &para{}
	rs := runState{}
	if err := p.inline(pa, &rs, &rs, depth); err != nil {
		return nil, err
	}
	return pa, nil
}

// inline reads the content of a paragraph or of an element inside one up to
// its end. base is the paragraph's formatting, which a run starts from; rs
// is the formatting in force.
func (p *parser) inline(pa *para, base, rs *runState, depth int) error {
	if err := p.tooDeep(depth); err != nil {
		return err
	}
	for {
		tok, err := p.token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			if err := p.inlineElement(pa, base, rs, t, depth); err != nil {
				return err
			}
		}
	}
}

func (p *parser) inlineElement(pa *para, base, rs *runState, t xml.StartElement, depth int) error {
	add := func(kind itemKind, text string) {
		if !rs.hidden {
			p.spent.n += int64(len(text))
			p.spent.items++
			pa.items = append(pa.items, item{kind: kind, text: text, size: rs.size})
		}
	}
	switch t.Name.Local {
	case "pPr":
		return p.paragraphProps(pa, base, depth+1)
	case "rPr":
		return p.runProps(rs, depth+1)
	case "r":
		run := *base
		return p.inline(pa, base, &run, depth+1)
	case "t":
		text, err := p.text()
		if err != nil {
			return err
		}
		add(itemText, text)
	case "tab", "ptab":
		add(itemText, " ")
		return p.skip()
	case "noBreakHyphen":
		add(itemText, "-")
		return p.skip()
	case "br":
		switch attr(t, "type") {
		case "page":
			add(itemPageBreak, "")
		default:
			add(itemLineBreak, "")
		}
		return p.skip()
	case "cr":
		add(itemLineBreak, "")
		return p.skip()
	case "lastRenderedPageBreak":
		p.out.rendered = true
		add(itemPageBreak, "")
		return p.skip()
	case "txbxContent":
		blocks, err := p.blocks(depth + 1)
		if err != nil {
			return err
		}
		pa.after = append(pa.after, blocks...)
	case "del", "moveFrom", "delText", "instrText", "delInstrText", "Fallback":
		return p.skip()
	default:
		// Hyperlinks, fields, smart tags, insertions, content controls
		// and drawings hold runs (or text boxes) of the paragraph.
		return p.inline(pa, base, rs, depth+1)
	}
	return nil
}

func (p *parser) skip() error {
	if err := p.d.Skip(); err != nil {
		return p.xmlError(err)
	}
	return nil
}

// text reads the character data of a w:t.
func (p *parser) text() (string, error) {
	var sb strings.Builder
	for {
		tok, err := p.token()
		if err == io.EOF {
			return sb.String(), nil
		}
		if err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.CharData:
			// One w:t can hold all of a part's text: stop at the limit
			// rather than at its end.
			if p.spent.n+int64(sb.Len()+len(t)) > p.spent.limit {
				return "", p.spent.b.TextError()
			}
			sb.Write(t)
		case xml.StartElement:
			if err := p.skip(); err != nil {
				return "", err
			}
		case xml.EndElement:
			return sb.String(), nil
		}
	}
}

// paragraphProps reads a w:pPr: the style, page breaks, and a section end.
func (p *parser) paragraphProps(pa *para, base *runState, depth int) error {
	return p.walk(depth, func(t xml.StartElement, depth int) (bool, error) {
		switch t.Name.Local {
		case "pStyle":
			if s := p.st.size(attr(t, "val")); s > 0 {
				base.size = s
			}
		case "pageBreakBefore":
			pa.breakBefore = on(t)
		case "sectPr":
			s, err := p.section(depth)
			if err != nil {
				return false, err
			}
			pa.breakAfter = s.newPage
			return true, nil
		case "rPr":
			// The paragraph mark's formatting, not the text's.
			return true, p.skip()
		}
		return false, nil
	})
}

// runProps reads a w:rPr: size and hidden text.
func (p *parser) runProps(rs *runState, depth int) error {
	return p.walk(depth, func(t xml.StartElement, _ int) (bool, error) {
		switch t.Name.Local {
		case "sz":
			if v, err := strconv.ParseFloat(attr(t, "val"), 64); err == nil && v > 0 && v < 10000 {
				rs.size = v / 2 // half-points
			}
		case "vanish", "specVanish":
			rs.hidden = on(t)
		case "rStyle":
			if s := p.st.size(attr(t, "val")); s > 0 {
				rs.size = s
			}
		}
		return false, nil
	})
}

// walk calls fn on every element up to the end of the current one. fn
// returns true when it consumed the element's content itself.
func (p *parser) walk(depth int, fn func(xml.StartElement, int) (bool, error)) error {
	if err := p.tooDeep(depth); err != nil {
		return err
	}
	for {
		tok, err := p.token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			done, err := fn(t, depth+1)
			if err != nil {
				return err
			}
			if !done {
				if err := p.walk(depth+1, fn); err != nil {
					return err
				}
			}
		}
	}
}

// section reads a w:sectPr.
func (p *parser) section(depth int) (*section, error) {
	s := &section{newPage: true}
	err := p.walk(depth, func(t xml.StartElement, _ int) (bool, error) {
		switch t.Name.Local {
		case "pgSz":
			s.width, s.height = twips(attr(t, "w")), twips(attr(t, "h"))
			if attr(t, "orient") == "landscape" && s.width < s.height {
				s.width, s.height = s.height, s.width
			}
		case "pgMar":
			s.top, s.right, s.bottom, s.left = twips(attr(t, "top")), twips(attr(t, "right")), twips(attr(t, "bottom")), twips(attr(t, "left"))
		case "headerReference":
			if typ := attr(t, "type"); typ == "default" || (typ == "" && s.header == "") {
				s.header = attr(t, "id")
			}
		case "footerReference":
			if typ := attr(t, "type"); typ == "default" || (typ == "" && s.footer == "") {
				s.footer = attr(t, "id")
			}
		case "type":
			switch attr(t, "val") {
			case "continuous", "nextColumn":
				s.newPage = false
			}
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// table reads a w:tbl.
func (p *parser) table(depth int) (*table, error) {
	tb := &table{}
	err := p.walk(depth, func(t xml.StartElement, depth int) (bool, error) {
		switch t.Name.Local {
		case "gridCol":
			tb.widths = append(tb.widths, twips(attr(t, "w")))
		case "tr":
			r, err := p.row(depth)
			if err != nil {
				return false, err
			}
			tb.rows = append(tb.rows, *r)
			return true, nil
		case "tblPr", "del", "Fallback":
			return true, p.skip()
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	return tb, nil
}

// row reads a w:tr.
func (p *parser) row(depth int) (*row, error) {
	r := &row{}
	err := p.walk(depth, func(t xml.StartElement, depth int) (bool, error) {
		switch t.Name.Local {
		case "tc":
			c, err := p.cell(depth)
			if err != nil {
				return false, err
			}
			for _, b := range c.blocks {
				if b.para != nil && hasPageBreak(b.para) {
					r.breakBefore = true
				}
			}
			r.cells = append(r.cells, *c)
			return true, nil
		case "trPr", "tblPrEx", "del":
			return true, p.skip()
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

func hasPageBreak(pa *para) bool {
	if pa.breakBefore {
		return true
	}
	for _, it := range pa.items {
		if it.kind == itemPageBreak {
			return true
		}
	}
	return false
}

// cell reads a w:tc.
func (p *parser) cell(depth int) (*cell, error) {
	c := &cell{span: 1}
	if err := p.tooDeep(depth); err != nil {
		return nil, err
	}
	for {
		tok, err := p.token()
		if err == io.EOF {
			return c, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return c, nil
		case xml.StartElement:
			if t.Name.Local != "tcPr" {
				// Put the element back in front of its content by reading
				// it as the start of a container of blocks.
				blocks, err := p.blockFrom(t, depth+1)
				if err != nil {
					return nil, err
				}
				c.blocks = append(c.blocks, blocks...)
				continue
			}
			err := p.walk(depth+1, func(t xml.StartElement, _ int) (bool, error) {
				switch t.Name.Local {
				case "gridSpan":
					if v, err := strconv.Atoi(attr(t, "val")); err == nil && v > 1 && v <= 64 {
						c.span = v
					}
				case "vMerge":
					// A vMerge without val="restart" continues the cell above.
					c.merged = attr(t, "val") != "restart"
				}
				return false, nil
			})
			if err != nil {
				return nil, err
			}
		}
	}
}

// blockFrom reads the blocks of an element whose start t was just read.
func (p *parser) blockFrom(t xml.StartElement, depth int) ([]block, error) {
	switch t.Name.Local {
	case "p":
		pa, err := p.paragraph(depth)
		if err != nil {
			return nil, err
		}
		return []block{{para: pa}}, nil
	case "tbl":
		tb, err := p.table(depth)
		if err != nil {
			return nil, err
		}
		return []block{{table: tb}}, nil
	case "del", "moveFrom", "Fallback":
		return nil, p.skip()
	}
	return p.blocks(depth)
}

// attr returns the value of the attribute with the local name, whatever its
// namespace.
func attr(t xml.StartElement, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// on reads an OOXML on/off property: present means on unless its val says
// otherwise.
func on(t xml.StartElement) bool {
	switch attr(t, "val") {
	case "0", "false", "off", "none":
		return false
	}
	return true
}

// twips converts twentieths of a point to points; 0 for what is not a
// plausible measure, so that the default applies.
func twips(s string) float64 {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 || v > 20*14400 { // more than 200 inches
		return 0
	}
	return v / 20
}
