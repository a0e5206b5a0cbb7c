package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/quarrylabs/quarry/client"
)

func abs(tb testing.TB, name string) string {
	tb.Helper()
	p, err := filepath.Abs(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// seedJobs uploads the invoice and runs n jobs on it, returning the file
// and the job ids newest first.
func seedJobs(tb testing.TB, s *testServer, n int) (string, []string) {
	tb.Helper()
	ctx := context.Background()
	f, err := s.c.Files.UploadFile(ctx, abs(tb, "invoice.txt"), nil)
	if err != nil {
		tb.Fatal(err)
	}
	schema, _ := os.ReadFile(abs(tb, "invoice.schema.json"))
	var ids []string
	for range n {
		job, err := s.c.Extract.Create(ctx, client.CreateJobParams{FileInput: f.ID, Configuration: &client.Configuration{DataSchema: schema}})
		if err != nil {
			tb.Fatal(err)
		}
		ids = append([]string{job.ID}, ids...)
	}
	for _, id := range ids {
		if _, err := s.c.Extract.WaitForCompletion(ctx, id, &client.WaitOptions{PollInterval: 20 * time.Millisecond}); err != nil {
			tb.Fatal(err)
		}
	}
	return f.ID, ids
}

type jobList struct {
	Items []struct {
		ID            string          `json:"id" yaml:"id"`
		Status        string          `json:"status" yaml:"status"`
		FileInput     string          `json:"file_input" yaml:"file_input"`
		ExtractResult map[string]any  `json:"extract_result" yaml:"extract_result"`
		Configuration json.RawMessage `json:"configuration" yaml:"-"`
	} `json:"items" yaml:"items"`
	NextPageToken string `json:"next_page_token" yaml:"next_page_token"`
	TotalSize     *int   `json:"total_size" yaml:"total_size"`
}

func (l jobList) ids() []string {
	var ids []string
	for _, it := range l.Items {
		ids = append(ids, it.ID)
	}
	return ids
}

func decodeList(tb testing.TB, out string) jobList {
	tb.Helper()
	var l jobList
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		tb.Fatalf("output is not one JSON document: %v\n%s", err, out)
	}
	return l
}

func TestExtractListFormats(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	file, ids := seedJobs(t, s, 3)

	tests := []struct {
		format string
		check  func(t *testing.T, out string)
	}{
		{"json", func(t *testing.T, out string) {
			l := decodeList(t, out)
			if diff := cmp.Diff(ids, l.ids()); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			if l.Items[0].Status != "COMPLETED" || l.Items[0].FileInput != file || l.Items[0].ExtractResult["invoice_number"] != "INV-2024-0042" {
				t.Errorf("first item = %+v", l.Items[0])
			}
		}},
		{"", func(t *testing.T, out string) {
			// Piped output without --format is JSON.
			if diff := cmp.Diff(ids, decodeList(t, out).ids()); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		}},
		{"jsonl", func(t *testing.T, out string) {
			var got []string
			sc := bufio.NewScanner(strings.NewReader(out))
			for sc.Scan() {
				var job struct{ ID, Status string }
				if err := json.Unmarshal(sc.Bytes(), &job); err != nil {
					t.Fatalf("line %q is not a JSON object: %v", sc.Text(), err)
				}
				got = append(got, job.ID)
			}
			if diff := cmp.Diff(ids, got); diff != "" {
				t.Errorf("ids, one per line (-want +got):\n%s", diff)
			}
		}},
		{"yaml", func(t *testing.T, out string) {
			var l jobList
			if err := yaml.Unmarshal([]byte(out), &l); err != nil {
				t.Fatalf("output is not YAML: %v\n%s", err, out)
			}
			if diff := cmp.Diff(ids, l.ids()); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
			if l.Items[0].ExtractResult["total"] != 1234.56 {
				t.Errorf("result = %v, want the total as a number", l.Items[0].ExtractResult)
			}
			if !strings.HasPrefix(out, "items:\n  - id: ext-") {
				t.Errorf("YAML is not in block style:\n%s", out)
			}
		}},
		{"table", func(t *testing.T, out string) {
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if got := strings.Fields(lines[0]); !slices.Equal(got, []string{"ID", "STATUS", "FILE", "CREATED", "UPDATED", "ERROR"}) {
				t.Errorf("header = %q", lines[0])
			}
			if len(lines) != 4 {
				t.Fatalf("table has %d lines, want a header and 3 rows:\n%s", len(lines), out)
			}
			// The file by its name, and no error.
			for i, id := range ids {
				if f := strings.Fields(lines[i+1]); len(f) != 8 || f[0] != id || f[1] != "COMPLETED" || f[2] != "invoice.txt" || f[7] != "-" {
					t.Errorf("row %d = %q, want %s COMPLETED invoice.txt … -", i, lines[i+1], id)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run("Format_"+tt.format, func(t *testing.T) {
			args := []string{"extract", "list", "--file-input", file}
			if tt.format != "" {
				args = append(args, "--format", tt.format)
			}
			tt.check(t, s.ok(t, args...))
		})
	}
}

func TestExtractListPaging(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	file, ids := seedJobs(t, s, 7)

	// --debug shows each request, so the pages fetched can be counted,
	// and must never show the key.
	r := s.quarry(t, "", "extract", "list", "--file-input", file, "--page-size", "2", "--max-items", "5", "--debug")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	first := decodeList(t, r.stdout)
	if diff := cmp.Diff(ids[:5], first.ids()); diff != "" {
		t.Errorf("--max-items 5 (-want +got):\n%s", diff)
	}
	if first.NextPageToken == "" {
		t.Errorf("no next_page_token after stopping at --max-items with jobs left")
	}
	if n := strings.Count(r.stderr, "> GET "); n != 3 {
		t.Errorf("--page-size 2 --max-items 5 sent %d requests, want 3 (2+2+1):\n%s", n, r.stderr)
	}
	if strings.Contains(r.stderr, s.key) || !strings.Contains(r.stderr, "Authorization: Bearer qry_") {
		t.Errorf("--debug printed the key unmasked, or no Authorization header:\n%s", r.stderr)
	}

	rest := decodeList(t, s.ok(t, "extract", "list", "--file-input", file, "--page-token", first.NextPageToken))
	if diff := cmp.Diff(ids[5:], rest.ids()); diff != "" {
		t.Errorf("resuming at next_page_token (-want +got):\n%s", diff)
	}

	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"AllPages", []string{"--page-size", "3", "--max-items", "-1"}, ids},
		{"DefaultIsAll", nil, ids},
		{"MaxBelowPage", []string{"--max-items", "2"}, ids[:2]},
		{"MaxZero", []string{"--max-items", "0"}, nil},
		{"MaxAboveTotal", []string{"--page-size", "4", "--max-items", "100"}, ids},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := decodeList(t, s.ok(t, append([]string{"extract", "list", "--file-input", file}, tt.args...)...))
			if diff := cmp.Diff(tt.want, l.ids()); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}
}

// TestExtractListResumeHint follows the command a listing that stopped
// early says to run next: it must carry the filters the page token is
// bound to, and reach the items after the ones shown. jsonl says it on
// stderr, so that every line of stdout stays an item.
func TestExtractListResumeHint(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	file, ids := seedJobs(t, s, 5)
	// A job of another file, which the filter leaves out.
	seedJobs(t, s, 1)

	for _, format := range []string{"table", "jsonl"} {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			args := []string{"extract", "list", "--file-input", file, "--max-items", "2", "--format", format}
			var seen []string
			for page := 0; ; page++ {
				r := s.quarry(t, "", args...)
				if r.code != 0 {
					t.Fatalf("quarry %v exited %d: %s", args, r.code, r.stderr)
				}
				hintIn := r.stdout
				if format == "jsonl" {
					hintIn = r.stderr
					for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
						var j client.Job
						if err := json.Unmarshal([]byte(line), &j); err != nil {
							t.Fatalf("stdout line %q is not a job: %v", line, err)
						}
						seen = append(seen, j.ID)
					}
				} else {
					for _, id := range ids {
						if strings.Contains(r.stdout, id) {
							seen = append(seen, id)
						}
					}
				}
				_, hint, ok := strings.Cut(hintIn, "More items follow: ")
				if !ok {
					break
				}
				if page > 3 {
					t.Fatalf("still more items after %d pages: %q", page, hintIn)
				}
				fields := strings.Fields(hint)
				if len(fields) < 3 || fields[0] != "quarry" || fields[1] != "extract" || fields[2] != "list" {
					t.Fatalf("hint %q is not a quarry extract list command", hint)
				}
				args = fields[1:]
			}
			slices.Sort(seen)
			want := slices.Clone(ids)
			slices.Sort(want)
			if diff := cmp.Diff(want, seen); diff != "" {
				t.Errorf("jobs shown following the hints (-want +got):\n%s", diff)
			}
		})
	}
}

