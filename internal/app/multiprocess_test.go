package app_test

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/store/postgres/pgtest"
)

// TestMultiProcess runs Quarry as it is scaled out: two API processes and
// two worker processes of the real binary on one PostgreSQL database. Jobs
// are created through both APIs while one worker is killed with SIGKILL
// mid-run. Every job must end COMPLETED, each run to completion exactly
// once (the killed worker's runs start again elsewhere, and nothing else
// runs twice), and a client paging through the listing, switching API
// process at every page, must see each job once.
func TestMultiProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("runs four quarry processes on PostgreSQL")
	}
	pgtest.Require(t)
	const jobs = 2000
	bin := buildQuarry(t)
	dbURL := pgtest.Database(t)
	dir := t.TempDir() // the uploaded files, shared by every process
	apiKey := "qry_multi-process-test-key-0123456789"
	tokenKey := make([]byte, 32)
	rand.Read(tokenKey)
	common := []string{"--database", dbURL, "--token-key", hex.EncodeToString(tokenKey)}

	var apis []*server
	for range 2 {
		// One client creating thousands of jobs at once is the point here,
		// not something to rate-limit.
		_, base := runQuarry(t, bin, dir, apiKey, append(common, "--role", "api", "--rate-limit", "0")...)
		apis = append(apis, &server{tb: t, base: base, key: apiKey})
	}
	// Runs take 60 ms, so that a kill finds some in progress: a run seen
	// starting in the log is still going when the kill lands, however far
	// the reading of the log lags on a loaded machine. The job
	// timeout and --rescue-after keep their defaults (an hour and more):
	// the killed worker's runs start again elsewhere because its liveness
	// lock is gone.
	var workers []*workerProc
	for range 2 {
		w := &workerProc{}
		w.cmd, _ = runQuarryLogging(t, bin, dir, apiKey, w, append(common, "--role", "worker", "--workers", "8",
			"--project-concurrency", "-1", "--debug-extract-delay", "60ms", "--log-level", "info", "--log-format", "json")...)
		workers = append(workers, w)
	}

	fileID := apis[0].upload("invoice.txt", testdata(t, "invoice.txt"))
	body, _ := json.Marshal(map[string]any{"file_input": fileID, "configuration": map[string]any{"data_schema": invoiceSchema}})
	var (
		mu      sync.Mutex
		created = map[string]bool{}
		wg      sync.WaitGroup
	)
	const creators = 8
	for c := range creators {
		wg.Go(func() {
			api := apis[c%2]
			for range jobs / creators {
				id, err := createRaw(api.base, apiKey, body)
				if err != nil {
					t.Errorf("create through %s: %v", api.base, err)
					return
				}
				mu.Lock()
				created[id] = true
				mu.Unlock()
			}
		})
	}

	// Kill a worker once it has finished some jobs, while others run and
	// more are being created.
	killed := workers[0]
	deadline := time.Now().Add(60 * time.Second)
	// Runs in progress at the kill are the point: with workers as fast as
	// the creators, a moment with none is possible, so wait for one.
	for killed.finished() < 200 || killed.inFlight() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the first worker finished %d jobs in 60s and has %d in progress", killed.finished(), killed.inFlight())
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := killed.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = killed.cmd.Wait()
	wg.Wait()
	if len(created) != jobs {
		t.Fatalf("created %d jobs, want %d", len(created), jobs)
	}

	deadline = time.Now().Add(100 * time.Second)
	for {
		n := completed(t, apis[1])
		if n == jobs {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d jobs COMPLETED after 100s", n, jobs)
		}
		time.Sleep(200 * time.Millisecond)
	}

	awaitLogs(func() bool {
		ks, _ := workers[0].runs()
		_, f := workers[1].runs()
		for id := range created {
			if f[id] == 0 && ks[id] == 0 {
				return false
			}
		}
		return true
	})

	// Runs: a job may start again only if the killed worker was running it;
	// every job completes once, in one process.
	started, finished := map[string]int{}, map[string]int{}
	interrupted := 0
	for i, w := range workers {
		s, f := w.runs()
		for id, n := range s {
			started[id] += n
			if i == 0 && n > f[id] {
				interrupted++
			}
		}
		for id, n := range f {
			finished[id] += n
		}
	}
	if interrupted == 0 {
		t.Errorf("the killed worker was running no job: the test proved nothing about crashes")
	}
	killedStarted, killedFinished := killed.runs()
	for id := range created {
		switch n := finished[id]; {
		case n > 1:
			t.Errorf("job %s completed %d times, want once", id, n)
		case n == 0 && (killedStarted[id] == 0 || started[id] > killedStarted[id]):
			// Only the killed worker can have completed a job without
			// saying so: it died between the commit and the log line, and
			// then nothing else may have run the job.
			t.Errorf("job %s is COMPLETED but no run of it completed (started %d times, %d by the killed worker)", id, started[id], killedStarted[id])
		}
		if extra := started[id] - 1; extra > 0 && killedStarted[id]-killedFinished[id] < extra {
			t.Errorf("job %s started %d times, but the killed worker interrupted only %d of its runs", id, started[id], killedStarted[id]-killedFinished[id])
		}
	}
	t.Logf("%d jobs; the killed worker had %d runs in progress", jobs, interrupted)

	// Page through the listing switching API process at every page: tokens
	// made by one open in the other.
	seen := map[string]int{}
	q := url.Values{"page_size": {"97"}}
	for page := 0; ; page++ {
		r, body := apis[page%2].list(q)
		if body == nil {
			t.Fatalf("page %d from %s: %d %s", page, apis[page%2].base, r.status, r.body)
		}
		for _, it := range body["items"].([]any) {
			id := it.(map[string]any)["id"].(string)
			seen[id]++
			if st := it.(map[string]any)["status"]; st != "COMPLETED" {
				t.Errorf("job %s listed as %v", id, st)
			}
		}
		tok, _ := body["next_page_token"].(string)
		if tok == "" {
			break
		}
		q.Set("page_token", tok)
	}
	if len(seen) != jobs {
		t.Errorf("listing showed %d jobs, want %d", len(seen), jobs)
	}
	for id, n := range seen {
		if n != 1 || !created[id] {
			t.Errorf("listing showed job %s %d times (created here: %v), want once", id, n, created[id])
		}
	}
}

