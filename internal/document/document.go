// Package document is the document model: the contract between the parsers
// that read uploaded files and the engines that extract from them. Every
// citation Quarry returns is built from it.
//
// Coordinates are in page units with the origin at the page's top-left
// corner; what a unit is depends on the format (Document.Unit: points for
// PDF and the laid-out pages of DOCX, HTML and XLSX, character cells for
// text), and a page's Width and Height are in the same units, so a box
// divided by the page size is a fraction of the page whatever the source.
// What the API shows is in points for every format (PointsPerUnit).
package document

// Document is a parsed file: its pages in order.
type Document struct {
	// Pages holds the parsed pages; Page.Number says which page of the
	// original each is, since target_pages and max_pages may skip some.
	Pages []Page
	// TotalPages is the number of pages in the original file.
	TotalPages int
	// Unit is what the coordinates of the pages count.
	Unit Unit
}

// Unit is what a document's coordinates count.
type Unit int

const (
	// UnitPoint is 1/72 inch, PDF's unit.
	UnitPoint Unit = iota
	// UnitCell is a character cell of a text page: a column across, a line
	// down.
	UnitCell
)

// The size of a character cell in points: 10 characters and 6 lines an inch,
// a typewriter's pica and a line printer's pitch. A text page of 66 lines
// (package text's page length) is then 792 points high, a Letter page's
// height, and a line of 85 characters 612 points wide, its width.
const (
	CellWidth  = 7.2
	CellHeight = 12.0
)

// PointsPerUnit returns how many points one unit of the document's
// coordinates is, across and down: multiplied by them, a box or a page size
// is in points whatever the format.
func (d *Document) PointsPerUnit() (x, y float64) {
	if d.Unit == UnitCell {
		return CellWidth, CellHeight
	}
	return 1, 1
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
