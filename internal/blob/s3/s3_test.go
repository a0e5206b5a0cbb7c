package s3

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/google/go-cmp/cmp"
	"go.uber.org/goleak"

	"github.com/quarrylabs/quarry/internal/blob/blobtest"
	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/test/s3server"
)

// TestMain checks that no upload leaves its sending goroutine behind.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestStore runs one S3-compatible server for all the tests that need one.
func TestStore(t *testing.T) {
	t.Parallel()
	srv := s3server.Start(t)
	t.Run("Behaviour", func(t *testing.T) {
		t.Parallel()
		var n atomic.Int64
		blobtest.Run(t, func(t *testing.T) blobtest.Store {
			// Each subtest under a prefix of its own in the one bucket.
			return newStore(t, srv, fmt.Sprintf("s3://%s/behaviour/%d", srv.Bucket, n.Add(1)), nil)
		})
	})
	t.Run("KeysUnderPrefix", func(t *testing.T) {
		t.Parallel()
		testKeysUnderPrefix(t, srv)
	})
	t.Run("ErrMisconfigured", func(t *testing.T) {
		t.Parallel()
		testErrMisconfigured(t, srv)
	})
	t.Run("RefusedUploadRequests", func(t *testing.T) {
		t.Parallel()
		testRefusedUploadRequests(t, srv)
	})
	t.Run("ConfigFromEnv", func(t *testing.T) {
		t.Parallel()
		// As the server's command builds it: nothing but the AWS variables.
		env := map[string]string{
			"AWS_ENDPOINT_URL":      srv.Endpoint,
			"AWS_DEFAULT_REGION":    srv.Region,
			"AWS_ACCESS_KEY_ID":     srv.AccessKeyID,
			"AWS_SECRET_ACCESS_KEY": srv.SecretAccessKey,
		}
		s, err := New(t.Context(), "s3://"+srv.Bucket+"/from-env", ConfigFromEnv(func(k string) string { return env[k] }))
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		t.Cleanup(s.transport.CloseIdleConnections)
		roundTrip(t, s)
	})
}

// TestDefaultCredentialChain checks the store without static credentials,
// as on AWS with roles: the SDK finds them (here in the environment, which
// is why this test cannot run in parallel with others).
func TestDefaultCredentialChain(t *testing.T) {
	srv := s3server.Start(t)
	none := filepath.Join(t.TempDir(), "none")
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID":           srv.AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":       srv.SecretAccessKey,
		"AWS_SESSION_TOKEN":           "",
		"AWS_REGION":                  srv.Region,
		"AWS_PROFILE":                 "",
		"AWS_CONFIG_FILE":             none,
		"AWS_SHARED_CREDENTIALS_FILE": none,
		"AWS_ENDPOINT_URL":            "",
		"AWS_ENDPOINT_URL_S3":         "",
	} {
		t.Setenv(k, v)
	}
	s, err := New(t.Context(), "s3://"+srv.Bucket+"/chain", Config{Endpoint: srv.Endpoint, PathStyle: true})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(s.transport.CloseIdleConnections)
	roundTrip(t, s)
}

// roundTrip puts, reads back and deletes one blob.
func roundTrip(t *testing.T, s *Store) {
	t.Helper()
	ctx := t.Context()
	if _, err := s.Put(ctx, "dfl-1", strings.NewReader("hello"), 5); err != nil {
		t.Fatalf("Put: %v", err)
	}
	rc, err := s.Open(ctx, "dfl-1")
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	b, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || string(b) != "hello" {
		t.Errorf("Open read %q, %v; want \"hello\"", b, err)
	}
	if err := s.Delete(ctx, "dfl-1"); err != nil {
		t.Errorf("Delete: %v", err)
	}
}

