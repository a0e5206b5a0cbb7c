package pdf_test

import (
	"bytes"
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/document/pdf"
	"github.com/quarrylabs/quarry/internal/extract"
)

// FuzzParse feeds arbitrary bytes to the parser: it must not panic or hang,
// must fail only with a message for the user, and must return a bounded,
// well-formed document. Seeds are under testdata/fuzz/FuzzParse (written by
// TestGolden -update); run with
//
//	go test -run XXX -fuzz FuzzParse ./internal/document/pdf/
func FuzzParse(f *testing.F) {
	f.Add(rotatedPDF())
	f.Add([]byte("%PDF-1.4\n"))
	const pageLimit = 20
	f.Fuzz(func(t *testing.T, data []byte) {
		// OCR is off: an arbitrary image is not worth seconds of Tesseract
		// per input, and the OCR path has its own test.
		doc, err := parse(t, data, pdf.ParseOptions{PageLimit: pageLimit, Timeout: 10 * time.Second, NoOCR: true})
		if err != nil {
			if extract.ErrorCode(err) != extract.CodeInvalid {
				t.Fatalf("Parse = %v (code %s), want code invalid", err, extract.ErrorCode(err))
			}
			if errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Parse of %d bytes timed out", len(data))
			}
			return
		}
		if doc.TotalPages < 1 || doc.TotalPages > pageLimit || len(doc.Pages) != doc.TotalPages {
			t.Fatalf("TotalPages = %d, len(Pages) = %d", doc.TotalPages, len(doc.Pages))
		}
		for i, p := range doc.Pages {
			if p.Number != i+1 || !finite(p.Width, p.Height) || p.Width <= 0 || p.Height <= 0 {
				t.Fatalf("page %d: number %d, size %gx%g", i+1, p.Number, p.Width, p.Height)
			}
			for _, w := range p.Words {
				if w.Text == "" || bytes.ContainsAny([]byte(w.Text), " \t\r\n") || !finite(w.Box.X, w.Box.Y, w.Box.W, w.Box.H) || w.Box.W < 0 || w.Box.H < 0 {
					t.Fatalf("page %d: word %q box %+v", p.Number, w.Text, w.Box)
				}
			}
		}
	})
}

func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}
