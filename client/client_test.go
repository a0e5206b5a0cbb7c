package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/quarrylabs/quarry/client"
	"github.com/quarrylabs/quarry/client/apitype"
)

const invoiceSchema = `{"type": "object", "properties": {
	"invoice_number": {"type": "string"},
	"total": {"type": "number"},
	"customer": {"type": "string"},
	"paid": {"type": "boolean"}}}`

func invoiceConfig() *client.Configuration {
	return &client.Configuration{DataSchema: json.RawMessage(invoiceSchema), CiteSources: true, ConfidenceScores: true}
}

func readTestdata(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func uploadInvoice(tb testing.TB, c *client.Client) *client.File {
	tb.Helper()
	f, err := c.Files.UploadFile(context.Background(), "testdata/invoice.txt", nil)
	if err != nil {
		tb.Fatalf("UploadFile: %v", err)
	}
	return f
}

func TestFiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _ := newClient(t, newServer(t, nil))
	want := readTestdata(t, "invoice.txt")

	fromPath, err := c.Files.UploadFile(ctx, "testdata/invoice.txt", &client.UploadParams{ExternalFileID: "inv-42"})
	if err != nil {
		t.Fatalf("UploadFile: %v", err)
	}
	if !strings.HasPrefix(fromPath.ID, "dfl-") || fromPath.Name != "invoice.txt" || fromPath.Purpose != "extract" ||
		fromPath.ExternalFileID != "inv-42" || fromPath.FileType != "txt" || fromPath.CreatedAt.IsZero() {
		t.Errorf("UploadFile = %+v, want a dfl- file named invoice.txt, purpose extract, external id inv-42, type txt", fromPath)
	}
	// A reader that cannot seek is streamed once, without retries.
	fromReader, err := c.Files.Upload(ctx, "notes.txt", io.MultiReader(strings.NewReader("Total: 5\n")), &client.UploadParams{Purpose: "user_data"})
	if err != nil {
		t.Fatalf("Upload: %v", err)
	}
	if fromReader.Name != "notes.txt" || fromReader.Purpose != "user_data" {
		t.Errorf("Upload = %+v, want notes.txt with purpose user_data", fromReader)
	}

	got, err := c.Files.Get(ctx, fromPath.ID)
	if err != nil || got.ID != fromPath.ID || got.Name != "invoice.txt" {
		t.Fatalf("Get(%s) = %+v, %v", fromPath.ID, got, err)
	}

	var ids []string
	for f, err := range c.Files.List(ctx, &client.ListFilesParams{PageSize: 1}) {
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		ids = append(ids, f.ID)
	}
	if diff := cmp.Diff([]string{fromReader.ID, fromPath.ID}, ids); diff != "" {
		t.Errorf("List ids, newest first (-want +got):\n%s", diff)
	}
	ids = nil
	for f, err := range c.Files.List(ctx, &client.ListFilesParams{OrderBy: "name", PageSize: 1, DownloadURL: true}) {
		if err != nil {
			t.Fatalf("List(order_by name): %v", err)
		}
		if f.DownloadURL == nil || !strings.HasPrefix(f.DownloadURL.URL, "http") {
			t.Errorf("List(expand download_url): %s has download_url %+v", f.ID, f.DownloadURL)
		}
		ids = append(ids, f.ID)
	}
	if diff := cmp.Diff([]string{fromPath.ID, fromReader.ID}, ids); diff != "" {
		t.Errorf("List ids by name, invoice.txt before notes.txt (-want +got):\n%s", diff)
	}
	if _, err := c.Files.ListPage(ctx, &client.ListFilesParams{OrderBy: "size desc"}); !client.IsInvalid(err) {
		t.Errorf("ListPage(order_by size desc) = %v, want invalid", err)
	}
	page, err := c.Files.ListPage(ctx, &client.ListFilesParams{ExternalFileID: "inv-42"})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != fromPath.ID || page.NextPageToken != "" {
		t.Errorf("ListPage(external_file_id) = %+v, %v; want just %s", page, err, fromPath.ID)
	}

	content, err := c.Files.Content(ctx, fromPath.ID)
	if err != nil || !strings.HasPrefix(content.URL, "http") || content.ExpiresAt.IsZero() {
		t.Errorf("Content = %+v, %v; want a URL and an expiry", content, err)
	}
	asked := time.Now()
	short, err := c.Files.ContentFor(ctx, fromPath.ID, 2*time.Minute)
	if err != nil || short.ExpiresAt.Sub(asked) > 2*time.Minute+time.Second || short.ExpiresAt.Sub(asked) < time.Minute {
		t.Errorf("ContentFor(2m) = %+v, %v; want a link expiring 2 minutes after %v", short, err, asked)
	}
	if _, err := c.Files.ContentFor(ctx, fromPath.ID, 8*24*time.Hour); !client.IsInvalid(err) {
		t.Errorf("ContentFor(8 days) = %v, want invalid: seven days at most", err)
	}
	rc, err := c.Files.Download(ctx, fromPath.ID)
	if err != nil {
		t.Fatalf("Download: %v", err)
	}
	body, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(body, want) {
		t.Errorf("Download = %q, %v; want the uploaded bytes", body, err)
	}

	if err := c.Files.Delete(ctx, fromPath.ID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := c.Files.Get(ctx, fromPath.ID); !client.IsNotFound(err) {
		t.Errorf("Get after Delete: %v, want not found", err)
	}
	if _, err := c.Files.Download(ctx, fromPath.ID); !client.IsNotFound(err) {
		t.Errorf("Download after Delete: %v, want not found", err)
	}
}

func TestConfigurations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _ := newClient(t, newServer(t, nil))

	created, err := c.Configurations.Create(ctx, client.CreateConfigurationParams{
		Name:       "invoices",
		Parameters: client.ConfigurationParameters{Configuration: *invoiceConfig()},
	})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if !strings.HasPrefix(created.ID, "cfg-") || created.Name != "invoices" || created.ProductType != apitype.ProductExtractV2 ||
		created.Version != created.UpdatedAt.Format("2006-01-02T15:04:05.000Z") || !created.Parameters.CiteSources || created.Parameters.Tier != apitype.TierCostEffective {
		t.Errorf("Create = %+v; want cfg-, invoices, extract_v2, version its updated_at, cite_sources, default tier", created)
	}
	got, err := c.Configurations.Get(ctx, created.ID)
	if err != nil || got.Name != "invoices" {
		t.Fatalf("Get = %+v, %v", got, err)
	}

	name := "invoices v2"
	params := created.Parameters
	params.ExtractionTarget = apitype.TargetPerPage
	updated, err := c.Configurations.Update(ctx, created.ID, client.UpdateConfigurationParams{Name: &name, Parameters: &params})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if updated.Name != name || !updated.UpdatedAt.After(created.UpdatedAt) || updated.Version != updated.UpdatedAt.Format("2006-01-02T15:04:05.000Z") ||
		updated.Parameters.ExtractionTarget != apitype.TargetPerPage {
		t.Errorf("Update = %+v; want the new name, a later version and updated_at, per_page", updated)
	}
	// Creating a name that exists updates it (an upsert), as the hosted
	// service documents.
	again, err := c.Configurations.Create(ctx, client.CreateConfigurationParams{Name: name, Parameters: params})
	if err != nil || again.ID != created.ID || again.Version <= updated.Version {
		t.Errorf("Create(existing name) = %+v, %v; want %s at a later version than %s", again, err, created.ID, updated.Version)
	}

	// A job made from the saved configuration runs with a copy of it.
	f := uploadInvoice(t, c)
	job, err := c.Extract.Create(ctx, client.CreateJobParams{FileInput: f.ID, ConfigurationID: created.ID})
	if err != nil || job.ConfigurationID != created.ID {
		t.Fatalf("Create job from configuration = %+v, %v", job, err)
	}

	var names []string
	for cfg, err := range c.Configurations.List(ctx, &client.ListConfigurationsParams{ProductType: apitype.ProductExtractV2}) {
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		names = append(names, cfg.Name)
	}
	if diff := cmp.Diff([]string{name}, names); diff != "" {
		t.Errorf("List names (-want +got):\n%s", diff)
	}
	page, err := c.Configurations.ListPage(ctx, &client.ListConfigurationsParams{Name: "nothing like it"})
	if err != nil || len(page.Items) != 0 {
		t.Errorf("ListPage(name) = %+v, %v; want no items", page, err)
	}

	_, err = c.Configurations.Create(ctx, client.CreateConfigurationParams{
		Name:       "broken",
		Parameters: client.ConfigurationParameters{Configuration: client.Configuration{DataSchema: json.RawMessage(`{"type": "array"}`)}},
	})
	if !client.IsInvalid(err) {
		t.Errorf("Create with an array root schema: %v, want invalid", err)
	}

	if err := c.Configurations.Delete(ctx, created.ID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := c.Configurations.Get(ctx, created.ID); !client.IsNotFound(err) {
		t.Errorf("Get after Delete: %v, want not found", err)
	}
}

func TestRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _ := newClient(t, newServer(t, nil))
	f := uploadInvoice(t, c)

	var polled []client.Status
	opts := *fastWait
	opts.Expand = []string{apitype.ExpandMetadata, apitype.ExpandConfiguration}
	opts.OnPoll = func(j client.Job) { polled = append(polled, j.Status) }
	job, err := c.Extract.Run(ctx, client.CreateJobParams{FileInput: f.ID, Configuration: invoiceConfig()}, &opts)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if job.Status != client.StatusCompleted || len(polled) == 0 || polled[len(polled)-1] != client.StatusCompleted {
		t.Fatalf("Run = %s after polls %v, want COMPLETED last", job.Status, polled)
	}
	var result struct {
		InvoiceNumber string  `json:"invoice_number"`
		Total         float64 `json:"total"`
		Customer      string  `json:"customer"`
		Paid          *bool   `json:"paid"`
	}
	if err := job.DecodeResult(&result); err != nil {
		t.Fatalf("DecodeResult: %v", err)
	}
	if result.InvoiceNumber != "INV-2024-0042" || result.Total != 1234.56 || result.Customer != "Northwind Traders" || result.Paid == nil || *result.Paid {
		t.Errorf("result = %+v", result)
	}
	total, ok := job.ExtractMetadata.FieldMetadata.Field("total")
	if !ok || len(total.Citation) == 0 || total.Citation[0].Page != 1 || total.Citation[0].MatchingText == "" || total.Confidence == nil {
		t.Errorf("metadata of total = %+v, %v; want a page 1 citation with matching text and a confidence", total, ok)
	}
	if job.Metadata == nil || job.Metadata.Usage == nil || job.Metadata.Usage.NumPagesExtracted != 1 {
		t.Errorf("metadata = %+v, want usage of 1 page", job.Metadata)
	}
	if job.Configuration == nil || job.Configuration.ExtractVersion == "" {
		t.Errorf("configuration = %+v, want the concrete version the job ran with", job.Configuration)
	}
}

