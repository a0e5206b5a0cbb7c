package docx_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/document/docx"
	"github.com/quarrylabs/quarry/internal/document/docx/docxtest"
)

// FuzzParse feeds arbitrary bytes (seeded with real packages from
// testdata/fuzz and below) to Parse under the limits a server sets: it must
// not panic or hang, and what it returns stays within those limits.
func FuzzParse(f *testing.F) {
	f.Add(docxtest.Zip(f, docxtest.Document(docxtest.Para("Total: 1"), docxtest.Table([]int{1, 1}, []string{"a", "b"}))))
	f.Add([]byte("PK\x03\x04"))
	const pageLimit, maxBytes = 50, 4 << 20
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		doc, err := docx.Parse(ctx, bytes.NewReader(data), int64(len(data)), docx.Options{PageLimit: pageLimit, MaxDecompressedBytes: maxBytes})
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
		// Header and footer repeat on every page; otherwise a word costs at
		// least a byte of XML.
		if words > pageLimit*maxBytes {
			t.Fatalf("Parse made %d words from %d bytes", words, len(data))
		}
	})
}
