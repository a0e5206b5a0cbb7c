package corpus

import (
	"archive/zip"
	"bytes"
	"fmt"
	"html"
	"strings"
	"time"
)

// renderDOCX writes the document as a Word file: paragraphs, tables (the
// two-column and label-over-value layouts are borderless tables, as word
// processors make them) and page breaks where the PDF's pages end. It
// records no rendered page ends, as a program-written file does not.
func renderDOCX(s spec) ([]byte, error) {
	var body strings.Builder
	var open *strings.Builder // rows of a table that may go on on the next page
	closeTable := func() {
		if open != nil {
			body.WriteString(open.String())
			body.WriteString(`</w:tbl>`)
			open = nil
		}
	}
	w, h := s.size()
	margin := min(pdfMargin, w/12)
	textW := w - 2*margin
	for i, p := range s.pages {
		for j, b := range p.blocks {
			if t, ok := b.(table); ok && t.continued && j == 0 && open != nil {
				// The table goes on: its first row here starts the page.
				first := true
				if t.repeat {
					open.WriteString(docxRow(t.header, true, true))
					first = false
				}
				for _, r := range t.rows {
					open.WriteString(docxRow(texts(r), false, first))
					first = false
				}
				continue
			}
			if i > 0 && j == 0 {
				closeTable()
				body.WriteString(`<w:p><w:r><w:br w:type="page"/></w:r></w:p>`)
			}
			closeTable()
			if t, ok := b.(table); ok {
				open = &strings.Builder{}
				open.WriteString(docxGrid(t.widths, textW))
				if !t.noHeader && (!t.continued || t.repeat) {
					open.WriteString(docxRow(t.header, true, false))
				}
				for _, r := range t.rows {
					open.WriteString(docxRow(texts(r), false, false))
				}
				continue
			}
			docxBlock(&body, b, textW)
		}
	}
	closeTable()
	fmt.Fprintf(&body, `<w:sectPr><w:pgSz w:w="%d" w:h="%d"/><w:pgMar w:top="%d" w:right="%d" w:bottom="%d" w:left="%d"/></w:sectPr>`,
		twips(w), twips(h), twips(56), twips(margin), twips(56), twips(margin))
	return packDOCX(body.String())
}

func twips(pt float64) int { return int(pt * 20) }

func texts(r []val) []string {
	out := make([]string, len(r))
	for i, v := range r {
		out[i] = v.text
	}
	return out
}

// docxPara is a paragraph of one run; size 0 is the default size.
func docxPara(text string, size float64, bold bool, indent float64) string {
	var ppr, rpr string
	if indent > 0 {
		ppr = fmt.Sprintf(`<w:pPr><w:ind w:left="%d"/></w:pPr>`, twips(indent))
	}
	if bold || size > 0 {
		rpr = `<w:rPr>`
		if bold {
			rpr += `<w:b/>`
		}
		if size > 0 {
			rpr += fmt.Sprintf(`<w:sz w:val="%d"/>`, int(size*2))
		}
		rpr += `</w:rPr>`
	}
	return `<w:p>` + ppr + `<w:r>` + rpr + `<w:t xml:space="preserve">` + html.EscapeString(text) + `</w:t></w:r></w:p>`
}

func docxGrid(widths []float64, textW float64) string {
	total := 0.0
	for _, v := range widths {
		total += v
	}
	var sb strings.Builder
	sb.WriteString(`<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr><w:tblGrid>`)
	for _, v := range widths {
		fmt.Fprintf(&sb, `<w:gridCol w:w="%d"/>`, twips(v/total*textW))
	}
	sb.WriteString(`</w:tblGrid>`)
	return sb.String()
}

// docxRow is a table row of one paragraph a cell; pageBreak starts a page
// before it.
func docxRow(cells []string, bold, pageBreak bool) string {
	var sb strings.Builder
	sb.WriteString(`<w:tr>`)
	for k, c := range cells {
		p := docxPara(c, 0, bold, 0)
		if pageBreak && k == 0 {
			p = strings.Replace(p, `<w:p>`, `<w:p><w:pPr><w:pageBreakBefore/></w:pPr>`, 1)
		}
		sb.WriteString(`<w:tc>` + p + `</w:tc>`)
	}
	sb.WriteString(`</w:tr>`)
	return sb.String()
}

