package cli

import (
	"bytes"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/quarrylabs/quarry/internal/document/picture/picturetest"
)

func TestParseImage(t *testing.T) {
	if _, err := exec.LookPath("tesseract"); err != nil {
		t.Skip("tesseract is not installed (apt-get install tesseract-ocr): images are not read")
	}
	img, _ := picturetest.Text(t, "RECEIPT 4521", "Total 12.75")
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "receipt.png")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := run(t, "parse", path)
	if code != 0 {
		t.Fatalf("quarry parse: exit %d: %s", code, errOut)
	}
	b := img.Bounds()
	head := "--- page 1 of 1 (" + strconv.Itoa(b.Dx()) + " x " + strconv.Itoa(b.Dy()) + ", 4 words, 2 lines"
	if !strings.HasPrefix(out, head) || !strings.Contains(out, "\nRECEIPT 4521\nTotal 12.75\n") {
		t.Errorf("quarry parse printed %q, want %q… and the two lines", out, head)
	}

	code, _, errOut = run(t, "parse", path, "--ocr-languages", "eng deu")
	if code != 2 || !strings.Contains(errOut, "--ocr-languages") {
		t.Errorf("quarry parse --ocr-languages 'eng deu' = exit %d %q, want 2 naming the flag", code, errOut)
	}
}