func TestExtractListFilters(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	file, ids := seedJobs(t, s, 3)

	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"Status", []string{"--status", "COMPLETED", "--file-input", file}, ids},
		{"StatusLowerCase", []string{"--status", "failed"}, nil},
		{"JobIDsRepeated", []string{"--job-id", ids[2], "--job-id", ids[0]}, []string{ids[0], ids[2]}},
		{"DocumentInputValue", []string{"--document-input-value", file, "--max-items", "1"}, ids[:1]},
		{"DocumentInputType", []string{"--document-input-type", "file_id", "--max-items", "1"}, ids[:1]},
		{"CreatedInFuture", []string{"--created-at-on-or-after", "2999-01-01"}, nil},
		{"CreatedBeforeNow", []string{"--created-at-on-or-before", "2999-01-01T00:00:00Z", "--max-items", "2"}, ids[:2]},
		{"ConfigurationID", []string{"--configuration-id", "cfg-00000000-0000-0000-0000-000000000000"}, nil},
		{"ProjectID", []string{"--project-id", "", "--organization-id", ""}, ids},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := decodeList(t, s.ok(t, append([]string{"extract", "list"}, tt.args...)...))
			if diff := cmp.Diff(tt.want, l.ids()); diff != "" {
				t.Errorf("ids (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("Expand", func(t *testing.T) {
		l := decodeList(t, s.ok(t, "extract", "list", "--max-items", "1", "--expand", "configuration", "--expand", "total_size"))
		if len(l.Items) != 1 || !strings.Contains(string(l.Items[0].Configuration), "invoice_number") {
			t.Errorf("--expand configuration: items = %+v, want the configuration with its schema", l.Items)
		}
		if l.TotalSize == nil || *l.TotalSize != 3 {
			t.Errorf("--expand total_size: total_size = %v, want 3", l.TotalSize)
		}
	})
	t.Run("DeprecatedWarning", func(t *testing.T) {
		r := s.quarry(t, "", "extract", "list", "--document-input-value", file)
		if r.code != 0 || !strings.Contains(r.stderr, "deprecated") {
			t.Errorf("--document-input-value: exit %d, stderr %q; want 0 and a deprecation warning", r.code, r.stderr)
		}
	})
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	tests := []struct {
		name       string
		args       []string
		env        []string
		wantCode   int
		wantStderr string
	}{
		{"ErrNotFound", []string{"extract", "get", "ext-00000000-0000-0000-0000-000000000000"}, nil, 1, "not found (HTTP 404)"},
		{"ErrForgedPageToken", []string{"extract", "list", "--page-token", "forged"}, nil, 1, "(HTTP 422)"},
		{"ErrPageSizeTooLarge", []string{"extract", "list", "--page-size", "5000"}, nil, 1, "page_size"},
		{"ErrBadKey", []string{"extract", "list"}, []string{"LLAMA_CLOUD_API_KEY=qry_wrong"}, 1, "invalid API key"},
		{"ErrBadKeyNamesSettings", []string{"extract", "list"}, []string{"LLAMA_CLOUD_API_KEY=qry_wrong"}, 1, "--api-key, or else LLAMA_CLOUD_API_KEY or QUARRY_API_KEY"},
		{"UsageNoKey", []string{"files", "list"}, []string{"LLAMA_CLOUD_API_KEY="}, 2, "no API key: set QUARRY_API_KEY (or LLAMA_CLOUD_API_KEY), or pass --api-key"},
		{"ErrBadSchema", []string{"extract", "validate-schema", `{"type": "array"}`}, nil, 1, "(HTTP 422)"},
		{"ErrFileInputUnknown", []string{"extract", "create", "--file-input", "dfl-00000000-0000-0000-0000-000000000000", "--schema", `{"type":"object","properties":{"a":{"type":"string"}}}`}, nil, 1, "was not found"},
		{"UsageUnknownFlag", []string{"extract", "list", "--no-such-flag"}, nil, 2, "unknown flag"},
		{"UsageUnknownCommand", []string{"extract", "frobnicate"}, nil, 2, "unknown command"},
		{"UsageBadFormat", []string{"extract", "list", "--format", "xml"}, nil, 2, "--format"},
		{"UsageBadStatus", []string{"extract", "list", "--status", "DONE"}, nil, 2, "--status"},
		{"UsageBadMaxItems", []string{"extract", "list", "--max-items", "-2"}, nil, 2, "--max-items"},
		{"UsageBadTimestamp", []string{"extract", "list", "--created-at-on-or-after", "yesterday"}, nil, 2, "RFC 3339"},
		{"UsageBadPageSizeType", []string{"extract", "list", "--page-size", "many"}, nil, 2, `--page-size "many" is not a whole number`},
		{"UsageMissingArg", []string{"extract", "get"}, nil, 2, "accepts 1 arg"},
		{"UsageCreateWithoutFile", []string{"extract", "create", "--schema", "{}"}, nil, 2, "file-input"},
		{"UsageCreateWithoutSchema", []string{"extract", "create", "--file-input", "dfl-1"}, nil, 2, "--schema"},
		{"UsageSchemaAndConfiguration", []string{"extract", "create", "--file-input", "dfl-1", "--schema", "{}", "--configuration-id", "cfg-1"}, nil, 2, "not both"},
		{"UsageSchemaNotJSON", []string{"extract", "validate-schema", "{not json"}, nil, 2, "not valid JSON"},
		{"UsageBadBaseURL", []string{"extract", "list", "--base-url", "localhost:8080"}, nil, 2, "--base-url"},
		{"UsageDownloadFormat", []string{"files", "download", "dfl-1", "--format", "json"}, nil, 2, "--format applies to --url"},
		{"UsageUpdateNothing", []string{"configurations", "update", "cfg-1"}, nil, 2, "nothing to change"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := append([]string{"LLAMA_CLOUD_BASE_URL=" + s.base, "LLAMA_CLOUD_API_KEY=" + s.key}, tt.env...)
			r := runBin(t, t.TempDir(), env, "", tt.args...)
			if r.code != tt.wantCode || !strings.Contains(r.stderr, tt.wantStderr) || !strings.HasPrefix(r.stderr, "Error: ") {
				t.Errorf("quarry %s: exit %d, stderr %q; want exit %d and %q", strings.Join(tt.args, " "), r.code, r.stderr, tt.wantCode, tt.wantStderr)
			}
		})
	}
}

