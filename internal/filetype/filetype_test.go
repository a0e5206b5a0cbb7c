package filetype

import "testing"

func TestDetect(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		head string
		file string
		want string
	}{
		{"PDF", "%PDF-1.7\n%\xe2\xe3\xcf\xd3", "a.pdf", PDF},
		{"PDFMisnamed", "%PDF-1.4\n", "notes.txt", PDF},
		{"TextNamedPDF", "Invoice Number: 42\n", "invoice.pdf", Text},
		{"DOCX", "PK\x03\x04\x14\x00[Content_Types].xml word/document.xml", "a.docx", DOCX},
		{"XLSX", "PK\x03\x04\x14\x00[Content_Types].xml xl/workbook.xml", "a.bin", XLSX},
		{"ZipByName", "PK\x03\x04\x14\x00", "report.docx", DOCX},
		{"PlainZip", "PK\x03\x04\x14\x00", "a.zip", Zip},
		{"PNG", "\x89PNG\r\n\x1a\n\x00\x00", "scan", PNG},
		{"JPEG", "\xff\xd8\xff\xe0", "scan.jpg", JPEG},
		{"TIFFLittleEndian", "II*\x00\x08\x00\x00\x00", "scan.tif", TIFF},
		{"TIFFBigEndian", "MM\x00*\x00\x00\x00\x08", "scan", TIFF},
		{"WebP", "RIFF\x24\x00\x00\x00WEBPVP8 ", "photo", WebP},
		{"RIFFNotWebP", "RIFF\x24\x00\x00\x00WAVEfmt ", "a.webp", Unknown},
		{"GIF87", "GIF87a\x10\x00", "a", GIF},
		{"GIF89", "GIF89a\x10\x00", "a.gif", GIF},
		{"BMP", "BM\x36\x00\x0c\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00", "a", BMP},
		{"TextStartingBM", "BMW invoice for the 320d, total 1,200 EUR\n", "bmw.txt", Text},
		{"HTMLByContent", "<!DOCTYPE html><html><body>hi", "page.txt", HTML},
		{"CSV", "a,b\n1,2\n", "rows.csv", CSV},
		{"Markdown", "# Title\n", "README.md", Markdown},
		{"JSONByName", `{"a": 1}`, "data.json", JSON},
		{"JSONByContent", `[{"a": 1}]`, "data", JSON},
		{"Text", "hello\tworld\f\n", "note", Text},
		{"UTF8", "Prix total : 12,50 €\n", "facture.txt", Text},
		{"RuneCutAtWindowEnd", "total €"[:len("total €")-1], "a.txt", Text},
		{"Binary", "\x00\x01\x02garbage", "a.txt", Unknown},
		{"Latin1", "caf\xe9 cr\xe8me\n", "a.txt", Unknown},
		{"Empty", "", "empty.txt", Text},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Detect([]byte(tt.head), tt.file); got != tt.want {
				t.Errorf("Detect(%q, %q) = %q, want %q", tt.head, tt.file, got, tt.want)
			}
		})
	}
}

func TestImage(t *testing.T) {
	t.Parallel()
	for _, k := range []string{PNG, JPEG, TIFF, WebP, BMP, GIF} {
		if !Image(k) {
			t.Errorf("Image(%q) = false, want true", k)
		}
		if MIME(k) == MIME(Unknown) {
			t.Errorf("MIME(%q) = %q, want an image type", k, MIME(k))
		}
	}
	for _, k := range []string{PDF, Text, Zip, Unknown} {
		if Image(k) {
			t.Errorf("Image(%q) = true, want false", k)
		}
	}
}
