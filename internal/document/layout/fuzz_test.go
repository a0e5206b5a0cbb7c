package layout_test

import (
	"testing"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/layout"
)

// FuzzAnalyze lays out pages of arbitrary words: every 5 bytes are a word's
// x, y, width, height and letter. Whatever the boxes, every word must end up
// in exactly one line and tables must be rectangular.
func FuzzAnalyze(f *testing.F) {
	f.Add([]byte("\x00\x00\x05\x01a\x08\x00\x05\x01b\x00\x01\x05\x01c\x08\x01\x05\x01d"))
	f.Add([]byte("\x00\x00\x00\x00a\x00\x00\x00\x00b\xff\xff\xff\xffc"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var doc document.Document
		for page := range 2 {
			p := document.Page{Number: page + 1, Width: 256, Height: 256}
			for i := 0; i+5 <= len(data); i += 5 {
				p.Words = append(p.Words, document.Word{
					Text: string(rune('a' + data[i+4]%26)),
					Box:  document.Box{X: float64(data[i]), Y: float64(data[i+1]), W: float64(data[i+2]) / 8, H: float64(data[i+3]) / 16},
				})
			}
			layout.Analyze(&p)
			checkPage(t, &p)
			doc.Pages = append(doc.Pages, p)
		}
		layout.LinkTables(&doc)
		if len(doc.Pages[0].Tables) > 0 && doc.Pages[0].Tables[0].Continued {
			t.Errorf("a table of the first page is Continued")
		}
	})
}
