// Package filetype tells what kind of document a file is from its first
// bytes, using the name only to tell apart formats that share a container
// (DOCX and XLSX are both zip files) or that plain text cannot show (CSV,
// Markdown).
package filetype

import (
	"bytes"
	"net/http"
	"path/filepath"
	"strings"
	"unicode/utf8"
)

// Kinds of documents Quarry knows.
const (
	PDF      = "pdf"
	DOCX     = "docx"
	XLSX     = "xlsx"
	HTML     = "html"
	CSV      = "csv"
	Markdown = "md"
	JSON     = "json"
	Text     = "txt"
	PNG      = "png"
	JPEG     = "jpg"
	TIFF     = "tiff"
	WebP     = "webp"
	BMP      = "bmp"
	GIF      = "gif"
	Zip      = "zip"
	Unknown  = "bin"
)

// SniffLen is how many leading bytes Detect looks at.
const SniffLen = 3072

var mimeTypes = map[string]string{
	PDF:      "application/pdf",
	DOCX:     "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	XLSX:     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	HTML:     "text/html; charset=utf-8",
	CSV:      "text/csv; charset=utf-8",
	Markdown: "text/markdown; charset=utf-8",
	JSON:     "application/json",
	Text:     "text/plain; charset=utf-8",
	PNG:      "image/png",
	JPEG:     "image/jpeg",
	TIFF:     "image/tiff",
	WebP:     "image/webp",
	BMP:      "image/bmp",
	GIF:      "image/gif",
	Zip:      "application/zip",
	Unknown:  "application/octet-stream",
}

// MIME returns the media type of a kind.
func MIME(kind string) string {
	if m, ok := mimeTypes[kind]; ok {
		return m
	}
	return mimeTypes[Unknown]
}

// Detect returns the kind of a file from its first bytes (up to SniffLen)
// and its name. Content wins over the name: a text file named .pdf is text.
func Detect(head []byte, name string) string {
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(name), "."))
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return PDF
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		// Office files are zip archives whose first entry is usually
		// [Content_Types].xml; the part names show which kind.
		switch {
		case bytes.Contains(head, []byte("word/")) || ext == "docx":
			return DOCX
		case bytes.Contains(head, []byte("xl/")) || ext == "xlsx":
			return XLSX
		}
		return Zip
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return PNG
	case bytes.HasPrefix(head, []byte("\xff\xd8\xff")):
		return JPEG
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return TIFF
	case len(head) >= 12 && bytes.HasPrefix(head, []byte("RIFF")) && string(head[8:12]) == "WEBP":
		return WebP
	case bytes.HasPrefix(head, []byte("GIF87a")), bytes.HasPrefix(head, []byte("GIF89a")):
		return GIF
	case isBMP(head):
		return BMP
	}
	if !isText(head) {
		return Unknown
	}
	trimmed := bytes.TrimSpace(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")))
	if strings.HasPrefix(http.DetectContentType(trimmed), "text/html") || ext == "html" || ext == "htm" {
		return HTML
	}
	switch ext {
	case "csv", "tsv":
		return CSV
	case "md", "markdown":
		return Markdown
	case "json":
		return JSON
	}
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') && ext == "" {
		return JSON
	}
	return Text
}

// isBMP reports whether head starts a Windows bitmap: "BM" alone is too
// common a start of text, so the header's reserved fields must be zero and
// its info header one of the sizes the format defines.
func isBMP(head []byte) bool {
	if len(head) < 18 || !bytes.HasPrefix(head, []byte("BM")) {
		return false
	}
	if head[6] != 0 || head[7] != 0 || head[8] != 0 || head[9] != 0 {
		return false
	}
	switch uint32(head[14]) | uint32(head[15])<<8 | uint32(head[16])<<16 | uint32(head[17])<<24 {
	case 12, 40, 52, 56, 64, 108, 124:
		return true
	}
	return false
}

// isText reports whether head looks like UTF-8 text: valid UTF-8 (allowing a
// rune cut at the end of the sniffed prefix) with no NUL and few control
// characters.
func isText(head []byte) bool {
	if bytes.IndexByte(head, 0) >= 0 {
		return false
	}
	b := head
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size == 1 {
			if len(b) < utf8.UTFMax && !utf8.FullRune(b) {
				break // cut by the sniff window
			}
			return false
		}
		if r < 0x20 && r != '\n' && r != '\r' && r != '\t' && r != '\f' {
			return false
		}
		b = b[size:]
	}
	return true
}

// Image reports whether the kind is an image file, read by OCR.
func Image(kind string) bool {
	switch kind {
	case PNG, JPEG, TIFF, WebP, BMP, GIF:
		return true
	}
	return false
}

// TextLike reports whether the kind is read by the text parser.
func TextLike(kind string) bool {
	switch kind {
	case Text, Markdown, CSV, JSON:
		return true
	}
	return false
}
