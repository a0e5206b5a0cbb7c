// Package s3server runs an S3-compatible server on loopback for tests:
// s3rver from the npm registry, pinned in package-lock.json next to this
// file and installed on first use. Tests of the S3 blob store, and of a
// server configured with one, talk to it over HTTP with the S3 protocol
// (signed requests, XML errors, multipart uploads), as a deployment talks
// to MinIO or AWS. s3rver checks the access key id but not the signature.
//
// Without Node.js and npm the tests that need it skip, saying why; under
// CI=true they fail instead, since skipping there would hide that the S3
// store was never exercised.
package s3server

import (
	"bufio"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/test/internal/nodetest"
)

// Server is one running s3rver with one empty bucket.
type Server struct {
	// Endpoint is the server's base URL, such as http://127.0.0.1:38211.
	Endpoint string
	// Bucket exists when Start returns.
	Bucket string
	// Region, AccessKeyID and SecretAccessKey are what requests are signed
	// with; s3rver refuses any other access key id.
	Region          string
	AccessKeyID     string
	SecretAccessKey string
}

const (
	bucket = "quarry-test"
	// s3rver's built-in account.
	accessKeyID     = "S3RVER"
	secretAccessKey = "S3RVER"
	// readyTimeout bounds the wait for the server's first line, which
	// includes Node's start-up on a loaded machine.
	readyTimeout = time.Minute
)

// listening is the line s3rver prints once it accepts connections.
var listening = regexp.MustCompile(`S3rver listening on (\S+):(\d+)`)

// Start runs a server with its data in a temporary directory until tb ends.
// It skips tb (fails it under CI=true) when Node.js 20+ or npm is missing.
func Start(tb testing.TB) *Server {
	tb.Helper()
	node, npm := nodetest.Tools(tb, "the S3 tests run s3rver, which needs Node.js 20+ and npm on PATH")
	dir := packageDir(tb)
	nodetest.Install(tb, npm, dir)

	// Port 0: s3rver takes a free port and prints it, so nothing can take
	// the port between choosing and binding it.
	cmd := exec.Command(node, filepath.Join(dir, "node_modules", "s3rver", "bin", "s3rver.js"),
		"--directory", tb.TempDir(),
		"--address", "127.0.0.1",
		"--port", "0",
		"--silent",
		"--no-vhost-buckets",
		"--configure-bucket", bucket,
	)
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatalf("s3rver stdout: %v", err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start s3rver: %v", err)
	}

	// The reader goroutine reports the address, then drains stdout until
	// the process exits, so that s3rver never blocks on a full pipe.
	addr := make(chan string, 1)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1] + ":" + m[2]
				break
			}
		}
		close(addr)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	stop := func() {
		_ = cmd.Process.Kill()
		<-drained // Wait closes stdout: all reads must be over first
		_ = cmd.Wait()
	}

	select {
	case a, ok := <-addr:
		if !ok {
			stop()
			tb.Fatalf("s3rver exited before listening: %v\n%s", cmd.ProcessState, stderr.String())
		}
		tb.Cleanup(stop)
		return &Server{
			Endpoint:        "http://" + a,
			Bucket:          bucket,
			Region:          "us-east-1",
			AccessKeyID:     accessKeyID,
			SecretAccessKey: secretAccessKey,
		}
	case <-time.After(readyTimeout):
		stop()
		tb.Fatalf("s3rver did not start listening within %v\n%s", readyTimeout, stderr.String())
		return nil
	}
}

// packageDir is the directory of this file, which holds package.json:
// tests of other packages run in their own directories.
func packageDir(tb testing.TB) string {
	tb.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		tb.Fatal("s3server: cannot locate its own source directory")
	}
	return filepath.Dir(file)
}
