-- Saved webhook configurations, named by jobs at creation (which copy them
-- in, as they do saved configurations).
CREATE TABLE webhooks (
    id         TEXT PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects (id),
    webhook    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE INDEX webhooks_project_created ON webhooks (project_id, created_at, id);

-- One row per event sent to one webhook of a job. The payload is fixed when
-- the event happens, so every attempt sends the same bytes. Deleting a job
-- deletes its deliveries: their payloads hold its results.
CREATE TABLE webhook_deliveries (
    id         TEXT PRIMARY KEY,
    project_id TEXT NOT NULL,
    job_id     TEXT NOT NULL REFERENCES extract_jobs (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    target     INTEGER NOT NULL,
    event_id   TEXT NOT NULL,
    event      TEXT NOT NULL,
    status     TEXT NOT NULL,
    webhook    TEXT NOT NULL,
    payload    TEXT NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    queue_id   INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- Serves a job's listing (in seq order) and the worker's look for an
-- earlier pending delivery of the same job.
CREATE UNIQUE INDEX webhook_deliveries_job_seq ON webhook_deliveries (job_id, seq);

CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt     INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    status_code INTEGER NOT NULL,
    error       TEXT NOT NULL,
    duration_us INTEGER NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
) STRICT, WITHOUT ROWID;
