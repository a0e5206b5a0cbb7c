package app_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/quarrylabs/quarry/internal/app"
	"github.com/quarrylabs/quarry/internal/blob/s3"
	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/test/s3server"
)

// TestFilesLocal follows uploaded files through the server with their bytes
// in the data directory.
func TestFilesLocal(t *testing.T) {
	t.Parallel()
	eachStore(t, func(t *testing.T, db database) {
		testFiles(t, db, localBlobs{dir: t.TempDir()})
	})
}

// TestFilesS3 is TestFilesLocal with the bytes in an S3-compatible bucket.
// On PostgreSQL the API and the worker have data directories of their
// own: the bucket is all they share, as on two machines.
func TestFilesS3(t *testing.T) {
	t.Parallel()
	srv := s3server.Start(t)
	var n atomic.Int64
	eachStore(t, func(t *testing.T, db database) {
		testFiles(t, db, s3Blobs{srv: srv, url: fmt.Sprintf("s3://%s/app/%d", srv.Bucket, n.Add(1))})
	})
}

// blobPlace is where a test's servers keep files' bytes, and how the test
// looks at them behind the servers' backs.
type blobPlace interface {
	// option points one server at the place.
	option(tb testing.TB) option
	// stored returns a file's bytes as kept, or nil if there are none.
	stored(tb testing.TB, fileID string) []byte
	// remove deletes a file's bytes behind the server's back.
	remove(tb testing.TB, fileID string)
	// ranges reports whether downloads answer Range requests.
	ranges() bool
}

// localBlobs is one data directory shared by every server of a test.
type localBlobs struct{ dir string }

func (l localBlobs) option(testing.TB) option { return withDataDir(l.dir) }
func (l localBlobs) ranges() bool             { return true }

func (l localBlobs) stored(tb testing.TB, fileID string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(l.dir, "files", fileID))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func (l localBlobs) remove(tb testing.TB, fileID string) {
	tb.Helper()
	if err := os.Remove(filepath.Join(l.dir, "files", fileID)); err != nil {
		tb.Fatal(err)
	}
}

// s3Blobs is one prefix of a bucket; every server has its own data
// directory.
type s3Blobs struct {
	srv *s3server.Server
	url string
}

func (b s3Blobs) config() s3.Config {
	return s3.Config{
		Endpoint: b.srv.Endpoint, Region: b.srv.Region, PathStyle: true,
		AccessKeyID: b.srv.AccessKeyID, SecretAccessKey: b.srv.SecretAccessKey,
	}
}

func (b s3Blobs) option(tb testing.TB) option {
	dir := tb.TempDir()
	return func(c *app.Config) { c.Blob, c.S3, c.DataDir = b.url, b.config(), dir }
}

func (b s3Blobs) ranges() bool { return false }

