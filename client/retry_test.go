package client_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/client"
)

// flaky is a server that answers the first len(fails) requests with those
// statuses, then 200 with reply; the real server cannot be made to fail on
// demand. It records what each attempt carried.
type flaky struct {
	fails      []int
	retryAfter string
	reply      string

	mu       sync.Mutex
	attempts []*http.Request
	bodies   []string
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	n := len(f.attempts)
	f.attempts = append(f.attempts, r)
	f.bodies = append(f.bodies, string(body))
	f.mu.Unlock()
	w.Header().Set("X-Request-Id", "req-1")
	if n < len(f.fails) {
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		w.WriteHeader(f.fails[n])
		io.WriteString(w, `{"detail": "try again later"}`)
		return
	}
	io.WriteString(w, f.reply)
}

func (f *flaky) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.attempts)
}

func flakyClient(tb testing.TB, f *flaky, opts ...client.Option) *client.Client {
	tb.Helper()
	srv := httptest.NewServer(f)
	tb.Cleanup(srv.Close)
	opts = append([]client.Option{
		client.WithBaseURL(srv.URL),
		client.WithAPIKey("qry_test"),
		client.WithRetryDelay(time.Millisecond, 5*time.Millisecond),
	}, opts...)
	c, err := client.New(opts...)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

const jobReply = `{"id": "ext-1", "status": "PENDING", "file_input": "dfl-1", "project_id": "prj-1",
	"created_at": "2024-03-05T10:00:00.000Z", "updated_at": "2024-03-05T10:00:00.000Z"}`

func TestRetry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		fails      []int
		maxRetries int
		wantErr    int // status of the error, 0 for success
		attempts   int
	}{
		{"OKAfterRateLimitAndUnavailable", []int{429, 503}, 3, 0, 3},
		{"OKAfterInternalError", []int{500}, 3, 0, 2},
		{"ErrRetriesExhausted", []int{503, 503, 503}, 2, 503, 3},
		{"ErrRetriesOff", []int{429}, 0, 429, 1},
		{"ErrNotRetriedNotFound", []int{404}, 3, 404, 1},
		{"ErrNotRetriedInvalid", []int{422}, 3, 422, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &flaky{fails: tt.fails, reply: jobReply, retryAfter: "0"}
			c := flakyClient(t, f, client.WithMaxRetries(tt.maxRetries))
			job, err := c.Extract.Get(context.Background(), "ext-1")
			if got := client.StatusCode(err); got != tt.wantErr {
				t.Fatalf("Get = %v, want status %d", err, tt.wantErr)
			}
			if err == nil && job.ID != "ext-1" {
				t.Errorf("Get = %+v, want ext-1", job)
			}
			if err != nil {
				var apiErr *client.APIError
				if !errors.As(err, &apiErr) || apiErr.Detail != "try again later" || apiErr.RequestID != "req-1" || apiErr.Path != "/api/v2/extract/ext-1" {
					t.Errorf("error = %#v, want the detail, request id and path", apiErr)
				}
			}
			if got := f.count(); got != tt.attempts {
				t.Errorf("%d attempts, want %d", got, tt.attempts)
			}
		})
	}
}

// TestRetryAfterHonoured: a Retry-After longer than the caller's deadline
// ends the call at the deadline instead of retrying early.
func TestRetryAfterHonoured(t *testing.T) {
	t.Parallel()
	f := &flaky{fails: []int{429}, retryAfter: "3600", reply: jobReply}
	c := flakyClient(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.Extract.Get(ctx, "ext-1")
	if !errors.Is(err, context.DeadlineExceeded) || f.count() != 1 {
		t.Errorf("Get = %v after %d attempts; want the deadline, after 1 attempt", err, f.count())
	}
}

// TestRetryCreateSameKey: a retried create carries the same Idempotency-Key,
// so the server can answer with the job the first attempt made.
func TestRetryCreateSameKey(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"", "my-key"} {
		f := &flaky{fails: []int{503}, reply: jobReply}
		c := flakyClient(t, f)
		if _, err := c.Extract.Create(context.Background(), client.CreateJobParams{FileInput: "dfl-1", ConfigurationID: "cfg-1", IdempotencyKey: key}); err != nil {
			t.Fatalf("Create: %v", err)
		}
		k1, k2 := f.attempts[0].Header.Get("Idempotency-Key"), f.attempts[1].Header.Get("Idempotency-Key")
		if k1 == "" || k1 != k2 || (key != "" && k1 != key) || f.bodies[0] != f.bodies[1] {
			t.Errorf("IdempotencyKey %q: attempts carried keys %q and %q, bodies %q and %q; want the same key and body twice", key, k1, k2, f.bodies[0], f.bodies[1])
		}
	}
}

func TestRetryUpload(t *testing.T) {
	t.Parallel()
	fileReply := `{"id": "dfl-1", "name": "invoice.txt", "created_at": "2024-03-05T10:00:00.000Z"}`

	t.Run("FileResent", func(t *testing.T) {
		f := &flaky{fails: []int{503}, reply: fileReply}
		c := flakyClient(t, f)
		if _, err := c.Files.UploadFile(context.Background(), "testdata/invoice.txt", nil); err != nil {
			t.Fatalf("UploadFile: %v", err)
		}
		want := string(readTestdata(t, "invoice.txt"))
		if f.count() != 2 || !strings.Contains(f.bodies[0], want) || f.bodies[0] != f.bodies[1] {
			t.Errorf("%d attempts; want 2, each with the whole file", f.count())
		}
	})
	t.Run("StreamSentOnce", func(t *testing.T) {
		f := &flaky{fails: []int{503}, reply: fileReply}
		c := flakyClient(t, f)
		_, err := c.Files.Upload(context.Background(), "notes.txt", io.MultiReader(strings.NewReader("Total: 5")), nil)
		if client.StatusCode(err) != 503 || f.count() != 1 {
			t.Errorf("Upload of a stream = %v after %d attempts; want the 503 after 1", err, f.count())
		}
	})
}

func TestRequestHeaders(t *testing.T) {
	t.Parallel()
	f := &flaky{reply: jobReply}
	c := flakyClient(t, f, client.WithUserAgent("quarry-test/1"), client.WithProject("prj-7", "org-7"))
	if _, err := c.Extract.Get(context.Background(), "ext-1", "configuration", "metadata"); err != nil {
		t.Fatal(err)
	}
	r := f.attempts[0]
	if got := r.Header.Get("Authorization"); got != "Bearer qry_test" {
		t.Errorf("Authorization = %q", got)
	}
	if got := r.Header.Get("User-Agent"); got != "quarry-test/1" {
		t.Errorf("User-Agent = %q", got)
	}
	if got, want := r.URL.RawQuery, "expand=configuration&expand=metadata&organization_id=org-7&project_id=prj-7"; got != want {
		t.Errorf("query = %s, want %s", got, want)
	}
}
