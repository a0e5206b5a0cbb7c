package app_test

import (
	"bytes"
	"encoding/json"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/image/bmp"

	"github.com/quarrylabs/quarry/internal/document/picture/picturetest"
	"github.com/quarrylabs/quarry/internal/eval"
)

// TestExtractsFromImages uploads photos and scans of an invoice in each
// format Go can write and checks each job reads them: the values, cited in
// the image's pixels on the page they are on, with a confidence.
func TestExtractsFromImages(t *testing.T) {
	picturetest.NeedTesseract(t)
	t.Parallel()
	s := start(t)
	schema := map[string]any{"type": "object", "properties": map[string]any{
		"invoice_number": map[string]any{"type": "string"},
		"total":          map[string]any{"type": "number"},
	}}
	// The Go font's slashed zero reads as @: no zeros.
	img, _ := picturetest.Text(t, "Invoice number: INV-4521", "Total: 312.75")
	cover, _ := picturetest.Text(t, "Cover sheet")
	tests := []struct {
		name     string
		file     string
		content  []byte
		config   map[string]any
		wantPage float64
	}{
		{"PNG", "invoice.png", picturetest.Encode(t, img, func(b *bytes.Buffer, i image.Image) error { return png.Encode(b, i) }), nil, 1},
		{"JPEG", "invoice.jpg", picturetest.Encode(t, img, func(b *bytes.Buffer, i image.Image) error { return jpeg.Encode(b, i, &jpeg.Options{Quality: 90}) }), nil, 1},
		{"GIF", "invoice.gif", picturetest.Encode(t, picturetest.Paletted(img), func(b *bytes.Buffer, i image.Image) error { return gif.Encode(b, i, nil) }), nil, 1},
		{"BMP", "invoice.bmp", picturetest.Encode(t, img, func(b *bytes.Buffer, i image.Image) error { return bmp.Encode(b, i) }), nil, 1},
		{"TIFFSecondPage", "scan.tiff", picturetest.TIFF(cover, img), map[string]any{"target_pages": "2"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := map[string]any{"data_schema": schema, "cite_sources": true, "confidence_scores": true}
			for k, v := range tt.config {
				cfg[k] = v
			}
			created := s.createJob(s.upload(tt.file, tt.content), cfg)
			job := s.waitStatus(created["id"].(string), "COMPLETED", "FAILED")
			if job["status"] != "COMPLETED" {
				t.Fatalf("job ended %v: %v", job["status"], job["error_message"])
			}
			want := map[string]any{"invoice_number": "INV-4521", "total": 312.75}
			if diff := cmp.Diff(want, job["extract_result"]); diff != "" {
				t.Errorf("extract_result (-want +got):\n%s", diff)
			}
			md := job["extract_metadata"].(map[string]any)["field_metadata"].(map[string]any)["document_metadata"].(map[string]any)
			total := md["total"].(map[string]any)
			cit := total["citation"].([]any)[0].(map[string]any)
			if cit["page"] != tt.wantPage {
				t.Errorf("total cited on page %v, want %v", cit["page"], tt.wantPage)
			}
			// The box is in the image's pixels, on the second line.
			box := cit["bounding_boxes"].([]any)[0].(map[string]any)
			b := img.Bounds()
			if x, y, w, h := box["x"].(float64), box["y"].(float64), box["w"].(float64), box["h"].(float64); w <= 0 || h <= 0 || x+w > float64(b.Dx()) || y < float64(b.Dy())/2 || y+h > float64(b.Dy()) {
				t.Errorf("total box = %v, want it inside the lower half of the %d x %d image", box, b.Dx(), b.Dy())
			}
			if c, _ := total["confidence"].(float64); c <= 0 || c > 1 {
				t.Errorf("total confidence = %v, want in (0, 1]", total["confidence"])
			}
		})
	}
}

func TestFailsBadImagesClearly(t *testing.T) {
	picturetest.NeedTesseract(t)
	t.Parallel()
	s := start(t)
	schema := map[string]any{"type": "object", "properties": map[string]any{"total": map[string]any{"type": "number"}}}
	tests := []struct {
		name    string
		file    string
		content []byte
		want    string
	}{
		{"TruncatedPNG", "photo.png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "the PNG image cannot be read"},
		{"DamagedJPEG", "photo.jpg", []byte("\xff\xd8\xff\xe0garbage"), "the JPEG image cannot be read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			created := s.createJob(s.upload(tt.file, tt.content), map[string]any{"data_schema": schema})
			job := s.waitStatus(created["id"].(string), "COMPLETED", "FAILED")
			if msg, _ := job["error_message"].(string); job["status"] != "FAILED" || !strings.Contains(msg, tt.want) {
				t.Errorf("job = %v %q, want FAILED with %q", job["status"], job["error_message"], tt.want)
			}
		})
	}
}

// TestExtractsFromReceiptPhoto runs a job on a scanned receipt nobody on
// the project made: its date is read from the image as the gold has it,
// and cited where it is printed, in the image's pixels.
func TestExtractsFromReceiptPhoto(t *testing.T) {
	picturetest.NeedTesseract(t)
	t.Parallel()
	dir := eval.RealDocs(".")
	if dir == "" {
		t.Skip("the real documents are not beside the repository (../shared/realdocs): no receipt photo to read")
	}
	photo, err := os.ReadFile(filepath.Join(dir, "sroie", "images", "001.jpg"))
	if err != nil {
		t.Skipf("no receipt photo in the real documents: %v", err)
	}
	var schema, gold map[string]any
	for path, v := range map[string]*map[string]any{"schemas/sroie.schema.json": &schema, "sroie/gold/001.json": &gold} {
		data, err := os.ReadFile(filepath.Join(dir, path))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, v); err != nil {
			t.Fatal(err)
		}
	}
	s := start(t)
	created := s.createJob(s.upload("receipt.jpg", photo), map[string]any{"data_schema": schema, "cite_sources": true})
	job := s.waitStatus(created["id"].(string), "COMPLETED", "FAILED")
	if job["status"] != "COMPLETED" {
		t.Fatalf("job ended %v: %v", job["status"], job["error_message"])
	}
	got := job["extract_result"].(map[string]any)
	if got["date"] != gold["date"] {
		t.Errorf("date = %v, want %v", got["date"], gold["date"])
	}
	md := job["extract_metadata"].(map[string]any)["field_metadata"].(map[string]any)["document_metadata"].(map[string]any)
	cit := md["date"].(map[string]any)["citation"].([]any)[0].(map[string]any)
	box := cit["bounding_boxes"].([]any)[0].(map[string]any)
	// The receipt is 439 x 1004 pixels; the date is printed in its upper half.
	if cit["page"] != 1.0 || box["x"].(float64)+box["w"].(float64) > 439 || box["y"].(float64) > 1004/2.0 {
		t.Errorf("date cited at %v, want page 1, in the upper half of the 439 x 1004 image", cit)
	}
}
