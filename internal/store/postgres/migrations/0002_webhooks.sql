-- Saved webhook configurations, named by jobs at creation (which copy them
-- in, as they do saved configurations).
CREATE TABLE webhooks (
    id         text COLLATE "C" PRIMARY KEY,
    project_id text COLLATE "C" NOT NULL REFERENCES projects (id),
    webhook    json NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE INDEX webhooks_project_created ON webhooks (project_id, created_at, id);

-- One row per event sent to one webhook of a job. The payload is fixed when
-- the event happens, so every attempt sends the same bytes. Deleting a job
-- deletes its deliveries: their payloads hold its results.
CREATE TABLE webhook_deliveries (
    id         text COLLATE "C" PRIMARY KEY,
    project_id text COLLATE "C" NOT NULL,
    job_id     text COLLATE "C" NOT NULL REFERENCES extract_jobs (id) ON DELETE CASCADE,
    seq        integer NOT NULL,
    target     integer NOT NULL,
    event_id   text NOT NULL,
    event      text NOT NULL,
    status     text NOT NULL,
    webhook    json NOT NULL,
    payload    text NOT NULL,
    state      text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    queue_id   bigint,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Serves a job's listing (in seq order) and the worker's look for an
-- earlier pending delivery of the same job.
CREATE UNIQUE INDEX webhook_deliveries_job_seq ON webhook_deliveries (job_id, seq);

CREATE TABLE webhook_attempts (
    delivery_id text COLLATE "C" NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt     integer NOT NULL,
    at          timestamptz NOT NULL,
    status_code integer NOT NULL,
    error       text NOT NULL,
    duration_us bigint NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);
