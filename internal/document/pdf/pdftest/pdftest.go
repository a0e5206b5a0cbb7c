// Package pdftest writes PDF files for tests, so that hostile fixtures are
// made by the tests that use them rather than kept in the repository.
package pdftest

import (
	"bytes"
	"compress/flate"
	"fmt"
	"hash/adler32"
)

// FlateBomb returns a one-page PDF whose content stream shows one line of
// text and then inflates to about inflated bytes of spaces: a megabyte of
// file for each gigabyte inflated. It compresses one mebibyte and repeats
// its deflate blocks, which decode the same wherever they stand since they
// refer only to the spaces before them, so a gigabyte takes well under a
// second to make.
func FlateBomb(inflated int64) []byte {
	const chunk = 1 << 20
	spaces := bytes.Repeat([]byte(" "), chunk)
	head := []byte("BT /F1 12 Tf 72 720 Td (Total 1) Tj ET\n")
	var z bytes.Buffer
	z.Write([]byte{0x78, 0x9c}) // zlib header: deflate, default window
	fw, _ := flate.NewWriter(&z, flate.BestCompression)
	sum := adler32.New()
	write := func(p []byte) {
		fw.Write(p)
		fw.Flush()
		sum.Write(p)
	}
	write(head)
	write(spaces)
	mark := z.Len()
	write(spaces)
	block := bytes.Clone(z.Bytes()[mark:])
	for n := int64(2 * chunk); n < inflated; n += chunk {
		z.Write(block)
		sum.Write(spaces)
	}
	fw.Close()
	z.Write(sum.Sum(nil))
	return Build(z.Bytes(), true)
}

// Build returns a one-page US Letter PDF (Helvetica as /F1) with the given
// content stream, flate-compressed if flate is set, and a correct
// cross-reference table.
func Build(content []byte, flate bool) []byte { return BuildPage(612, 792, content, flate) }

// BuildPage is Build on a page of the given size in points.
func BuildPage(width, height int, content []byte, flate bool) []byte {
	var buf bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, buf.Len())
		fmt.Fprintf(&buf, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	buf.WriteString("%PDF-1.4\n")
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj("<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
	obj(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>", width, height))
	filter := ""
	if flate {
		filter = " /Filter /FlateDecode"
	}
	offsets = append(offsets, buf.Len())
	fmt.Fprintf(&buf, "4 0 obj\n<< /Length %d%s >>\nstream\n", len(content), filter)
	buf.Write(content)
	buf.WriteString("\nendstream\nendobj\n")
	obj("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
	xref := buf.Len()
	fmt.Fprintf(&buf, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&buf, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&buf, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return buf.Bytes()
}
