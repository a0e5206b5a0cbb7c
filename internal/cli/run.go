package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/quarrylabs/quarry/client"
)

func newExtractRunCmd(g *globals) *cobra.Command {
	var (
		cf          configFlags
		configID    string
		concurrency int
		poll        time.Duration
		timeout     time.Duration
	)
	cmd := &cobra.Command{
		Use:   "run FILE...",
		Short: "Upload files, extract from each, wait and print the results",
		Long: `Upload each file, start an extraction job on it, wait for the jobs to end
(polling with backoff), and print them with their results. With several files
on a terminal, a progress line shows how far the jobs are.

Exits non-zero when any file could not be uploaded or its job did not
complete; the jobs that did are printed all the same.`,
		Example: `  quarry extract run invoice.txt --schema invoice.schema.json
  quarry extract run scans/*.txt --schema invoice.schema.json --target per_page --tier agentic
  quarry extract run invoice.txt --configuration-id cfg-0193… --format json | jq '.items[0].extract_result'`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			format, err := g.outputFormat(cmd)
			if err != nil {
				return err
			}
			if concurrency < 1 {
				return usageError("--concurrency %d: must be at least 1", concurrency)
			}
			params, err := jobParams(cmd, &cf, "", configID)
			if err != nil {
				return err
			}
			for _, f := range files {
				if st, err := os.Stat(f); err != nil {
					return err
				} else if st.IsDir() {
					return usageError("%s is a directory; give the files in it", f)
				}
			}
			c, err := g.client(cmd)
			if err != nil {
				return err
			}
			var progress *progressLine
			if len(files) > 1 && isTerminal(cmd.ErrOrStderr()) {
				progress = &progressLine{w: cmd.ErrOrStderr(), state: make([]string, len(files))}
			}
			wait := client.WaitOptions{PollInterval: poll, Timeout: timeout}
			results := runAll(cmd.Context(), c, files, params, wait, concurrency, progress)
			progress.clear()
			return printRun(cmd, format, files, results)
		},
	}
	cf.register(cmd)
	cmd.Flags().StringVar(&configID, "configuration-id", "", "a saved configuration (cfg-…) instead of --schema")
	cmd.Flags().IntVar(&concurrency, "concurrency", 4, "how many files to upload and extract at once")
	cmd.Flags().DurationVar(&poll, "poll-interval", time.Second, "the first wait between two checks of a job (it grows up to 5s)")
	cmd.Flags().DurationVar(&timeout, "timeout", 2*time.Hour, "give up waiting for a job after this long")
	return cmd
}

// runResult is what became of one file.
type runResult struct {
	job *client.Job
	err error
}

// runAll uploads each file, creates its job and waits for it, at most
// concurrency files at once; results are in the order of files.
func runAll(ctx context.Context, c *client.Client, files []string, params client.CreateJobParams, wait client.WaitOptions, concurrency int, progress *progressLine) []runResult {
	results := make([]runResult, len(files))
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	for i, path := range files {
		progress.set(i, "queued")
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			results[i] = runOne(ctx, c, path, params, wait, func(state string) { progress.set(i, state) })
		})
	}
	wg.Wait()
	return results
}

func runOne(ctx context.Context, c *client.Client, path string, params client.CreateJobParams, wait client.WaitOptions, report func(string)) runResult {
	report("uploading")
	f, err := c.Files.UploadFile(ctx, path, &client.UploadParams{Purpose: "extract"})
	if err != nil {
		report("error")
		return runResult{err: fmt.Errorf("upload: %s", message(err))}
	}
	params.FileInput = f.ID
	job, err := c.Extract.Create(ctx, params)
	if err != nil {
		report("error")
		return runResult{err: fmt.Errorf("create job: %s", message(err))}
	}
	wait.OnPoll = func(j client.Job) { report(string(j.Status)) }
	done, err := c.Extract.WaitForCompletion(ctx, job.ID, &wait)
	if done != nil {
		job = done
	}
	var jobErr *client.JobError
	switch {
	case errors.As(err, &jobErr):
		return runResult{job: job, err: err}
	case err != nil:
		report("error")
		return runResult{job: job, err: fmt.Errorf("wait for %s: %s", job.ID, message(err))}
	}
	return runResult{job: job}
}

// runRow is a line of extract run's table.
type runRow struct {
	file   string
	result runResult
}

var runTable = table[runRow]{
	header: "FILE\tJOB\tSTATUS\tRESULT",
	row: func(r runRow) string {
		id, status, result := "-", "ERROR", ""
		if j := r.result.job; j != nil {
			id, status = j.ID, string(j.Status)
			if len(j.ExtractResult) > 0 {
				result = compactJSON(j.ExtractResult)
			}
		}
		if r.result.err != nil {
			result = r.result.err.Error()
		}
		return strings.Join([]string{filepath.Base(r.file), id, status, result}, "\t")
	},
}

// printRun prints the jobs (and, in a table, the files that have none),
// and returns an error when not every file's job completed.
func printRun(cmd *cobra.Command, format string, files []string, results []runResult) error {
	var (
		doc    listDoc[client.Job]
		rows   []runRow
		failed int
	)
	for i, r := range results {
		rows = append(rows, runRow{file: files[i], result: r})
		if r.job != nil {
			doc.Items = append(doc.Items, *r.job)
		}
		if r.err != nil {
			failed++
			if format != "table" {
				fmt.Fprintf(cmd.ErrOrStderr(), "%s: %v\n", files[i], r.err)
			}
		}
	}
	var err error
	if format == "table" {
		err = printList(cmd.OutOrStdout(), format, listDoc[runRow]{Items: rows}, runTable)
	} else {
		err = printList(cmd.OutOrStdout(), format, doc, jobTable)
	}
	if err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files did not complete", failed, len(files))
	}
	return nil
}

// progressLine shows, on one terminal line rewritten in place, where each
// file of an extract run is. A nil *progressLine shows nothing.
type progressLine struct {
	w     io.Writer
	mu    sync.Mutex
	state []string
}

func (p *progressLine) set(i int, state string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.state[i] = state
	counts := map[string]int{}
	for _, s := range p.state {
		counts[s]++
	}
	done := counts["COMPLETED"] + counts["FAILED"] + counts["CANCELLED"] + counts["error"]
	line := fmt.Sprintf("%d/%d done", done, len(p.state))
	for _, s := range []string{"FAILED", "CANCELLED", "error", "RUNNING", "THROTTLED", "PENDING", "uploading", "queued"} {
		if counts[s] > 0 {
			line += fmt.Sprintf(" · %d %s", counts[s], strings.ToLower(s))
		}
	}
	// \r returns to the line's start; \x1b[K erases what a longer line
	// before it left.
	fmt.Fprintf(p.w, "\r\x1b[K%s", line)
}

func (p *progressLine) clear() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprint(p.w, "\r\x1b[K")
}
