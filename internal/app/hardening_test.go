package app_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/quarrylabs/quarry/internal/app"
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
