package picture

import (
	"image"
	"image/color"
	"math"
)

// gray returns img as greyscale (ITU-R 601 luma), transparent parts over
// white as a page shows them, in a new image with its origin at 0, 0.
func gray(img image.Image) *image.Gray {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	out := image.NewGray(image.Rect(0, 0, w, h))
	switch src := img.(type) {
	case *image.Gray:
		for y := range h {
			copy(out.Pix[y*out.Stride:y*out.Stride+w], src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.YCbCr:
		// Y is the luma already: the chroma planes are not read.
		for y := range h {
			copy(out.Pix[y*out.Stride:y*out.Stride+w], src.Y[src.YOffset(b.Min.X, b.Min.Y+y):])
		}
	case *image.NRGBA:
		for y := range h {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range w {
				p := row[4*x : 4*x+4]
				l := luma(uint32(p[0]), uint32(p[1]), uint32(p[2]))
				// Not premultiplied: blend with white by alpha.
				out.Pix[y*out.Stride+x] = uint8((l*uint32(p[3]) + 255*(255-uint32(p[3])) + 127) / 255)
			}
		}
	case *image.RGBA:
		for y := range h {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range w {
				p := row[4*x : 4*x+4]
				// Premultiplied: white shows through what alpha leaves.
				out.Pix[y*out.Stride+x] = uint8(min(255, luma(uint32(p[0]), uint32(p[1]), uint32(p[2]))+255-uint32(p[3])))
			}
		}
	case *image.Paletted:
		var lut [256]uint8
		for i, c := range src.Palette {
			lut[i] = grayOf(c)
		}
		for y := range h {
			row := src.Pix[src.PixOffset(b.Min.X, b.Min.Y+y):]
			for x := range w {
				out.Pix[y*out.Stride+x] = lut[row[x]]
			}
		}
	default:
		for y := range h {
			for x := range w {
				out.Pix[y*out.Stride+x] = grayOf(img.At(b.Min.X+x, b.Min.Y+y))
			}
		}
	}
	return out
}

// luma is the grey of an 8-bit colour.
func luma(r, g, b uint32) uint32 { return (299*r + 587*g + 114*b + 500) / 1000 }

// grayOf is the grey of any colour over white.
func grayOf(c color.Color) uint8 {
	r, g, b, a := c.RGBA() // premultiplied, 16 bits
	l := luma(r>>8, g>>8, b>>8)
	return uint8(min(255, l+(0xffff-a)>>8))
}

// orient turns img upright as EXIF orientation o (1 to 8) says: the
// picture as stored is mirrored and turned by a quarter turn or two.
func orient(img *image.Gray, o int) *image.Gray {
	if o <= 1 || o > 8 {
		return img
	}
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	W, H := w, h
	if o >= 5 {
		W, H = h, w // quarter turns swap the sides
	}
	out := image.NewGray(image.Rect(0, 0, W, H))
	for y := range H {
		for x := range W {
			var sx, sy int
			switch o {
			case 2: // mirrored left to right
				sx, sy = w-1-x, y
			case 3: // upside down
				sx, sy = w-1-x, h-1-y
			case 4: // mirrored top to bottom
				sx, sy = x, h-1-y
			case 5: // mirrored along the main diagonal
				sx, sy = y, x
			case 6: // stored a quarter turn anticlockwise: turn it clockwise
				sx, sy = y, h-1-x
			case 7: // mirrored along the other diagonal
				sx, sy = w-1-y, h-1-x
			case 8: // stored a quarter turn clockwise: turn it back
				sx, sy = w-1-y, x
			}
			out.Pix[y*out.Stride+x] = img.Pix[sy*img.Stride+sx]
		}
	}
	return out
}

// resize scales img to w × h: bilinear when enlarging, the mean of the
// pixels each new one covers when reducing, so that thin strokes are
// neither lost nor aliased.
func resize(img *image.Gray, w, h int) *image.Gray {
	sw, sh := img.Bounds().Dx(), img.Bounds().Dy()
	out := image.NewGray(image.Rect(0, 0, w, h))
	if w >= sw && h >= sh {
		fx, fy := float64(sw)/float64(w), float64(sh)/float64(h)
		for y := range h {
			vy := (float64(y)+0.5)*fy - 0.5
			y0 := int(math.Floor(vy))
			ty := vy - float64(y0)
			y0, y1 := clamp(y0, sh), clamp(y0+1, sh)
			r0, r1 := img.Pix[y0*img.Stride:], img.Pix[y1*img.Stride:]
			for x := range w {
				vx := (float64(x)+0.5)*fx - 0.5
				x0 := int(math.Floor(vx))
				tx := vx - float64(x0)
				x0, x1 := clamp(x0, sw), clamp(x0+1, sw)
				top := float64(r0[x0])*(1-tx) + float64(r0[x1])*tx
				bottom := float64(r1[x0])*(1-tx) + float64(r1[x1])*tx
				out.Pix[y*out.Stride+x] = uint8(top*(1-ty) + bottom*ty + 0.5)
			}
		}
		return out
	}
	// Reducing: each new pixel is the mean of the block of old ones it
	// covers, whole pixels only, which is close enough at these scales.
	for y := range h {
		ya, yb := y*sh/h, max((y+1)*sh/h, y*sh/h+1)
		for x := range w {
			xa, xb := x*sw/w, max((x+1)*sw/w, x*sw/w+1)
			sum := 0
			for yy := ya; yy < min(yb, sh); yy++ {
				row := img.Pix[yy*img.Stride:]
				for xx := xa; xx < min(xb, sw); xx++ {
					sum += int(row[xx])
				}
			}
			n := (min(yb, sh) - ya) * (min(xb, sw) - xa)
			out.Pix[y*out.Stride+x] = uint8((sum + n/2) / max(n, 1))
		}
	}
	return out
}

func clamp(v, n int) int { return min(max(v, 0), n-1) }
