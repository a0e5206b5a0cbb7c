package html_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/document/html"
)

// FuzzParse feeds arbitrary markup (seeded from testdata/fuzz and below) to
// Parse under a page limit: it must not panic or hang, and it must not make
// more words than the input has bytes.
func FuzzParse(f *testing.F) {
	f.Add("<p>Total: <b>1</b>2</p><table><tr><td colspan=2>a</td></tr></table>")
	f.Add("<pre>a\nb</pre><br><img alt=x>")
	const pageLimit = 50
	f.Fuzz(func(t *testing.T, src string) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		doc, err := html.Parse(ctx, strings.NewReader(src), html.Options{PageLimit: pageLimit, MaxBytes: 1 << 20})
		if err != nil {
			return
		}
		if doc.TotalPages > pageLimit || len(doc.Pages) != doc.TotalPages {
			t.Fatalf("Parse = %d of %d pages, want all of at most %d", len(doc.Pages), doc.TotalPages, pageLimit)
		}
		words := 0
		for _, p := range doc.Pages {
			words += len(p.Words)
		}
		if words > len(src) {
			t.Fatalf("Parse made %d words from %d bytes", words, len(src))
		}
	})
}