func TestExtractRun(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	invoice, schema := abs(t, "invoice.txt"), abs(t, "invoice.schema.json")

	t.Run("JSON", func(t *testing.T) {
		l := decodeList(t, s.ok(t, "extract", "run", invoice, "--schema", schema, "--cite-sources", "--poll-interval", "20ms"))
		if len(l.Items) != 1 {
			t.Fatalf("items = %+v, want one job", l.Items)
		}
		job := l.Items[0]
		want := map[string]any{"invoice_number": "INV-2024-0042", "total": 1234.56, "customer": "Northwind Traders", "paid": false}
		if diff := cmp.Diff(want, job.ExtractResult); job.Status != "COMPLETED" || diff != "" {
			t.Errorf("job %s %s, result (-want +got):\n%s", job.ID, job.Status, diff)
		}
	})
	t.Run("TableSeveralFiles", func(t *testing.T) {
		out := s.ok(t, "extract", "run", invoice, invoice, "--schema", schema, "--target", "per_doc", "--tier", "cost_effective", "--format", "table", "--poll-interval", "20ms")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 3 || !strings.HasPrefix(lines[0], "FILE") {
			t.Fatalf("table = %q, want a header and two rows", out)
		}
		for _, line := range lines[1:] {
			if f := strings.Fields(line); len(f) < 4 || f[0] != "invoice.txt" || f[2] != "COMPLETED" || !strings.Contains(line, `"INV-2024-0042"`) {
				t.Errorf("row %q, want invoice.txt, its job, COMPLETED and the result", line)
			}
		}
	})
	t.Run("ErrOneFails", func(t *testing.T) {
		r := s.quarry(t, "", "extract", "run", invoice, abs(t, "scan.png"), "--schema", schema, "--poll-interval", "20ms", "--format", "jsonl")
		if r.code != 1 || !strings.Contains(r.stderr, "scan.png") || !strings.Contains(r.stderr, "1 of 2 files did not complete") {
			t.Errorf("exit %d, stderr %q; want 1, naming scan.png and counting the failure", r.code, r.stderr)
		}
		var statuses []string
		for line := range strings.Lines(r.stdout) {
			var job struct{ Status string }
			if err := json.Unmarshal([]byte(line), &job); err != nil {
				t.Fatalf("line %q: %v", line, err)
			}
			statuses = append(statuses, job.Status)
		}
		if diff := cmp.Diff([]string{"COMPLETED", "FAILED"}, statuses); diff != "" {
			t.Errorf("jobs printed (-want +got):\n%s", diff)
		}
		// The jobs table names the file and says why the job failed.
		out := s.ok(t, "extract", "list", "--status", "FAILED", "--format", "table")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) != 2 {
			t.Fatalf("extract list --status FAILED = %q, want a header and one row", out)
		}
		f := strings.Fields(lines[1])
		if len(f) < 8 || f[1] != "FAILED" || f[2] != "scan.png" || !strings.Contains(lines[1], "the PNG image cannot be read") {
			t.Errorf("row %q, want the job FAILED on scan.png with its error", lines[1])
		}
		if got := s.ok(t, "extract", "get", f[0], "--format", "table"); !strings.Contains(got, "scan.png") || !strings.Contains(got, "the PNG image cannot be read") {
			t.Errorf("extract get %s = %q, want the file's name and the error", f[0], got)
		}
	})
	t.Run("ErrMissingFile", func(t *testing.T) {
		r := s.quarry(t, "", "extract", "run", "nothing-here.txt", "--schema", schema)
		if r.code != 1 || !strings.Contains(r.stderr, "nothing-here.txt") {
			t.Errorf("exit %d, stderr %q; want 1 naming the file", r.code, r.stderr)
		}
	})
}

