package eval_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/parse"
	"github.com/quarrylabs/quarry/internal/document/pdf"
	"github.com/quarrylabs/quarry/internal/engine/builtin"
	"github.com/quarrylabs/quarry/internal/eval"
	"github.com/quarrylabs/quarry/internal/eval/corpus"
	"github.com/quarrylabs/quarry/internal/extract"
)

// parser is shared by the tests: PDFium starts once per process.
var parser = sync.OnceValue(func() *parse.Parser {
	opts := pdf.Options{Instances: 2}
	if dir, err := os.UserCacheDir(); err == nil {
		opts.CacheDir = filepath.Join(dir, "quarry", "pdfium")
	}
	return parse.New(parse.NewLazyPDF(opts), parse.Limits{})
})

// Floors a little under the targets the full corpus meets (field F1 0.95
// overall and 0.90 per type, row F1 0.95, every citation on its page), so
// that a regression fails and the noise of a small corpus does not.
const (
	floorFieldF1     = 0.90
	floorTypeFieldF1 = 0.80
	floorRowF1       = 0.90
	floorCitations   = 0.97
)

// TestRun generates a small corpus of every type in both formats, runs the
// evaluator over it, and checks the report's shape and its scores.
func TestRun(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	entries, err := corpus.Generate(filepath.Join(dir, "corpus"), corpus.Options{Seed: 7, Count: 48})
	if err != nil {
		t.Fatalf("Generate() error: %v", err)
	}
	out := filepath.Join(dir, "out")
	rep, err := eval.Run(context.Background(), eval.Config{
		Manifest: filepath.Join(dir, "corpus", corpus.ManifestName), Out: out,
		Parser: parser(), Engine: builtin.New(), Workers: 2,
	})
	if err != nil {
		t.Fatalf("Run() error: %v", err)
	}
	if rep.Documents != len(entries) || rep.Failed != 0 {
		t.Errorf("Documents, Failed = %d, %d; want %d, 0", rep.Documents, rep.Failed, len(entries))
	}
	if rep.Pages < len(entries) {
		t.Errorf("Pages = %d, want at least one a document (%d)", rep.Pages, len(entries))
	}
	types := corpus.Types()
	for _, typ := range types {
		s, ok := rep.ByType[typ]
		if !ok {
			t.Errorf("ByType has no %s", typ)
			continue
		}
		if s.Documents != len(entries)/len(types) {
			t.Errorf("ByType[%s].Documents = %d, want %d", typ, s.Documents, len(entries)/len(types))
		}
		if s.Fields.F1 < floorTypeFieldF1 {
			t.Errorf("%s: field F1 = %.3f, want at least %.2f", typ, s.Fields.F1, floorTypeFieldF1)
		}
	}
	if len(rep.ByType) != len(types) {
		t.Errorf("ByType has %d types, want %d", len(rep.ByType), len(types))
	}
	o := rep.Overall
	if o.Fields.F1 < floorFieldF1 {
		t.Errorf("overall field F1 = %.3f, want at least %.2f", o.Fields.F1, floorFieldF1)
	}
	if o.Rows.TP == 0 || o.Rows.F1 < floorRowF1 {
		t.Errorf("row F1 = %.3f over %d rows, want at least %.2f", o.Rows.F1, o.Rows.TP, floorRowF1)
	}
	if o.Citations.Values == 0 || o.Citations.Accuracy < floorCitations {
		t.Errorf("citation page accuracy = %.3f over %d values, want at least %.2f", o.Citations.Accuracy, o.Citations.Values, floorCitations)
	}
	// The calibration bins cover [0, 1] in tenths and hold every judged
	// value: each non-null field and cell.
	if len(rep.Calibration) != 10 || rep.Calibration[0].Lo != 0 || rep.Calibration[9].Hi != 1 {
		t.Errorf("Calibration = %+v, want ten bins from 0 to 1", rep.Calibration)
	}
	n := 0
	for _, b := range rep.Calibration {
		n += b.Count
		if b.Count > 0 && (b.MeanConfidence < b.Lo || b.MeanConfidence > b.Hi || b.Accuracy < 0 || b.Accuracy > 1) {
			t.Errorf("bin %+v: mean confidence outside the bin or accuracy outside [0, 1]", b)
		}
	}
	if n < o.Fields.TP {
		t.Errorf("calibration holds %d values, fewer than the %d right fields", n, o.Fields.TP)
	}
	// Every document has its prediction file, and the report is written.
	for _, e := range entries {
		var p eval.Prediction
		data, err := os.ReadFile(filepath.Join(out, e.ID+".json"))
		if err != nil {
			t.Fatalf("prediction of %s: %v", e.ID, err)
		}
		if err := json.Unmarshal(data, &p); err != nil || p.ID != e.ID || len(p.Result) == 0 || len(p.FieldMetadata) == 0 {
			t.Errorf("prediction of %s = %.200s (%v), want its id, result and metadata", e.ID, data, err)
		}
	}
	var written eval.Report
	if data, err := os.ReadFile(filepath.Join(out, "report.json")); err != nil || json.Unmarshal(data, &written) != nil || written.Documents != rep.Documents {
		t.Errorf("report.json: %v, want the report", err)
	}
	var sb strings.Builder
	if err := rep.Print(&sb); err != nil {
		t.Fatal(err)
	}
	for _, want := range append([]string{"overall", "field F1", "row F1", "citation page", "mean confidence"}, types...) {
		if !strings.Contains(sb.String(), want) {
			t.Errorf("Print() output has no %q:\n%s", want, sb.String())
		}
	}
}

