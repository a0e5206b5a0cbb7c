// Package eval measures an extraction engine on a corpus of documents with
// known answers: it parses each document, runs the engine with the
// corpus's schema, compares the result with the gold, and reports field
// precision, recall and F1, line-item row F1, how often citations point at
// the right page, and how well confidence scores are calibrated, per
// document type (or source) and overall.
//
// A corpus is a manifest, corpus.jsonl, with one JSON object a line:
//
//	{"id": "invoice-000", "type": "invoice", "document": "docs/invoice-000.pdf",
//	 "schema": "schemas/invoice.schema.json", "gold": "gold/invoice-000.json",
//	 "pages": "gold/invoice-000.pages.json"}
//
// Paths are relative to the manifest. "pages" is optional: it maps each
// gold value's path ("total", "line_items[2].amount", "skills[0]") to its
// page; without it citations are checked for presence only. Manifests of
// documents gathered from elsewhere may say "source" instead of "type",
// and "family" for documents that belong together (one producer, one
// template); keys the manifest format does not know are ignored. Package
// internal/eval/corpus generates corpora.
//
// # Scoring
//
// The schema says what is scored and how. Every non-null scalar it
// defines is a field value, wherever it is: a predicted value equal to the
// gold is a true positive, a predicted value that differs or whose gold is
// null a false positive, a gold value missed or different a false
// negative. Arrays of scalars match as multisets. Arrays of objects pair
// each predicted object with the gold object it agrees with on most values
// (greedily, best pairs first), and the objects' values count as fields; a
// predicted object is also a right row when its pair agrees on every
// value. Keys the schema does not define are not scored, and blank strings
// and empty arrays count as null.
//
// Values compare by the field's schema (see Equal): strings by their
// letters and digits after Unicode NFKC with accents and case folded;
// numbers numerically, text read with currency signs and codes and
// thousands separators removed, either decimal convention accepted; dates
// ("format": "date") as ISO dates, read day-first or month-first and with
// month names in eight languages. These are the rules of the scorer that
// comes with the real documents Quarry is measured on
// (../shared/realdocs/score.py), and its figures and these are the same.
//
// Each type's field counts are also split by field, named by path without
// array indexes ("lines[].amount").
//
// Citation accuracy is over the non-null predicted values whose gold is not
// null: the share whose first citation is on the gold value's page.
// Calibration puts every non-null predicted value in a bin by its
// confidence and compares the bin's mean confidence with the share of its
// values that are right; the report also counts the values at or above
// SureConfidence and how many of them are right.
//
// # Split
//
// A run may take the whole manifest or one part of a fixed split: train,
// to tune an engine on, and test, held out to report on. Within each
// source (the entry's type), the documents of one family form a group and
// every other document is a group of its own. Groups are dealt largest
// first, groups of one size in order of the FNV-1a 32-bit hash of their
// key (the family, or else the id). Each goes to the part whose count is
// furthest below its target relative to that target, (target-have)/target,
// the test part only when it is strictly further; the test part's target
// is a quarter of the source's documents. The split depends on nothing but
// the manifest's lines, so every run holds out the same documents, and a
// family never straddles the parts.
//
// # Paraphrases
//
// A user who names a field differently, with other words, must get the
// same values. With Paraphrases the engine sees each schema reworded, its
// properties renamed and their descriptions rewritten, and the results
// are mapped back to the schema's own names before they are scored.
package eval

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/ocrlines"
	"github.com/quarrylabs/quarry/internal/document/parse"
	"github.com/quarrylabs/quarry/internal/extract"
)

// Entry is one line of a manifest. Keys it does not name are ignored.
type Entry struct {
	ID string `json:"id"`
	// Type is the kind of document, which the report's figures are
	// grouped by. Defaults to Source, then to "unknown".
	Type string `json:"type"`
	// Source is where a document comes from, in manifests of documents
	// gathered from elsewhere; it stands for the type when that is
	// absent.
	Source string `json:"source,omitempty"`
	// Family names documents so alike (one producer, one template) that
	// they belong in the same part of a split.
	Family   string `json:"family,omitempty"`
	Document string `json:"document"`
	Schema   string `json:"schema"`
	Gold     string `json:"gold"`
	Pages    string `json:"pages,omitempty"`
	// Layout, when set, is the document as an OCR engine read it: its
	// text lines with their boxes (see package ocrlines). The document is
	// then read from it, as Quarry reads a scan, rather than from the
	// plain text of Document, which has lost where each line stood.
	Layout string `json:"layout,omitempty"`
	// Image, when set, is a scan or photo of the same document, which
	// Config.Images can read instead of Document and Layout.
	Image string `json:"image,omitempty"`
}