func TestFilesCommands(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	invoice := abs(t, "invoice.txt")
	want, _ := os.ReadFile(invoice)

	var f client.File
	if err := json.Unmarshal([]byte(s.ok(t, "files", "upload", invoice, "--external-file-id", "crm-1")), &f); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(f.ID, "dfl-") || f.Name != "invoice.txt" || f.Purpose != "extract" || f.ExternalFileID != "crm-1" {
		t.Errorf("upload = %+v", f)
	}
	var got client.File
	if err := json.Unmarshal([]byte(s.ok(t, "files", "get", f.ID)), &got); err != nil || got.ID != f.ID {
		t.Errorf("get = %+v, %v", got, err)
	}
	if out := s.ok(t, "files", "list", "--external-file-id", "crm-1", "--format", "table"); !strings.Contains(out, f.ID) || !strings.Contains(out, "invoice.txt") {
		t.Errorf("list table = %q, want the file", out)
	}

	if out := s.ok(t, "files", "download", f.ID, "-o", "-"); out != string(want) {
		t.Errorf("download -o - = %q, want the file's bytes", out)
	}
	dir := t.TempDir()
	r := runBin(t, dir, []string{"LLAMA_CLOUD_BASE_URL=" + s.base, "LLAMA_CLOUD_API_KEY=" + s.key}, "", "files", "download", f.ID)
	saved, err := os.ReadFile(filepath.Join(dir, "invoice.txt"))
	if r.code != 0 || err != nil || string(saved) != string(want) {
		t.Errorf("download into the working directory: exit %d %s, file %v; want invoice.txt with the bytes", r.code, r.stderr, err)
	}
	r = runBin(t, dir, []string{"LLAMA_CLOUD_BASE_URL=" + s.base, "LLAMA_CLOUD_API_KEY=" + s.key}, "", "files", "download", f.ID)
	if r.code != 1 || !strings.Contains(r.stderr, "exists") {
		t.Errorf("second download over an existing file: exit %d %q, want 1 and no overwrite", r.code, r.stderr)
	}
	var link client.FileContent
	if err := json.Unmarshal([]byte(s.ok(t, "files", "download", f.ID, "--url")), &link); err != nil || !strings.HasPrefix(link.URL, s.base) {
		t.Errorf("download --url = %+v, %v", link, err)
	}

	r = s.quarry(t, "", "files", "delete", f.ID)
	if r.code != 0 || !strings.Contains(r.stderr, "Deleted "+f.ID) {
		t.Errorf("delete: exit %d %q", r.code, r.stderr)
	}
	if r := s.quarry(t, "", "files", "get", f.ID); r.code != 1 || !strings.Contains(r.stderr, "HTTP 404") {
		t.Errorf("get after delete: exit %d %q, want 1 and 404", r.code, r.stderr)
	}
}

