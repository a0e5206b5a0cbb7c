package xlsx_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/document/budget"
	"github.com/quarrylabs/quarry/internal/document/xlsx"
	"github.com/quarrylabs/quarry/internal/document/xlsx/xlsxtest"
)

// FuzzParse feeds arbitrary bytes (seeded with real workbooks from
// testdata/fuzz and below) to Parse under the limits a server sets: it must
// not panic or hang, and what it returns stays within those limits.
func FuzzParse(f *testing.F) {
	f.Add(xlsxtest.Workbook(f, xlsxtest.Sheet{Name: "S", Rows: [][]any{{"Total:", 2}}}))
	f.Add([]byte("PK\x03\x04"))
	const pageLimit = 20
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		doc, err := xlsx.Parse(ctx, bytes.NewReader(data), int64(len(data)), xlsx.Options{PageLimit: pageLimit, MaxDecompressedBytes: 4 << 20})
		if err != nil {
			return
		}
		if doc.TotalPages > pageLimit || len(doc.Pages) > doc.TotalPages {
			t.Fatalf("Parse = %d of %d pages, want at most %d", len(doc.Pages), doc.TotalPages, pageLimit)
		}
		cells := 0
		for _, p := range doc.Pages {
			for _, tb := range p.Tables {
				for _, r := range tb.Rows {
					cells += len(r)
				}
			}
		}
		if limit := (budget.Limits{}).WithDefaults().MaxTableCells; cells > limit {
			t.Fatalf("Parse read %d cells, more than the limit of %d", cells, limit)
		}
	})
}
