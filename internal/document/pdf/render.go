package pdf

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"io"

	"github.com/klippa-app/go-pdfium"
	"github.com/klippa-app/go-pdfium/requests"

	"github.com/quarrylabs/quarry/internal/extract"
)

// MaxRenderDPI is the highest resolution RenderPNG draws at: an A4 page at
// 600 dpi is already 35 megapixels.
const MaxRenderDPI = 600

// RenderPNG draws page n (1-based) of the PDF read from r at dpi as a PNG, so
// that a citation's box can be shown on the page it points into. A box in
// points maps to pixels by multiplying by dpi/72.
func (p *Parser) RenderPNG(ctx context.Context, r io.Reader, n, dpi int, opts ParseOptions) ([]byte, error) {
	if dpi < 1 || dpi > MaxRenderDPI {
		return nil, extract.Errorf(extract.CodeInvalid, "dpi must be between 1 and %d, got %d", MaxRenderDPI, dpi)
	}
	data, err := readAll(r, opts.MaxBytes)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	err = p.run(ctx, opts.Timeout, 1, func(ctx context.Context, _ int) error {
		return p.withInstance(ctx, func(inst pdfium.Pdfium) error {
			doc, total, err := openDocument(inst, data, opts.PageLimit)
			if err != nil {
				return err
			}
			defer inst.FPDF_CloseDocument(&requests.FPDF_CloseDocument{Document: doc})
			if n < 1 || n > total {
				return extract.Errorf(extract.CodeInvalid, "page %d is not in the PDF, which has %d pages", n, total)
			}
			img, err := render(inst, doc, n, dpi, false)
			if err != nil {
				return err
			}
			if err := png.Encode(&out, img); err != nil {
				return fmt.Errorf("encode page %d as png: %w", n, err)
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
