package corpus

import (
	"bytes"
	"fmt"
	"time"

	"github.com/go-pdf/fpdf"
)

// PDF drawing: Helvetica at 10 pt, 14 pt lines, text only (the parser reads
// words, not rules), on a page with 50 pt margins.
const (
	pdfFont   = 10.0
	pdfLine   = 14.0
	pdfMargin = 50.0
)

type pdfWriter struct {
	f  *fpdf.Fpdf
	tr func(string) string
	s  spec
}

// renderPDF draws the document; the same spec always gives the same bytes.
func renderPDF(s spec) ([]byte, error) {
	w, h := s.size()
	f := fpdf.NewCustom(&fpdf.InitType{UnitStr: "pt", Size: fpdf.SizeType{Wd: w, Ht: h}})
	f.SetAutoPageBreak(false, 0)
	f.SetCatalogSort(true)
	stamp := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	f.SetCreationDate(stamp)
	f.SetModificationDate(stamp)
	pw := &pdfWriter{f: f, tr: f.UnicodeTranslatorFromDescriptor(""), s: s}
	margin := min(pdfMargin, w/12)
	for _, p := range s.pages {
		f.AddPage()
		y := 56.0
		for _, b := range p.blocks {
			y = pw.block(b, margin, w-2*margin, y)
		}
		if p.footer != "" {
			pw.font(pdfFont, "")
			pw.text(w/2-f.GetStringWidth(p.footer)/2, h-30, p.footer)
		}
	}
	var buf bytes.Buffer
	if err := f.Output(&buf); err != nil {
		return nil, fmt.Errorf("write PDF: %w", err)
	}
	return buf.Bytes(), nil
}

func (s spec) size() (float64, float64) {
	if s.width > 0 {
		return s.width, s.height
	}
	return 612, 792
}

func (pw *pdfWriter) font(size float64, style string) {
	pw.f.SetFont("Helvetica", style, size)
}

// text draws s with its baseline at y.
func (pw *pdfWriter) text(x, y float64, s string) {
	if s != "" {
		pw.f.Text(x, y, pw.tr(s))
	}
}

func (pw *pdfWriter) width(s string) float64 { return pw.f.GetStringWidth(pw.tr(s)) }

// block draws b in the column [x, x+w] from the top y and returns the top
// of what comes next.
func (pw *pdfWriter) block(b block, x, w, y float64) float64 {
	pw.font(pdfFont, "")
	switch b := b.(type) {
	case heading:
		if b.text == "" {
			return y
		}
		pw.font(b.size, "B")
		pw.text(x, y+b.size, b.text)
		return y + b.size*1.5
	case lines:
		for _, v := range b.items {
			if v.text == "" {
				continue
			}
			pw.text(x, y+pdfFont, v.text)
			y += pdfLine
		}
		return y
	case spacer:
		return y + pdfLine*0.8
	case section:
		pw.font(pdfFont, "B")
		pw.text(x, y+pdfFont, b.heading)
		pw.font(pdfFont, "")
		y += pdfLine
		for _, v := range b.items {
			pw.text(x, y+pdfFont, v.text)
			y += pdfLine
		}
		return y
	case fields:
		return pw.fields(b, x, w, y)
	case columns:
		half := w * 0.48
		yl, yr := y, y
		for _, c := range b.left {
			yl = pw.block(c, x, half, yl)
		}
		for _, c := range b.right {
			yr = pw.block(c, x+w*0.52, half, yr)
		}
		return max(yl, yr)
	case table:
		return pw.table(b, x, w, y)
	}
	return y
}

func (pw *pdfWriter) fields(b fields, x, w, y float64) float64 {
	x += b.indent * w
	w -= b.indent * w
	switch b.style {
	case styleGap:
		col := 0.0
		for _, p := range b.pairs {
			col = max(col, pw.width(p.label))
		}
		col = max(col+24, min(120, w/3))
		for _, p := range b.pairs {
			pw.text(x, y+pdfFont, p.label)
			pw.text(x+col, y+pdfFont, p.value.text)
			y += pdfLine
		}
		return y
	case styleAbove:
		per := max(b.perRow, 1)
		cw := w / float64(per)
		for i := 0; i < len(b.pairs); i += per {
			for k, p := range b.pairs[i:min(i+per, len(b.pairs))] {
				pw.font(pdfFont-1, "B")
				pw.text(x+float64(k)*cw, y+pdfFont, p.label)
				pw.font(pdfFont, "")
				pw.text(x+float64(k)*cw, y+pdfLine+pdfFont, p.value.text)
			}
			y += 2*pdfLine + 8
		}
		return y
	}
	for _, p := range b.pairs {
		pw.text(x, y+pdfFont, p.label+": "+p.value.text)
		y += pdfLine
	}
	return y
}

func (pw *pdfWriter) table(t table, x, w, y float64) float64 {
	total := 0.0
	for _, v := range t.widths {
		total += v
	}
	left := make([]float64, len(t.widths)+1)
	left[0] = x
	for k, v := range t.widths {
		left[k+1] = left[k] + v/total*w
	}
	cell := func(k int, s string, yy float64) {
		if t.right[k] {
			pw.text(left[k+1]-6-pw.width(s), yy, s)
		} else {
			pw.text(left[k], yy, s)
		}
	}
	if !t.noHeader && (!t.continued || t.repeat) {
		pw.font(pdfFont, "B")
		for k, h := range t.header {
			cell(k, h, y+pdfFont)
		}
		pw.font(pdfFont, "")
		y += pdfLine + 2
	}
	for _, r := range t.rows {
		for k, v := range r {
			cell(k, v.text, y+pdfFont)
		}
		y += pdfLine
	}
	return y
}