// docxCell is a table cell of several paragraphs.
func docxCell(paras []string) string {
	if len(paras) == 0 {
		paras = []string{docxPara("", 0, false, 0)}
	}
	return `<w:tc>` + strings.Join(paras, "") + `</w:tc>`
}

func docxBlock(body *strings.Builder, b block, textW float64) {
	switch b := b.(type) {
	case heading:
		if b.text != "" {
			body.WriteString(docxPara(b.text, b.size, true, 0))
		}
	case spacer:
		body.WriteString(docxPara("", 0, false, 0))
	case columns:
		cell := func(bs []block) string {
			var paras []string
			for _, c := range bs {
				paras = append(paras, stacked(c)...)
			}
			return docxCell(paras)
		}
		body.WriteString(docxGrid([]float64{1, 1}, textW) + `<w:tr>` + cell(b.left) + cell(b.right) + `</w:tr></w:tbl>`)
	case fields:
		switch b.style {
		case styleGap:
			widths, lead := []float64{1, 1.6}, []string(nil)
			if b.indent > 0 {
				widths, lead = []float64{b.indent * 3, 1, 1}, []string{""}
			}
			body.WriteString(docxGrid(widths, textW))
			for _, p := range b.pairs {
				body.WriteString(docxRow(append(append([]string(nil), lead...), p.label, p.value.text), false, false))
			}
			body.WriteString(`</w:tbl>`)
		case styleAbove:
			per := max(b.perRow, 1)
			widths := make([]float64, per)
			for k := range widths {
				widths[k] = 1
			}
			body.WriteString(docxGrid(widths, textW))
			for i := 0; i < len(b.pairs); i += per {
				labels, values := make([]string, per), make([]string, per)
				for k, p := range b.pairs[i:min(i+per, len(b.pairs))] {
					labels[k], values[k] = p.label, p.value.text
				}
				body.WriteString(docxRow(labels, true, false) + docxRow(values, false, false))
			}
			body.WriteString(`</w:tbl>`)
		default:
			for _, p := range b.pairs {
				body.WriteString(docxPara(p.label+": "+p.value.text, 0, false, b.indent*textW))
			}
		}
	default:
		for _, p := range stacked(b) {
			body.WriteString(p)
		}
	}
}

// stacked writes a block as paragraphs one under the other, as it is set
// inside a cell of a two-column layout.
func stacked(b block) []string {
	var out []string
	switch b := b.(type) {
	case heading:
		if b.text != "" {
			out = append(out, docxPara(b.text, b.size, true, 0))
		}
	case lines:
		for _, v := range b.items {
			if v.text != "" {
				out = append(out, docxPara(v.text, 0, false, 0))
			}
		}
	case section:
		out = append(out, docxPara(b.heading, 0, true, 0))
		for _, v := range b.items {
			out = append(out, docxPara(v.text, 0, false, 0))
		}
	case fields:
		for _, p := range b.pairs {
			out = append(out, docxPara(p.label+": "+p.value.text, 0, false, 0))
		}
	case spacer:
		out = append(out, docxPara("", 0, false, 0))
	}
	return out
}

const docxNS = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" ` +
	`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`

// packDOCX zips the parts of a DOCX with a fixed time, so the same body
// always gives the same bytes.
func packDOCX(body string) ([]byte, error) {
	parts := []struct{ name, data string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`},
		{"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document ` + docxNS + `><w:body>` + body + `</w:body></w:document>`},
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			return nil, fmt.Errorf("zip %s: %w", p.name, err)
		}
		if _, err := w.Write([]byte(p.data)); err != nil {
			return nil, fmt.Errorf("zip %s: %w", p.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("zip: %w", err)
	}
	return buf.Bytes(), nil
}
