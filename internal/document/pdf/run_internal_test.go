package pdf

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/klippa-app/go-pdfium"

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

// TestWorkSignalsHelpersBeforeReading: the lead instance lets helpers join as
// soon as it has selected the pages, not once it has read them all, so that a
// long document is read by every idle instance. The context ends when the
// helpers are signalled: the lead must then not have read a page.
func TestWorkSignalsHelpersBeforeReading(t *testing.T) {
	p := SharedParser(t)
	job := &parseJob{data: minimalPDF, ready: make(chan struct{})}
	ctx := doneWhenClosed{Context: context.Background(), ch: job.ready}
	err := p.withInstance(ctx, func(inst pdfium.Pdfium) error { return p.work(ctx, inst, job, true) })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("work = %v, want it to stop at the context's end", err)
	}
	if len(job.keep) != 1 {
		t.Fatalf("work selected pages %v, want [1]", job.keep)
	}
	if got := job.next.Load(); got != 0 {
		t.Errorf("lead took %d pages before signalling helpers, want 0", got)
	}
}

// doneWhenClosed is a context whose Err reports it canceled once ch is
// closed, checked at each call rather than by a goroutine, so that what
// happens after ch closes is deterministic.
type doneWhenClosed struct {
	context.Context
	ch <-chan struct{}
}

func (c doneWhenClosed) Err() error {
	select {
	case <-c.ch:
		return context.Canceled
	default:
		return c.Context.Err()
	}
}