func (b s3Blobs) store(tb testing.TB) *s3.Store {
	tb.Helper()
	st, err := s3.New(tb.Context(), b.url, b.config())
	if err != nil {
		tb.Fatalf("s3.New: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

func (b s3Blobs) stored(tb testing.TB, fileID string) []byte {
	tb.Helper()
	rc, err := b.store(tb).Open(tb.Context(), fileID)
	if extract.IsNotFound(err) {
		return nil
	}
	if err != nil {
		tb.Fatalf("open %s in the bucket: %v", fileID, err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil {
		tb.Fatal(err)
	}
	return got
}

func (b s3Blobs) remove(tb testing.TB, fileID string) {
	tb.Helper()
	if err := b.store(tb).Delete(tb.Context(), fileID); err != nil {
		tb.Fatal(err)
	}
}

// testFiles uploads a file, runs a job on it, downloads it and deletes it.
// On PostgreSQL the API and the worker are separate servers.
func testFiles(t *testing.T, db database, place blobPlace) {
	key := "qry_files-test-key-0123456789abcdef"
	var api *server
	if db.args == nil {
		api = start(t, db.option, place.option(t), withAPIKey(key))
	} else {
		api = start(t, db.option, place.option(t), withAPIKey(key), withRole(app.RoleAPI))
		start(t, db.option, place.option(t), withRole(app.RoleWorker))
	}
	content := testdata(t, "invoice.txt")
	fileID := api.upload("invoice.txt", content)
	if got := place.stored(t, fileID); !bytes.Equal(got, content) {
		t.Fatalf("stored bytes of %s = %q, want the upload", fileID, got)
	}

	t.Run("JobReadsFile", func(t *testing.T) {
		job := api.createJob(fileID, map[string]any{"data_schema": invoiceSchema})
		got := api.waitStatus(job["id"].(string), "COMPLETED", "FAILED")
		if got["status"] != "COMPLETED" {
			t.Fatalf("job = %v (%v), want COMPLETED", got["status"], got["error_message"])
		}
		if n := got["extract_result"].(map[string]any)["invoice_number"]; n != "INV-2024-0042" {
			t.Errorf("invoice_number = %v, want INV-2024-0042", n)
		}
	})

	t.Run("Download", func(t *testing.T) {
		link := downloadLink(t, api, fileID)
		resp, body := get(t, link, "")
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, content) {
			t.Fatalf("download = %d %q, want 200 and the upload", resp.StatusCode, body)
		}
		want := map[string]string{
			"Content-Length":      strconv.Itoa(len(content)),
			"Content-Disposition": `attachment; filename=invoice.txt`,
		}
		for h, v := range want {
			if got := resp.Header.Get(h); got != v {
				t.Errorf("%s = %q, want %q", h, got, v)
			}
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("Content-Type = %q, want text/plain", ct)
		}

		// Byte ranges come from seeking a local file; a bucket's stream is
		// served whole, which a client asking for a range must accept.
		resp, body = get(t, link, "bytes=0-6")
		switch {
		case place.ranges() && (resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, content[:7])):
			t.Errorf("range download = %d %q, want 206 %q", resp.StatusCode, body, content[:7])
		case !place.ranges() && (resp.StatusCode != http.StatusOK || !bytes.Equal(body, content)):
			t.Errorf("range download = %d %q, want 200 and the whole file", resp.StatusCode, body)
		}
	})

	t.Run("ErrContentGone", func(t *testing.T) {
		gone := api.upload("gone.txt", content)
		place.remove(t, gone)
		job := api.createJob(gone, map[string]any{"data_schema": invoiceSchema})
		got := api.waitStatus(job["id"].(string), "COMPLETED", "FAILED")
		if msg, _ := got["error_message"].(string); got["status"] != "FAILED" || !strings.Contains(msg, "no longer stored") {
			t.Errorf("job on a file whose bytes are gone = %v (%v), want FAILED saying so", got["status"], got["error_message"])
		}
		resp, _ := get(t, downloadLink(t, api, gone), "")
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("download of a file whose bytes are gone = %d, want 404", resp.StatusCode)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		link := downloadLink(t, api, fileID)
		if r := api.do(http.MethodDelete, "/api/v1/beta/files/"+fileID, nil); r.status != http.StatusNoContent {
			t.Fatalf("delete = %d %s", r.status, r.body)
		}
		if got := place.stored(t, fileID); got != nil {
			t.Errorf("the deleted file's bytes are still stored")
		}
		if resp, _ := get(t, link, ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("download after delete = %d, want 404", resp.StatusCode)
		}
	})
}

func withRole(r app.Role) option { return func(c *app.Config) { c.Role = r } }

// downloadLink asks the API for a file's download URL.
func downloadLink(tb testing.TB, s *server, fileID string) string {
	tb.Helper()
	r := s.do(http.MethodGet, "/api/v1/beta/files/"+fileID+"/content", nil)
	if r.status != http.StatusOK {
		tb.Fatalf("content link of %s: %d %s", fileID, r.status, r.body)
	}
	return r.json(tb)["url"].(string)
}

// get fetches url without credentials, with a Range header if rng is set.
func get(tb testing.TB, url, rng string) (*http.Response, []byte) {
	tb.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("read %s: %v", url, err)
	}
	return resp, body
}