// testRefusedUploadRequests checks what a refused upload sends: nothing
// when it is refused within the first part, and an abort, never a
// completion, once a multipart upload has begun. (s3rver does not
// implement the abort, so the request is what can be checked.)
func testRefusedUploadRequests(t *testing.T, srv *s3server.Server) {
	tests := []struct {
		name  string
		size  int64
		limit int64
		want  []string // the operations sent, in order
	}{
		{name: "WithinFirstPart", size: minPartSize, limit: minPartSize - 1, want: nil},
		{
			name: "AfterFirstPart", size: 2*minPartSize + 1, limit: 2 * minPartSize,
			want: []string{"CreateMultipartUpload", "UploadPart", "UploadPart", "AbortMultipartUpload"},
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t, srv, fmt.Sprintf("s3://%s/refused/%d", srv.Bucket, i), nil)
			rec := &recorder{next: s.client.Options().HTTPClient}
			s.client = awss3.New(s.client.Options(), func(o *awss3.Options) { o.HTTPClient = rec })
			_, err := s.Put(t.Context(), "dfl-1", io.LimitReader(zeros{}, tt.size), tt.limit)
			if extract.ErrorCode(err) != extract.CodeTooLarge {
				t.Fatalf("Put(%d bytes, limit %d) error = %v, want CodeTooLarge", tt.size, tt.limit, err)
			}
			if diff := cmp.Diff(tt.want, rec.requests()); diff != "" {
				t.Errorf("requests mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// recorder notes the operation of each request the SDK sends.
type recorder struct {
	next awss3.HTTPClient
	mu   sync.Mutex
	ops  []string
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.ops = append(r.ops, awsmiddleware.GetOperationName(req.Context()))
	r.mu.Unlock()
	return r.next.Do(req)
}

func (r *recorder) requests() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ops
}

// zeros is an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// testKeysUnderPrefix checks where objects land: stores with different
// prefixes in one bucket never see each other's blobs.
func testKeysUnderPrefix(t *testing.T, srv *s3server.Server) {
	ctx := t.Context()
	root := newStore(t, srv, "s3://"+srv.Bucket, nil)
	nested := newStore(t, srv, "s3://"+srv.Bucket+"/tenant/files/", nil)
	if _, err := root.Put(ctx, "dfl-1", strings.NewReader("root"), 0); err != nil {
		t.Fatalf("root Put: %v", err)
	}
	if _, err := nested.Put(ctx, "dfl-1", strings.NewReader("nested"), 0); err != nil {
		t.Fatalf("nested Put: %v", err)
	}
	for object, want := range map[string]string{"dfl-1": "root", "tenant/files/dfl-1": "nested"} {
		out, err := root.client.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(srv.Bucket), Key: aws.String(object)})
		if err != nil {
			t.Errorf("GetObject(%q): %v", object, err)
			continue
		}
		b, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil || string(b) != want {
			t.Errorf("object %q holds %q (%v), want %q", object, b, err, want)
		}
	}
	if err := nested.Delete(ctx, "dfl-1"); err != nil {
		t.Fatalf("nested Delete: %v", err)
	}
	rc, err := root.Open(ctx, "dfl-1")
	if err != nil {
		t.Fatalf("a Delete under one prefix removed the blob of another: %v", err)
	}
	rc.Close()
}

// testErrMisconfigured checks that a store the server refuses fails loudly:
// never "not found", which would tell a user their file is gone.
func testErrMisconfigured(t *testing.T, srv *s3server.Server) {
	tests := []struct {
		name   string
		url    string
		modify func(*Config)
	}{
		{name: "NoSuchBucket", url: "s3://no-such-bucket/files"},
		// s3rver knows its access keys but does not check SigV4
		// signatures, so a wrong key id stands for wrong credentials.
		{name: "UnknownAccessKey", url: "s3://" + srv.Bucket, modify: func(c *Config) { c.AccessKeyID = "AKIDUNKNOWN" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			s := newStore(t, srv, tt.url, tt.modify)
			if _, err := s.Put(ctx, "dfl-1", strings.NewReader("x"), 0); extract.ErrorCode(err) != extract.CodeInternal || !strings.Contains(err.Error(), "blob: s3 put dfl-1: ") {
				t.Errorf("Put error = %v, want an internal error about putting dfl-1", err)
			}
			if _, err := s.Open(ctx, "dfl-1"); extract.ErrorCode(err) != extract.CodeInternal || !strings.Contains(err.Error(), "blob: s3 open dfl-1: ") {
				t.Errorf("Open error = %v, want an internal error about opening dfl-1", err)
			}
			if err := s.Delete(ctx, "dfl-1"); extract.ErrorCode(err) != extract.CodeInternal || !strings.Contains(err.Error(), "blob: s3 delete dfl-1: ") {
				t.Errorf("Delete error = %v, want an internal error about deleting dfl-1", err)
			}
		})
	}
}

func TestParseURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in         string
		bucket     string
		prefix     string
		wantErrSub string // part of the error; "" for success
	}{
		{in: "s3://quarry", bucket: "quarry"},
		{in: "s3://quarry/", bucket: "quarry"},
		{in: "s3://quarry/files", bucket: "quarry", prefix: "files/"},
		{in: "s3://quarry/files/", bucket: "quarry", prefix: "files/"},
		{in: "s3://quarry/prod/files", bucket: "quarry", prefix: "prod/files/"},
		{in: "S3://my.bucket-1/x", bucket: "my.bucket-1", prefix: "x/"},
		{in: "s3://quarry/a%20b", bucket: "quarry", prefix: "a b/"},
		{in: "https://quarry/files", wantErrSub: "scheme must be s3://"},
		{in: "/var/lib/quarry", wantErrSub: "scheme must be s3://"},
		{in: "s3:quarry", wantErrSub: "write it as s3://bucket/prefix"},
		{in: "s3:///files", wantErrSub: "must be 3 to 63 characters"},
		{in: "s3://ab", wantErrSub: "must be 3 to 63 characters"},
		{in: "s3://" + strings.Repeat("a", 64), wantErrSub: "must be 3 to 63 characters"},
		{in: "s3://Quarry", wantErrSub: "lower-case letters"},
		{in: "s3://quarry_files", wantErrSub: "lower-case letters"},
		{in: "s3://-quarry", wantErrSub: "start and end with a letter or digit"},
		{in: "s3://quarry./x", wantErrSub: "start and end with a letter or digit"},
		{in: "s3://key:secret@quarry", wantErrSub: "credentials do not belong in the URL"},
		{in: "s3://quarry:9000/files", wantErrSub: "the host part is the bucket"},
		{in: "s3://quarry/files?region=eu-west-1", wantErrSub: "query parameters are not read"},
		{in: "s3://quarry/files#x", wantErrSub: "query parameters are not read"},
		{in: "s3://quarry/a//b", wantErrSub: "empty, . or .. segment"},
		{in: "s3://quarry/a/../b", wantErrSub: "empty, . or .. segment"},
		{in: "s3://quarry/./b", wantErrSub: "empty, . or .. segment"},
		{in: "s3://quarry/%zz", wantErrSub: "invalid URL escape"},
	}
	for _, tt := range tests {
		bucket, prefix, err := parseURL(tt.in)
		if tt.wantErrSub != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErrSub) {
				t.Errorf("parseURL(%q) = %q, %q, %v; want an error containing %q", tt.in, bucket, prefix, err, tt.wantErrSub)
			}
			continue
		}
		if err != nil || bucket != tt.bucket || prefix != tt.prefix {
			t.Errorf("parseURL(%q) = %q, %q, %v; want %q, %q", tt.in, bucket, prefix, err, tt.bucket, tt.prefix)
		}
	}
}