func TestGenerateDeterministic(t *testing.T) {
	t.Parallel()
	a, b := t.TempDir(), t.TempDir()
	opts := corpus.Options{Seed: 3, Count: 16}
	ea, err := corpus.Generate(a, opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := corpus.Generate(b, opts); err != nil {
		t.Fatal(err)
	}
	formats := map[string]bool{}
	for _, e := range ea {
		formats[filepath.Ext(e.Document)] = true
		for _, f := range []string{e.Document, e.Gold, e.Pages, e.Schema} {
			x, err1 := os.ReadFile(filepath.Join(a, f))
			y, err2 := os.ReadFile(filepath.Join(b, f))
			if err1 != nil || err2 != nil || string(x) != string(y) {
				t.Errorf("%s differs between two runs with the same seed (%v, %v)", f, err1, err2)
			}
		}
	}
	if !formats[".pdf"] || !formats[".docx"] {
		t.Errorf("formats = %v, want PDF and DOCX", formats)
	}
	other := t.TempDir()
	eo, err := corpus.Generate(other, corpus.Options{Seed: 4, Count: 16})
	if err != nil {
		t.Fatal(err)
	}
	x, _ := os.ReadFile(filepath.Join(a, ea[0].Gold))
	y, _ := os.ReadFile(filepath.Join(other, eo[0].Gold))
	if string(x) == string(y) {
		t.Errorf("seeds 3 and 4 gave the same first document")
	}
}

// TestGold checks that each gold file holds every property of its schema,
// so that a missing value is a null the evaluator scores, not an absent key.
func TestGold(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	entries, err := corpus.Generate(dir, corpus.Options{Count: 16})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		var schema struct {
			Properties map[string]json.RawMessage `json:"properties"`
		}
		var gold map[string]any
		if err := readJSON(filepath.Join(dir, e.Schema), &schema); err != nil {
			t.Fatal(err)
		}
		if err := readJSON(filepath.Join(dir, e.Gold), &gold); err != nil {
			t.Fatal(err)
		}
		var want, got []string
		for k := range schema.Properties {
			want = append(want, k)
		}
		for k := range gold {
			got = append(got, k)
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(want, got) {
			t.Errorf("%s: gold keys %v, schema properties %v", e.ID, got, want)
		}
	}
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, v)
}

func TestReadManifestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, manifest, want string
	}{
		{"ErrMissingField", `{"id": "a", "document": "a.pdf", "schema": "s.json"}`, "required"},
		{"ErrRepeatedID", `{"id": "a", "document": "a.pdf", "schema": "s.json", "gold": "g.json"}` + "\n" +
			`{"id": "a", "document": "b.pdf", "schema": "s.json", "gold": "g.json"}`, "repeated"},
		{"ErrIDPath", `{"id": "../a", "document": "a.pdf", "schema": "s.json", "gold": "g.json"}`, "file name"},
		{"ErrJSON", `{"id": `, "line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "m.jsonl")
			if err := os.WriteFile(path, []byte(tt.manifest), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := eval.ReadManifest(path); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadManifest() error = %v, want one saying %q", err, tt.want)
			}
		})
	}
}

