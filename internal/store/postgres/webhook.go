package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/quarrylabs/quarry/internal/extract"
)

// SetWebhookPlanner makes status changes record and enqueue their webhook
// deliveries in their own transaction. Call it before the Store is shared.
func (s *Store) SetWebhookPlanner(p extract.WebhookPlanner) { s.planner = p }

// emit records and enqueues the deliveries job's current status calls for,
// inside tx, the transaction that changed the status. ctx is the context
// the planner's Enqueue needs.
func (s *Store) emit(ctx context.Context, tx *sql.Tx, job extract.Job) error {
	if s.planner == nil || len(job.Webhooks) == 0 {
		return nil
	}
	ds, err := s.planner.Plan(job)
	if err != nil || len(ds) == 0 {
		return err
	}
	var seq int
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(seq), 0) FROM webhook_deliveries WHERE job_id = $1`, job.ID).Scan(&seq); err != nil {
		return fmt.Errorf("webhook deliveries of job %s: %w", job.ID, err)
	}
	for i := range ds {
		d := &ds[i]
		seq++
		d.Seq, d.State, d.ProjectID, d.JobID = seq, extract.DeliveryPending, job.ProjectID, job.ID
		d.CreatedAt, d.UpdatedAt = ms(d.CreatedAt), ms(d.CreatedAt)
		queueID, err := s.planner.Enqueue(ctx, tx, d)
		if err != nil {
			return fmt.Errorf("enqueue webhook delivery: %w", err)
		}
		hook, err := json.Marshal(d.Webhook)
		if err != nil {
			return fmt.Errorf("encode webhook: %w", err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO webhook_deliveries (id, project_id, job_id, seq, target, event_id, event,
			status, webhook, payload, state, queue_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
			d.ID, d.ProjectID, d.JobID, d.Seq, d.Target, d.EventID, d.Event, string(d.Status), string(hook),
			string(d.Payload), string(d.State), queueID, d.CreatedAt, d.UpdatedAt)
		if err != nil {
			return fmt.Errorf("record webhook delivery: %w", err)
		}
	}
	return nil
}

// emitByID reads a job inside tx and emits its events.
func (s *Store) emitByID(ctx context.Context, tx *sql.Tx, id string) error {
	if s.planner == nil {
		return nil
	}
	j, err := s.scanJob(tx.QueryRowContext(ctx, `SELECT `+jobColumns+` FROM extract_jobs WHERE id = $1`, id))
	if err != nil {
		return fmt.Errorf("read job %s for its webhooks: %w", id, err)
	}
	return s.emit(ctx, tx, j)
}

func webhookNotFound(id string) error {
	return extract.Errorf(extract.CodeNotFound, "webhook configuration %q not found", id)
}

func scanWebhook(sc scanner) (extract.SavedWebhook, error) {
	var w extract.SavedWebhook
	var doc []byte
	if err := sc.Scan(&w.ID, &w.ProjectID, &doc, &w.CreatedAt, &w.UpdatedAt); err != nil {
		return w, err
	}
	if err := json.Unmarshal(doc, &w.Webhook); err != nil {
		return w, fmt.Errorf("webhook %s: decode: %w", w.ID, err)
	}
	w.CreatedAt, w.UpdatedAt = w.CreatedAt.UTC(), w.UpdatedAt.UTC()
	return w, nil
}

const webhookColumns = `id, project_id, webhook, created_at, updated_at`

// CreateWebhook stores a saved webhook; CodeConflict if the id is taken,
// CodeNotFound if the project is absent.
func (s *Store) CreateWebhook(ctx context.Context, w extract.SavedWebhook) error {
	if w.CreatedAt.IsZero() {
		w.CreatedAt = time.Now()
	}
	if w.UpdatedAt.IsZero() {
		w.UpdatedAt = w.CreatedAt
	}
	doc, err := json.Marshal(w.Webhook)
	if err != nil {
		return fmt.Errorf("create webhook: encode: %w", err)
	}
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO webhooks (`+webhookColumns+`) VALUES ($1, $2, $3, $4, $5)`,
			w.ID, w.ProjectID, string(doc), ms(w.CreatedAt), ms(w.UpdatedAt))
		switch {
		case isUniqueViolation(err):
			return extract.Errorf(extract.CodeConflict, "webhook configuration %q already exists", w.ID)
		case isForeignKeyViolation(err):
			return extract.Errorf(extract.CodeNotFound, "project %q not found", w.ProjectID)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("create webhook: %w", err)
	}
	return nil
}

