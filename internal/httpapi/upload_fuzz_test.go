package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"testing"
)

// FuzzUpload sends arbitrary multipart bodies to the upload endpoint under
// a fixed boundary: it must never fail with a 5xx or panic, every refusal
// must carry a detail, and an accepted upload must have stored exactly the
// bytes of the body's "file" part as the standard library reads them.
func FuzzUpload(f *testing.F) {
	const boundary = "QUARRYFUZZ"
	part := func(headers, body string) string {
		return "--" + boundary + "\r\n" + headers + "\r\n\r\n" + body + "\r\n"
	}
	end := "--" + boundary + "--\r\n"
	fileHdr := `Content-Disposition: form-data; name="file"; filename="a.txt"` + "\r\nContent-Type: text/plain"
	for _, body := range []string{
		part(fileHdr, "Invoice Number: 1") + end,
		part(`Content-Disposition: form-data; name="purpose"`, "extract") + part(fileHdr, "%PDF-1.7 not really") + end,
		part(fileHdr, "one") + part(fileHdr, "two") + end,
		part(`Content-Disposition: form-data; name="purpose"`, "nope") + part(fileHdr, "x") + end,
		part(`Content-Disposition: form-data; name="other"`, "x") + end,
		part(`Content-Disposition: form-data; name="file"; filename="../../etc/passwd"`, "root:x:0:0") + end,
		part(`Content-Disposition: form-data; name="file"; filename="\x00\x1f.pdf"`, "") + end,
		part(fileHdr, string(bytes.Repeat([]byte("z"), 5000))) + end,
		part(fileHdr, "cut short"),
		"",
		"--" + boundary,
	} {
		f.Add([]byte(body))
	}
	s, st, blobs := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := http.NewRequest(http.MethodPost, "http://quarry/api/v1/beta/files", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Content-Type", "multipart/form-data; boundary="+boundary)
		w := serve(s, r)
		checkReply(t, "upload", w.Code, w.Body.Bytes())
		if w.Code != http.StatusCreated {
			return
		}
		var file struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(w.Body.Bytes(), &file); err != nil || file.ID == "" {
			t.Fatalf("upload = 201 with %s", w.Body)
		}
		want, ok := filePart(body, boundary)
		if !ok {
			t.Fatalf("upload of %q = 201, but the standard library finds no file part in it", body)
		}
		blobs.mu.Lock()
		got := blobs.blobs[file.ID]
		blobs.mu.Unlock()
		if !bytes.Equal(got, want) {
			t.Fatalf("upload of %q stored %q, want %q", body, got, want)
		}
		st.mu.Lock()
		last := st.files[len(st.files)-1]
		st.mu.Unlock()
		if last.ID != file.ID || last.Size != int64(len(want)) {
			t.Fatalf("upload recorded %+v, want id %s and size %d", last, file.ID, len(want))
		}
	})
}

// filePart returns the content of the first part named "file".
func filePart(body []byte, boundary string) ([]byte, bool) {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) || err != nil {
			return nil, false
		}
		if p.FormName() == "file" {
			b, err := io.ReadAll(p)
			return b, err == nil
		}
	}
}
