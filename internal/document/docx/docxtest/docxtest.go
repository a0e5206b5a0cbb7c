// Package docxtest writes small DOCX files for tests: the parts of a package
// as XML strings, zipped the way Word zips them, so that fixtures are made by
// the tests that use them.
package docxtest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"html"
	"slices"
	"strings"
	"testing"
	"time"
)

const ns = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" ` +
	`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" ` +
	`xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" ` +
	`xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" ` +
	`xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape"`

// Document returns the parts of a DOCX whose body holds the given XML.
func Document(body ...string) map[string]string {
	return map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>`,
		"_rels/.rels": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>`,
		"word/document.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document ` + ns + `><w:body>` + strings.Join(body, "") + `</w:body></w:document>`,
	}
}

// WithHeaderFooter adds a default header and footer of one paragraph each.
func WithHeaderFooter(files map[string]string, header, footer string) map[string]string {
	files["word/header1.xml"] = `<w:hdr ` + ns + `>` + Para(header) + `</w:hdr>`
	files["word/footer1.xml"] = `<w:ftr ` + ns + `>` + Para(footer) + `</w:ftr>`
	files["word/_rels/document.xml.rels"] = `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
		`<Relationship Id="rIdH" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/>` +
		`<Relationship Id="rIdF" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/></Relationships>`
	doc := files["word/document.xml"]
	sect := `<w:sectPr><w:headerReference w:type="default" r:id="rIdH"/><w:footerReference w:type="default" r:id="rIdF"/></w:sectPr>`
	files["word/document.xml"] = strings.Replace(doc, `</w:body>`, sect+`</w:body>`, 1)
	return files
}

// P is a paragraph of the given runs (XML).
func P(runs string) string { return `<w:p>` + runs + `</w:p>` }

// Para is a paragraph of one run of plain text.
func Para(text string) string {
	return P(`<w:r><w:t xml:space="preserve">` + html.EscapeString(text) + `</w:t></w:r>`)
}

// Table is a table with the given column widths (twips) and rows of plain
// text cells.
func Table(widths []int, rows ...[]string) string {
	var sb strings.Builder
	sb.WriteString(`<w:tbl><w:tblPr><w:tblW w:w="0" w:type="auto"/></w:tblPr><w:tblGrid>`)
	for _, w := range widths {
		fmt.Fprintf(&sb, `<w:gridCol w:w="%d"/>`, w)
	}
	sb.WriteString(`</w:tblGrid>`)
	for _, r := range rows {
		sb.WriteString(`<w:tr>`)
		for _, c := range r {
			sb.WriteString(`<w:tc>` + Para(c) + `</w:tc>`)
		}
		sb.WriteString(`</w:tr>`)
	}
	sb.WriteString(`</w:tbl>`)
	return sb.String()
}

// Zip packs parts into a file, in name order and with a fixed time, so the
// same parts always make the same bytes.
func Zip(tb testing.TB, files map[string]string) []byte {
	tb.Helper()
	data, err := Pack(files)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// Pack is Zip for callers without a testing.TB, such as fuzz seed writers.
func Pack(files map[string]string) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	// [Content_Types].xml first, as Office writes it and as content
	// sniffing expects.
	if i := slices.Index(names, "[Content_Types].xml"); i > 0 {
		names = append([]string{names[i]}, slices.Delete(names, i, i+1)...)
	}
	for _, n := range names {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: zip.Deflate, Modified: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			return nil, fmt.Errorf("zip %s: %w", n, err)
		}
		if _, err := w.Write([]byte(files[n])); err != nil {
			return nil, fmt.Errorf("zip %s: %w", n, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("zip: %w", err)
	}
	return buf.Bytes(), nil
}
