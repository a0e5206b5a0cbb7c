package cli

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/quarrylabs/quarry/internal/document/parse"
	"github.com/quarrylabs/quarry/internal/document/pdf"
	"github.com/quarrylabs/quarry/internal/engine/builtin"
	"github.com/quarrylabs/quarry/internal/eval"
	"github.com/quarrylabs/quarry/internal/eval/corpus"
)

func newEvalCmd() *cobra.Command {
	var (
		manifest, out, split, paraphrase, images string
		workers                                  int
		fields                                   bool
	)
	cmd := &cobra.Command{
		Use:   "eval --manifest corpus.jsonl --out DIR",
		Short: "Measure the built-in engine on a corpus of documents with known answers",
		Long: `Run parsing and the built-in engine over every document of a corpus, locally and
without a server, write each prediction to DIR/<id>.json and the figures to
DIR/report.json, and print field precision, recall and F1, line-item row F1 and
citation page accuracy per document type (or source) and overall, with a
confidence calibration table, its expected calibration error, and how many
values are reported at 0.9 or more and how many of those are right.

The manifest has one JSON object a line: {"id", "type", "document", "schema",
"gold"} and optionally "pages" (the page of each gold value), paths relative to
the manifest. "quarry eval generate" makes such a corpus. A manifest of
documents from elsewhere may give a "source" instead of a "type", and a
"family" for documents that belong together; other keys are ignored.

Values compare by the schema's type: strings by their letters and digits
(Unicode NFKC, accents and case folded), numbers numerically (currency signs
and codes, spaces and thousands separators dropped, either decimal
convention), "format": "date" strings as dates (day-first or month-first,
month names in eight languages). Every non-null scalar is a field value,
the cells of arrays of objects included, whose objects pair up greedily by
most values agreed; a predicted object equal to its pair is a right row.
--fields also prints the figures of each field of each type.

--split test runs only the held-out part of the manifest, --split train the
rest. Within each source, documents of one family form a group and every
other document is a group of its own; groups are dealt largest first, groups
of one size in order of the FNV-1a 32-bit hash of the family or id, each to the part
furthest below its target relative to that target (the held-out part when
strictly further), the held-out target being a quarter of the source. The
split depends only on the manifest, so every run holds out the same
documents: tune on train, report on test.

--paraphrase FILE runs the engine on reworded schemas: FILE maps each schema's
file name to its property paths ("total", "lines[].amount"; "" for the schema
itself), each to a new "name", "title" and "description". The results are
mapped back to the schema's own names before they are scored, so the figures
compare with a run on the schemas as written.

--images ocr runs only the documents whose manifest line names an "image" (a
scan or photo of the same document) and reads each from its image with
Tesseract, as a job on an uploaded image does; --images text runs the same
documents from their text, so the two reports compare OCR with the text the
manifest gives.`,
		Example: `  quarry eval generate --out corpus
  quarry eval --manifest corpus/corpus.jsonl --out predictions
  quarry eval --manifest ../shared/realdocs/manifest.jsonl --split test --out held-out
  quarry eval --manifest ../shared/realdocs/manifest.jsonl --images ocr --out receipts-ocr
  quarry eval --manifest ../shared/realdocs/manifest.jsonl --split test \
    --paraphrase internal/eval/testdata/realdocs.paraphrase.json --out held-out-reworded`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if manifest == "" || out == "" {
				return &ExitError{Code: 2, Err: fmt.Errorf("--manifest and --out are required")}
			}
			if workers < 1 {
				return &ExitError{Code: 2, Err: fmt.Errorf("--workers must be at least 1")}
			}
			sp, err := eval.ParseSplit(split)
			if err != nil {
				return &ExitError{Code: 2, Err: fmt.Errorf("--split: %w", err)}
			}
			im, err := eval.ParseImages(images)
			if err != nil {
				return &ExitError{Code: 2, Err: fmt.Errorf("--images: %w", err)}
			}
			var para eval.Paraphrases
			if paraphrase != "" {
				if para, err = eval.ReadParaphrases(paraphrase); err != nil {
					return &ExitError{Code: 2, Err: fmt.Errorf("--paraphrase: %w", err)}
				}
			}
			pdfOpts := pdf.Options{Instances: workers}
			if dir, err := os.UserCacheDir(); err == nil {
				pdfOpts.CacheDir = filepath.Join(dir, "quarry", "pdfium")
			}
			lazy := parse.NewLazyPDF(pdfOpts)
			defer lazy.Close()
			rep, err := eval.Run(cmd.Context(), eval.Config{
				Manifest: manifest, Out: out, Workers: workers, Split: sp, Paraphrases: para, Images: im,
				Parser: parse.New(lazy, parse.Limits{}), Engine: builtin.New(),
				Logger: slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil)),
			})
			if err != nil {
				return err
			}
			if err := rep.Print(cmd.OutOrStdout()); err != nil {
				return err
			}
			if fields {
				fmt.Fprintln(cmd.OutOrStdout())
				return rep.PrintFields(cmd.OutOrStdout())
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&manifest, "manifest", "", "the corpus manifest (JSON lines)")
	f.StringVar(&out, "out", "", "directory for the predictions and report.json")
	f.IntVar(&workers, "workers", runtime.GOMAXPROCS(0), "documents worked on at once")
	f.StringVar(&split, "split", "all", "part of the manifest to run: all, train, or test (held out)")
	f.BoolVar(&fields, "fields", false, "also print precision, recall and F1 of each field of each type")
	f.StringVar(&images, "images", "off", "off (every document, from its text), text or ocr (only documents with an image, from their text or from the image by OCR)")
	f.StringVar(&paraphrase, "paraphrase", "", "JSON file rewording the schemas' fields (names and descriptions)")
	cmd.AddCommand(newEvalGenerateCmd())
	return cmd
}

func newEvalGenerateCmd() *cobra.Command {
	var (
		out     string
		seed    uint64
		count   int
		formats []string
		kinds   []string
	)
	cmd := &cobra.Command{
		Use:   "generate --out DIR",
		Short: "Generate a corpus of business documents with their gold results",
		Long: `Generate invoices, receipts, purchase orders, bank statements, application
forms, résumés, bills of lading and contracts' key terms in several layouts, as
PDF and DOCX, with a schema per type, the gold result of every document and a
corpus.jsonl manifest for "quarry eval". The same seed and count always give the
same files.`,
		Example: `  quarry eval generate --out corpus
  quarry eval generate --out small --count 40 --seed 7 --formats pdf`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return &ExitError{Code: 2, Err: fmt.Errorf("--out is required")}
			}
			if count < 1 {
				return &ExitError{Code: 2, Err: fmt.Errorf("--count must be at least 1")}
			}
			opts := corpus.Options{Seed: seed, Count: count, Formats: formats, Types: kinds}
			// A format or type the generator does not know is the user's
			// mistake, a usage error like a bad flag; a failure to write
			// the corpus is not.
			if err := opts.Validate(); err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			entries, err := corpus.Generate(out, opts)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%d documents in %s\n", len(entries), filepath.Join(out, corpus.ManifestName))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&out, "out", "", "directory to write the corpus to")
	f.Uint64Var(&seed, "seed", 1, "seed of the random choices")
	f.IntVar(&count, "count", 320, "number of documents, spread over the 8 types")
	f.StringSliceVar(&formats, "formats", []string{"pdf", "docx"}, "file types to render: pdf, docx")
	f.StringSliceVar(&kinds, "types", nil, "document types to make (default all): "+strings.Join(corpus.Types(), ", "))
	return cmd
}
