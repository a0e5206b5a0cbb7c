package app_test

import (
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/queue"
)

// TestCrashingJobIsNotRerun kills the real binary with SIGKILL during every
// run of one job, as a document that takes all memory would: after the
// second such death the next start fails the job with a message saying so,
// instead of running it (and dying) again, and other jobs run as usual.
func TestCrashingJobIsNotRerun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the quarry binary")
	}
	t.Parallel()
	bin := buildQuarry(t)
	eachStore(t, func(t *testing.T, db database) { testCrashingJobIsNotRerun(t, db, bin) })
}

func testCrashingJobIsNotRerun(t *testing.T, db database, bin string) {
	dir := t.TempDir()
	key := "qry_poison-test-key-0123456789abcdef"
	serve := func(delay string) (*workerProc, *server) {
		w := &workerProc{}
		var base string
		w.cmd, base = runQuarryLogging(t, bin, dir, key, w, slices.Concat(db.args,
			[]string{"--debug-extract-delay", delay, "--log-level", "info", "--log-format", "json"})...)
		return w, &server{tb: t, base: base, key: key}
	}
	w, s := serve("60s")
	fileID := s.upload("invoice.txt", testdata(t, "invoice.txt"))
	id := s.createJob(fileID, map[string]any{"data_schema": invoiceSchema})["id"].(string)
	for crash := 1; crash <= queue.MaxCrashes; crash++ {
		if crash > 1 {
			w, s = serve("60s")
		}
		// On PostgreSQL a restarted process takes the dead one's run
		// back after two scans for dead workers (2 s apart).
		deadline := time.Now().Add(60 * time.Second)
		for started, _ := w.runs(); started[id] == 0; started, _ = w.runs() {
			if time.Now().After(deadline) {
				t.Fatalf("run %d of job %s did not start within 60s", crash, id)
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err := w.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		_ = w.cmd.Wait()
	}

	w, s = serve("0s")
	got := s.waitStatusWithin(id, 60*time.Second, "COMPLETED", "FAILED", "CANCELLED")
	if got["status"] != "FAILED" || got["error_message"] != queue.CrashedMessage {
		t.Errorf("job %s after %d crashes = %v %q, want FAILED %q", id, queue.MaxCrashes, got["status"], got["error_message"], queue.CrashedMessage)
	}
	if started, _ := w.runs(); started[id] != 0 {
		t.Errorf("job %s ran %d times after its crashes, want never", id, started[id])
	}
	next := s.createJob(fileID, map[string]any{"data_schema": invoiceSchema})["id"].(string)
	if got := s.waitStatus(next, "COMPLETED", "FAILED"); got["status"] != "COMPLETED" {
		t.Errorf("a normal job after the crashing one = %v (%v), want COMPLETED", got["status"], got["error_message"])
	}
}