func TestConfigFromEnv(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want Config
	}{
		{name: "Empty", want: Config{}},
		{
			name: "AWS",
			env: map[string]string{
				"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token",
				"AWS_REGION": "eu-west-3", "AWS_DEFAULT_REGION": "us-west-2",
			},
			want: Config{AccessKeyID: "AKID", SecretAccessKey: "secret", SessionToken: "token", Region: "eu-west-3"},
		},
		{
			name: "DefaultRegion",
			env:  map[string]string{"AWS_DEFAULT_REGION": "us-west-2"},
			want: Config{Region: "us-west-2"},
		},
		{
			name: "EndpointForS3",
			env:  map[string]string{"AWS_ENDPOINT_URL_S3": "http://127.0.0.1:9000", "AWS_ENDPOINT_URL": "http://127.0.0.1:4566"},
			want: Config{Endpoint: "http://127.0.0.1:9000", PathStyle: true},
		},
		{
			name: "EndpointForAll",
			env:  map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"},
			want: Config{Endpoint: "http://127.0.0.1:4566", PathStyle: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := ConfigFromEnv(func(k string) string { return tt.env[k] })
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ConfigFromEnv() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewErrConfig(t *testing.T) {
	t.Parallel()
	static := Config{AccessKeyID: "AKID", SecretAccessKey: "secret"}
	tests := []struct {
		name       string
		url        string
		modify     func(*Config)
		wantErrSub string
	}{
		{name: "URL", url: "s3://", wantErrSub: "must be 3 to 63 characters"},
		{name: "Endpoint", url: "s3://quarry", modify: func(c *Config) { c.Endpoint = "127.0.0.1:9000" }, wantErrSub: "Endpoint"},
		{name: "KeyWithoutSecret", url: "s3://quarry", modify: func(c *Config) { c.SecretAccessKey = "" }, wantErrSub: "set together"},
		{name: "SmallParts", url: "s3://quarry", modify: func(c *Config) { c.PartSize = 1 << 20 }, wantErrSub: "PartSize"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := static
			if tt.modify != nil {
				tt.modify(&cfg)
			}
			if _, err := New(t.Context(), tt.url, cfg); err == nil || !strings.Contains(err.Error(), tt.wantErrSub) {
				t.Errorf("New(%q, %+v) error = %v, want one containing %q", tt.url, cfg, err, tt.wantErrSub)
			}
		})
	}
}

// newStore returns a store on srv for url, with parts of S3's minimum size
// so that blobtest.Large spans several, and logs sent to the test.
func newStore(t *testing.T, srv *s3server.Server, url string, modify func(*Config)) *Store {
	t.Helper()
	cfg := Config{
		Endpoint:        srv.Endpoint,
		Region:          srv.Region,
		PathStyle:       true,
		AccessKeyID:     srv.AccessKeyID,
		SecretAccessKey: srv.SecretAccessKey,
		PartSize:        minPartSize,
		Logger:          slog.New(slog.NewTextHandler(t.Output(), nil)),
	}
	if modify != nil {
		modify(&cfg)
	}
	s, err := New(t.Context(), url, cfg)
	if err != nil {
		t.Fatalf("New(%q): %v", url, err)
	}
	// Idle keep-alive connections each hold goroutines that goleak would
	// report.
	t.Cleanup(s.transport.CloseIdleConnections)
	return s
}
