package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
	"github.com/quarrylabs/quarry/internal/id"
	"github.com/quarrylabs/quarry/internal/queue"
)

// TestAbandonedJobFails checks that a job whose queued work is gone does
// not stay unfinished forever: the reconciler fails it with a message that
// says what happened, and leaves jobs whose work is alive alone.
func TestAbandonedJobFails(t *testing.T) {
	t.Parallel()
	eachStore(t, testAbandonedJobFails)
}

func testAbandonedJobFails(t *testing.T, db database) {
	gate := newGateEngine()
	s := start(t, db.option, withEngine(gate), withProjectConcurrency(1), withReconcile(200*time.Millisecond))
	fileID := s.upload("invoice.txt", testdata(t, "invoice.txt"))
	cfg := map[string]any{"data_schema": invoiceSchema}

	running := s.createJob(fileID, cfg)["id"].(string)
	s.waitStatus(running, "RUNNING")
	<-gate.started
	// Over the project's limit of one, this job waits as THROTTLED, its
	// River work snoozing; then that work disappears.
	throttled := s.createJob(fileID, cfg)["id"].(string)
	s.waitStatus(throttled, "THROTTLED")
	ctx := context.Background()
	for deleted := int64(0); deleted == 0; {
		// Not while a worker holds it to check the project's slots.
		res, err := s.app.Store().DB().ExecContext(ctx, `DELETE FROM river_job WHERE kind = 'extract' AND state <> 'running'`)
		if err != nil {
			t.Fatalf("delete queued work: %v", err)
		}
		deleted, _ = res.RowsAffected()
	}
	// A job row written without any queued work at all.
	orphan := extract.Job{
		ID: id.New(id.Job), ProjectID: s.app.Bootstrap().ProjectID, FileInput: fileID,
		Configuration: extract.Configuration{DataSchema: []byte(`{"type":"object"}`)}.Resolve(),
	}
	if _, _, err := s.app.Store().CreateJob(ctx, orphan, nil); err != nil {
		t.Fatalf("CreateJob: %v", err)
	}

	for _, jobID := range []string{throttled, orphan.ID} {
		got := s.waitStatus(jobID, "FAILED", "COMPLETED", "CANCELLED")
		if got["status"] != "FAILED" || got["error_message"] != queue.AbandonedMessage {
			t.Errorf("job %s = %v %q, want FAILED %q", jobID, got["status"], got["error_message"], queue.AbandonedMessage)
		}
	}
	// The running job's work is alive: it is left to finish.
	if got := s.waitStatus(running, "RUNNING", "FAILED"); got["status"] != "RUNNING" {
		t.Fatalf("running job = %v %v, want RUNNING", got["status"], got["error_message"])
	}
	close(gate.open)
	s.waitStatus(running, "COMPLETED")
	if r := s.do(http.MethodPost, "/api/v2/extract/"+throttled+"/cancel", nil); r.status != http.StatusConflict {
		t.Errorf("cancel a failed job: %d %s, want 409", r.status, r.body)
	}
}
