package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// APIError is a reply from the server with a status other than 2xx.
type APIError struct {
	// StatusCode is the HTTP status: 401, 403, 404, 409, 413, 422, 429, 5xx…
	StatusCode int
	// Detail is the server's explanation, written for the user: the
	// "detail" of the reply's JSON body (its text when it is not a string,
	// or the body itself when it is not JSON).
	Detail string
	// RequestID is the server's id for the request (X-Request-Id), to
	// find it in the server's logs.
	RequestID string
	// Method and Path say which call failed.
	Method, Path string
	// RetryAfter is how long the server asked to wait (Retry-After), if
	// it did.
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Detail != "" {
		b.WriteString(": ")
		b.WriteString(e.Detail)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request id %s)", e.RequestID)
	}
	return b.String()
}

// readAPIError builds the error of a non-2xx reply and closes its body.
func readAPIError(resp *http.Response, r request) *APIError {
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	e := &APIError{
		StatusCode: resp.StatusCode,
		RequestID:  resp.Header.Get("X-Request-Id"),
		Method:     r.method,
		Path:       r.displayPath(),
		RetryAfter: parseRetryAfter(resp.Header, time.Now()),
	}
	var reply struct {
		Detail json.RawMessage `json:"detail"`
	}
	switch {
	case json.Unmarshal(body, &reply) == nil && len(reply.Detail) > 0:
		// The hosted service sometimes sends a list of validation
		// errors as the detail; keep it readable as JSON text.
		if json.Unmarshal(reply.Detail, &e.Detail) != nil {
			e.Detail = string(reply.Detail)
		}
	default:
		e.Detail = strings.TrimSpace(string(body))
	}
	return e
}

// StatusCode returns the HTTP status of the *APIError in err's chain, or 0
// if there is none.
func StatusCode(err error) int {
	var e *APIError
	if errors.As(err, &e) {
		return e.StatusCode
	}
	return 0
}

// IsNotFound reports whether the server answered 404: the resource does
// not exist, was deleted, or belongs to another project.
func IsNotFound(err error) bool { return StatusCode(err) == http.StatusNotFound }

// IsConflict reports whether the server answered 409: the resource's state
// forbids the change (cancelling a finished job).
func IsConflict(err error) bool { return StatusCode(err) == http.StatusConflict }

// IsUnauthorized reports whether the server answered 401: no API key, or
// an unknown or revoked one.
func IsUnauthorized(err error) bool { return StatusCode(err) == http.StatusUnauthorized }

// IsForbidden reports whether the server answered 403: the key may not act
// in the project or organization asked for.
func IsForbidden(err error) bool { return StatusCode(err) == http.StatusForbidden }

// IsInvalid reports whether the server answered 400 or 422: the request
// was malformed, or well-formed but unacceptable (a bad schema, filter or
// page token). Detail says what to fix.
func IsInvalid(err error) bool {
	s := StatusCode(err)
	return s == http.StatusBadRequest || s == http.StatusUnprocessableEntity
}

// IsTooLarge reports whether the server answered 413: a file or body over
// its limit.
func IsTooLarge(err error) bool { return StatusCode(err) == http.StatusRequestEntityTooLarge }

// IsRateLimited reports whether the server answered 429, after the
// client's own retries ran out.
func IsRateLimited(err error) bool { return StatusCode(err) == http.StatusTooManyRequests }

// JobError is returned by WaitForCompletion and Run when a job ends without
// completing: FAILED or CANCELLED. Job is the job as it ended.
type JobError struct {
	Job Job
}

// Error says how the job ended in words: "job ext-… failed: <its
// error_message>", or "job ext-… was cancelled".
func (e *JobError) Error() string {
	var msg string
	switch e.Job.Status {
	case StatusFailed:
		msg = fmt.Sprintf("job %s failed", e.Job.ID)
	case StatusCancelled:
		msg = fmt.Sprintf("job %s was cancelled", e.Job.ID)
	default:
		msg = fmt.Sprintf("job %s ended %s", e.Job.ID, e.Job.Status)
	}
	if e.Job.ErrorMessage != "" {
		msg += ": " + e.Job.ErrorMessage
	}
	return msg
}

// ErrWaitTimeout is wrapped by the error WaitForCompletion returns when
// WaitOptions.Timeout passes before the job ends.
var ErrWaitTimeout = errors.New("timed out waiting for the job")