func TestRunFailed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _ := newClient(t, newServer(t, nil))
	// Bytes that are no document the built-in engine reads.
	f, err := c.Files.Upload(ctx, "scan.png", bytes.NewReader([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")), nil)
	if err != nil {
		t.Fatal(err)
	}
	job, err := c.Extract.Run(ctx, client.CreateJobParams{FileInput: f.ID, Configuration: invoiceConfig()}, fastWait)
	var jobErr *client.JobError
	if !errors.As(err, &jobErr) || jobErr.Job.Status != client.StatusFailed || jobErr.Job.ErrorMessage == "" {
		t.Fatalf("Run on a PNG: %v, want a *JobError with status FAILED and a message", err)
	}
	if job == nil || job.ID != jobErr.Job.ID || !strings.Contains(err.Error(), jobErr.Job.ErrorMessage) {
		t.Errorf("Run = %+v, %v; want the failed job returned and its message in the error", job, err)
	}
}

func TestCancelDelete(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _ := newClient(t, newServer(t, gateEngine{}))
	f := uploadInvoice(t, c)

	job, err := c.Extract.Create(ctx, client.CreateJobParams{FileInput: f.ID, Configuration: invoiceConfig()})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if !strings.HasPrefix(job.ID, "ext-") || (job.Status != client.StatusPending && job.Status != client.StatusThrottled) {
		t.Errorf("Create = %s %s, want a PENDING ext- job", job.ID, job.Status)
	}

	// The job never finishes by itself: the wait ends at its timeout.
	timeout := *fastWait
	timeout.Timeout = 5 * fastWait.PollInterval
	if _, err := c.Extract.WaitForCompletion(ctx, job.ID, &timeout); !errors.Is(err, client.ErrWaitTimeout) {
		t.Errorf("WaitForCompletion of a job that does not end: %v, want ErrWaitTimeout", err)
	}

	cancelled, err := c.Extract.Cancel(ctx, job.ID)
	if err != nil || cancelled.Status != client.StatusCancelled {
		t.Fatalf("Cancel = %+v, %v; want CANCELLED", cancelled, err)
	}
	if _, err := c.Extract.Cancel(ctx, job.ID); !client.IsConflict(err) {
		t.Errorf("second Cancel: %v, want a conflict", err)
	}
	_, err = c.Extract.WaitForCompletion(ctx, job.ID, fastWait)
	var jobErr *client.JobError
	if !errors.As(err, &jobErr) || jobErr.Job.Status != client.StatusCancelled {
		t.Errorf("WaitForCompletion of a cancelled job: %v, want a *JobError with CANCELLED", err)
	}

	if err := c.Extract.Delete(ctx, job.ID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := c.Extract.Get(ctx, job.ID); !client.IsNotFound(err) {
		t.Errorf("Get after Delete: %v, want not found", err)
	}
	if err := c.Extract.Delete(ctx, job.ID); !client.IsNotFound(err) {
		t.Errorf("second Delete: %v, want not found", err)
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, requests := newClient(t, newServer(t, nil))
	f := uploadInvoice(t, c)
	other := uploadInvoice(t, c)

	var ids []string // newest first
	for range 7 {
		job, err := c.Extract.Create(ctx, client.CreateJobParams{FileInput: f.ID, Configuration: invoiceConfig()})
		if err != nil {
			t.Fatal(err)
		}
		ids = append([]string{job.ID}, ids...)
	}
	otherJob, err := c.Extract.Run(ctx, client.CreateJobParams{FileInput: other.ID, Configuration: invoiceConfig()}, fastWait)
	if err != nil {
		t.Fatal(err)
	}

	collect := func(t *testing.T, p *client.ListJobsParams) []string {
		t.Helper()
		var got []string
		for job, err := range c.Extract.List(ctx, p) {
			if err != nil {
				t.Fatalf("List(%+v): %v", p, err)
			}
			got = append(got, job.ID)
		}
		return got
	}
	tests := []struct {
		name   string
		params *client.ListJobsParams
		want   []string
	}{
		{"FileInputPaged", &client.ListJobsParams{FileInput: f.ID, PageSize: 3}, ids},
		{"DeprecatedDocumentInputValue", &client.ListJobsParams{DocumentInputValue: other.ID}, []string{otherJob.ID}},
		{"JobIDs", &client.ListJobsParams{JobIDs: []string{ids[1], ids[4], otherJob.ID}, PageSize: 1}, []string{otherJob.ID, ids[1], ids[4]}},
		{"StatusAndFile", &client.ListJobsParams{Status: client.StatusCompleted, FileInput: other.ID}, []string{otherJob.ID}},
		{"CreatedBefore", &client.ListJobsParams{CreatedAtOnOrBefore: otherJob.CreatedAt.AddDate(-1, 0, 0)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, collect(t, tt.params)); diff != "" {
				t.Errorf("List ids (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("PageByPage", func(t *testing.T) {
		var got []string
		p := &client.ListJobsParams{FileInput: f.ID, PageSize: 3, Expand: []string{apitype.ExpandTotalSize}}
		for {
			page, err := c.Extract.ListPage(ctx, p)
			if err != nil {
				t.Fatalf("ListPage: %v", err)
			}
			if page.TotalSize == nil || *page.TotalSize != 7 {
				t.Errorf("TotalSize = %v, want 7", page.TotalSize)
			}
			for _, j := range page.Items {
				got = append(got, j.ID)
			}
			if page.NextPageToken == "" {
				break
			}
			p.PageToken = page.NextPageToken
		}
		if diff := cmp.Diff(ids, got); diff != "" {
			t.Errorf("pages (-want +got):\n%s", diff)
		}
	})

	t.Run("LazyPages", func(t *testing.T) {
		before := requests.Load()
		n := 0
		for _, err := range c.Extract.List(ctx, &client.ListJobsParams{FileInput: f.ID, PageSize: 3}) {
			if err != nil {
				t.Fatal(err)
			}
			if n++; n == 2 {
				break
			}
		}
		if got := requests.Load() - before; got != 1 {
			t.Errorf("breaking within the first page sent %d requests, want 1", got)
		}
	})

	t.Run("ErrorYieldedOnce", func(t *testing.T) {
		var errs []error
		for _, err := range c.Extract.List(ctx, &client.ListJobsParams{PageToken: "not-a-token"}) {
			errs = append(errs, err)
		}
		if len(errs) != 1 || !client.IsInvalid(errs[0]) {
			t.Errorf("List with a forged token yielded %v, want one invalid-request error", errs)
		}
		var apiErr *client.APIError
		if errors.As(errs[0], &apiErr) && (apiErr.Detail == "" || apiErr.RequestID == "") {
			t.Errorf("APIError = %+v, want a detail and a request id", apiErr)
		}
	})

	t.Run("ContextCancelled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		var errs []error
		for _, err := range c.Extract.List(cctx, nil) {
			errs = append(errs, err)
		}
		if len(errs) != 1 || !errors.Is(errs[0], context.Canceled) {
			t.Errorf("List with a cancelled context yielded %v, want context.Canceled once", errs)
		}
	})

	t.Run("BadFilter", func(t *testing.T) {
		_, err := c.Extract.ListPage(ctx, &client.ListJobsParams{Status: "DONE"})
		if !client.IsInvalid(err) || !strings.Contains(err.Error(), "DONE") {
			t.Errorf("ListPage(status DONE): %v, want invalid naming the status", err)
		}
	})
}

func TestSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, _ := newClient(t, newServer(t, nil))

	tests := []struct {
		name    string
		schema  string
		invalid bool
	}{
		{"OK", invoiceSchema, false},
		{"ErrArrayRoot", `{"type": "array", "items": {"type": "string"}}`, true},
		{"ErrUnknownType", `{"type": "object", "properties": {"total": {"type": "money"}}}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Extract.ValidateSchema(ctx, json.RawMessage(tt.schema))
			if tt.invalid {
				var apiErr *client.APIError
				if !errors.As(err, &apiErr) || !client.IsInvalid(err) || apiErr.Detail == "" {
					t.Errorf("ValidateSchema(%s) = %s, %v; want an invalid-request error with a detail", tt.schema, got, err)
				}
				return
			}
			if err != nil || !json.Valid(got) || !bytes.Contains(got, []byte("invoice_number")) {
				t.Errorf("ValidateSchema(%s) = %s, %v; want the normalised schema", tt.schema, got, err)
			}
		})
	}

	t.Run("Generate", func(t *testing.T) {
		gen, err := c.Extract.GenerateSchema(ctx, client.GenerateSchemaParams{Prompt: "the invoice number and the total", Name: "generated"})
		if apiErr := (*client.APIError)(nil); errors.As(err, &apiErr) && apiErr.StatusCode == 404 && strings.Contains(apiErr.Detail, "no such endpoint") {
			t.Skip("the server does not serve POST /api/v2/extract/schema/generate yet")
		}
		if err != nil {
			t.Fatalf("GenerateSchema: %v", err)
		}
		if gen.Parameters.ProductType != apitype.ProductExtractV2 || len(gen.Parameters.DataSchema) == 0 {
			t.Errorf("GenerateSchema = %+v, want extract_v2 parameters with a data_schema", gen)
		}
		// What comes back is a configuration request, ready to save.
		saved, err := c.Configurations.Create(ctx, *gen)
		if err != nil || saved.Parameters.ProductType != apitype.ProductExtractV2 {
			t.Errorf("Create(generated) = %+v, %v", saved, err)
		}
	})
}

func TestAuth(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newServer(t, nil)
	tests := []struct {
		name string
		opts []client.Option
		is   func(error) bool
	}{
		{"ErrNoKey", []client.Option{client.WithAPIKey("")}, client.IsUnauthorized},
		{"ErrUnknownKey", []client.Option{client.WithAPIKey("qry_nope")}, client.IsUnauthorized},
		{"ErrForeignProject", []client.Option{client.WithProject("prj-00000000-0000-0000-0000-000000000000", "")}, client.IsForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newClient(t, s, tt.opts...)
			_, err := c.Extract.ListPage(ctx, nil)
			var apiErr *client.APIError
			if !tt.is(err) || !errors.As(err, &apiErr) || apiErr.Detail == "" {
				t.Errorf("ListPage = %v, want %s with a detail", err, tt.name)
			}
		})
	}
	t.Run("OtherProjectCopy", func(t *testing.T) {
		c, _ := newClient(t, s)
		_, err := c.WithProject("prj-00000000-0000-0000-0000-000000000000", "").Extract.ListPage(ctx, nil)
		if !client.IsForbidden(err) {
			t.Errorf("WithProject(foreign).ListPage = %v, want forbidden", err)
		}
		if _, err := c.Extract.ListPage(ctx, nil); err != nil {
			t.Errorf("the original client changed with its copy: %v", err)
		}
	})
}

func TestNewOptions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opt  client.Option
	}{
		{"ErrRelativeBaseURL", client.WithBaseURL("localhost:8080")},
		{"ErrFTPBaseURL", client.WithBaseURL("ftp://example.com")},
		{"ErrNegativeRetries", client.WithMaxRetries(-1)},
		{"ErrRetryDelayOrder", client.WithRetryDelay(2, 1)},
		{"ErrNilHTTPClient", client.WithHTTPClient(nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := client.New(tt.opt); err == nil {
				t.Errorf("New(%s) succeeded, want an error", tt.name)
			}
		})
	}
	c, err := client.New(client.WithBaseURL("http://quarry.example:9000/"))
	if err != nil || c.BaseURL() != "http://quarry.example:9000" {
		t.Errorf("New(WithBaseURL) = %v, %v; want the URL without its trailing slash", c.BaseURL(), err)
	}
	if c, err := client.New(); err != nil || c.BaseURL() != client.DefaultBaseURL {
		t.Errorf("New() base URL = %v, %v; want %s", c.BaseURL(), err, client.DefaultBaseURL)
	}
}

func TestJobErrorMessage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		job  client.Job
		want string
	}{
		{"Failed", client.Job{ID: "ext-1", Status: client.StatusFailed, ErrorMessage: "png files are not supported"}, "job ext-1 failed: png files are not supported"},
		{"FailedWithoutMessage", client.Job{ID: "ext-1", Status: client.StatusFailed}, "job ext-1 failed"},
		{"Cancelled", client.Job{ID: "ext-1", Status: client.StatusCancelled}, "job ext-1 was cancelled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (&client.JobError{Job: tt.job}).Error(); got != tt.want {
				t.Errorf("JobError{%s}.Error() = %q, want %q", tt.job.Status, got, tt.want)
			}
		})
	}
}