func TestConfigurationsCommands(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	schema := abs(t, "invoice.schema.json")

	var cfg client.SavedConfiguration
	if err := json.Unmarshal([]byte(s.ok(t, "configurations", "create", "--name", "invoices", "--schema", schema, "--cite-sources")), &cfg); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(cfg.ID, "cfg-") || cfg.Name != "invoices" || !cfg.Parameters.CiteSources {
		t.Errorf("create = %+v", cfg)
	}
	var updated client.SavedConfiguration
	if err := json.Unmarshal([]byte(s.ok(t, "configurations", "update", cfg.ID, "--tier", "agentic")), &updated); err != nil {
		t.Fatal(err)
	}
	// Settings not given keep their values.
	if updated.Version <= cfg.Version || updated.Parameters.Tier != "agentic" || !updated.Parameters.CiteSources || !strings.Contains(string(updated.Parameters.DataSchema), "invoice_number") {
		t.Errorf("update --tier = %+v, want a later version than %s, agentic, the rest kept", updated, cfg.Version)
	}
	if out := s.ok(t, "configs", "get", cfg.ID, "--format", "table"); !strings.Contains(out, "invoices") || !strings.Contains(out, "invoice_number") {
		t.Errorf("get table = %q, want the name and the schema", out)
	}
	if out := s.ok(t, "configurations", "list", "--format", "yaml"); !strings.Contains(out, "id: "+cfg.ID) {
		t.Errorf("list yaml = %q", out)
	}

	f, err := s.c.Files.UploadFile(context.Background(), abs(t, "invoice.txt"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var job client.Job
	if err := json.Unmarshal([]byte(s.ok(t, "extract", "create", "--file-input", f.ID, "--configuration-id", cfg.ID)), &job); err != nil {
		t.Fatal(err)
	}
	if job.ConfigurationID != cfg.ID {
		t.Errorf("extract create --configuration-id = %+v", job)
	}
	l := decodeList(t, s.ok(t, "extract", "list", "--configuration-id", cfg.ID))
	if diff := cmp.Diff([]string{job.ID}, l.ids()); diff != "" {
		t.Errorf("list --configuration-id (-want +got):\n%s", diff)
	}

	s.ok(t, "configurations", "delete", cfg.ID)
	if r := s.quarry(t, "", "configurations", "get", cfg.ID); r.code != 1 {
		t.Errorf("get after delete: exit %d, want 1", r.code)
	}
}

func TestExtractLifecycle(t *testing.T) {
	t.Parallel()
	s := startServer(t, gateEngine{})
	f, err := s.c.Files.UploadFile(context.Background(), abs(t, "invoice.txt"), nil)
	if err != nil {
		t.Fatal(err)
	}

	var job client.Job
	out := s.ok(t, "extract", "create", "--file-input", f.ID, "--schema", abs(t, "invoice.schema.json"), "--target", "per_page", "--idempotency-key", "k-1")
	if err := json.Unmarshal([]byte(out), &job); err != nil {
		t.Fatal(err)
	}
	if job.Status != client.StatusPending || job.Configuration == nil || job.Configuration.ExtractionTarget != "per_page" {
		t.Errorf("create = %+v, want PENDING per_page", job)
	}
	var again client.Job
	_ = json.Unmarshal([]byte(s.ok(t, "extract", "create", "--file-input", f.ID, "--schema", abs(t, "invoice.schema.json"), "--target", "per_page", "--idempotency-key", "k-1")), &again)
	if again.ID != job.ID {
		t.Errorf("create with the same idempotency key made %s, want %s again", again.ID, job.ID)
	}

	if out := s.ok(t, "extract", "get", job.ID, "--format", "table"); !strings.Contains(out, job.ID) {
		t.Errorf("get table = %q", out)
	}
	var cancelled client.Job
	if err := json.Unmarshal([]byte(s.ok(t, "extract", "cancel", job.ID)), &cancelled); err != nil || cancelled.Status != client.StatusCancelled {
		t.Errorf("cancel = %+v, %v; want CANCELLED", cancelled, err)
	}
	if r := s.quarry(t, "", "extract", "cancel", job.ID); r.code != 1 || !strings.Contains(r.stderr, "HTTP 409") {
		t.Errorf("second cancel: exit %d %q, want 1 with the 409's detail", r.code, r.stderr)
	}
	if r := s.quarry(t, "", "extract", "get", job.ID, "--wait", "--poll-interval", "20ms"); r.code != 1 || !strings.Contains(r.stdout, "CANCELLED") || !strings.Contains(r.stderr, job.ID+" was cancelled") {
		t.Errorf("get --wait on a cancelled job: exit %d, stdout %q, stderr %q; want 1, the job shown and the reason", r.code, r.stdout, r.stderr)
	}
	s.ok(t, "extract", "delete", job.ID)
	if r := s.quarry(t, "", "extract", "get", job.ID); r.code != 1 || !strings.Contains(r.stderr, "HTTP 404") {
		t.Errorf("get after delete: exit %d %q", r.code, r.stderr)
	}
}

func TestSchemaCommands(t *testing.T) {
	t.Parallel()
	s := startServer(t, nil)
	schema, _ := os.ReadFile(abs(t, "invoice.schema.json"))

	// --schema as other commands take it, and the argument as before.
	for _, args := range [][]string{
		{"extract", "validate-schema", "--schema", abs(t, "invoice.schema.json")},
		{"extract", "validate-schema", "--schema", "-"},
		{"extract", "validate-schema", "-"},
	} {
		r := s.quarry(t, string(schema), args...)
		var v struct {
			DataSchema map[string]any `json:"data_schema"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &v); r.code != 0 || err != nil || v.DataSchema["type"] != "object" {
			t.Errorf("quarry %v: exit %d, %q, %v, %q", args, r.code, r.stdout, err, r.stderr)
		}
	}
	for _, args := range [][]string{
		{"extract", "validate-schema"},
		{"extract", "validate-schema", "-", "--schema", "-"},
		{"extract", "generate-schema", "--file", "a.txt", "--file-id", "dfl-1"},
	} {
		if r := s.quarry(t, string(schema), args...); r.code != 2 {
			t.Errorf("quarry %v: exit %d %q, want 2", args, r.code, r.stderr)
		}
	}

	// A local file is uploaded, then read for its Label: value lines.
	r := s.quarry(t, "", "extract", "generate-schema", "--file", abs(t, "invoice.txt"))
	var fromFile client.CreateConfigurationParams
	if err := json.Unmarshal([]byte(r.stdout), &fromFile); r.code != 0 || err != nil || !strings.Contains(string(fromFile.Parameters.DataSchema), "invoice_number") ||
		!strings.Contains(r.stderr, "Uploaded ") {
		t.Errorf("generate-schema --file: exit %d, %q, %v, stderr %q; want a schema with invoice_number", r.code, r.stdout, err, r.stderr)
	}

	r = s.quarry(t, "", "extract", "generate-schema", "--prompt", "invoice number and total", "--name", "generated")
	if r.code == 1 && strings.Contains(r.stderr, "no such endpoint") {
		t.Skip("the server does not serve POST /api/v2/extract/schema/generate yet")
	}
	var gen client.CreateConfigurationParams
	if err := json.Unmarshal([]byte(r.stdout), &gen); r.code != 0 || err != nil || gen.Parameters.ProductType != "extract_v2" || len(gen.Parameters.DataSchema) == 0 {
		t.Errorf("generate-schema: exit %d, %q, %v, stderr %q", r.code, r.stdout, err, r.stderr)
	}
}

// TestHelp checks every command's help carries an example, and that
// extract list documents every flag of the reference page.
func TestHelp(t *testing.T) {
	t.Parallel()
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Example == "" && !c.Hidden && c.Name() != cobra.ShellCompRequestCmd && c.Name() != cobra.ShellCompNoDescRequestCmd {
			t.Errorf("%q has no example in its help", c.CommandPath())
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRoot(nil, nil))

	r := runBin(t, t.TempDir(), nil, "", "extract", "list", "--help")
	if r.code != 0 {
		t.Fatalf("extract list --help exited %d", r.code)
	}
	for _, flag := range []string{"--configuration-id", "--created-at-on-or-after", "--created-at-on-or-before", "--document-input-type",
		"--document-input-value", "--expand", "--file-input", "--job-id", "--organization-id", "--page-size", "--page-token",
		"--project-id", "--status", "--max-items", "--api-key", "--base-url", "--format", "--debug", "Example"} {
		if !strings.Contains(r.stdout, flag) {
			t.Errorf("extract list --help does not mention %s", flag)
		}
	}
	if !strings.Contains(r.stdout, "Deprecated: use --file-input") {
		t.Errorf("extract list --help does not mark --document-input-value deprecated")
	}
}

func TestCompletion(t *testing.T) {
	t.Parallel()
	if r := runBin(t, t.TempDir(), nil, "", "completion", "bash"); r.code != 0 || !strings.Contains(r.stdout, "quarry") {
		t.Errorf("completion bash: exit %d", r.code)
	}
	r := runBin(t, t.TempDir(), nil, "", cobra.ShellCompNoDescRequestCmd, "extract", "list", "--status", "")
	for _, s := range []string{"PENDING", "COMPLETED", "CANCELLED"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("completing --status offers %q, want %s among them", r.stdout, s)
		}
	}
}
