package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"io"
	"net/http"
	"strconv"

	"github.com/quarrylabs/quarry/client/apitype"
	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/parse"
	"github.com/quarrylabs/quarry/internal/document/pdf"
	"github.com/quarrylabs/quarry/internal/document/picture"
	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/filetype"
)

// A cited page is shown in one of two ways. A PDF page is drawn by PDFium
// as a PNG, and the citation's box (in points) is laid over it; a page of
// an image file is the image itself, upright and greyscale as OCR read it,
// with the box (in its pixels) over it. Any other
// document has no drawing of its own, so its page is drawn in the browser
// from the document model's words, each at its box: what the engine read,
// where it read it, with the cited box over it. Both are positioned as
// fractions of the page, so they scale with the window.

// pageMode says how the job page shows the document's pages.
func (s *Server) pageMode(f *apitype.File) string {
	if f != nil && (f.FileType == filetype.PDF && s.renderer != nil || filetype.Image(f.FileType)) {
		return "image"
	}
	return "words"
}

// pageDPI is the resolution the job page's images are drawn at, which
// turns their pixels into the units of the boxes: points for a PDF, and
// for an image file its own pixels, one a unit (72 "dpi").
func (s *Server) pageDPI(f *apitype.File) int {
	if f != nil && filetype.Image(f.FileType) {
		return 72
	}
	return s.cfg.PageDPI
}

// pageSource returns the job's file and page number n from the request,
// after the API has shown the job and the file to the signed-in key.
func (s *Server) pageSource(r *http.Request, sess *session) (*apitype.File, int, error) {
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 {
		return nil, 0, errNotFound
	}
	job, err := sess.api.Extract.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, 0, err
	}
	f, err := sess.api.Files.Get(r.Context(), job.FileInput)
	if err != nil {
		return nil, 0, err
	}
	return f, n, nil
}

// pageImage serves page n of a job's PDF as a PNG.
func (s *Server) pageImage(w http.ResponseWriter, r *http.Request, sess *session) error {
	f, n, err := s.pageSource(r, sess)
	if err != nil {
		return err
	}
	if s.pageMode(f) != "image" {
		return &pageError{status: http.StatusNotFound, message: "Only PDF pages and images are drawn as images; this document's pages are drawn from their words."}
	}
	body, err := sess.api.Files.Download(r.Context(), f.ID)
	if err != nil {
		return err
	}
	defer body.Close()
	if filetype.Image(f.FileType) {
		return s.pictureImage(w, body, f.FileType, n)
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RenderTimeout)
	defer cancel()
	png, err := s.renderer.RenderPNG(ctx, body, n, s.cfg.PageDPI, pdf.ParseOptions{
		MaxBytes: s.cfg.MaxDocumentBytes, Timeout: s.cfg.RenderTimeout,
	})
	if err != nil {
		return pageErr(err)
	}
	w.Header().Set("Content-Type", "image/png")
	// A job's document never changes; the image may be kept, privately.
	w.Header().Set("Cache-Control", "private, max-age=3600")
	_, _ = w.Write(png)
	return nil
}

// pictureImage serves page n of an image file as a JPEG.
func (s *Server) pictureImage(w http.ResponseWriter, body io.Reader, kind string, n int) error {
	data, err := io.ReadAll(io.LimitReader(body, s.cfg.MaxDocumentBytes+1))
	if err != nil {
		return fmt.Errorf("read image: %w", err)
	}
	if int64(len(data)) > s.cfg.MaxDocumentBytes {
		return &pageError{status: http.StatusNotFound, message: "The image is larger than this server draws."}
	}
	img, err := picture.Upright(data, kind, n, picture.Options{})
	if err != nil {
		return pageErr(err)
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 85}); err != nil {
		return fmt.Errorf("encode page image: %w", err)
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	_, _ = w.Write(buf.Bytes())
	return nil
}

// pageView is a page drawn from its words, in page units.
type pageView struct {
	Number int        `json:"number"`
	Width  float64    `json:"width"`
	Height float64    `json:"height"`
	Words  []wordView `json:"words"`
}

type wordView struct {
	Text string `json:"text"`
	document.Box
}

// pageWords serves page n of a job's document as its words and their boxes.
func (s *Server) pageWords(w http.ResponseWriter, r *http.Request, sess *session) error {
	f, n, err := s.pageSource(r, sess)
	if err != nil {
		return err
	}
	body, err := sess.api.Files.Download(r.Context(), f.ID)
	if err != nil {
		return err
	}
	defer body.Close()
	doc, err := s.parser.Parse(r.Context(), body, f.FileType, parse.Options{Pages: []extract.PageRange{{From: n, To: n}}})
	if err != nil {
		return pageErr(err)
	}
	for _, p := range doc.Pages {
		if p.Number != n {
			continue
		}
		v := pageView{Number: n, Width: p.Width, Height: p.Height, Words: make([]wordView, len(p.Words))}
		for i, wd := range p.Words {
			v.Words[i] = wordView{Text: wd.Text, Box: wd.Box}
		}
		w.Header().Set("Cache-Control", "private, max-age=3600")
		writeJSON(w, http.StatusOK, v)
		return nil
	}
	return errNotFound
}

// pageErr turns a parser's refusal (no such page, an unreadable file) into
// words for the user; anything else stays an internal error.
func pageErr(err error) error {
	var e *extract.Error
	if errors.As(err, &e) && e.Code != extract.CodeInternal {
		return &pageError{status: http.StatusNotFound, message: extract.ErrorMessage(err)}
	}
	return err
}
