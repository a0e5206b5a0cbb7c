package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/quarrylabs/quarry/internal/document"
	"github.com/quarrylabs/quarry/internal/document/ocr"
	"github.com/quarrylabs/quarry/internal/document/parse"
	"github.com/quarrylabs/quarry/internal/document/pdf"
	"github.com/quarrylabs/quarry/internal/extract"
)

func newParseCmd() *cobra.Command {
	var (
		pages, format string
		maxPages      int
		sheets        []string
		languages     string
	)
	cmd := &cobra.Command{
		Use:   "parse FILE",
		Short: "Print the document model Quarry parses from a file",
		Long: `Parse a file the way an extraction job does and print what the engine sees:
the text of each page in reading order (--format text), or the pages with their
words, boxes, lines and tables (--format json). It runs locally on the file; no
server is needed. Boxes are in page units with the origin at the top-left:
points for PDF, DOCX and HTML, character cells for text, CSV and spreadsheets,
pixels for images (read with Tesseract OCR, which must be installed).`,
		Example: `  quarry parse invoice.pdf
  quarry parse receipt.jpg
  quarry parse scan.tiff --ocr-languages eng+deu --format json
  quarry parse report.docx --pages 1-3 --format json
  quarry parse book.xlsx --sheet Totals`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return &ExitError{Code: 2, Err: fmt.Errorf("--format %q is not one of text, json", format)}
			}
			opts := parse.Options{MaxPages: maxPages, SheetNames: sheets}
			if pages != "" {
				var err error
				if opts.Pages, err = extract.ParsePageRanges(pages); err != nil {
					return &ExitError{Code: 2, Err: fmt.Errorf("--pages: %w", err)}
				}
			}
			if maxPages < 0 {
				return &ExitError{Code: 2, Err: fmt.Errorf("--max-pages must be at least 1 (0 for no limit)")}
			}
			ocrOpts := ocr.Options{Languages: languages}
			if err := ocrOpts.Validate(); err != nil {
				return &ExitError{Code: 2, Err: fmt.Errorf("--ocr-languages: %w", err)}
			}
			pdfOpts := pdf.Options{Instances: 1, OCRLanguages: languages}
			if dir, err := os.UserCacheDir(); err == nil {
				pdfOpts.CacheDir = filepath.Join(dir, "quarry", "pdfium")
			}
			lazy := parse.NewLazyPDF(pdfOpts)
			defer lazy.Close()
			doc, _, err := parse.New(lazy, parse.Limits{OCR: ocrOpts}).File(cmd.Context(), args[0], opts)
			if err != nil {
				return err
			}
			if format == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(toJSON(doc))
			}
			return printText(cmd.OutOrStdout(), doc)
		},
	}
	f := cmd.Flags()
	f.StringVar(&pages, "pages", "", `pages to parse, 1-based, like "1,3,5-7" (a job's target_pages)`)
	f.IntVar(&maxPages, "max-pages", 0, "parse at most this many of the selected pages (a job's max_pages); 0 for no limit")
	f.StringVar(&format, "format", "text", "text (each page's lines) or json (pages, words, boxes, lines, tables)")
	f.StringVar(&languages, "ocr-languages", ocr.DefaultLanguages, "Tesseract languages to read images and scans in, joined with +, like eng+deu")
	f.StringSliceVar(&sheets, "sheet", nil, "spreadsheet sheets to parse, by name (a job's sheet_names); repeat or separate with commas")
	return cmd
}

// printText writes each page's lines in reading order under a heading.
func printText(w io.Writer, doc *document.Document) error {
	for i, p := range doc.Pages {
		if i > 0 {
			if _, err := fmt.Fprintln(w); err != nil {
				return err
			}
		}
		if _, err := fmt.Fprintf(w, "--- page %d of %d (%g x %g, %d words, %d lines, %d tables) ---\n",
			p.Number, doc.TotalPages, p.Width, p.Height, len(p.Words), len(p.Lines), len(p.Tables)); err != nil {
			return err
		}
		for _, l := range p.Lines {
			if _, err := fmt.Fprintln(w, l.Text); err != nil {
				return err
			}
		}
	}
	return nil
}

// The JSON form of the document model, with the API's snake_case keys.
type (
	jsonDocument struct {
		TotalPages int        `json:"total_pages"`
		Pages      []jsonPage `json:"pages"`
	}
	jsonPage struct {
		Number int         `json:"number"`
		Width  float64     `json:"width"`
		Height float64     `json:"height"`
		Words  []jsonWord  `json:"words"`
		Lines  []jsonLine  `json:"lines"`
		Tables []jsonTable `json:"tables"`
	}
	jsonWord struct {
		Text string       `json:"text"`
		Box  document.Box `json:"box"`
		// Confidence is OCR's, for words read from an image.
		Confidence float64 `json:"confidence,omitempty"`
	}
	jsonLine struct {
		Text  string       `json:"text"`
		Box   document.Box `json:"box"`
		Words []int        `json:"words"`
	}
	jsonTable struct {
		Box       document.Box `json:"box"`
		Continued bool         `json:"continued"`
		Rows      [][]jsonLine `json:"rows"`
	}
)

func toJSON(doc *document.Document) jsonDocument {
	out := jsonDocument{TotalPages: doc.TotalPages, Pages: []jsonPage{}}
	for _, p := range doc.Pages {
		jp := jsonPage{Number: p.Number, Width: p.Width, Height: p.Height,
			Words: []jsonWord{}, Lines: []jsonLine{}, Tables: []jsonTable{}}
		for _, w := range p.Words {
			jp.Words = append(jp.Words, jsonWord{Text: w.Text, Box: w.Box, Confidence: w.Confidence})
		}
		for _, l := range p.Lines {
			jp.Lines = append(jp.Lines, jsonLine{Text: l.Text, Box: l.Box, Words: nonNil(l.Words)})
		}
		for _, t := range p.Tables {
			jt := jsonTable{Box: t.Box, Continued: t.Continued, Rows: [][]jsonLine{}}
			for _, r := range t.Rows {
				row := []jsonLine{}
				for _, c := range r {
					row = append(row, jsonLine{Text: c.Text, Box: c.Box, Words: nonNil(c.Words)})
				}
				jt.Rows = append(jt.Rows, row)
			}
			jp.Tables = append(jp.Tables, jt)
		}
		out.Pages = append(out.Pages, jp)
	}
	return out
}

// nonNil makes an empty list print as [] rather than null.
func nonNil(s []int) []int {
	if s == nil {
		return []int{}
	}
	return s
}
