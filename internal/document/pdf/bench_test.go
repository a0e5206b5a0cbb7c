package pdf_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/document/pdf"
)

// BenchmarkParse500 parses a generated 500-page PDF of text (40 lines a
// page) and, in the same run, times `pdftotext -bbox-layout` (poppler-utils)
// on the same file: Quarry's target is to stay within 1.5 times its time.
// It reports pages/s and, when pdftotext is installed, pdftotext-ms (the
// best of three runs) and x-pdftotext (Quarry's time over pdftotext's).
//
//	go test -run XXX -bench Parse500 -benchtime 5x ./internal/document/pdf/
func BenchmarkParse500(b *testing.B) {
	const pages = 500
	data := manyPagesPDF(b, pages, 40)
	p := pdf.SharedParser(b)
	ctx := context.Background()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		doc, err := p.Parse(ctx, bytes.NewReader(data), pdf.ParseOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if len(doc.Pages) != pages {
			b.Fatalf("parsed %d pages, want %d", len(doc.Pages), pages)
		}
	}
	b.StopTimer()
	perDoc := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(pages/perDoc.Seconds(), "pages/s")

	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		b.Log("pdftotext is not installed (apt-get install poppler-utils): no comparison")
		return
	}
	dir := b.TempDir()
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, data, 0o644); err != nil {
		b.Fatal(err)
	}
	best := time.Duration(1<<63 - 1)
	for range 3 {
		start := time.Now()
		if out, err := exec.Command(bin, "-bbox-layout", in, filepath.Join(dir, "out.html")).CombinedOutput(); err != nil {
			b.Fatalf("pdftotext: %v: %s", err, out)
		}
		best = min(best, time.Since(start))
	}
	b.ReportMetric(float64(best.Milliseconds()), "pdftotext-ms")
	b.ReportMetric(perDoc.Seconds()/best.Seconds(), "x-pdftotext")
}