// ReadManifest reads a manifest's entries.
func ReadManifest(path string) ([]Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open manifest: %w", err)
	}
	defer f.Close()
	var out []Entry
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	seen := map[string]bool{}
	for n := 1; sc.Scan(); n++ {
		line := sc.Bytes()
		if len(slices.DeleteFunc(slices.Clone(line), func(b byte) bool { return b == ' ' || b == '\t' || b == '\r' })) == 0 {
			continue
		}
		var e Entry
		if err := json.Unmarshal(line, &e); err != nil {
			return nil, fmt.Errorf("manifest line %d: %w", n, err)
		}
		if e.ID == "" || e.Document == "" || e.Schema == "" || e.Gold == "" {
			return nil, fmt.Errorf("manifest line %d: id, document, schema and gold are required", n)
		}
		if filepath.Base(e.ID) != e.ID || e.ID == "." || e.ID == ".." {
			return nil, fmt.Errorf("manifest line %d: id %q must be usable as a file name", n, e.ID)
		}
		if seen[e.ID] {
			return nil, fmt.Errorf("manifest line %d: id %q is repeated", n, e.ID)
		}
		seen[e.ID] = true
		e.Type = cmp.Or(e.Type, e.Source, "unknown")
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	return out, nil
}

// Parser reads a document file into the document model; *parse.Parser is
// one.
type Parser interface {
	File(ctx context.Context, path string, opts parse.Options) (*document.Document, string, error)
}

// Config says what to evaluate and with what.
type Config struct {
	// Manifest is the path of the corpus manifest. Required.
	Manifest string
	// Out is the directory the predictions and report.json are written
	// to. Required.
	Out string
	// Parser parses the documents. Required.
	Parser Parser
	// Engine extracts from them. Required.
	Engine extract.Engine
	// Workers is how many documents are worked on at once. Defaults to
	// runtime.GOMAXPROCS(0).
	Workers int
	// Split is the part of the manifest to run (see the package doc).
	// Defaults to SplitAll.
	Split Split
	// Images runs only the entries that have an image, read from it by
	// OCR (ImagesOCR) or from their text as usual (ImagesText), so the two
	// runs measure the same documents. Defaults to every entry, read from
	// its text (ImagesOff).
	Images Images
	// Paraphrases, when not nil, rename and reword the schemas' fields
	// before the engine sees them; the results are mapped back to the
	// schemas' own names before they are scored.
	Paraphrases Paraphrases
	// Logger receives a line per document that fails. Defaults to
	// slog.Default().
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	c.Workers = cmp.Or(c.Workers, runtime.GOMAXPROCS(0))
	c.Split = cmp.Or(c.Split, SplitAll)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

func (c Config) validate() error {
	switch {
	case c.Manifest == "":
		return errors.New("eval: Manifest is required")
	case c.Out == "":
		return errors.New("eval: Out is required")
	case c.Parser == nil:
		return errors.New("eval: Parser is required")
	case c.Engine == nil:
		return errors.New("eval: Engine is required")
	case c.Workers < 1:
		return errors.New("eval: Workers must be at least 1")
	}
	if _, err := ParseSplit(string(c.Split)); err != nil {
		return fmt.Errorf("eval: Split: %w", err)
	}
	if _, err := ParseImages(string(c.Images)); err != nil {
		return fmt.Errorf("eval: Images: %w", err)
	}
	return nil
}

// Images says whether a run reads the scans of documents that have one.
type Images string

// The ways of reading documents that have an image.
const (
	// ImagesOff runs every entry, from its text.
	ImagesOff Images = ""
	// ImagesText runs the entries with an image, from their text.
	ImagesText Images = "text"
	// ImagesOCR runs the entries with an image, from the image.
	ImagesOCR Images = "ocr"
)

// ParseImages reads an Images value: "", "off", "text" or "ocr".
func ParseImages(s string) (Images, error) {
	switch s {
	case "", "off":
		return ImagesOff, nil
	case string(ImagesText), string(ImagesOCR):
		return Images(s), nil
	}
	return "", fmt.Errorf("%q is not one of off, text, ocr", s)
}

// Prediction is what DIR/<id>.json holds: the engine's output for one
// document and how it scored.
type Prediction struct {
	ID            string          `json:"id"`
	Type          string          `json:"type"`
	Document      string          `json:"document"`
	Result        json.RawMessage `json:"result,omitempty"`
	FieldMetadata json.RawMessage `json:"field_metadata,omitempty"`
	Usage         extract.Usage   `json:"usage"`
	Error         string          `json:"error,omitempty"`
	Fields        Counts          `json:"fields"`
	Rows          Counts          `json:"rows"`
	Citations     Citations       `json:"citations"`
	// Mistakes lists each value that differs from the gold.
	Mistakes []string `json:"mistakes,omitempty"`
}

// Run evaluates every document of the manifest and returns the report,
// which it also writes to Out/report.json. A document that fails to parse
// or extract counts as predicting nothing; ctx cancels the run.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	entries, err := ReadManifest(cfg.Manifest)
	if err != nil {
		return nil, err
	}
	entries = cfg.Split.Select(entries)
	if cfg.Images != ImagesOff {
		entries = slices.DeleteFunc(entries, func(e Entry) bool { return e.Image == "" })
	}
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return nil, fmt.Errorf("create output directory: %w", err)
	}
	base := filepath.Dir(cfg.Manifest)
	results := make([]*docResult, len(entries))
	start := time.Now()
	var wg sync.WaitGroup
	next := make(chan int)
	var firstErr error
	var mu sync.Mutex
	for range min(cfg.Workers, max(len(entries), 1)) {
		wg.Go(func() {
			for i := range next {
				r, err := evaluate(ctx, cfg, base, entries[i])
				if err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
					continue
				}
				results[i] = r
			}
		})
	}
