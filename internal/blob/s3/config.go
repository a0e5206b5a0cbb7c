package s3

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
)

const (
	// minPartSize is S3's smallest part other than the last one.
	minPartSize = 5 << 20
	// maxPartSize is S3's largest part.
	maxPartSize = 5 << 30
	// maxParts is the most parts one multipart upload can have.
	maxParts = 10_000
)

// Config configures a Store. Zero values take the documented defaults, so
// that against AWS itself nothing but credentials (possibly from the SDK's
// default chain) and a region is needed.
type Config struct {
	// Endpoint is the base URL of an S3-compatible server, such as
	// http://127.0.0.1:9000 for MinIO. Defaults to AWS S3's endpoint for
	// Region.
	Endpoint string

	// Region is the region requests are signed for. Defaults to the region
	// of the SDK's shared configuration when credentials come from its
	// default chain, then to us-east-1, which MinIO and most S3-compatible
	// servers expect.
	Region string

	// PathStyle addresses objects as endpoint/bucket/key instead of
	// bucket.endpoint/key. Servers reached by IP address or without
	// wildcard DNS (MinIO, Ceph, s3rver) need it. Defaults to false.
	PathStyle bool

	// AccessKeyID, SecretAccessKey and SessionToken are static credentials.
	// When AccessKeyID is empty, the AWS SDK's default chain provides them
	// (environment, shared files, web identity, container and instance
	// roles), so that a deployment on AWS needs no long-lived keys.
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string

	// PartSize is the size of each part of a multipart upload. An upload
	// holds two parts in memory (one being read from the client while the
	// other is sent), and a blob has at most 10,000 parts. Defaults to
	// 8 MiB; at least 5 MiB, S3's minimum.
	PartSize int64

	// Logger receives warnings about failures that do not fail a call,
	// such as the parts of an abandoned upload that could not be removed.
	// Defaults to discarding them.
	Logger *slog.Logger
}

// ConfigFromEnv reads the AWS SDKs' usual environment variables through
// getenv (os.Getenv in the command that starts the server; flags and env are
// read there and nowhere else):
//
//	AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL   Endpoint
//	AWS_REGION, then AWS_DEFAULT_REGION          Region
//	AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
//	AWS_SESSION_TOKEN                            the static credentials
//
// A custom endpoint turns PathStyle on: the servers one points at (MinIO,
// Ceph, LocalStack, s3rver) answer path-style requests, while
// virtual-hosted ones need wildcard DNS they often lack. The caller may
// turn it off again.
func ConfigFromEnv(getenv func(string) string) Config {
	cfg := Config{
		Endpoint:        cmp.Or(getenv("AWS_ENDPOINT_URL_S3"), getenv("AWS_ENDPOINT_URL")),
		Region:          cmp.Or(getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION")),
		AccessKeyID:     getenv("AWS_ACCESS_KEY_ID"),
		SecretAccessKey: getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken:    getenv("AWS_SESSION_TOKEN"),
	}
	cfg.PathStyle = cfg.Endpoint != ""
	return cfg
}

// WithDefaults returns cfg with the documented defaults filled in. Region
// stays empty when credentials come from the SDK's chain, whose shared
// configuration may name one.
func (cfg Config) WithDefaults() Config {
	cfg.PartSize = cmp.Or(cfg.PartSize, 8<<20)
	if cfg.Region == "" && cfg.AccessKeyID != "" {
		cfg.Region = "us-east-1"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}

func (cfg Config) validate() error {
	if cfg.Endpoint != "" {
		u, err := url.Parse(cfg.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("s3 config: Endpoint %q is not an http:// or https:// URL", cfg.Endpoint)
		}
	}
	if (cfg.AccessKeyID == "") != (cfg.SecretAccessKey == "") {
		return errors.New("s3 config: AccessKeyID and SecretAccessKey must be set together")
	}
	if cfg.PartSize < minPartSize || cfg.PartSize > maxPartSize {
		return fmt.Errorf("s3 config: PartSize %d is outside S3's range of 5 MiB to 5 GiB", cfg.PartSize)
	}
	return nil
}

// parseURL splits s3://bucket/prefix into the bucket and a key prefix that
// is empty or ends in "/". It is strict, so that a typo in a deployment's
// settings stops the server at start-up instead of scattering files.
func parseURL(raw string) (bucket, prefix string, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", fmt.Errorf("blob url %q: %w", raw, err)
	}
	switch {
	case u.Scheme != "s3":
		return "", "", fmt.Errorf("blob url %q: the scheme must be s3://", raw)
	case u.Opaque != "":
		return "", "", fmt.Errorf("blob url %q: write it as s3://bucket/prefix", raw)
	case u.User != nil:
		return "", "", fmt.Errorf("blob url %q: credentials do not belong in the URL; use AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", raw)
	case u.Port() != "":
		return "", "", fmt.Errorf("blob url %q: the host part is the bucket; give the server's address as the endpoint (AWS_ENDPOINT_URL)", raw)
	case u.RawQuery != "" || u.Fragment != "" || u.ForceQuery:
		return "", "", fmt.Errorf("blob url %q: query parameters are not read; set the endpoint and region through their own settings", raw)
	}
	bucket = u.Host
	if err := checkBucket(bucket); err != nil {
		return "", "", fmt.Errorf("blob url %q: %w", raw, err)
	}
	prefix = strings.Trim(u.Path, "/")
	if prefix == "" {
		return bucket, "", nil
	}
	for seg := range strings.SplitSeq(prefix, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", "", fmt.Errorf("blob url %q: the prefix has an empty, . or .. segment", raw)
		}
	}
	return bucket, prefix + "/", nil
}

// checkBucket applies S3's naming rules for buckets, which every
// S3-compatible server shares: 3 to 63 lower-case letters, digits, dots and
// hyphens, starting and ending with a letter or digit.
func checkBucket(name string) error {
	if len(name) < 3 || len(name) > 63 {
		return fmt.Errorf("bucket name %q must be 3 to 63 characters long", name)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		alnum := 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
		if !alnum && c != '.' && c != '-' {
			return fmt.Errorf("bucket name %q may hold only lower-case letters, digits, dots and hyphens", name)
		}
		if !alnum && (i == 0 || i == len(name)-1) {
			return fmt.Errorf("bucket name %q must start and end with a letter or digit", name)
		}
	}
	return nil
}
