// Package picturetest draws images of text for tests: lines set in the Go
// font at a size Tesseract reads, written in every format Quarry reads
// that Go can write (a multi-page TIFF included).
package picturetest

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/draw"
	"os/exec"
	"sync"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Size is the height of the font in pixels: letters about 20 pixels high,
// which Tesseract reads reliably, as a 12-point line scanned at 300 dpi.
const Size = 40

// Margin is the white border around the text, in pixels.
const Margin = 48

var goRegular = sync.OnceValue(func() *opentype.Font {
	f, err := opentype.Parse(goregular.TTF)
	if err != nil {
		panic(err)
	}
	return f
})

// Text draws lines of black text on white in the Go font, one under the
// other, and returns the image (greyscale) with the top-left corner of
// each line's text, in its pixels. The Go font's zero is slashed, which
// Tesseract reads as @ or 8: tests say what they read without zeros.
func Text(tb testing.TB, lines ...string) (*image.Gray, []image.Point) {
	tb.Helper()
	// A face keeps buffers: one per call, for parallel tests.
	f, err := opentype.NewFace(goRegular(), &opentype.FaceOptions{Size: Size, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		tb.Fatal(err)
	}

	wide := 0
	for _, l := range lines {
		wide = max(wide, font.MeasureString(f, l).Ceil())
	}
	m := f.Metrics()
	lineHeight := (m.Height * 3 / 2).Ceil()
	img := image.NewGray(image.Rect(0, 0, wide+2*Margin, lineHeight*len(lines)+2*Margin))
	draw.Draw(img, img.Bounds(), image.White, image.Point{}, draw.Src)
	d := font.Drawer{Dst: img, Src: image.Black, Face: f}
	var at []image.Point
	for i, l := range lines {
		y := Margin + lineHeight*i
		d.Dot = fixed.P(Margin, y+m.Ascent.Ceil())
		d.DrawString(l)
		// The top of capitals, a little under the ascent of the font.
		at = append(at, image.Pt(Margin, y+(m.Ascent-m.CapHeight).Round()))
	}
	return img, at
}

// Transparent is img as black text on a transparent background: what a
// PNG cut out of a drawing program often is.
func Transparent(img *image.Gray) *image.NRGBA {
	out := image.NewNRGBA(img.Bounds())
	for i, v := range img.Pix {
		out.Pix[4*i+3] = 255 - v // ink is opaque, paper is not there
	}
	return out
}

// Paletted is img with a two-colour palette, as a GIF holds it.
func Paletted(img *image.Gray) *image.Paletted {
	out := image.NewPaletted(img.Bounds(), color.Palette{color.White, color.Black})
	for i, v := range img.Pix {
		if v < 128 {
			out.Pix[i] = 1
		}
	}
	return out
}

// TIFF writes the images as the pages of one uncompressed greyscale TIFF,
// little-endian: one image file directory a page, chained in order.
func TIFF(pages ...*image.Gray) []byte {
	var buf bytes.Buffer
	le := binary.LittleEndian
	buf.WriteString("II*\x00")
	binary.Write(&buf, le, uint32(0)) // first directory, patched below
	prevNext := 4                     // where the pointer to the next directory is
	for _, img := range pages {
		w, h := img.Bounds().Dx(), img.Bounds().Dy()
		pixels := buf.Len()
		for y := range h {
			buf.Write(img.Pix[y*img.Stride : y*img.Stride+w])
		}
		if buf.Len()%2 == 1 {
			buf.WriteByte(0) // directories start on a word boundary
		}
		dir := buf.Len()
		b := buf.Bytes()
		le.PutUint32(b[prevNext:], uint32(dir))
		type entry struct {
			tag, typ uint16
			value    uint32
		}
		const short, long = 3, 4
		entries := []entry{
			{256, long, uint32(w)},      // ImageWidth
			{257, long, uint32(h)},      // ImageLength
			{258, short, 8},             // BitsPerSample
			{259, short, 1},             // Compression: none
			{262, short, 1},             // PhotometricInterpretation: black is zero
			{273, long, uint32(pixels)}, // StripOffsets
			{277, short, 1},             // SamplesPerPixel
			{278, long, uint32(h)},      // RowsPerStrip
			{279, long, uint32(w * h)},  // StripByteCounts
		}
		binary.Write(&buf, le, uint16(len(entries)))
		for _, e := range entries {
			binary.Write(&buf, le, e.tag)
			binary.Write(&buf, le, e.typ)
			binary.Write(&buf, le, uint32(1))
			if e.typ == short {
				binary.Write(&buf, le, uint16(e.value))
				binary.Write(&buf, le, uint16(0))
			} else {
				binary.Write(&buf, le, e.value)
			}
		}
		prevNext = buf.Len()
		binary.Write(&buf, le, uint32(0)) // no next directory yet
	}
	return buf.Bytes()
}

// WithOrientation inserts an EXIF segment holding orientation o right after
// the start of a JPEG, as a camera writes it.
func WithOrientation(jpg []byte, o uint16) []byte {
	var exif bytes.Buffer
	exif.WriteString("Exif\x00\x00")
	exif.WriteString("MM\x00*")
	be := binary.BigEndian
	binary.Write(&exif, be, uint32(8)) // first directory
	binary.Write(&exif, be, uint16(1)) // one entry
	binary.Write(&exif, be, uint16(0x0112))
	binary.Write(&exif, be, uint16(3)) // SHORT
	binary.Write(&exif, be, uint32(1))
	binary.Write(&exif, be, o)
	binary.Write(&exif, be, uint16(0))
	binary.Write(&exif, be, uint32(0)) // no next directory
	var out bytes.Buffer
	out.Write(jpg[:2]) // SOI
	out.Write([]byte{0xFF, 0xE1})
	binary.Write(&out, be, uint16(exif.Len()+2))
	out.Write(exif.Bytes())
	out.Write(jpg[2:])
	return out.Bytes()
}

// RotateAnticlockwise turns img a quarter turn anticlockwise: how a camera
// held upright stores a picture it tags with orientation 6.
func RotateAnticlockwise(img *image.Gray) *image.Gray {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	out := image.NewGray(image.Rect(0, 0, h, w))
	for y := range w {
		for x := range h {
			// The upright image's right column becomes the top row.
			out.Pix[y*out.Stride+x] = img.Pix[x*img.Stride+(w-1-y)]
		}
	}
	return out
}

// NeedTesseract skips a test where Tesseract is not installed: images are
// not read without it.
func NeedTesseract(tb testing.TB) {
	tb.Helper()
	if _, err := exec.LookPath("tesseract"); err != nil {
		tb.Skip("tesseract is not installed (apt-get install tesseract-ocr): images are not read")
	}
}

// Encode writes an image with an encoder of the standard library's shape
// (png.Encode, a jpeg.Encode with its options bound).
func Encode(tb testing.TB, img image.Image, enc func(*bytes.Buffer, image.Image) error) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := enc(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}
