package httpapi

import (
	"bufio"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/textproto"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/filetype"
	"github.com/quarrylabs/quarry/internal/id"
	"github.com/quarrylabs/quarry/internal/pagetoken"
)

// purposes are the upload purposes the public clients send.
var purposes = []string{"user_data", "parse", "extract", "split", "classify", "sheet", "agent_app"}

// multipartOverhead is room for the form's other parts and boundaries on top
// of the file size limit.
const multipartOverhead = 1 << 20

// uploadFile streams a multipart upload to the blob store: the file is never
// held whole in memory, and its type comes from its bytes.
func (s *Server) uploadFile(w http.ResponseWriter, r *http.Request) error {
	p := principal(r.Context())
	ex, err := parseExpand(r, "download_url")
	if err != nil {
		return err
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		return extract.Errorf(extract.CodeMalformed, "upload a file as multipart/form-data with a part named \"file\"")
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUploadBytes+multipartOverhead)
	mr, err := r.MultipartReader()
	if err != nil {
		return extract.Errorf(extract.CodeMalformed, "could not read the multipart body: %v", err)
	}
	f := extract.File{ID: id.New(id.File), ProjectID: p.ProjectID}
	stored := false
	defer func() {
		if stored {
			// Anything that fails after the bytes landed must not leave
			// them behind; a created row clears this flag.
			_ = s.blobs.Delete(context.WithoutCancel(r.Context()), f.ID)
		}
	}()
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return uploadError(err, s.cfg.MaxUploadBytes)
		}
		switch part.FormName() {
		case "file":
			if stored {
				return extract.Errorf(extract.CodeInvalid, "send one file per upload; this body has more than one part named \"file\"")
			}
			f.Name = cleanName(part.FileName())
			br := bufio.NewReaderSize(part, filetype.SniffLen)
			head, _ := br.Peek(filetype.SniffLen)
			f.FileType = filetype.Detect(head, f.Name)
			f.ContentType = filetype.MIME(f.FileType)
			written, err := s.blobs.Put(r.Context(), f.ID, br, s.cfg.MaxUploadBytes)
			if err != nil {
				return uploadError(err, s.cfg.MaxUploadBytes)
			}
			stored = true
			f.Size, f.SHA256 = written.Size, written.SHA256
		case "purpose", "external_file_id", "organization_id", "project_id":
			v, err := io.ReadAll(io.LimitReader(part, 1025))
			if err != nil {
				return uploadError(err, s.cfg.MaxUploadBytes)
			}
			if len(v) > 1024 {
				return extract.Errorf(extract.CodeInvalid, "form field %s is longer than 1024 bytes", part.FormName())
			}
			switch part.FormName() {
			case "purpose":
				f.Purpose = strings.TrimSpace(string(v))
			case "external_file_id":
				f.ExternalFileID = strings.TrimSpace(string(v))
			}
		default:
			// Unknown parts are drained, not stored: clients add fields.
			if _, err := io.Copy(io.Discard, part); err != nil {
				return uploadError(err, s.cfg.MaxUploadBytes)
			}
		}
	}
	if !stored {
		return extract.Errorf(extract.CodeInvalid, "the multipart body has no file: send the document in a part named \"file\"")
	}
	if f.Purpose == "" {
		f.Purpose = "user_data"
	}
	if !slices.Contains(purposes, f.Purpose) {
		return extract.Errorf(extract.CodeInvalid, "purpose %q is not one of %s", f.Purpose, strings.Join(purposes, ", "))
	}
	if f.Name == "" {
		f.Name = f.ID + "." + f.FileType
	}
	now := s.cfg.Now().UTC()
	f.CreatedAt, f.UpdatedAt = now, now
	if err := s.store.CreateFile(r.Context(), f); err != nil {
		return err
	}
	stored = false
	writeJSON(w, http.StatusCreated, s.fileReply(f, ex))
	return nil
}

// fileReply is a file as the API shows it, with a download link of the
// default lifetime when expand=download_url asked for one.
func (s *Server) fileReply(f extract.File, ex expansions) fileJSON {
	out := toFileJSON(f)
	if ex.downloadURL {
		link := s.downloadLink(f, s.cfg.DownloadTTL)
		out.DownloadURL = &link
	}
	return out
}

