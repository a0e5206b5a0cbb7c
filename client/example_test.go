package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/quarrylabs/quarry/client"
)

// Upload a document, extract fields from it, and read the result with the
// citation of one value.
func Example() {
	ctx := context.Background()
	c, err := client.New(
		client.WithBaseURL(os.Getenv("LLAMA_CLOUD_BASE_URL")),
		client.WithAPIKey(os.Getenv("LLAMA_CLOUD_API_KEY")),
	)
	if err != nil {
		log.Fatal(err)
	}
	file, err := c.Files.UploadFile(ctx, "testdata/invoice.txt", nil)
	if err != nil {
		log.Fatal(err)
	}
	job, err := c.Extract.Run(ctx, client.CreateJobParams{
		FileInput: file.ID,
		Configuration: &client.Configuration{
			DataSchema: json.RawMessage(`{"type": "object", "properties": {
				"invoice_number": {"type": "string"},
				"total": {"type": "number"}}}`),
			CiteSources: true,
		},
	}, &client.WaitOptions{PollInterval: 100 * time.Millisecond})
	if err != nil {
		log.Fatal(err)
	}
	var invoice struct {
		Number string  `json:"invoice_number"`
		Total  float64 `json:"total"`
	}
	if err := job.DecodeResult(&invoice); err != nil {
		log.Fatal(err)
	}
	fmt.Println(job.Status, invoice.Number, invoice.Total)
	if total, ok := job.ExtractMetadata.FieldMetadata.Field("total"); ok {
		fmt.Printf("total found on page %d as %q\n", total.Citation[0].Page, total.Citation[0].MatchingText)
	}
	// Output:
	// COMPLETED INV-2024-0042 1234.56
	// total found on page 1 as "$1,234.56"
}

// Walk every failed job, however many pages they take; pages are fetched as
// the loop reaches them.
func ExampleExtractService_List() {
	ctx := context.Background()
	c, err := client.New(
		client.WithBaseURL(os.Getenv("LLAMA_CLOUD_BASE_URL")),
		client.WithAPIKey(os.Getenv("LLAMA_CLOUD_API_KEY")),
	)
	if err != nil {
		log.Fatal(err)
	}
	failed := 0
	for job, err := range c.Extract.List(ctx, &client.ListJobsParams{Status: client.StatusFailed}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(job.ID, job.ErrorMessage)
		failed++
	}
	fmt.Println(failed, "failed jobs")
	// Output: 0 failed jobs
}

// Tell the errors of the API apart by what they mean.
func ExampleIsNotFound() {
	ctx := context.Background()
	c, err := client.New(
		client.WithBaseURL(os.Getenv("LLAMA_CLOUD_BASE_URL")),
		client.WithAPIKey(os.Getenv("LLAMA_CLOUD_API_KEY")),
	)
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.Extract.Get(ctx, "ext-00000000-0000-0000-0000-000000000000")
	var apiErr *client.APIError
	if client.IsNotFound(err) && errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, "the job does not exist, or was deleted")
	}
	// Output: 404 the job does not exist, or was deleted
}