feed:
	for i := range entries {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("eval: %w", err)
	}
	if firstErr != nil {
		return nil, firstErr
	}
	rep := newReport(results, time.Since(start))
	rep.Split, rep.Paraphrased, rep.Images = cfg.Split, cfg.Paraphrases != nil, cfg.Images
	data, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode report: %w", err)
	}
	if err := os.WriteFile(filepath.Join(cfg.Out, "report.json"), append(data, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("write report: %w", err)
	}
	return rep, nil
}

// docResult is one document's scores, for the report.
type docResult struct {
	entry  Entry
	cmp    *comparison
	pages  int
	failed bool
}

// evaluate runs one document. Only a problem with the corpus itself (a
// missing gold or schema file) or with writing the prediction is an error;
// a document the parser or engine fails on is scored as predicting nothing.
func evaluate(ctx context.Context, cfg Config, base string, e Entry) (*docResult, error) {
	schema, err := os.ReadFile(filepath.Join(base, e.Schema))
	if err != nil {
		return nil, fmt.Errorf("%s: read schema: %w", e.ID, err)
	}
	var schemaDoc map[string]any
	if err := json.Unmarshal(schema, &schemaDoc); err != nil {
		return nil, fmt.Errorf("%s: read schema: %w", e.ID, err)
	}
	// The engine sees the schema as the user wrote it, or paraphrased;
	// back turns the names of a paraphrase into the schema's own.
	asked, back := schema, func(v any) any { return v }
	if cfg.Paraphrases != nil {
		if asked, back, err = cfg.Paraphrases.Apply(filepath.Base(e.Schema), schema); err != nil {
			return nil, fmt.Errorf("%s: %w", e.ID, err)
		}
	}
	var gold any
	if err := readJSON(filepath.Join(base, e.Gold), &gold); err != nil {
		return nil, fmt.Errorf("%s: read gold: %w", e.ID, err)
	}
	var pages map[string]int
	if e.Pages != "" {
		if err := readJSON(filepath.Join(base, e.Pages), &pages); err != nil {
			return nil, fmt.Errorf("%s: read pages: %w", e.ID, err)
		}
	}
	pred := Prediction{ID: e.ID, Type: e.Type, Document: e.Document}
	res := &docResult{entry: e}
	var result, meta any
	doc, err := readDocument(ctx, cfg, base, e)
	if err == nil {
		res.pages = len(doc.Pages)
		var out extract.Outcome
		out, err = cfg.Engine.Extract(ctx, doc, extract.Configuration{DataSchema: asked, CiteSources: true, ConfidenceScores: true})
		if err == nil {
			pred.Usage = out.Usage
			_ = json.Unmarshal(out.Result, &result)
			if out.FieldMetadata != nil {
				_ = json.Unmarshal(out.FieldMetadata.Document, &meta)
			}
			result, meta = back(result), back(meta)
			pred.Result, _ = json.Marshal(result)
			if meta != nil {
				pred.FieldMetadata, _ = json.Marshal(meta)
			}
		}
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %w", e.ID, ctx.Err())
		}
		cfg.Logger.Warn("document failed", "id", e.ID, "error", err)
		pred.Error, res.failed = err.Error(), true
	}
	res.cmp = compare(schemaDoc, gold, result, meta, pages)
	pred.Fields, pred.Rows, pred.Citations = res.cmp.fields, res.cmp.rows, res.cmp.cites
	pred.Fields.finish()
	pred.Rows.finish()
	pred.Citations.Accuracy = ratio(pred.Citations.RightPage, pred.Citations.Values)
	pred.Mistakes = res.cmp.errors
	data, err := json.MarshalIndent(pred, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("%s: encode prediction: %w", e.ID, err)
	}
	if err := os.WriteFile(filepath.Join(cfg.Out, e.ID+".json"), append(data, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("%s: write prediction: %w", e.ID, err)
	}
	return res, nil
}

// readDocument parses an entry's document: from its image when the run
// reads images, else from its OCR layout when it has one.
func readDocument(ctx context.Context, cfg Config, base string, e Entry) (*document.Document, error) {
	p := cfg.Parser
	if cfg.Images == ImagesOCR {
		doc, _, err := p.File(ctx, filepath.Join(base, e.Image), parse.Options{})
		return doc, err
	}
	if e.Layout != "" {
		f, err := os.Open(filepath.Join(base, e.Layout))
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return ocrlines.Parse(f)
	}
	doc, _, err := p.File(ctx, filepath.Join(base, e.Document), parse.Options{})
	return doc, err
}

func readJSON(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	return nil
}
