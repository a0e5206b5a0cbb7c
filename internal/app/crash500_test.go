package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestCrash500 creates 500 jobs on the real binary, kills it with SIGKILL
// while they run, and restarts it on the same data. Every job must end
// COMPLETED, each run to completion at most once (and exactly once unless
// the killed process died between committing a completion and logging it),
// the listing must show each job once, the SQLite database must pass
// PRAGMA integrity_check both as the kill left it and after the restart,
// and every uploaded file must come back byte for byte.
func TestCrash500(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the quarry binary and runs 500 jobs through a crash")
	}
	t.Parallel()
	bin := buildQuarry(t)
	eachStore(t, func(t *testing.T, db database) { testCrash500(t, db, bin) })
}

func testCrash500(t *testing.T, db database, bin string) {
	const jobs, files = 500, 20
	dir := t.TempDir()
	key := "qry_crash500-test-key-0123456789abcdef"
	logArgs := []string{"--log-level", "info", "--log-format", "json", "--workers", "8", "--project-concurrency", "-1"}

	// Runs take 100 ms, so that the kill finds several in progress and
	// most of the 500 still to do.
	killed := &workerProc{}
	var base string
	killed.cmd, base = runQuarryLogging(t, bin, dir, key, killed, slices.Concat(db.args, logArgs, []string{"--debug-extract-delay", "100ms"})...)
	s := &server{tb: t, base: base, key: key}

	contents := map[string][]byte{}
	var fileIDs []string
	for i := range files {
		b := make([]byte, 64)
		rand.Read(b)
		content := fmt.Appendf(nil, "Invoice Number: INV-%04d\nTotal: %d.00\nNonce: %x\n", i, 100+i, b)
		fileID := s.upload(fmt.Sprintf("invoice-%02d.txt", i), content)
		contents[fileID] = content
		fileIDs = append(fileIDs, fileID)
	}

	var (
		mu      sync.Mutex
		created = map[string]bool{}
		wg      sync.WaitGroup
	)
	const creators = 8
	for c := range creators {
		wg.Go(func() {
			for i := c; i < jobs; i += creators {
				body, _ := json.Marshal(map[string]any{"file_input": fileIDs[i%files], "configuration": map[string]any{"data_schema": invoiceSchema}})
				id, err := createRaw(base, key, body)
				if err != nil {
					t.Errorf("create job %d: %v", i, err)
					return
				}
				mu.Lock()
				created[id] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(created) != jobs {
		t.Fatalf("created %d jobs, want %d", len(created), jobs)
	}

	deadline := time.Now().Add(120 * time.Second)
	for killed.finished() < 50 {
		if time.Now().After(deadline) {
			t.Fatalf("%d jobs finished in 120s before the kill", killed.finished())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := killed.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = killed.cmd.Wait()
	killedStarted, killedFinished := killed.runs()
	interrupted := 0
	for id, n := range killedStarted {
		if n > killedFinished[id] {
			interrupted++
		}
	}
	if interrupted == 0 || len(killedFinished) >= jobs {
		t.Fatalf("the kill interrupted %d runs with %d of %d jobs finished: it proved nothing", interrupted, len(killedFinished), jobs)
	}
	if db.args == nil {
		integrityCheck(t, filepath.Join(dir, "quarry.db"))
	}

	// On PostgreSQL the killed runs look busy until --rescue-after; a short
	// job timeout allows a short one.
	restarted := &workerProc{}
	restarted.cmd, s.base = runQuarryLogging(t, bin, dir, key, restarted, slices.Concat(db.args, logArgs, []string{"--job-timeout", "1s", "--rescue-after", "2s"})...)
	deadline = time.Now().Add(120 * time.Second)
	for {
		n := completed(t, s)
		if n == jobs {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d jobs COMPLETED 120s after the restart", n, jobs)
		}
		time.Sleep(100 * time.Millisecond)
	}

	awaitLogs(func() bool {
		st, f := restarted.runs()
		for id := range created {
			// Done and logged, or done by the killed process before it
			// could log it (and then not run again).
			if f[id] == 0 && killedFinished[id] == 0 && (killedStarted[id] == 0 || st[id] > 0) {
				return false
			}
		}
		return true
	})
	restartedStarted, restartedFinished := restarted.runs()
	twice := 0
	for id := range created {
		finished := killedFinished[id] + restartedFinished[id]
		switch {
		case finished > 1:
			t.Errorf("job %s completed %d times, want once", id, finished)
		case finished == 0 && (killedStarted[id] == 0 || restartedStarted[id] > 0):
			// Only the killed process may have completed a job without
			// saying so, dying between the commit and the log line; then
			// nothing may have run it again.
			t.Errorf("job %s is COMPLETED but no run of it completed (started %d times before the kill, %d after)", id, killedStarted[id], restartedStarted[id])
		}
		if killedFinished[id] > 0 && restartedStarted[id] > 0 {
			twice++
		}
	}
	if twice > 0 {
		t.Errorf("%d jobs completed before the kill ran again after it", twice)
	}
	t.Logf("%d jobs; %d finished before the kill, %d runs interrupted", jobs, len(killedFinished), interrupted)

	seen := map[string]int{}
	for _, id := range s.listAll(url.Values{"page_size": {"100"}}) {
		seen[id]++
	}
	for id := range created {
		if seen[id] != 1 {
			t.Errorf("job %s listed %d times, want once", id, seen[id])
		}
	}
	if len(seen) != jobs {
		t.Errorf("%d jobs listed, want %d", len(seen), jobs)
	}
	for fileID, want := range contents {
		if got := download(t, s, fileID); !bytes.Equal(got, want) {
			t.Errorf("file %s after the crash = %q, want %q", fileID, got, want)
		}
	}

	if db.args == nil {
		if err := restarted.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		_ = restarted.cmd.Wait()
		integrityCheck(t, filepath.Join(dir, "quarry.db"))
	}
}

// integrityCheck runs SQLite's own consistency check of every page, index
// and constraint on the database file.
func integrityCheck(t *testing.T, path string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.QueryContext(context.Background(), `PRAGMA integrity_check`)
	if err != nil {
		t.Fatalf("integrity_check: %v", err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		problems = append(problems, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || problems[0] != "ok" {
		t.Fatalf("PRAGMA integrity_check on %s = %q, want ok", path, problems)
	}
}

// download fetches a file's bytes through its download URL.
func download(t *testing.T, s *server, fileID string) []byte {
	t.Helper()
	r := s.do(http.MethodGet, "/api/v1/beta/files/"+fileID+"/content", nil)
	if r.status != http.StatusOK {
		t.Fatalf("content URL of %s: %d %s", fileID, r.status, r.body)
	}
	resp, err := http.Get(r.json(t)["url"].(string))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("download %s: %d %v", fileID, resp.StatusCode, err)
	}
	return b
}
