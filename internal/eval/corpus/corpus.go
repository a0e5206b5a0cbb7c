// Package corpus generates documents for measuring extraction: business
// documents of eight types (invoices, receipts, purchase orders, bank
// statements, application forms, résumés, bills of lading and contracts'
// key terms), each type drawn in several layouts — label: value lines, two
// columns, labels above their values, item tables with varied headers,
// tables running over pages, several currencies and date conventions, and
// light OCR-like noise in the labels — and rendered to PDF and DOCX.
//
// Every document comes with its gold result, known by construction since
// the generator chose each value before drawing it, and with the page each
// value is drawn on. Each type has one schema, written the way a user would
// write it for that kind of document and shared by all its layouts.
//
// Generation is deterministic: the same seed and count give the same files,
// byte for byte, so figures measured on a corpus can be reproduced by
// anyone who generates it again.
//
// # Output
//
// Generate writes into a directory:
//
//	corpus.jsonl                 one line per document (see Entry)
//	docs/<id>.pdf, <id>.docx     the documents
//	schemas/<type>.schema.json   the schema of each type
//	gold/<id>.json               the expected result
//	gold/<id>.pages.json         the page of each expected value, by path
package corpus

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Entry is one line of the manifest. Paths are relative to the manifest.
type Entry struct {
	ID       string `json:"id"`
	Document string `json:"document"`
	Schema   string `json:"schema"`
	Gold     string `json:"gold"`
	Type     string `json:"type"`
	// Pages maps the path of each gold value ("total",
	// "line_items[3].amount", "skills[0]") to the page it is drawn on.
	Pages string `json:"pages,omitempty"`
}

// Options say what to generate.
type Options struct {
	// Seed chooses the corpus. Defaults to 1.
	Seed uint64
	// Count is how many documents to make, spread evenly over the types
	// and, within a type, over the formats. Defaults to 320.
	Count int
	// Formats are the file types to render, among "pdf" and "docx".
	// Defaults to both.
	Formats []string
	// Types are the document types to make (see Types). Defaults to all.
	Types []string
}

func (o Options) withDefaults() Options {
	o.Seed = cmp.Or(o.Seed, 1)
	o.Count = cmp.Or(o.Count, 320)
	if len(o.Formats) == 0 {
		o.Formats = []string{"pdf", "docx"}
	}
	return o
}

// Validate reports options no corpus can be made with: an unknown format
// or type, a negative count. Generate checks them too; a caller that
// tells its user's mistakes from failures to write checks first.
func (o Options) Validate() error {
	if o.Count < 0 {
		return fmt.Errorf("count must be at least 1, not %d", o.Count)
	}
	for _, f := range o.Formats {
		if f != "pdf" && f != "docx" {
			return fmt.Errorf("format %q is not one of pdf, docx", f)
		}
	}
	for _, t := range o.Types {
		if !slices.Contains(Types(), t) {
			return fmt.Errorf("type %q is not one of %s", t, strings.Join(Types(), ", "))
		}
	}
	return nil
}

// selected returns the types to make.
func (o Options) selected() []docType {
	if len(o.Types) == 0 {
		return types
	}
	var out []docType
	for _, t := range types {
		if slices.Contains(o.Types, t.name) {
			out = append(out, t)
		}
	}
	return out
}

// docType is a kind of document: its name, its schema and how to draw one.
type docType struct {
	name   string
	schema string
	build  func(*gen) spec
}

// Types are the document types, in the order documents cycle through them.
var types = []docType{
	{"invoice", invoiceSchema, invoice},
	{"receipt", receiptSchema, receipt},
	{"purchase_order", purchaseOrderSchema, purchaseOrder},
	{"bank_statement", bankStatementSchema, bankStatement},
	{"form", formSchema, form},
	{"resume", resumeSchema, resume},
	{"bill_of_lading", billOfLadingSchema, billOfLading},
	{"contract", contractSchema, contract},
}

// Types returns the names of the document types.
func Types() []string {
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = t.name
	}
	return out
}

// ManifestName is the manifest's file name in the output directory.
const ManifestName = "corpus.jsonl"

// Generate writes a corpus into dir, creating it if need be, and returns
// its entries in manifest order. Document i has the (i mod n)th of the n
// selected types, and its own random stream drawn from the seed and i, so
// a larger count keeps the documents of a smaller one.
func Generate(dir string, opts Options) ([]Entry, error) {
	opts = opts.withDefaults()
	if err := opts.Validate(); err != nil {
		return nil, err
	}
	for _, sub := range []string{"docs", "schemas", "gold"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, fmt.Errorf("create corpus directory: %w", err)
		}
	}
	kinds := opts.selected()
	for _, t := range kinds {
		var v any
		if err := json.Unmarshal([]byte(t.schema), &v); err != nil {
			return nil, fmt.Errorf("schema of %s: %w", t.name, err)
		}
		if err := writeJSON(filepath.Join(dir, "schemas", t.name+".schema.json"), v); err != nil {
			return nil, err
		}
	}
	var entries []Entry
	for i := range opts.Count {
		t := kinds[i%len(kinds)]
		format := opts.Formats[(i/len(kinds))%len(opts.Formats)]
		g := &gen{r: rand.New(rand.NewPCG(opts.Seed, uint64(i)))}
		s := t.build(g)
		id := fmt.Sprintf("%s-%03d", t.name, i)
		var data []byte
		var err error
		if format == "pdf" {
			data, err = renderPDF(s)
		} else {
			data, err = renderDOCX(s)
		}
		if err != nil {
			return nil, fmt.Errorf("render %s: %w", id, err)
		}
		e := Entry{ID: id, Type: t.name, Document: "docs/" + id + "." + format, Schema: "schemas/" + t.name + ".schema.json",
			Gold: "gold/" + id + ".json", Pages: "gold/" + id + ".pages.json"}
		if err := os.WriteFile(filepath.Join(dir, e.Document), data, 0o644); err != nil {
			return nil, fmt.Errorf("write %s: %w", e.Document, err)
		}
		if err := writeJSON(filepath.Join(dir, e.Gold), s.gold); err != nil {
			return nil, err
		}
		if err := writeJSON(filepath.Join(dir, e.Pages), pagesOf(s.pages)); err != nil {
			return nil, err
		}
		entries = append(entries, e)
	}
	f, err := os.Create(filepath.Join(dir, ManifestName))
	if err != nil {
		return nil, fmt.Errorf("write manifest: %w", err)
	}
	enc := json.NewEncoder(f)
	for _, e := range entries {
		if err := enc.Encode(e); err != nil {
			f.Close()
			return nil, fmt.Errorf("write manifest: %w", err)
		}
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("write manifest: %w", err)
	}
	return entries, nil
}

func writeJSON(path string, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", filepath.Base(path), err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return nil
}
