package picture_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/quarrylabs/quarry/internal/document/picture"
	"github.com/quarrylabs/quarry/internal/eval"
	"github.com/quarrylabs/quarry/internal/filetype"
)

// BenchmarkReceipts reads the scanned receipts of the real documents
// (../shared/realdocs/sroie/images) one page at a time, through Quarry's
// image parser and with the tesseract program run alone on the same files,
// in the same run, and reports pages per second of each:
//
//	go test -run '^$' -bench Receipts -benchtime 1x ./internal/document/picture/
//
// Both run Tesseract with one thread (OMP_THREAD_LIMIT=1, as Quarry does,
// which runs one job per core). Quarry's figure includes decoding,
// greyscale, scaling to the size Tesseract reads best, and layout.
func BenchmarkReceipts(b *testing.B) {
	if _, err := exec.LookPath("tesseract"); err != nil {
		b.Skip("tesseract is not installed (apt-get install tesseract-ocr)")
	}
	dir := eval.RealDocs(".")
	if dir == "" {
		b.Skip("the real documents are not beside the repository (../shared/realdocs): nothing to read")
	}
	files, _ := filepath.Glob(filepath.Join(dir, "sroie", "images", "*.jpg"))
	if len(files) == 0 {
		b.Skip("no receipt images in the real documents")
	}
	if len(files) > 40 {
		files = files[:40] // enough for a stable figure in a few minutes
	}
	b.Run("quarry", func(b *testing.B) {
		data := make([][]byte, len(files))
		for i, f := range files {
			var err error
			if data[i], err = os.ReadFile(f); err != nil {
				b.Fatal(err)
			}
		}
		b.ResetTimer()
		for range b.N {
			for _, d := range data {
				if _, err := picture.Parse(context.Background(), d, filetype.JPEG, picture.Options{}); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(b.N*len(files))/b.Elapsed().Seconds(), "pages/s")
	})
	b.Run("tesseract", func(b *testing.B) {
		for range b.N {
			for _, f := range files {
				cmd := exec.Command("tesseract", f, "stdout", "tsv")
				cmd.Env = append(os.Environ(), "OMP_THREAD_LIMIT=1")
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("tesseract %s: %v: %s", f, err, out)
				}
			}
		}
		b.ReportMetric(float64(b.N*len(files))/b.Elapsed().Seconds(), "pages/s")
	})
}
