package pdf

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
)

// TestRunAbandonsStuckWork stands in for a PDFium call that never returns:
// the caller gets a timeout at its deadline, the stuck goroutine gives its
// slot back, and documents keep being parsed at full capacity meanwhile.
func TestRunAbandonsStuckWork(t *testing.T) {
	p := SharedParser(t)
	release := make(chan struct{})
	defer close(release)
	old := p.grace
	p.grace = 10 * time.Millisecond
	defer func() { p.grace = old }()

	before := p.Stuck()
	err := p.run(context.Background(), 50*time.Millisecond, 1, func(ctx context.Context, _ int) error {
		<-release // ignores ctx, as a call inside PDFium does
		return nil
	})
	if !errors.Is(err, context.DeadlineExceeded) || extract.ErrorCode(err) != extract.CodeInvalid {
		t.Fatalf("run = %v, want a timeout for the user", err)
	}
	if got := p.Stuck(); got != before+1 {
		t.Fatalf("Stuck() = %d, want %d", got, before+1)
	}
	// Every slot is free: as many documents as Instances parse at once.
	done := make(chan error, p.opts.Instances)
	for range p.opts.Instances {
		go func() {
			_, err := p.Parse(context.Background(), bytes.NewReader(minimalPDF), ParseOptions{})
			done <- err
		}()
	}
	for range p.opts.Instances {
		if err := <-done; err != nil {
			t.Errorf("Parse with a stuck instance around = %v", err)
		}
	}
	release <- struct{}{}
	for deadline := time.Now().Add(5 * time.Second); p.Stuck() != before; {
		if time.Now().After(deadline) {
			t.Fatalf("Stuck() = %d after the call returned, want %d", p.Stuck(), before)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestRunRecoversPanic: a panic while parsing fails that document only.
func TestRunRecoversPanic(t *testing.T) {
	p := SharedParser(t)
	err := p.run(context.Background(), 0, 1, func(context.Context, int) error { panic("boom") })
	if err == nil || extract.ErrorCode(err) != extract.CodeInternal {
		t.Fatalf("run = %v, want an internal error", err)
	}
	if _, err := p.Parse(context.Background(), bytes.NewReader(minimalPDF), ParseOptions{}); err != nil {
		t.Errorf("Parse after a panic = %v", err)
	}
}

// minimalPDF is a one-page PDF with no content, small enough to write here.
var minimalPDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n" +
	"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n" +
	"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n" +
	"trailer << /Root 1 0 R >>\n%%EOF\n")
