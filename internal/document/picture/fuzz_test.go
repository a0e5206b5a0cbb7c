package picture

import (
	"bytes"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/bmp"

	"github.com/quarrylabs/quarry/internal/document/picture/picturetest"
	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/filetype"
)

// FuzzDecode feeds arbitrary files to everything Parse does before OCR —
// detection, pages, the pixel limit, decoding, greyscale, orientation — and
// requires an image or an invalid-input error, never a panic. OCR is left
// out: seconds of Tesseract per input would leave the fuzzer no time.
func FuzzDecode(f *testing.F) {
	img := image.NewGray(image.Rect(0, 0, 24, 16))
	for i := range img.Pix {
		img.Pix[i] = uint8(i * 7)
	}
	var seeds [][]byte
	for _, enc := range []func(*bytes.Buffer) error{
		func(b *bytes.Buffer) error { return png.Encode(b, img) },
		func(b *bytes.Buffer) error { return jpeg.Encode(b, img, nil) },
		func(b *bytes.Buffer) error { return gif.Encode(b, picturetest.Paletted(img), nil) },
		func(b *bytes.Buffer) error { return bmp.Encode(b, img) },
	} {
		var b bytes.Buffer
		if err := enc(&b); err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, b.Bytes())
	}
	seeds = append(seeds, picturetest.TIFF(img, img), picturetest.WithOrientation(seeds[1], 6))
	if webp, err := os.ReadFile(filepath.Join("testdata", "invoice.webp")); err == nil {
		seeds = append(seeds, webp)
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		kind := filetype.Detect(data, "")
		if !filetype.Image(kind) {
			return
		}
		pages, err := frames(data, kind, 8)
		if err != nil {
			if extract.ErrorCode(err) != extract.CodeInvalid {
				t.Fatalf("frames: %v, want an invalid-input error", err)
			}
			return
		}
		for _, r := range pages {
			img, err := decode(r, kind, 1<<20)
			if err != nil {
				if extract.ErrorCode(err) != extract.CodeInvalid {
					t.Fatalf("decode: %v, want an invalid-input error", err)
				}
				continue
			}
			g := orient(gray(img), exifOrientation(data))
			if g.Bounds().Dx()*g.Bounds().Dy() != img.Bounds().Dx()*img.Bounds().Dy() {
				t.Fatalf("upright page has %v pixels, the image %v", g.Bounds(), img.Bounds())
			}
		}
	})
}
