package app_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestDeleteJobRemovesData deletes a finished job: the API forgets it, and
// its row, with the result and metadata it held, and its queue entry are
// gone from the database.
func TestDeleteJobRemovesData(t *testing.T) {
	t.Parallel()
	eachStore(t, testDeleteJobRemovesData)
}

func testDeleteJobRemovesData(t *testing.T, db database) {
	ctx := context.Background()
	s := start(t, db.option)
	fileID := s.upload("invoice.txt", testdata(t, "invoice.txt"))
	jobID := s.createJob(fileID, map[string]any{"data_schema": invoiceSchema})["id"].(string)
	got := s.waitStatus(jobID, "COMPLETED")
	result, _ := got["extract_result"].(map[string]any)
	number, _ := result["invoice_number"].(string)
	if number == "" {
		t.Fatalf("job has no result to delete: %v", got)
	}
	sqlDB := s.app.Store().DB()
	ph := "?"
	if db.args != nil {
		ph = "$1"
	}
	var queueID int64
	if err := sqlDB.QueryRowContext(ctx, `SELECT queue_id FROM extract_jobs WHERE id = `+ph, jobID).Scan(&queueID); err != nil {
		t.Fatalf("read the job's row: %v", err)
	}

	if r := s.do(http.MethodDelete, "/api/v2/extract/"+jobID, nil); r.status != http.StatusNoContent {
		t.Fatalf("delete job = %d %s, want 204", r.status, r.body)
	}
	if r := s.do(http.MethodGet, "/api/v2/extract/"+jobID, nil); r.status != http.StatusNotFound {
		t.Errorf("get deleted job = %d %s, want 404", r.status, r.body)
	}
	if ids := s.listAll(url.Values{}); slices.Contains(ids, jobID) {
		t.Errorf("deleted job %s still listed", jobID)
	}
	var n int
	if err := sqlDB.QueryRowContext(ctx, `SELECT count(*) FROM extract_jobs WHERE id = `+ph, jobID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("the deleted job's row is still in extract_jobs")
	}
	// River records a run's completion asynchronously, so the queue entry
	// may still be finishing when the job is deleted; then it is cancelled
	// and pruned with the queue's history. It never held more than the job
	// id: no result, no metadata.
	rows, err := sqlDB.QueryContext(ctx, `SELECT CAST(args AS TEXT) || coalesce(CAST(metadata AS TEXT), '') || coalesce(CAST(errors AS TEXT), '') FROM river_job WHERE id = `+ph, queueID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var text string
		if err := rows.Scan(&text); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(text, number) {
			t.Errorf("the queue entry of the deleted job holds its result %q: %s", number, text)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// TestDeleteFileInUse deletes the input of a running job: 409 naming the
// job. Once the job has finished the file deletes, and the job keeps its
// result and the file's id.
func TestDeleteFileInUse(t *testing.T) {
	t.Parallel()
	eachStore(t, testDeleteFileInUse)
}

func testDeleteFileInUse(t *testing.T, db database) {
	gate := newGateEngine()
	s := start(t, db.option, withEngine(gate))
	fileID := s.upload("invoice.txt", testdata(t, "invoice.txt"))
	jobID := s.createJob(fileID, map[string]any{"data_schema": invoiceSchema})["id"].(string)
	s.waitStatus(jobID, "RUNNING")

	r := s.do(http.MethodDelete, "/api/v1/beta/files/"+fileID, nil)
	if r.status != http.StatusConflict || !strings.Contains(r.detail(t), jobID) {
		t.Fatalf("delete the file of a running job = %d %s, want 409 naming %s", r.status, r.body, jobID)
	}
	if got := download(t, s, fileID); len(got) == 0 {
		t.Error("the file lost its bytes to the refused delete")
	}

	close(gate.open)
	s.waitStatus(jobID, "COMPLETED")
	if r := s.do(http.MethodDelete, "/api/v1/beta/files/"+fileID, nil); r.status != http.StatusNoContent {
		t.Fatalf("delete the file of a finished job = %d %s, want 204", r.status, r.body)
	}
	if r := s.do(http.MethodGet, "/api/v1/beta/files/"+fileID, nil); r.status != http.StatusNotFound {
		t.Errorf("get deleted file = %d, want 404", r.status)
	}
	job := s.do(http.MethodGet, "/api/v2/extract/"+jobID, nil).json(t)
	if job["status"] != "COMPLETED" || job["extract_result"] == nil || job["file_input"] != fileID {
		t.Errorf("finished job after its file was deleted = %v, want it COMPLETED with its result and file_input", job)
	}
}

// TestBackupRestore runs `quarry backup` against the data directory of a
// server that is running and holds its lock, restores the copy with the
// files directory into a new data directory, and starts a server there:
// it finds every job with its status and result, and every file's bytes.
func TestBackupRestore(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the quarry binary")
	}
	t.Parallel()
	bin := buildQuarry(t)
	dir := t.TempDir()
	s := start(t, withDataDir(dir))
	fileIDs := []string{s.upload("a.txt", testdata(t, "invoice.txt")), s.upload("b.txt", []byte("Invoice Number: B-1\n"))}
	var jobIDs []string
	for i := range 10 {
		jobIDs = append(jobIDs, s.createJob(fileIDs[i%2], map[string]any{"data_schema": invoiceSchema})["id"].(string))
	}
	want := map[string]map[string]any{}
	for _, id := range jobIDs {
		want[id] = s.waitStatus(id, "COMPLETED")
	}

	backup := filepath.Join(t.TempDir(), "quarry-backup.db")
	cmd := exec.Command(bin, "backup", "--data-dir", dir, "--out", backup)
	cmd.Env = append(os.Environ(), "QUARRY_DATABASE_URL=")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("quarry backup while the server runs: %v\n%s", err, out)
	}
	// The server is unaffected.
	if r := s.do(http.MethodGet, "/api/v2/extract", nil); r.status != http.StatusOK {
		t.Fatalf("server after the backup: %d %s", r.status, r.body)
	}
	integrityCheck(t, backup)

	restored := t.TempDir()
	copyFile(t, backup, filepath.Join(restored, "quarry.db"))
	copyFile(t, filepath.Join(dir, "token.key"), filepath.Join(restored, "token.key"))
	files, err := os.ReadDir(filepath.Join(dir, "files"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !f.IsDir() && !strings.HasPrefix(f.Name(), ".") {
			copyFile(t, filepath.Join(dir, "files", f.Name()), filepath.Join(restored, "files", f.Name()))
		}
	}

	s2 := start(t, withDataDir(restored), withAPIKey(s.key))
	ids := s2.listAll(url.Values{})
	for _, id := range jobIDs {
		if !slices.Contains(ids, id) {
			t.Errorf("job %s is not listed after the restore", id)
			continue
		}
		got := s2.do(http.MethodGet, "/api/v2/extract/"+id, nil).json(t)
		if got["status"] != "COMPLETED" || got["extract_result"] == nil {
			t.Errorf("restored job %s = %v, want COMPLETED with a result", id, got)
		}
	}
	if len(ids) != len(jobIDs) {
		t.Errorf("%d jobs after the restore, want %d", len(ids), len(jobIDs))
	}
	for _, id := range fileIDs {
		if got, orig := download(t, s2, id), download(t, s, id); string(got) != string(orig) {
			t.Errorf("restored file %s = %q, want %q", id, got, orig)
		}
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
		t.Fatal(err)
	}
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}
