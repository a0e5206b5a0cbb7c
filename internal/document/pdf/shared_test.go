package pdf

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"go.uber.org/goleak"
)

// Starting PDFium takes seconds (a minute under the race detector), so the
// package's tests share parsers, and keep PDFium's compiled code in the
// user's cache directory so that the next run starts in a fraction of a
// second.
var shared struct {
	once    sync.Once
	dir     string
	err     error
	parser  *Parser
	noOCR   *Parser
	created []*Parser
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, p := range shared.created {
		p.Close()
	}
	if code == 0 {
		if err := goleak.Find(); err != nil {
			os.Stderr.WriteString("goleak: " + err.Error() + "\n")
			code = 1
		}
	}
	os.Exit(code)
}

func start(tb testing.TB) {
	tb.Helper()
	shared.once.Do(func() {
		shared.dir = cacheDir()
		shared.parser, shared.err = New(context.Background(), Options{Instances: 2, CacheDir: shared.dir})
		if shared.err != nil {
			return
		}
		shared.created = append(shared.created, shared.parser)
		// A parser that cannot find Tesseract, as on a server without it.
		shared.noOCR, shared.err = New(context.Background(), Options{Instances: 1, CacheDir: shared.dir, Tesseract: "/nonexistent/tesseract"})
		if shared.err == nil {
			shared.created = append(shared.created, shared.noOCR)
		}
	})
	if shared.err != nil {
		tb.Fatalf("start pdfium: %v", shared.err)
	}
}

// SharedParser returns the parser the package's tests share.
func SharedParser(tb testing.TB) *Parser {
	start(tb)
	return shared.parser
}

// SharedParserWithoutTesseract returns a parser configured with a Tesseract
// program that does not exist.
func SharedParserWithoutTesseract(tb testing.TB) *Parser {
	start(tb)
	return shared.noOCR
}

// cacheDir is where the tests keep PDFium's compiled code. wazero keys the
// cache by its own version, so a stale entry is never used.
func cacheDir() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "quarry", "pdfium-test")
}

// CacheDir is where the tests keep PDFium's compiled code, for tests that
// start a parser of their own.
func CacheDir() string { return cacheDir() }
