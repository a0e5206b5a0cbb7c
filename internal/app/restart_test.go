package app_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestGracefulRestartResumesJob stops a server while a job runs: the run is
// interrupted after the drain timeout, the job goes back to PENDING, and the
// next start finishes it.
func TestGracefulRestartResumesJob(t *testing.T) {
	t.Parallel()
	eachStore(t, testGracefulRestartResumesJob)
}

func testGracefulRestartResumesJob(t *testing.T, db database) {
	dir := t.TempDir()
	gate := newGateEngine()
	s := start(t, db.option, withDataDir(dir), withEngine(gate), withDrain(200*time.Millisecond))
	fileID := s.upload("invoice.txt", testdata(t, "invoice.txt"))
	id := s.createJob(fileID, map[string]any{"data_schema": invoiceSchema})["id"].(string)
	s.waitStatus(id, "RUNNING")
	<-gate.started
	key := s.key
	s.stop()

	s2 := start(t, db.option, withDataDir(dir), withAPIKey(key))
	got := s2.waitStatus(id, "COMPLETED", "FAILED", "CANCELLED")
	if got["status"] != "COMPLETED" || got["extract_result"] == nil {
		t.Fatalf("job after restart = %v (%v), want COMPLETED with a result", got["status"], got["error_message"])
	}
}

// TestCrashRestartResumesJob kills the real binary with SIGKILL while jobs
// run and checks that every job completes after a restart.
func TestCrashRestartResumesJob(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the quarry binary")
	}
	t.Parallel()
	bin := buildQuarry(t)
	eachStore(t, func(t *testing.T, db database) { testCrashRestartResumesJob(t, db, bin) })
}

func testCrashRestartResumesJob(t *testing.T, db database, bin string) {
	dir := t.TempDir()
	key := "qry_crash-test-key-0123456789abcdef"

	p1, base := runQuarry(t, bin, dir, key, slices.Concat(db.args, []string{"--debug-extract-delay=3s"})...)
	s := &server{tb: t, base: base, key: key}
	fileID := s.upload("invoice.txt", testdata(t, "invoice.txt"))
	var ids []string
	for range 6 {
		ids = append(ids, s.createJob(fileID, map[string]any{"data_schema": invoiceSchema})["id"].(string))
	}
	s.waitStatus(ids[0], "RUNNING")
	if err := p1.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = p1.Wait()

	// On SQLite the restarted process owns the database and resumes the
	// killed runs at once. On PostgreSQL another process could own them,
	// and the restarted one runs them again once it sees that the killed
	// one's liveness lock is gone, with --rescue-after at its default.
	_, base = runQuarry(t, bin, dir, key, db.args...)
	s.base = base
	for _, id := range ids {
		got := s.waitStatusWithin(id, 90*time.Second, "COMPLETED", "FAILED", "CANCELLED")
		if got["status"] != "COMPLETED" {
			t.Errorf("job %s after crash = %v (%v), want COMPLETED", id, got["status"], got["error_message"])
		}
	}
	if all := s.listAll(url.Values{}); len(all) != len(ids) {
		t.Errorf("%d jobs listed after crash, want %d", len(all), len(ids))
	}
}

// buildQuarry compiles the command once per test binary.
func buildQuarry(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "quarry")
	cmd := exec.Command("go", "build", "-o", bin, "../../cmd/quarry")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// runQuarry starts `quarry serve` on a free port and returns its base URL
// once it serves; the process is killed when the test ends.
func runQuarry(t *testing.T, bin, dir, key string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	return runQuarryLogging(t, bin, dir, key, t.Output(), append([]string{"--log-level", "warn"}, args...)...)
}

// runQuarryLogging is runQuarry with the process's log sent to stderr.
func runQuarryLogging(t *testing.T, bin, dir, key string, stderr io.Writer, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0", "--data-dir", dir}, args...)...)
	cmd.Env = append(os.Environ(), "QUARRY_API_KEY="+key)
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("quarry exited before serving")
			}
			if _, addr, ok := strings.Cut(line, "serving on "); ok {
				base, _, _ := strings.Cut(addr, " ")
				go func() {
					for range lines {
					}
				}()
				waitHealthy(t, base)
				return cmd, base
			}
		case <-ctx.Done():
			t.Fatal("quarry did not start serving within 60s")
		}
	}
}

func waitHealthy(t *testing.T, base string) {
	t.Helper()
	for range 100 {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never became healthy", base)
}