// TestDeadWorkerJobsRunAgain kills a worker process with SIGKILL while it
// runs jobs, on PostgreSQL with the default --rescue-after (the job timeout
// plus five minutes): the other worker must run them to completion long
// before that, because the dead worker's liveness lock went with it. The
// surviving worker's own runs, longer than several scans for dead workers'
// jobs, must each start once: a live worker's job is never taken from it.
func TestDeadWorkerJobsRunAgain(t *testing.T) {
	if testing.Short() {
		t.Skip("runs three quarry processes on PostgreSQL")
	}
	pgtest.Require(t)
	bin := buildQuarry(t)
	dbURL := pgtest.Database(t)
	dir := t.TempDir()
	apiKey := "qry_dead-worker-test-key-0123456789"
	tokenKey := make([]byte, 32)
	rand.Read(tokenKey)
	common := []string{"--database", dbURL, "--token-key", hex.EncodeToString(tokenKey)}
	_, base := runQuarry(t, bin, dir, apiKey, append(common, "--role", "api")...)
	api := &server{tb: t, base: base, key: apiKey}

	// Two slots per worker and four jobs: once all four run, each worker
	// holds two. A run takes 6 s, three scans for dead workers' jobs.
	var workers []*workerProc
	for range 2 {
		w := &workerProc{}
		w.cmd, _ = runQuarryLogging(t, bin, dir, apiKey, w, append(common, "--role", "worker", "--workers", "2",
			"--project-concurrency", "-1", "--debug-extract-delay", "6s", "--log-level", "info", "--log-format", "json")...)
		workers = append(workers, w)
	}
	fileID := api.upload("invoice.txt", testdata(t, "invoice.txt"))
	var ids []string
	for range 4 {
		ids = append(ids, api.createJob(fileID, map[string]any{"data_schema": invoiceSchema})["id"].(string))
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		a, _ := workers[0].runs()
		b, _ := workers[1].runs()
		if len(a)+len(b) == len(ids) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d jobs started in 60s", len(a)+len(b), len(ids))
		}
		time.Sleep(20 * time.Millisecond)
	}
	killed, survivor := workers[0], workers[1]
	if err := killed.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = killed.cmd.Wait()
	orphaned, _ := killed.runs()
	own, _ := survivor.runs()

	for _, id := range ids {
		got := api.waitStatusWithin(id, 90*time.Second, "COMPLETED", "FAILED", "CANCELLED")
		if got["status"] != "COMPLETED" {
			t.Errorf("job %s = %v (%v), want COMPLETED", id, got["status"], got["error_message"])
		}
	}
	awaitLogs(func() bool {
		_, f := survivor.runs()
		for _, id := range ids {
			if f[id] == 0 {
				return false
			}
		}
		return true
	})
	started, finished := survivor.runs()
	for id := range orphaned {
		if started[id] != 1 || finished[id] != 1 {
			t.Errorf("job %s of the killed worker: the survivor started it %d times and completed it %d times, want once each", id, started[id], finished[id])
		}
	}
	for id := range own {
		if started[id] != 1 || finished[id] != 1 {
			t.Errorf("job %s of the live worker started %d times and completed %d times, want once each", id, started[id], finished[id])
		}
	}
	if len(orphaned) == 0 || len(own) == 0 {
		t.Errorf("the killed worker ran %d jobs and the survivor %d; the test needs both busy", len(orphaned), len(own))
	}
}

