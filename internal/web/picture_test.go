package web_test

import (
	"bytes"
	"image/jpeg"
	"image/png"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/quarrylabs/quarry/internal/document/picture/picturetest"
)

// TestImagePage checks that a job on an image shows its pages as the image
// itself, at one pixel a unit, so that the citation boxes (in the image's
// pixels) fall on the words they cite.
func TestImagePage(t *testing.T) {
	if _, err := exec.LookPath("tesseract"); err != nil {
		t.Skip("tesseract is not installed (apt-get install tesseract-ocr): images are not read")
	}
	t.Parallel()
	s := start(t)
	owner := signedIn(t, s.base, ownerKey)
	img, _ := picturetest.Text(t, "Invoice number: INV-4521", "Total: 312.75")
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	body, ct := multipartForm(t, [][2]string{
		{"csrf", owner.csrf},
		{"schema", `{"type":"object","properties":{"total":{"type":"number"}}}`},
		{"tier", "cost_effective"}, {"target", "per_doc"}, {"cite_sources", "on"}, {"confidence_scores", "on"},
	}, "invoice.png", buf.Bytes())
	r := owner.do(http.MethodPost, "/ui/new", ct, body, nil)
	loc := r.header.Get("Location")
	if r.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/ui/jobs/ext-") {
		t.Fatalf("new extraction = %d %q, want 303 to the job:\n%s", r.status, loc, r.body)
	}
	jobID := strings.TrimPrefix(loc, "/ui/jobs/")
	waitCompleted(t, s.base, jobID)

	page := owner.get("/ui/jobs/" + jobID)
	if !strings.Contains(page.body, `data-mode="image" data-dpi="72"`) {
		t.Errorf("job page does not show the image at one pixel a unit:\n%.2000s", page.body)
	}
	r = owner.get("/ui/jobs/" + jobID + "/pages/1/image")
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("page image = %d %q, want 200 image/jpeg:\n%.300s", r.status, r.header.Get("Content-Type"), r.body)
	}
	shown, err := jpeg.Decode(strings.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	if shown.Bounds().Size() != img.Bounds().Size() {
		t.Errorf("page image is %v, want the upload's %v", shown.Bounds().Size(), img.Bounds().Size())
	}
	if r := owner.get("/ui/jobs/" + jobID + "/pages/2/image"); r.status != http.StatusNotFound || !strings.Contains(r.body, "has no page 2") {
		t.Errorf("page 2 image = %d, want 404 saying there is no page 2:\n%.300s", r.status, r.body)
	}
}
