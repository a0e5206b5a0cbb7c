// Package s3 keeps uploaded files' bytes in an S3-compatible bucket (AWS S3,
// MinIO, Ceph and the like), so that API and worker processes on different
// machines see the same files. A Store behaves as blob.Local does: the same
// limits, errors and checksums, proven by the same blobtest suite; only
// Open's result is a plain io.ReadCloser, since an object is a stream, not a
// file.
//
// Uploads are streamed: a blob is sent in parts of Config.PartSize, and at
// most two parts are held in memory whatever the blob's size. A blob
// appears whole or not at all: a multipart upload that fails (too large,
// cancelled, a network error) is aborted instead of completed.
//
// With AWS, the credentials need s3:PutObject, s3:GetObject,
// s3:DeleteObject and s3:AbortMultipartUpload on the prefix, and
// s3:ListBucket on the bucket: without it S3 answers a missing object with
// 403 instead of 404, which Open cannot tell from a real denial. A
// lifecycle rule with AbortIncompleteMultipartUpload removes the parts of
// uploads that could not be aborted (the process died mid-upload).
package s3

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/quarrylabs/quarry/internal/blob"
	"github.com/quarrylabs/quarry/internal/extract"
)

// Store keeps blobs as objects named prefix+key in one bucket.
type Store struct {
	client    *awss3.Client
	transport *http.Transport // closed by tests, which check for leaked goroutines
	bucket    string
	prefix    string // "" or ends in "/"
	partSize  int64
	parts     sync.Pool // *[]byte of partSize, reused across uploads
	logger    *slog.Logger
}

// New returns a store for rawURL, of the form s3://bucket or
// s3://bucket/prefix. It does not contact the server: the credentials may
// not allow listing the bucket, and the first request shows any error.
func New(ctx context.Context, rawURL string, cfg Config) (*Store, error) {
	bucket, prefix, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	cfg = cfg.WithDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}

	var awsCfg aws.Config
	if cfg.AccessKeyID != "" {
		// Static credentials: read nothing else, so that the settings
		// given are the whole story.
		awsCfg = aws.Config{
			Region:      cfg.Region,
			Credentials: credentials.NewStaticCredentialsProvider(cfg.AccessKeyID, cfg.SecretAccessKey, cfg.SessionToken),
		}
	} else {
		var opts []func(*config.LoadOptions) error
		if cfg.Region != "" {
			opts = append(opts, config.WithRegion(cfg.Region))
		}
		if awsCfg, err = config.LoadDefaultConfig(ctx, opts...); err != nil {
			return nil, fmt.Errorf("s3: load AWS configuration: %w", err)
		}
		awsCfg.Region = cmp.Or(awsCfg.Region, "us-east-1")
	}

	// One pool of connections per store, all to the same host, so the
	// per-host idle limit is raised from net/http's 2.
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 32
	client := awss3.NewFromConfig(awsCfg, func(o *awss3.Options) {
		o.HTTPClient = &http.Client{Transport: transport}
		o.UsePathStyle = cfg.PathStyle
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
		// Many S3-compatible servers reject or mishandle the CRC
		// checksums the SDK adds by default; the signed SHA-256 of each
		// request's body already guards it in transit.
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
	})

	s := &Store{
		client:    client,
		transport: transport,
		bucket:    bucket,
		prefix:    prefix,
		partSize:  cfg.PartSize,
		logger:    cfg.Logger,
	}
	s.parts.New = func() any {
		b := make([]byte, s.partSize)
		return &b
	}
	return s, nil
}

// Put streams r into the blob named key, refusing more than limit bytes
// (limit <= 0: no limit) with a CodeTooLarge error. The blob appears whole
// or not at all, and a refused or failed Put leaves any earlier blob of the
// same key as it was.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, limit int64) (blob.Written, error) {
	if err := checkKey(key); err != nil {
		return blob.Written{}, err
	}
	h := sha256.New()
	src := &limitReader{r: ctxReader{ctx, r}, limit: limit}
	if err := s.upload(ctx, s.prefix+key, io.TeeReader(src, h)); err != nil {
		return blob.Written{}, fmt.Errorf("blob: s3 put %s: %w", key, err)
	}
	return blob.Written{Size: src.n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// Open returns the blob's bytes, streamed from the server as they are read;
// CodeNotFound if there is none. Reads fail once ctx is done.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	out, err := s.client.GetObject(ctx, &awss3.GetObjectInput{Bucket: &s.bucket, Key: aws.String(s.prefix + key)})
	// Only a missing key is "not found": a missing bucket or a denial is a
	// misconfiguration the operator must see.
	if _, ok := errors.AsType[*types.NoSuchKey](err); ok {
		return nil, extract.Errorf(extract.CodeNotFound, "the file's content is no longer stored")
	}
	if err != nil {
		return nil, fmt.Errorf("blob: s3 open %s: %w", key, err)
	}
	return out.Body, nil
}

// Delete removes a blob; deleting a missing blob is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if _, err := s.client.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: &s.bucket, Key: aws.String(s.prefix + key)}); err != nil {
		return fmt.Errorf("blob: s3 delete %s: %w", key, err)
	}
	return nil
}

// Close releases the store's idle connections; calls in flight finish.
// A server closes its store at shutdown so that no connection outlives it.
func (s *Store) Close() error {
	s.transport.CloseIdleConnections()
	return nil
}

// checkKey applies blob.Local's rule, so that a key valid in one store is
// valid in the other: keys are resource ids, never paths.
func checkKey(key string) error {
	if key == "" || strings.ContainsAny(key, `/\`) || strings.HasPrefix(key, ".") {
		return fmt.Errorf("blob: invalid key %q", key)
	}
	return nil
}

// limitReader counts the bytes read and fails the read that would pass
// limit, so a too-large upload stops before its excess is sent anywhere.
type limitReader struct {
	r     io.Reader
	limit int64 // <= 0: none
	n     int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.limit > 0 && int64(len(p)) > l.limit-l.n+1 {
		// Ask for at most one byte past the limit: enough to tell a
		// blob of exactly limit bytes from a larger one.
		p = p[:l.limit-l.n+1]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.limit > 0 && l.n > l.limit {
		l.n = l.limit
		return n - 1, extract.Errorf(extract.CodeTooLarge, "the file is larger than the server's upload limit of %d bytes", l.limit)
	}
	return n, err
}

// ctxReader stops a long upload when the request goes away, even while the
// client keeps sending.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
