package picture

import (
	"bytes"
	"image"
	"image/jpeg"
	"testing"

	"github.com/quarrylabs/quarry/internal/document/picture/picturetest"
)

func TestEXIFOrientation(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, 4, 4)), nil); err != nil {
		t.Fatal(err)
	}
	plain := buf.Bytes()
	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"None", plain, 1},
		{"Six", picturetest.WithOrientation(plain, 6), 6},
		{"Eight", picturetest.WithOrientation(plain, 8), 8},
		{"OutOfRange", picturetest.WithOrientation(plain, 9), 1},
		{"Truncated", picturetest.WithOrientation(plain, 6)[:20], 1},
		{"NotJPEG", []byte("hello"), 1},
	}
	for _, tt := range tests {
		if got := exifOrientation(tt.data); got != tt.want {
			t.Errorf("%s: exifOrientation = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestOrient(t *testing.T) {
	t.Parallel()
	// 3 × 2:  a b c
	//         d e f
	src := &image.Gray{Pix: []uint8("abcdef"), Stride: 3, Rect: image.Rect(0, 0, 3, 2)}
	tests := []struct {
		o    int
		want string
		w    int
	}{
		{1, "abcdef", 3},
		{2, "cbafed", 3},
		{3, "fedcba", 3},
		{4, "defabc", 3},
		{5, "adbecf", 2},
		{6, "daebfc", 2},
		{7, "fcebda", 2},
		{8, "cfbead", 2},
	}
	for _, tt := range tests {
		got := orient(src, tt.o)
		if string(got.Pix) != tt.want || got.Bounds().Dx() != tt.w {
			t.Errorf("orient(%d) = %q (%d wide), want %q (%d wide)", tt.o, got.Pix, got.Bounds().Dx(), tt.want, tt.w)
		}
	}
}

func TestTIFFDirectories(t *testing.T) {
	t.Parallel()
	page := image.NewGray(image.Rect(0, 0, 2, 2))
	data := picturetest.TIFF(page, page, page)
	offs, err := tiffDirectories(data, 10)
	if err != nil || len(offs) != 3 {
		t.Fatalf("tiffDirectories = %v, %v; want 3 pages", offs, err)
	}
	// A chain that points back to its first directory ends there.
	loop := bytes.Clone(data)
	last := int(offs[2]) + 2 + 12*9
	copy(loop[last:], data[4:8])
	if offs, err := tiffDirectories(loop, 10); err != nil || len(offs) != 3 {
		t.Errorf("tiffDirectories of a loop = %v, %v; want the 3 pages once", offs, err)
	}
	if _, err := tiffDirectories(data[:6], 10); err == nil {
		t.Error("tiffDirectories of a truncated header: no error")
	}
}

func TestOCRScale(t *testing.T) {
	t.Parallel()
	tests := []struct {
		w, h int
		want float64
	}{
		{2480, 3508, 1},                  // A4 at 300 dpi
		{1000, 500, 1.5},                 // small: enlarged to minOCRSide
		{100, 50, maxUpscale},            // tiny: enlarged at most maxUpscale times
		{1450, 900, 1},                   // near enough: left as it is
		{20000, 1000, 0.5},               // too long a side
		{8000, 8000, 0.7905694150420949}, // too many pixels
	}
	for _, tt := range tests {
		if got := ocrScale(tt.w, tt.h); got != tt.want {
			t.Errorf("ocrScale(%d, %d) = %v, want %v", tt.w, tt.h, got, tt.want)
		}
	}
}

func TestResize(t *testing.T) {
	t.Parallel()
	src := &image.Gray{Pix: []uint8{0, 255, 255, 0}, Stride: 2, Rect: image.Rect(0, 0, 2, 2)}
	up := resize(src, 4, 4)
	if up.Pix[0] != 0 || up.Pix[3] != 255 || up.Pix[15] != 0 {
		t.Errorf("resize up = %v, want the corners kept", up.Pix)
	}
	down := resize(src, 1, 1)
	if down.Pix[0] != 128 {
		t.Errorf("resize down = %v, want the mean 128", down.Pix)
	}
}
