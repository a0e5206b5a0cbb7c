package client

import (
	"cmp"
	"context"
	"fmt"
	"time"
)

// Backoff is how the wait between two polls of a job grows.
type Backoff int

const (
	// BackoffLinear adds PollInterval to the wait after each poll (with
	// the default interval: 1s, 2s, 3s…), as the TypeScript client does by
	// default.
	BackoffLinear Backoff = iota
	// BackoffExponential doubles the wait after each poll.
	BackoffExponential
	// BackoffConstant keeps the wait at PollInterval.
	BackoffConstant
)

// WaitOptions tune WaitForCompletion and Run. The zero value is ready to
// use.
type WaitOptions struct {
	// PollInterval is the first wait between two polls. Defaults to 1s.
	PollInterval time.Duration
	// MaxInterval caps the wait between two polls. Defaults to 5s.
	MaxInterval time.Duration
	// Backoff is how the wait grows. Defaults to BackoffLinear.
	Backoff Backoff
	// Timeout bounds the whole wait; past it the error wraps
	// ErrWaitTimeout. Defaults to 2 hours, the TypeScript client's
	// default. A deadline on the context bounds it too.
	Timeout time.Duration
	// Expand is passed to each poll (Get), for instance
	// apitype.ExpandExtractMetadata to have citations on the job returned.
	Expand []string
	// OnPoll, if set, is called with the job after each poll, for
	// progress displays. It runs on the waiting goroutine.
	OnPoll func(Job)
}

func (o *WaitOptions) withDefaults() WaitOptions {
	var out WaitOptions
	if o != nil {
		out = *o
	}
	out.PollInterval = cmp.Or(out.PollInterval, time.Second)
	out.MaxInterval = max(cmp.Or(out.MaxInterval, 5*time.Second), out.PollInterval)
	out.Timeout = cmp.Or(out.Timeout, 2*time.Hour)
	return out
}

// WaitForCompletion polls a job until it ends and returns it; opts may be
// nil. It checks the job at once, then after waits that grow by
// opts.Backoff. A job that ends FAILED or CANCELLED is returned with a
// *JobError; errors reading the job are returned as they are (requests are
// retried first, as every call is).
func (s *ExtractService) WaitForCompletion(ctx context.Context, jobID string, opts *WaitOptions) (*Job, error) {
	o := opts.withDefaults()
	ctx, cancel := context.WithTimeoutCause(ctx, o.Timeout, fmt.Errorf("%w %s after %v", ErrWaitTimeout, jobID, o.Timeout))
	defer cancel()
	interval := o.PollInterval
	for {
		job, err := s.Get(ctx, jobID, o.Expand...)
		if err != nil {
			return nil, waitError(ctx, err)
		}
		if o.OnPoll != nil {
			o.OnPoll(*job)
		}
		switch job.Status {
		case StatusCompleted:
			return job, nil
		case StatusFailed, StatusCancelled:
			return job, &JobError{Job: *job}
		}
		if err := sleep(ctx, interval); err != nil {
			return job, waitError(ctx, fmt.Errorf("wait for job %s (%s): %w", jobID, job.Status, err))
		}
		switch o.Backoff {
		case BackoffLinear:
			interval += o.PollInterval
		case BackoffExponential:
			interval *= 2
		}
		interval = min(interval, o.MaxInterval)
	}
}

// waitError names the timeout when it was the wait's own deadline, not the
// caller's, that ended the wait.
func waitError(ctx context.Context, err error) error {
	if cause := context.Cause(ctx); cause != nil && cause != ctx.Err() {
		return fmt.Errorf("%w (%v)", cause, err)
	}
	return err
}

// Run creates a job and waits for it to end, like the TypeScript client's
// extract.run: the job is returned COMPLETED, with its result, or with a
// *JobError when it failed or was cancelled. opts may be nil.
func (s *ExtractService) Run(ctx context.Context, params CreateJobParams, opts *WaitOptions) (*Job, error) {
	job, err := s.Create(ctx, params)
	if err != nil {
		return nil, err
	}
	return s.WaitForCompletion(ctx, job.ID, opts)
}
