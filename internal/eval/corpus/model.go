package corpus

// A document is drawn from a small page model that both renderers read, so
// that the PDF and the DOCX of a document say the same thing and the page
// of every value is known by construction.

// page is the blocks of one page, top to bottom.
type page struct {
	blocks []block
	// footer is a line at the bottom of the page ("Page 1 of 2").
	footer string
}

type block interface{ isBlock() }

// val is a piece of text on the page; path names the gold value it shows
// ("invoice_number", "line_items[3].amount"), empty for plain text.
type val struct {
	text string
	path string
}

// heading is a title line in a larger font.
type heading struct {
	text string
	size float64
	path string
}

// lines is plain text, one val per line.
type lines struct{ items []val }

// Styles of a fields block.
const (
	styleColon = iota // "Label: value", one pair a line
	styleGap          // label and value in two aligned columns, no colon
	styleAbove        // a row of labels over a row of their values
)

// pair is a label and its value.
type pair struct {
	label string
	value val
}

// fields is a block of labelled values.
type fields struct {
	style int
	pairs []pair
	// perRow is how many pairs a row holds in styleAbove.
	perRow int
	// indent moves the block right, as a fraction of the text width:
	// totals stand under the amounts column.
	indent float64
}

// section is a heading over unlabelled lines: "Bill To:" over a name and
// an address.
type section struct {
	heading string
	items   []val
}

// columns sets two stacks of blocks side by side.
type columns struct {
	left, right []block
}

// table is a grid with a header row. right marks right-aligned columns
// (amounts); widths are relative.
type table struct {
	header []string
	rows   [][]val
	widths []float64
	right  []bool
	// continued marks the part of a table that goes on from the previous
	// page; repeat says that part starts with the header again.
	continued, repeat bool
	// noHeader leaves the header out (a key-terms grid of label, value
	// rows).
	noHeader bool
}

// spacer is a blank line.
type spacer struct{}

func (heading) isBlock() {}
func (lines) isBlock()   {}
func (fields) isBlock()  {}
func (section) isBlock() {}
func (columns) isBlock() {}
func (table) isBlock()   {}
func (spacer) isBlock()  {}

// pagesOf records on which page each gold value is drawn.
func pagesOf(pages []page) map[string]int {
	out := map[string]int{}
	var walk func(n int, bs []block)
	see := func(n int, v val) {
		if v.path != "" {
			if _, ok := out[v.path]; !ok {
				out[v.path] = n
			}
		}
	}
	walk = func(n int, bs []block) {
		for _, b := range bs {
			switch b := b.(type) {
			case heading:
				see(n, val{b.text, b.path})
			case lines:
				for _, v := range b.items {
					see(n, v)
				}
			case fields:
				for _, p := range b.pairs {
					see(n, p.value)
				}
			case section:
				for _, v := range b.items {
					see(n, v)
				}
			case columns:
				walk(n, b.left)
				walk(n, b.right)
			case table:
				for _, r := range b.rows {
					for _, v := range r {
						see(n, v)
					}
				}
			}
		}
	}
	for i, p := range pages {
		walk(i+1, p.blocks)
	}
	return out
}
