package picture

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/bmp"
	"golang.org/x/image/tiff"
	"golang.org/x/image/webp"

	"github.com/quarrylabs/quarry/internal/document/budget"
	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/filetype"
)

// codec decodes one image format.
type codec struct {
	config func(io.Reader) (image.Config, error)
	decode func(io.Reader) (image.Image, error)
}

var codecs = map[string]codec{
	filetype.PNG:  {png.DecodeConfig, png.Decode},
	filetype.JPEG: {jpeg.DecodeConfig, jpeg.Decode},
	filetype.GIF:  {gif.DecodeConfig, gif.Decode}, // the first frame
	filetype.TIFF: {tiff.DecodeConfig, tiff.Decode},
	filetype.WebP: {webp.DecodeConfig, webp.Decode},
	filetype.BMP:  {bmp.DecodeConfig, bmp.Decode},
}

// frames returns a reader for each page of an image file: each directory of
// a TIFF, the one picture of the other formats. More than limit pages is an
// error.
func frames(data []byte, kind string, limit int) ([]io.Reader, error) {
	if kind != filetype.TIFF {
		return []io.Reader{bytes.NewReader(data)}, nil
	}
	offsets, err := tiffDirectories(data, limit)
	if err != nil {
		return nil, err
	}
	out := make([]io.Reader, len(offsets))
	for i, off := range offsets {
		// The TIFF decoder reads the first directory only; the header's
		// pointer to it is made to point to page i instead.
		out[i] = io.NewSectionReader(&patchedTIFF{data: data, first: off}, 0, int64(len(data)))
	}
	return out, nil
}

// tiffDirectories walks the chain of image file directories (pages) of a
// TIFF and returns their offsets.
func tiffDirectories(data []byte, limit int) ([]uint32, error) {
	damaged := extract.Errorf(extract.CodeInvalid,
		"the TIFF image cannot be read: the file is damaged or truncated (was the upload complete?); save it again and upload it again")
	if len(data) < 8 {
		return nil, damaged
	}
	var order binary.ByteOrder = binary.LittleEndian
	if data[0] == 'M' {
		order = binary.BigEndian
	}
	if order.Uint16(data[2:]) == 43 {
		return nil, extract.Errorf(extract.CodeInvalid,
			"the image is a BigTIFF, which this server does not read; save it as an ordinary TIFF, PNG or JPEG and upload it again")
	}
	var offsets []uint32
	seen := map[uint32]bool{}
	for off := order.Uint32(data[4:]); off != 0; {
		if seen[off] {
			break // a loop in the chain: every page is read already
		}
		seen[off] = true
		if int64(off)+2 > int64(len(data)) {
			if len(offsets) > 0 {
				break // a bad pointer after the last page: keep the pages
			}
			return nil, damaged
		}
		offsets = append(offsets, off)
		if len(offsets) > limit {
			return nil, budget.PagesError(limit)
		}
		n := int64(order.Uint16(data[off:]))
		next := int64(off) + 2 + 12*n
		if next+4 > int64(len(data)) {
			break
		}
		off = order.Uint32(data[next:])
	}
	return offsets, nil
}

// patchedTIFF reads a TIFF file whose header's pointer to the first
// directory is replaced by first, without copying the file.
type patchedTIFF struct {
	data  []byte
	first uint32
}

func (p *patchedTIFF) ReadAt(b []byte, off int64) (int, error) {
	if off >= int64(len(p.data)) {
		return 0, io.EOF
	}
	n := copy(b, p.data[off:])
	var ptr [4]byte
	if p.data[0] == 'M' {
		binary.BigEndian.PutUint32(ptr[:], p.first)
	} else {
		binary.LittleEndian.PutUint32(ptr[:], p.first)
	}
	for i := range 4 {
		if j := int64(4+i) - off; j >= 0 && j < int64(n) {
			b[j] = ptr[i]
		}
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

// decode reads one page of an image, refusing one of more than maxPixels
// pixels before its pixels are decoded.
func decode(r io.Reader, kind string, maxPixels int64) (image.Image, error) {
	c := codecs[kind]
	var head bytes.Buffer
	cfg, err := c.config(io.TeeReader(r, &head))
	if err != nil {
		return nil, unreadable(kind, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, extract.Errorf(extract.CodeInvalid, "the %s image has no pixels (%d x %d)", name(kind), cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxPixels {
		return nil, &budget.Error{What: "pixels", Where: fmt.Sprintf("in one image (this one is %d x %d)", cfg.Width, cfg.Height),
			Limit: maxPixels, Flag: budget.FlagImagePixels}
	}
	// The decoder reads again from the start: what the configuration read
	// and then the rest.
	if s, ok := r.(io.Seeker); ok {
		if _, err := s.Seek(0, io.SeekStart); err != nil {
			return nil, fmt.Errorf("rewind image: %w", err)
		}
	} else {
		r = io.MultiReader(&head, r)
	}
	img, err := c.decode(r)
	if err != nil {
		return nil, unreadable(kind, err)
	}
	return img, nil
}

func unreadable(kind string, err error) error {
	return fmt.Errorf("%w: %w", extract.Errorf(extract.CodeInvalid,
		"the %s image cannot be read (%v): the file is damaged, truncated or uses a feature this server does not read; save it as PNG or JPEG and upload it again",
		name(kind), err), err)
}

// name is how messages call a format.
func name(kind string) string {
	switch kind {
	case filetype.JPEG:
		return "JPEG"
	case filetype.WebP:
		return "WebP"
	}
	return string(bytes.ToUpper([]byte(kind)))
}

// exifOrientation returns the EXIF orientation (1 to 8) of a JPEG, 1 when
// it has none: cameras and phones store the picture as the sensor saw it
// and say in this tag how to turn it upright.
func exifOrientation(data []byte) int {
	// JPEG markers up to the start of the scan; EXIF is an APP1 segment.
	for i := 2; i+4 <= len(data) && data[i] == 0xFF; {
		marker := data[i+1]
		if marker == 0xDA || marker == 0xD9 {
			break
		}
		size := int(binary.BigEndian.Uint16(data[i+2:]))
		if size < 2 || i+2+size > len(data) {
			break
		}
		seg := data[i+4 : i+2+size]
		if marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return tiffOrientation(seg[6:])
		}
		i += 2 + size
	}
	return 1
}

// tiffOrientation reads tag 0x0112 of the first directory of the TIFF
// structure EXIF data is in.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var order binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		order = binary.LittleEndian
	case "MM":
		order = binary.BigEndian
	default:
		return 1
	}
	off := int(order.Uint32(t[4:]))
	if off < 8 || off+2 > len(t) {
		return 1
	}
	n := int(order.Uint16(t[off:]))
	for i := range n {
		e := off + 2 + 12*i
		if e+12 > len(t) {
			break
		}
		// Orientation is a SHORT (type 3) of count 1, stored in the entry.
		if order.Uint16(t[e:]) == 0x0112 && order.Uint16(t[e+2:]) == 3 {
			if v := int(order.Uint16(t[e+8:])); v >= 1 && v <= 8 {
				return v
			}
			return 1
		}
	}
	return 1
}