// Webhook returns a saved webhook of the project; CodeNotFound if absent.
func (s *Store) Webhook(ctx context.Context, projectID, id string) (extract.SavedWebhook, error) {
	w, err := scanWebhook(s.db.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = $1 AND project_id = $2`, id, projectID))
	if errors.Is(err, sql.ErrNoRows) {
		err = webhookNotFound(id)
	}
	if err != nil {
		return w, fmt.Errorf("get webhook: %w", err)
	}
	return w, nil
}

// ListWebhooks returns the project's saved webhooks, newest first.
func (s *Store) ListWebhooks(ctx context.Context, projectID string) ([]extract.SavedWebhook, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE project_id = $1 ORDER BY created_at DESC, id DESC`, projectID)
	if err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	defer rows.Close()
	out := []extract.SavedWebhook{}
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, fmt.Errorf("list webhooks: %w", err)
		}
		out = append(out, w)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list webhooks: %w", err)
	}
	return out, nil
}

// UpdateWebhook replaces a saved webhook's configuration; a zero UpdatedAt
// becomes now.
func (s *Store) UpdateWebhook(ctx context.Context, w extract.SavedWebhook) (extract.SavedWebhook, error) {
	if w.UpdatedAt.IsZero() {
		w.UpdatedAt = time.Now()
	}
	doc, err := json.Marshal(w.Webhook)
	if err != nil {
		return w, fmt.Errorf("update webhook: encode: %w", err)
	}
	var out extract.SavedWebhook
	err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var err error
		out, err = scanWebhook(tx.QueryRowContext(ctx, `UPDATE webhooks SET webhook = $1, updated_at = $2 WHERE id = $3 AND project_id = $4
			RETURNING `+webhookColumns, string(doc), ms(w.UpdatedAt), w.ID, w.ProjectID))
		if errors.Is(err, sql.ErrNoRows) {
			return webhookNotFound(w.ID)
		}
		return err
	})
	if err != nil {
		return out, fmt.Errorf("update webhook: %w", err)
	}
	return out, nil
}

