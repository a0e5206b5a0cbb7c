package app_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/app"
	"github.com/quarrylabs/quarry/internal/blob"
)

// TestDownloadLinkIgnoresHost: a download link is made from the server's
// public URL, never from the Host a client sent, so a link handed to
// someone else cannot point at a host the client chose.
func TestDownloadLinkIgnoresHost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		publicURL string
		want      func(s *server) string
	}{
		{"Default", "", func(s *server) string { return s.base + "/files/download?token=" }},
		{"PublicURL", "https://quarry.example.com/extract/", func(*server) string {
			return "https://quarry.example.com/extract/files/download?token="
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := start(t, func(c *app.Config) { c.PublicURL = tc.publicURL })
			fileID := s.upload("invoice.txt", testdata(t, "invoice.txt"))
			req, err := http.NewRequest(http.MethodGet, s.base+"/api/v1/beta/files/"+fileID+"/content", nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = "attacker.example"
			req.Header.Set("Authorization", "Bearer "+s.key)
			req.Header.Set("X-Forwarded-Proto", "https")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var got struct{ URL string }
			if err := json.NewDecoder(resp.Body).Decode(&got); err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("content link: %d %v", resp.StatusCode, err)
			}
			if want := tc.want(s); !strings.HasPrefix(got.URL, want) {
				t.Errorf("download link with Host attacker.example = %q, want it to start with %q", got.URL, want)
			}
			if tc.publicURL == "" {
				r, body := get(t, got.URL, "")
				if r.StatusCode != http.StatusOK || string(body) != string(testdata(t, "invoice.txt")) {
					t.Errorf("GET the download link = %d, want the file", r.StatusCode)
				}
			}
		})
	}
}

// TestUploadFileNames: a file's name is kept without directories, control
// or bidirectional formatting characters (which make "invoice\u202etxt.exe"
// display as "invoiceexe.txt"), and cut to 255 bytes at a character
// boundary, so it is valid UTF-8.
func TestUploadFileNames(t *testing.T) {
	t.Parallel()
	s := start(t)
	tests := []struct {
		name, sent, want string
	}{
		{"Plain", "invoice.pdf", "invoice.pdf"},
		{"Directories", `C:\Users\me\invoice.pdf`, "invoice.pdf"},
		{"BidiOverride", "invoice\u202etxt.exe", "invoicetxt.exe"},
		{"BidiIsolates", "\u2066a\u2067b\u2068c\u2069\u200e\u200f\u061c.txt", "abc.txt"},
		{"Controls", "in\u0085voice\u009b.txt", "invoice.txt"},
		{"CutAtCharacter", strings.Repeat("é", 200) + ".txt", strings.Repeat("é", 127)},
		{"InvalidUTF8", "bad\xff\xfename.txt", "badname.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.uploadRaw(s.key, tt.sent, []byte("Total: 1\n"), "extract")
			if r.status != http.StatusCreated {
				t.Fatalf("upload %q: %d %s", tt.sent, r.status, r.body)
			}
			if got := r.json(t)["name"]; got != tt.want {
				t.Errorf("upload %q: name %q, want %q", tt.sent, got, tt.want)
			}
		})
	}
}

// TestInterruptedUploadRemoved kills the real binary with SIGKILL during an
// upload: the upload's temporary file, left behind, is removed at the next
// start once it is StaleUploadAge old.
func TestInterruptedUploadRemoved(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the quarry binary")
	}
	t.Parallel()
	bin := buildQuarry(t)
	dir := t.TempDir()
	key := "qry_upload-kill-test-key-0123456789ab"
	p, base := runQuarry(t, bin, dir, key)

	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	req, err := http.NewRequest(http.MethodPost, base+"/api/v1/beta/files", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
	}()
	_ = mw.WriteField("purpose", "extract")
	fw, _ := mw.CreateFormFile("file", "big.txt")
	// Enough bytes to pass every buffer, then the upload stalls.
	if _, err := fw.Write(bytes.Repeat([]byte("Total: 1.00\n"), 100_000)); err != nil {
		t.Fatal(err)
	}
	var tmps []string
	for deadline := time.Now().Add(30 * time.Second); len(tmps) == 0; {
		if time.Now().After(deadline) {
			t.Fatal("no temporary upload file appeared in 30s")
		}
		time.Sleep(20 * time.Millisecond)
		tmps, _ = filepath.Glob(filepath.Join(dir, "files", ".upload-*"))
	}
	if err := p.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p.Wait()
	pw.CloseWithError(errors.New("server killed"))

	// The file is left behind; once old enough, the next start removes it.
	old := time.Now().Add(-blob.StaleUploadAge - time.Minute)
	if err := os.Chtimes(tmps[0], old, old); err != nil {
		t.Fatalf("the interrupted upload's file: %v", err)
	}
	runQuarry(t, bin, dir, key)
	if _, err := os.Stat(tmps[0]); !os.IsNotExist(err) {
		t.Errorf("%s still there after a restart (%v)", tmps[0], err)
	}
}

// TestDiskFull fills the file system of the data directory (a small tmpfs,
// mounted for the test): uploads, job creations and file deletions answer
// 507 with a sentence saying the server is out of space, /healthz answers
// 503 saying so, and all works again once space is freed.
func TestDiskFull(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a small tmpfs to fill (needs root): %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	s := start(t, withDataDir(dir))
	fileID := s.upload("invoice.txt", testdata(t, "invoice.txt"))
	s.waitStatus(s.createJob(fileID, map[string]any{"data_schema": invoiceSchema})["id"].(string), "COMPLETED")

	filler := filepath.Join(dir, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill the disk: %v", err)
			}
			break
		}
	}
	f.Close()

	const full = "out of disk space"
	checkFull := func(what string, r response) {
		t.Helper()
		if r.status != http.StatusInsufficientStorage || !strings.Contains(r.detail(t), full) {
			t.Errorf("%s on a full disk = %d %s, want 507 saying the server is %s", what, r.status, r.body, full)
		}
	}
	checkFull("upload", s.uploadRaw(s.key, "more.txt", bytes.Repeat([]byte("Total: 1.00\n"), 10_000), "extract"))
	var created response
	for range 50 { // SQLite's log may have room for a few writes
		created = s.do(http.MethodPost, "/api/v2/extract", map[string]any{"file_input": fileID, "configuration": map[string]any{"data_schema": invoiceSchema}})
		if created.status != http.StatusCreated {
			break
		}
	}
	checkFull("create job", created)
	checkFull("delete file", s.do(http.MethodDelete, "/api/v1/beta/files/"+fileID, nil))
	if r := s.do(http.MethodGet, "/healthz", nil); r.status != http.StatusServiceUnavailable || !strings.Contains(r.detail(t), full) {
		t.Errorf("/healthz on a full disk = %d %s, want 503 saying so", r.status, r.body)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if r := s.do(http.MethodGet, "/healthz", nil); r.status != http.StatusOK {
		t.Errorf("/healthz once space is freed = %d %s, want 200", r.status, r.body)
	}
	s.upload("more.txt", []byte("Total: 1.00\n"))
	if r := s.do(http.MethodDelete, "/api/v1/beta/files/"+fileID, nil); r.status != http.StatusOK && r.status != http.StatusNoContent {
		t.Errorf("delete file once space is freed = %d %s", r.status, r.body)
	}
}
