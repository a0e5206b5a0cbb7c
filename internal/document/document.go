// Package document is the document model: the contract between the parsers
// that read uploaded files and the engines that extract from them. Every
// citation Quarry returns is built from it.
//
// Coordinates are in page units with the origin at the page's top-left
// corner; what a unit is depends on the format (points for PDF, character
// cells for text), and a page's Width and Height are in the same units, so a
// box divided by the page size is a fraction of the page whatever the source.
package document

// Document is a parsed file: its pages in order.
type Document struct {
	// Pages holds the parsed pages; Page.Number says which page of the
	// original each is, since target_pages and max_pages may skip some.
	Pages []Page
	// TotalPages is the number of pages in the original file.
	TotalPages int
}

// Page is one page of a document.
type Page struct {
	Number int // 1-based
	Width  float64
	Height float64
	Words  []Word
	// Lines are the page's words grouped into lines, in reading order.
	Lines  []Line
	Tables []Table
}

// Box is a rectangle in page units, origin top-left.
type Box struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
	W float64 `json:"w"`
	H float64 `json:"h"`
}

// Union returns the smallest box holding both.
func (b Box) Union(o Box) Box {
	if b.W == 0 && b.H == 0 {
		return o
	}
	x0, y0 := min(b.X, o.X), min(b.Y, o.Y)
	x1, y1 := max(b.X+b.W, o.X+o.W), max(b.Y+b.H, o.Y+o.H)
	return Box{X: x0, Y: y0, W: x1 - x0, H: y1 - y0}
}

// Word is a run of non-space text and where it stands.
type Word struct {
	Text string
	Box  Box
	// Confidence is how sure OCR is of a word it read, from just above 0
	// to 1 (Tesseract's word confidence); 0 for a word read from a file's
	// own text, which is as sure as the file.
	Confidence float64
}

// Line is a sequence of words on one baseline, in reading order.
type Line struct {
	// Words indexes into Page.Words.
	Words []int
	Text  string
	Box   Box
}

// Table is a grid of cells detected on a page.
type Table struct {
	Rows [][]Cell
	Box  Box
	// Continued marks a table that continues a table of the previous page.
	Continued bool
}

// Cell is one table cell.
type Cell struct {
	Text  string
	Words []int
	Box   Box
}
