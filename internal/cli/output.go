package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/quarrylabs/quarry/client"
)

// table describes how a type prints as a terminal table.
type table[T any] struct {
	header string
	row    func(T) string
	// detail, if set, prints more of a single item under its row.
	detail func(io.Writer, T)
	// lookup, if set, returns the table to print items with once what
	// its rows show besides the items themselves (a job's file name) has
	// been fetched; see withLookups.
	lookup func(ctx context.Context, c *client.Client, items []T) table[T]
}

// withLookups returns tbl ready to print items in the format: only a table
// shows more than the items hold, so only a table looks it up.
func withLookups[T any](ctx context.Context, c *client.Client, format string, tbl table[T], items ...T) table[T] {
	if format != "table" || tbl.lookup == nil {
		return tbl
	}
	return tbl.lookup(ctx, c, items)
}

// listDoc is a listing as --format json prints it: the API's own page
// shape, so that a saved listing reads like a reply.
type listDoc[T any] struct {
	Items         []T    `json:"items"`
	NextPageToken string `json:"next_page_token,omitempty"`
	TotalSize     *int64 `json:"total_size,omitempty"`
	// resume is the command line that shows the items after these, for
	// a table to end with; empty when none follow.
	resume string
}

// printList prints a listing in the format.
func printList[T any](w io.Writer, format string, doc listDoc[T], tbl table[T]) error {
	if doc.Items == nil {
		doc.Items = []T{}
	}
	switch format {
	case "jsonl":
		for _, it := range doc.Items {
			if err := writeJSON(w, it, false); err != nil {
				return err
			}
		}
		return nil
	case "table":
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, tbl.header)
		for _, it := range doc.Items {
			fmt.Fprintln(tw, tbl.row(it))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		if doc.resume != "" {
			fmt.Fprintf(w, "\nMore items follow: %s\n", doc.resume)
		}
		if doc.TotalSize != nil {
			fmt.Fprintf(w, "\nTotal: %d\n", *doc.TotalSize)
		}
		return nil
	}
	return printValue(w, format, doc)
}

// printOne prints a single item in the format.
func printOne[T any](w io.Writer, format string, item T, tbl table[T]) error {
	if format != "table" {
		return printValue(w, format, item)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, tbl.header)
	fmt.Fprintln(tw, tbl.row(item))
	if err := tw.Flush(); err != nil {
		return err
	}
	if tbl.detail != nil {
		tbl.detail(w, item)
	}
	return nil
}

// printValue prints anything that has no table form: JSON for table and
// json, one line for jsonl, YAML for yaml.
func printValue(w io.Writer, format string, v any) error {
	switch format {
	case "jsonl":
		return writeJSON(w, v, false)
	case "yaml":
		return writeYAML(w, v)
	}
	return writeJSON(w, v, true)
}

func writeJSON(w io.Writer, v any, indent bool) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if indent {
		enc.SetIndent("", "  ")
	}
	return enc.Encode(v)
}

// writeYAML prints v's JSON form as YAML, keeping the JSON field names and
// their order: YAML is a superset of JSON, so the JSON parses as a YAML
// tree, which is then printed in block style.
func writeYAML(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("convert to YAML: %w", err)
	}
	blockStyle(&doc)
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return err
	}
	return enc.Close()
}

// blockStyle clears the flow and quoting styles the JSON source gave the
// nodes; the encoder quotes again only the strings that need it.
func blockStyle(n *yaml.Node) {
	n.Style = 0
	for _, c := range n.Content {
		blockStyle(c)
	}
}

func formatTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

var jobTable = jobTableNamed(nil)

// jobTableNamed prints jobs with the names of their files where names has
// them (their ids otherwise), and why a job failed.
func jobTableNamed(names map[string]string) table[client.Job] {
	return table[client.Job]{
		header: "ID\tSTATUS\tFILE\tCREATED\tUPDATED\tERROR",
		row: func(j client.Job) string {
			file := j.FileInput
			if name := names[j.FileInput]; name != "" {
				file = name
			}
			// One line per job, whatever the message holds.
			errText := dash(strings.Join(strings.Fields(j.ErrorMessage), " "))
			return strings.Join([]string{j.ID, string(j.Status), file, formatTime(j.CreatedAt), formatTime(j.UpdatedAt), errText}, "\t")
		},
		detail: func(w io.Writer, j client.Job) {
			if len(j.ExtractResult) > 0 {
				fmt.Fprintf(w, "\nResult:\n%s\n", indentJSON(j.ExtractResult))
			}
		},
		lookup: func(ctx context.Context, c *client.Client, jobs []client.Job) table[client.Job] {
			return jobTableNamed(fileNames(ctx, c, jobs))
		},
	}
}

// fileNames looks up the names of the jobs' files, a page of files for
// every hundred ids. A name is a nicety: a file deleted since, or a
// lookup that fails, leaves its id in the table.
func fileNames(ctx context.Context, c *client.Client, jobs []client.Job) map[string]string {
	var ids []string
	for _, j := range jobs {
		if strings.HasPrefix(j.FileInput, "dfl-") && !slices.Contains(ids, j.FileInput) {
			ids = append(ids, j.FileInput)
		}
	}
	names := make(map[string]string, len(ids))
	for chunk := range slices.Chunk(ids, 100) {
		page, err := c.Files.ListPage(ctx, &client.ListFilesParams{FileIDs: chunk, PageSize: len(chunk)})
		if err != nil {
			break
		}
		for _, f := range page.Items {
			names[f.ID] = f.Name
		}
	}
	return names
}

var fileTable = table[client.File]{
	header: "ID\tNAME\tTYPE\tSIZE\tPURPOSE\tCREATED",
	row: func(f client.File) string {
		return strings.Join([]string{f.ID, f.Name, dash(f.FileType), fmt.Sprint(f.FileSize), dash(f.Purpose), formatTime(f.CreatedAt)}, "\t")
	},
}

var configurationTable = table[client.SavedConfiguration]{
	// The version is the time it was saved, which UPDATED shows.
	header: "ID\tNAME\tTIER\tTARGET\tUPDATED",
	row: func(c client.SavedConfiguration) string {
		return strings.Join([]string{c.ID, c.Name, dash(c.Parameters.Tier), dash(c.Parameters.ExtractionTarget), formatTime(c.UpdatedAt)}, "\t")
	},
	detail: func(w io.Writer, c client.SavedConfiguration) {
		fmt.Fprintf(w, "\nSchema:\n%s\n", indentJSON(c.Parameters.DataSchema))
	},
}

func indentJSON(raw json.RawMessage) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "  ", "  "); err != nil {
		return "  " + string(raw)
	}
	return "  " + buf.String()
}

// compactJSON is raw on one line, for a table cell.
func compactJSON(raw json.RawMessage) string {
	var buf bytes.Buffer
	if err := json.Compact(&buf, raw); err != nil {
		return string(raw)
	}
	return buf.String()
}