// uploadError turns a failed read of the upload into a reply.
func uploadError(err error, limit int64) error {
	var (
		tooBig *http.MaxBytesError
		header textproto.ProtocolError // a part's headers are malformed
	)
	switch {
	case errors.As(err, &tooBig):
		return extract.Errorf(extract.CodeTooLarge, "the upload is larger than the server's limit of %d bytes", limit)
	case extract.ErrorCode(err) != extract.CodeInternal:
		return err
	case errors.Is(err, io.ErrUnexpectedEOF), errors.As(err, &header), strings.Contains(err.Error(), "multipart"):
		return extract.Errorf(extract.CodeMalformed, "the multipart body is malformed or was cut short")
	}
	return err
}

// maxNameBytes bounds a file's name, as most file systems do.
const maxNameBytes = 255

// cleanName keeps the base name of an uploaded file, without directories,
// control characters, bidirectional formatting characters (an override
// makes "invoice\u202etxt.exe" display as "invoiceexe.txt" in a listing)
// or bytes that are not UTF-8, and cut to maxNameBytes at a character
// boundary.
func cleanName(name string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	name = path.Base(name)
	if name == "." || name == "/" {
		return ""
	}
	var b strings.Builder
	for i, r := range name {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(name[i:]); size == 1 {
				continue // a byte that is not UTF-8
			}
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) {
			continue
		}
		if b.Len()+utf8.RuneLen(r) > maxNameBytes {
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (s *Server) getFile(w http.ResponseWriter, r *http.Request) error {
	ex, err := parseExpand(r, "download_url")
	if err != nil {
		return err
	}
	f, err := s.store.File(r.Context(), principal(r.Context()).ProjectID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.fileReply(f, ex))
	return nil
}

func (s *Server) deleteFile(w http.ResponseWriter, r *http.Request) error {
	p := principal(r.Context())
	fileID := r.PathValue("id")
	if err := s.checkFileUnused(r.Context(), p.ProjectID, fileID); err != nil {
		return err
	}
	if err := s.store.DeleteFile(r.Context(), p.ProjectID, fileID); err != nil {
		return err
	}
	if err := s.blobs.Delete(r.Context(), fileID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// checkFileUnused refuses to delete a file that jobs still have to read
// (PENDING, THROTTLED or RUNNING), naming them, so that deleting the input
// of queued work is a choice (cancel them, or wait) rather than a job that
// fails later. Finished jobs keep their results and the file's id in
// file_input after the file is gone. A job created between this check and
// the deletion fails with a message saying its file was deleted.
func (s *Server) checkFileUnused(ctx context.Context, projectID, fileID string) error {
	const shown = 5
	var ids []string
	for _, st := range []extract.Status{extract.StatusPending, extract.StatusThrottled, extract.StatusRunning} {
		jobs, err := s.store.ListJobs(ctx, extract.JobFilter{ProjectID: projectID, FileInput: fileID, Status: st}, extract.Page{Limit: shown + 1})
		if err != nil {
			return err
		}
		for _, j := range jobs {
			ids = append(ids, j.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	list := strings.Join(ids[:min(len(ids), shown)], ", ")
	if len(ids) > shown {
		list += " and more"
	}
	return extract.Errorf(extract.CodeConflict, "file %s is the input of unfinished jobs (%s); cancel them or wait until they finish, then delete the file", fileID, list)
}

// fileQuery is a file listing's request, from GET /files's query string or
// the body of the deprecated POST /files/query.
type fileQuery struct {
	filter    extract.FileFilter
	pageSize  int
	pageToken string
	expand    expansions
	// none is set by a filter that no file of Quarry's can match (a data
	// source, another project): the answer is an empty page.
	none bool
}

func (s *Server) listFiles(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var fq fileQuery
	var err error
	if fq.expand, err = parseExpand(r, "download_url"); err != nil {
		return err
	}
	if fq.pageSize, err = pageSize(r); err != nil {
		return err
	}
	if fq.filter.Order, err = extract.ParseFileOrder(q.Get("order_by")); err != nil {
		return err
	}
	fq.filter.Name, fq.filter.IDs, fq.filter.ExternalFileID = q.Get("file_name"), multi(r, "file_ids"), q.Get("external_file_id")
	fq.pageToken = q.Get("page_token")
	out, err := s.queryFiles(r.Context(), principal(r.Context()).ProjectID, fq)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// queryFilesRequest is the body of POST /api/v1/beta/files/query
// (FileQueryParams), deprecated by the hosted service for GET /files but
// still in its clients.
type queryFilesRequest struct {
	Filter *struct {
		DataSourceID         *string  `json:"data_source_id"`
		ExternalFileID       *string  `json:"external_file_id"`
		FileIDs              []string `json:"file_ids"`
		FileName             *string  `json:"file_name"`
		OnlyManuallyUploaded *bool    `json:"only_manually_uploaded"`
		ProjectID            *string  `json:"project_id"`
	} `json:"filter"`
	OrderBy   *string `json:"order_by"`
	PageSize  *int    `json:"page_size"`
	PageToken *string `json:"page_token"`
}

// queryFilesHandler serves the deprecated POST /files/query: the listing of GET
// /files with its parameters in a body. As the client documents, a
// page_size over the maximum is lowered to it rather than refused.
func (s *Server) queryFilesHandler(w http.ResponseWriter, r *http.Request) error {
	p := principal(r.Context())
	var req queryFilesRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	fq := fileQuery{pageSize: 50}
	if req.PageSize != nil {
		if *req.PageSize < 1 {
			return extract.Errorf(extract.CodeInvalid, "page_size must be at least 1, got %d", *req.PageSize)
		}
		fq.pageSize = min(*req.PageSize, 1000)
	}
	var err error
	if fq.filter.Order, err = extract.ParseFileOrder(deref(req.OrderBy)); err != nil {
		return err
	}
	fq.pageToken = deref(req.PageToken)
	if f := req.Filter; f != nil {
		fq.filter.Name, fq.filter.IDs, fq.filter.ExternalFileID = deref(f.FileName), f.FileIDs, deref(f.ExternalFileID)
		// Quarry's files are all uploaded by hand: none has a data source,
		// so only_manually_uploaded filters nothing out, and a data source
		// or another project matches no file.
		fq.none = deref(f.DataSourceID) != "" || (f.ProjectID != nil && *f.ProjectID != "" && *f.ProjectID != p.ProjectID)
	}
	out, err := s.queryFiles(r.Context(), p.ProjectID, fq)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// queryFiles answers a file listing in the project: the files matching
// the filter, in its order, a page at a time.
func (s *Server) queryFiles(ctx context.Context, projectID string, fq fileQuery) (listJSON[fileJSON], error) {
	f := fq.filter
	f.ProjectID = projectID
	slices.Sort(f.IDs)
	f.IDs = slices.Compact(f.IDs)
	if len(f.IDs) > 1000 {
		return listJSON[fileJSON]{}, extract.Errorf(extract.CodeInvalid, "file_ids lists %d ids; at most 1000 are allowed", len(f.IDs))
	}
	if f.Order == "" {
		f.Order = extract.FileOrderCreated
	}
	// The order is part of the scope, since a cursor of one order means
	// nothing in another; the default order keeps the scope it always had,
	// so tokens handed out before orders existed still open.
	parts := []string{"files", projectID, f.Name, f.ExternalFileID, strings.Join(f.IDs, ",")}
	if f.Order != extract.FileOrderCreated {
		parts = append(parts, string(f.Order))
	}
	scope := pagetoken.Scope(parts...)
	page := extract.Page{Limit: fq.pageSize + 1}
	if fq.pageToken != "" {
		c, err := s.tokens.Open(scope, fq.pageToken)
		if err != nil {
			return listJSON[fileJSON]{}, err
		}
		page.After = &c
	}
	out := listJSON[fileJSON]{Items: []fileJSON{}}
	if fq.none {
		return out, nil
	}
	files, err := s.store.ListFiles(ctx, f, page)
	if err != nil {
		return out, err
	}
	if len(files) > fq.pageSize {
		files = files[:fq.pageSize]
		last := files[fq.pageSize-1]
		c := extract.Cursor{CreatedAt: last.CreatedAt, ID: last.ID}
		if f.Order == extract.FileOrderName {
			c.Name = last.Name
		}
		out.NextPageToken = s.tokens.Seal(scope, c)
	}
	for _, file := range files {
		out.Items = append(out.Items, s.fileReply(file, fq.expand))
	}
	return out, nil
}

// downloadScope binds download tokens; their cursor carries the expiry and
// "project/file".
var downloadScope = pagetoken.Scope("file_download")

// MaxDownloadTTL is the longest a download link may be asked to live
// (expires_at_seconds): seven days, the longest a presigned URL of S3,
// which the hosted service hands out, can live.
const MaxDownloadTTL = 7 * 24 * time.Hour

// fileContent answers with a URL this server serves the bytes at, as the
// hosted service answers with a presigned URL, valid for
// expires_at_seconds (from 1 to MaxDownloadTTL) or DownloadTTL.
func (s *Server) fileContent(w http.ResponseWriter, r *http.Request) error {
	p := principal(r.Context())
	ttl := s.cfg.DownloadTTL
	if v := r.URL.Query().Get("expires_at_seconds"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 || n > int64(MaxDownloadTTL/time.Second) {
			return extract.Errorf(extract.CodeInvalid, "expires_at_seconds must be a whole number of seconds from 1 to %d (7 days), got %q", int64(MaxDownloadTTL/time.Second), v)
		}
		ttl = time.Duration(n) * time.Second
	}
	f, err := s.store.File(r.Context(), p.ProjectID, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.downloadLink(f, ttl))
	return nil
}

// downloadLink makes a link to f's bytes valid for ttl. Its token seals
// the expiry and the file's project and id: it opens that one file to
// whoever holds it until then, and nothing else.
func (s *Server) downloadLink(f extract.File, ttl time.Duration) presignedJSON {
	expires := s.cfg.Now().Add(ttl).UTC().Truncate(time.Millisecond)
	token := s.tokens.Seal(downloadScope, extract.Cursor{CreatedAt: expires, ID: f.ProjectID + "/" + f.ID})
	u := strings.TrimSuffix(s.cfg.PublicURL, "/") + "/files/download?token=" + url.QueryEscape(token)
	return presignedJSON{URL: u, ExpiresAt: formatTime(expires)}
}

// downloadFile serves a file's bytes to the holder of a download URL.
func (s *Server) downloadFile(w http.ResponseWriter, r *http.Request) error {
	c, err := s.tokens.Open(downloadScope, r.URL.Query().Get("token"))
	if err != nil || s.cfg.Now().After(c.CreatedAt) {
		return extract.Errorf(extract.CodeForbidden, "this download link is invalid or has expired; ask for a new one")
	}
	projectID, fileID, _ := strings.Cut(c.ID, "/")
	f, err := s.store.File(r.Context(), projectID, fileID)
	if err != nil {
		return err
	}
	body, err := s.blobs.Open(r.Context(), f.ID)
	if err != nil {
		return err
	}
	defer body.Close()
	h := w.Header()
	h.Set("Content-Type", f.ContentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": f.Name}))
	h.Set("X-Content-Type-Options", "nosniff")
	if rs, ok := body.(io.ReadSeeker); ok {
		// A local file: ServeContent answers Range and conditional
		// requests from it.
		http.ServeContent(w, r, "", f.UpdatedAt, rs)
		return nil
	}
	// An object store's stream cannot seek: the whole file, its length
	// from the file record so the client can tell a cut transfer.
	h.Set("Content-Length", strconv.FormatInt(f.Size, 10))
	h.Set("Last-Modified", f.UpdatedAt.UTC().Format(http.TimeFormat))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodHead {
		return nil
	}
	if _, err := io.Copy(w, body); err != nil {
		// The status is sent: all that is left is to cut the reply short,
		// which the client sees against Content-Length.
		s.log.WarnContext(r.Context(), "download cut short", "file_id", f.ID, "err", err)
	}
	return nil
}
