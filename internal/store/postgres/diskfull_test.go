package postgres

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/quarrylabs/quarry/internal/extract"
)

// TestWriteDiskFull: a write the server refuses with disk_full (SQLSTATE
// 53100, raised here by the server itself, as a full disk would) is a
// CodeStorageFull error, which the API answers with 507.
func TestWriteDiskFull(t *testing.T) {
	s := openTest(t)
	err := s.write(context.Background(), func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DO $$ BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full'; END $$`)
		return err
	})
	if extract.ErrorCode(err) != extract.CodeStorageFull || !strings.Contains(extract.ErrorMessage(err), "out of disk space") {
		t.Errorf("write refused with disk_full = %v (code %s), want CodeStorageFull", err, extract.ErrorCode(err))
	}
	err = s.write(context.Background(), func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `DO $$ BEGIN RAISE EXCEPTION 'other' USING ERRCODE = 'data_exception'; END $$`)
		return err
	})
	if extract.ErrorCode(err) != extract.CodeInternal {
		t.Errorf("write refused otherwise = %v (code %s), want an internal error", err, extract.ErrorCode(err))
	}
}