// awaitLogs waits, up to 10 s, for logged to be true of the workers' logs:
// a run's end is committed, and so seen by the API, a moment before the
// worker logs it. The assertions after it say what is missing, if
// anything.
func awaitLogs(logged func() bool) {
	for deadline := time.Now().Add(10 * time.Second); !logged() && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
}

// workerProc is a worker process and what its JSON log says about runs.
type workerProc struct {
	cmd *exec.Cmd

	mu       sync.Mutex
	buf      []byte
	started  map[string]int
	complete map[string]int
}

// Write takes the process's log, a JSON object a line.
func (e *workerProc) Write(p []byte) (int, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.started == nil {
		e.started, e.complete = map[string]int{}, map[string]int{}
	}
	e.buf = append(e.buf, p...)
	for {
		i := bytes.IndexByte(e.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		var line struct {
			Msg    string `json:"msg"`
			JobID  string `json:"job_id"`
			Status string `json:"status"`
		}
		if json.Unmarshal(e.buf[:i], &line) == nil {
			switch {
			case line.Msg == "job running":
				e.started[line.JobID]++
			case line.Msg == "job finished" && line.Status == "COMPLETED":
				e.complete[line.JobID]++
			}
		}
		e.buf = e.buf[i+1:]
	}
}

// inFlight counts the runs the process has started and not completed.
func (e *workerProc) inFlight() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	n := 0
	for id, s := range e.started {
		n += max(s-e.complete[id], 0)
	}
	return n
}

func (e *workerProc) finished() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.complete)
}

// runs returns, by job id, how many runs started and completed.
func (e *workerProc) runs() (started, completed map[string]int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	started, completed = map[string]int{}, map[string]int{}
	for k, v := range e.started {
		started[k] = v
	}
	for k, v := range e.complete {
		completed[k] = v
	}
	return started, completed
}

// createRaw creates a job and returns its id; safe from any goroutine.
func createRaw(base, key string, body []byte) (string, error) {
	req, err := http.NewRequest(http.MethodPost, base+"/api/v2/extract", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("%d %s", resp.StatusCode, b)
	}
	var job struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &job); err != nil || job.ID == "" {
		return "", fmt.Errorf("reply %s: %v", b, err)
	}
	return job.ID, nil
}

// completed counts the COMPLETED jobs through the API.
func completed(t *testing.T, s *server) int {
	t.Helper()
	r, page := s.list(url.Values{"status": {"COMPLETED"}, "page_size": {"1"}, "expand": {"total_size"}})
	if page == nil {
		t.Fatalf("count completed jobs: %d %s", r.status, r.body)
	}
	n, err := strconv.Atoi(fmt.Sprint(page["total_size"]))
	if err != nil {
		t.Fatalf("total_size = %v", page["total_size"])
	}
	return n
}