// DeleteWebhook removes a saved webhook. Jobs that named it keep their copy.
func (s *Store) DeleteWebhook(ctx context.Context, projectID, id string) error {
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM webhooks WHERE id = $1 AND project_id = $2`, id, projectID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return webhookNotFound(id)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete webhook: %w", err)
	}
	return nil
}

const deliveryColumns = `id, project_id, job_id, seq, target, event_id, event, status, webhook, payload, state, created_at, updated_at`

func scanDelivery(sc scanner) (extract.WebhookDelivery, error) {
	var d extract.WebhookDelivery
	var status, state string
	var hook, payload []byte
	err := sc.Scan(&d.ID, &d.ProjectID, &d.JobID, &d.Seq, &d.Target, &d.EventID, &d.Event, &status, &hook, &payload,
		&state, &d.CreatedAt, &d.UpdatedAt)
	if err != nil {
		return d, err
	}
	if err := json.Unmarshal(hook, &d.Webhook); err != nil {
		return d, fmt.Errorf("delivery %s: decode webhook: %w", d.ID, err)
	}
	d.Status, d.State, d.Payload = extract.Status(status), extract.DeliveryState(state), payload
	d.CreatedAt, d.UpdatedAt = d.CreatedAt.UTC(), d.UpdatedAt.UTC()
	return d, nil
}

// attempts reads the attempts of the deliveries in ds, in order.
func (s *Store) attempts(ctx context.Context, where string, arg any, ds []extract.WebhookDelivery) error {
	rows, err := s.db.QueryContext(ctx, `SELECT a.delivery_id, a.at, a.status_code, a.error, a.duration_us
		FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE `+where+` ORDER BY a.delivery_id, a.attempt`, arg)
	if err != nil {
		return err
	}
	defer rows.Close()
	index := make(map[string]int, len(ds))
	for i, d := range ds {
		index[d.ID] = i
	}
	for rows.Next() {
		var id string
		var a extract.WebhookAttempt
		var us int64
		if err := rows.Scan(&id, &a.At, &a.StatusCode, &a.Error, &us); err != nil {
			return err
		}
		a.At, a.Duration = a.At.UTC(), time.Duration(us)*time.Microsecond
		if i, ok := index[id]; ok {
			ds[i].Attempts = append(ds[i].Attempts, a)
		}
	}
	return rows.Err()
}

// WebhookDeliveries returns a job's deliveries in Seq order with their
// attempts; CodeNotFound if the job is absent or another project's.
func (s *Store) WebhookDeliveries(ctx context.Context, projectID, jobID string) ([]extract.WebhookDelivery, error) {
	var exists bool
	err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM extract_jobs WHERE id = $1 AND project_id = $2)`, jobID, projectID).Scan(&exists)
	if err != nil {
		return nil, fmt.Errorf("webhook deliveries: %w", err)
	}
	if !exists {
		return nil, fmt.Errorf("webhook deliveries: %w", jobNotFound(jobID))
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE job_id = $1 ORDER BY seq`, jobID)
	if err != nil {
		return nil, fmt.Errorf("webhook deliveries: %w", err)
	}
	defer rows.Close()
	ds := []extract.WebhookDelivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, fmt.Errorf("webhook deliveries: %w", err)
		}
		ds = append(ds, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("webhook deliveries: %w", err)
	}
	rows.Close()
	if err := s.attempts(ctx, "d.job_id = $1", jobID, ds); err != nil {
		return nil, fmt.Errorf("webhook attempts: %w", err)
	}
	return ds, nil
}

// WebhookDelivery returns one delivery with its attempts; CodeNotFound if
// absent.
func (s *Store) WebhookDelivery(ctx context.Context, id string) (extract.WebhookDelivery, error) {
	d, err := scanDelivery(s.db.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		err = extract.Errorf(extract.CodeNotFound, "webhook delivery %q not found", id)
	}
	if err != nil {
		return d, fmt.Errorf("webhook delivery: %w", err)
	}
	ds := []extract.WebhookDelivery{d}
	if err := s.attempts(ctx, "d.id = $1", id, ds); err != nil {
		return d, fmt.Errorf("webhook attempts: %w", err)
	}
	return ds[0], nil
}

// WebhookDeliveryWaits reports whether an earlier delivery of d's job to the
// same webhook is still pending.
func (s *Store) WebhookDeliveryWaits(ctx context.Context, d extract.WebhookDelivery) (bool, error) {
	var waits bool
	err := s.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM webhook_deliveries
		WHERE job_id = $1 AND seq < $2 AND target = $3 AND state = $4)`, d.JobID, d.Seq, d.Target, string(extract.DeliveryPending)).Scan(&waits)
	if err != nil {
		return false, fmt.Errorf("webhook delivery order: %w", err)
	}
	return waits, nil
}

// RecordWebhookAttempt appends an attempt to a pending delivery and moves it
// to state; false if the delivery is gone or no longer pending.
func (s *Store) RecordWebhookAttempt(ctx context.Context, id string, a extract.WebhookAttempt, state extract.DeliveryState) (bool, error) {
	var ok bool
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET state = $1, updated_at = $2 WHERE id = $3 AND state = $4`,
			string(state), ms(a.At), id, string(extract.DeliveryPending))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, error, duration_us)
			SELECT $1::text, coalesce(max(attempt), 0) + 1, $2::timestamptz, $3::integer, $4::text, $5::bigint FROM webhook_attempts WHERE delivery_id = $6`,
			id, ms(a.At), a.StatusCode, a.Error, a.Duration.Microseconds(), id)
		ok = err == nil
		return err
	})
	if err != nil {
		return false, fmt.Errorf("record webhook attempt: %w", err)
	}
	return ok, nil
}
