package client

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// FilesService is the files API: /api/v1/beta/files.
type FilesService struct{ c *Client }

// Upload sends a document read from r under the file name name, and returns
// the stored file; params may be nil. The bytes are streamed, never held
// whole in memory. When r is an io.Seeker (an *os.File) a failed upload is
// retried from the same offset; otherwise it is sent once.
func (s *FilesService) Upload(ctx context.Context, name string, r io.Reader, params *UploadParams) (*File, error) {
	if params == nil {
		params = &UploadParams{}
	}
	fields := [][2]string{{"purpose", cmp.Or(params.Purpose, "extract")}}
	if params.ExternalFileID != "" {
		fields = append(fields, [2]string{"external_file_id", params.ExternalFileID})
	}
	head, tail, contentType, err := multipartFrame(name, fields)
	if err != nil {
		return nil, err
	}
	seeker, canSeek := r.(io.Seeker)
	var start, size int64 = 0, -1
	if canSeek {
		if start, err = seeker.Seek(0, io.SeekCurrent); err != nil {
			canSeek = false
		} else if end, err := seeker.Seek(0, io.SeekEnd); err == nil {
			size = end - start
			if _, err := seeker.Seek(start, io.SeekStart); err != nil {
				return nil, fmt.Errorf("upload %s: %w", name, err)
			}
		}
	}
	first := true
	newBody := func() (io.Reader, int64, string, error) {
		if !first {
			if _, err := seeker.Seek(start, io.SeekStart); err != nil {
				return nil, 0, "", fmt.Errorf("upload %s: rewind for retry: %w", name, err)
			}
		}
		first = false
		length := int64(-1)
		if size >= 0 {
			length = int64(len(head)) + size + int64(len(tail))
		}
		// The request takes ownership of the body and closes it; r is
		// the caller's to close, so hide any Close it has.
		return io.MultiReader(bytes.NewReader(head), readerOnly{r}, bytes.NewReader(tail)), length, contentType, nil
	}
	var f File
	err = s.c.do(ctx, request{method: http.MethodPost, path: "/api/v1/beta/files", newBody: newBody, noRetry: !canSeek}, &f)
	if err != nil {
		return nil, err
	}
	return &f, nil
}

// readerOnly hides every method of a reader but Read.
type readerOnly struct{ io.Reader }

// multipartFrame returns the bytes of a multipart form with the given
// fields and one file part, split around where the file's bytes go.
func multipartFrame(name string, fields [][2]string) (head, tail []byte, contentType string, err error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range fields {
		if err := mw.WriteField(f[0], f[1]); err != nil {
			return nil, nil, "", err
		}
	}
	if _, err := mw.CreateFormFile("file", name); err != nil {
		return nil, nil, "", err
	}
	head = bytes.Clone(buf.Bytes())
	buf.Reset()
	if err := mw.Close(); err != nil {
		return nil, nil, "", err
	}
	return head, bytes.Clone(buf.Bytes()), mw.FormDataContentType(), nil
}

// UploadFile uploads the file at path under its base name; params may be
// nil.
func (s *FilesService) UploadFile(ctx context.Context, path string, params *UploadParams) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	defer f.Close()
	return s.Upload(ctx, filepath.Base(path), f, params)
}

// Get returns a file's description (not its bytes; see Download).
func (s *FilesService) Get(ctx context.Context, fileID string) (*File, error) {
	var f File
	if err := s.c.do(ctx, request{method: http.MethodGet, path: filePath(fileID)}, &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// ListPage fetches one page of files, newest first; params may be nil.
func (s *FilesService) ListPage(ctx context.Context, params *ListFilesParams) (*FilePage, error) {
	if params == nil {
		params = &ListFilesParams{}
	}
	var page FilePage
	if err := s.c.do(ctx, request{method: http.MethodGet, path: "/api/v1/beta/files", query: params.query(url.Values{})}, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// List walks every file that matches params (which may be nil), fetching
// pages as the loop needs them; see ExtractService.List.
func (s *FilesService) List(ctx context.Context, params *ListFilesParams) iter.Seq2[File, error] {
	p := ListFilesParams{}
	if params != nil {
		p = *params
	}
	return all(ctx, p.PageToken, func(ctx context.Context, token string) (*FilePage, error) {
		p.PageToken = token
		return s.ListPage(ctx, &p)
	})
}

// Delete deletes a file and its bytes.
func (s *FilesService) Delete(ctx context.Context, fileID string) error {
	return s.c.do(ctx, request{method: http.MethodDelete, path: filePath(fileID)}, nil)
}

// Content returns a short-lived URL the file's bytes can be fetched from
// without an API key, to hand to a browser or another program. It lives
// as long as the server's default (an hour on Quarry); see ContentFor.
func (s *FilesService) Content(ctx context.Context, fileID string) (*FileContent, error) {
	return s.ContentFor(ctx, fileID, 0)
}

// ContentFor is Content with a URL that lives for ttl, in whole seconds
// (expires_at_seconds): Quarry accepts 1 second to 7 days. Whoever holds
// the URL can download the file until it expires, so ask for no longer
// than needed. A ttl of 0 takes the server's default.
func (s *FilesService) ContentFor(ctx context.Context, fileID string, ttl time.Duration) (*FileContent, error) {
	var q url.Values
	if ttl != 0 {
		q = url.Values{"expires_at_seconds": {strconv.FormatInt(int64(ttl/time.Second), 10)}}
	}
	var c FileContent
	if err := s.c.do(ctx, request{method: http.MethodGet, path: filePath(fileID) + "/content", query: q}, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

// Download returns a reader of the file's bytes, which the caller must
// close. It asks for a download URL (Content) and fetches it; the API key
// is not sent to that URL, which may be on another host.
func (s *FilesService) Download(ctx context.Context, fileID string) (io.ReadCloser, error) {
	c, err := s.Content(ctx, fileID)
	if err != nil {
		return nil, err
	}
	if c.URL == "" {
		return nil, errors.New("download " + fileID + ": the server returned no URL")
	}
	resp, err := s.c.send(ctx, request{method: http.MethodGet, url: c.URL})
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

func filePath(id string) string { return "/api/v1/beta/files/" + url.PathEscape(id) }