func TestEqual(t *testing.T) {
	t.Parallel()
	str, num, date := eval.KindString, eval.KindNumber, eval.KindDate
	tests := []struct {
		kind       eval.Kind
		gold, pred any
		want       bool
	}{
		{str, "Acme  Corp", "acme corp", true},
		{str, "K (TAMAN DAYA)", "K(TAMAN DAYA)", true},
		{str, "774-00-01-454", "7740001454", true},
		{str, "Société Générale", "SOCIETE GENERALE", true},
		{str, "Straße", "STRASSE", true},
		{str, "ＡＢＣ１", "abc1", true},
		{str, "Acme Corp", "Acme Corporation", false},
		{str, "12", 12.0, true},
		{str, true, "True", true},
		{num, 1234.5, 1234.50, true},
		{num, 1234.5, "1234.5", true},
		{num, 1234.5, "1.234,50 €", true},
		{num, 1234.5, "$1,234.50", true},
		{num, 1234.0, "1.234", true},
		{num, 1.234, "1,234", true},
		{num, 60.3, "RM 60.30", true},
		{num, 60.3, "Total: RM60.30", true},
		{num, -5.0, "(5.00)", true},
		{num, 9.0, "9 and 10", false},
		{num, 1234.5, 1234.6, false},
		{num, 1234.5, "Rsx 1234.5", true},
		{num, 1234.5, "1234.5 or 1234.6", false},
		{date, "2024-03-05", "2024-03-05", true},
		{date, "2024-03-05", "March 5, 2024", true},
		{date, "2024-03-05", "5th March 2024", true},
		{date, "2024-03-05", "05/03/2024", true},
		{date, "2024-03-05", "03/05/2024", true},
		{date, "2024-03-05", "05.03.24 20:49", true},
		{date, "2024-03-05", "5. März 2024", true},
		{date, "2024-03-05", "1er mars 2024", false},
		{date, "2024-03-01", "1er mars 2024", true},
		{date, "2024-03-05", "5 marzo 2024", true},
		{date, "2024-03-05", "5 marca 2024", true},
		{date, "2024-03-05", "20240305", true},
		{date, "2024-03-05", "2024-05-03", false},
		{date, "2024-03-05", "13/05/2024", false},
		{date, "2024-03-05", "no date", false},
	}
	for _, tt := range tests {
		if got := eval.Equal(tt.kind, tt.gold, tt.pred); got != tt.want {
			t.Errorf("Equal(%v, %#v, %#v) = %v, want %v", tt.kind, tt.gold, tt.pred, got, tt.want)
		}
	}
}

// BenchmarkEndToEnd parses and extracts a batch of generated invoice PDFs
// totalling 100 pages, one after the other, and reports pages per second.
func BenchmarkEndToEnd(b *testing.B) {
	dir := b.TempDir()
	entries, err := corpus.Generate(dir, corpus.Options{Seed: 11, Count: 100, Formats: []string{"pdf"}, Types: []string{"invoice"}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	schema, err := os.ReadFile(filepath.Join(dir, entries[0].Schema))
	if err != nil {
		b.Fatal(err)
	}
	// Take documents until they hold 100 pages.
	var files []string
	pages := 0
	for _, e := range entries {
		doc, _, err := parser().File(ctx, filepath.Join(dir, e.Document), parse.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if pages+len(doc.Pages) > 100 {
			continue
		}
		files, pages = append(files, filepath.Join(dir, e.Document)), pages+len(doc.Pages)
		if pages == 100 {
			break
		}
	}
	if pages != 100 {
		b.Fatalf("the batch has %d pages, want 100", pages)
	}
	engine := builtin.New()
	cfg := extract.Configuration{DataSchema: schema, CiteSources: true, ConfidenceScores: true}
	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		for _, f := range files {
			var doc *document.Document
			if doc, _, err = parser().File(ctx, f, parse.Options{}); err != nil {
				b.Fatal(err)
			}
			if _, err := engine.Extract(ctx, doc, cfg); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(pages*b.N)/time.Since(start).Seconds(), "pages/s")
}
