-- Quarry's schema on SQLite.
--
-- Timestamps are INTEGER unix milliseconds UTC: the API shows millisecond
-- precision and its date filters are inclusive at that granularity, so the
-- stored value is exactly what is compared. JSON documents are TEXT, kept
-- verbatim. Tables are STRICT so that a value of the wrong type (a time.Time
-- bound as text, say) is refused instead of silently stored.

CREATE TABLE organizations (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE projects (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    name            TEXT NOT NULL,
    created_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX projects_organization ON projects (organization_id);

-- quarry_default remembers the organization and project EnsureDefaults made,
-- so that later calls find them again whatever else was created since.
CREATE TABLE quarry_default (
    singleton       INTEGER PRIMARY KEY CHECK (singleton = 1),
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    project_id      TEXT NOT NULL REFERENCES projects (id)
) STRICT;

CREATE TABLE api_keys (
    id              TEXT PRIMARY KEY,
    organization_id TEXT NOT NULL REFERENCES organizations (id),
    project_id      TEXT REFERENCES projects (id),
    name            TEXT NOT NULL,
    prefix          TEXT NOT NULL,
    hash            BLOB NOT NULL UNIQUE,
    created_at      INTEGER NOT NULL,
    last_used_at    INTEGER,
    revoked_at      INTEGER
) STRICT;

CREATE INDEX api_keys_project ON api_keys (project_id);

CREATE TABLE files (
    id               TEXT PRIMARY KEY,
    project_id       TEXT NOT NULL REFERENCES projects (id),
    name             TEXT NOT NULL,
    file_type        TEXT NOT NULL,
    content_type     TEXT NOT NULL,
    purpose          TEXT NOT NULL,
    external_file_id TEXT,
    size             INTEGER NOT NULL,
    sha256           TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    expires_at       INTEGER
) STRICT;

-- Every listing is newest first with a (created_at, id) keyset cursor; each
-- filter has an index ending in (created_at, id) so a page never sorts.
--
-- The indexes are declared ascending although listings read them newest
-- first: SQLite walks an index backwards as cheaply as forwards, and new rows,
-- whose created_at and id only grow, then land at the index's right edge,
-- where SQLite fills pages completely. Declared DESC, every insert lands at
-- the left edge and splits pages in half: measured on a million jobs, each
-- listing index was half empty and half again as large.
CREATE INDEX files_project_created ON files (project_id, created_at, id);
CREATE INDEX files_project_name ON files (project_id, name, created_at, id);
CREATE INDEX files_project_external ON files (project_id, external_file_id, created_at, id)
    WHERE external_file_id IS NOT NULL;

CREATE TABLE configurations (
    id            TEXT PRIMARY KEY,
    project_id    TEXT NOT NULL REFERENCES projects (id),
    name          TEXT NOT NULL,
    product_type  TEXT NOT NULL,
    configuration TEXT NOT NULL,
    version       INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;

CREATE INDEX configurations_project_created ON configurations (project_id, created_at, id);
CREATE INDEX configurations_project_name ON configurations (project_id, name, created_at, id);

-- extract_jobs is what the API shows; River's tables only hold work to do.
-- configuration_id and file_input are not foreign keys: a job keeps naming
-- the configuration and file it was made from after they are deleted.
CREATE TABLE extract_jobs (
    id               TEXT PRIMARY KEY,
    project_id       TEXT NOT NULL REFERENCES projects (id),
    file_input       TEXT NOT NULL,
    configuration_id TEXT,
    configuration    TEXT NOT NULL,
    status           TEXT NOT NULL
        CHECK (status IN ('PENDING', 'THROTTLED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED')),
    error_message    TEXT NOT NULL DEFAULT '',
    result           TEXT,
    field_metadata   TEXT,
    usage            TEXT,
    engine           TEXT NOT NULL DEFAULT '',
    webhooks         TEXT,
    idempotency_key  TEXT,
    request_hash     TEXT NOT NULL DEFAULT '',
    queue_id         INTEGER,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    started_at       INTEGER,
    finished_at      INTEGER
) STRICT;

-- The listing index, read backwards for newest first. Ids are UUIDv7, so
-- new rows land at its end.
CREATE INDEX extract_jobs_project_created ON extract_jobs (project_id, created_at, id);
-- One index per filter, with the listing's order as its tail. The status
-- index also serves StartJob's count of a project's RUNNING jobs.
CREATE INDEX extract_jobs_project_status ON extract_jobs (project_id, status, created_at, id);
CREATE INDEX extract_jobs_project_configuration ON extract_jobs (project_id, configuration_id, created_at, id)
    WHERE configuration_id IS NOT NULL;
CREATE INDEX extract_jobs_project_file_input ON extract_jobs (project_id, file_input, created_at, id);
-- The input type filter is a test of file_input's prefix ("dfl-", "pjb-").
-- Without an index of its own a rare type would be found by reading the
-- whole listing index; queries must write the expression exactly as here.
CREATE INDEX extract_jobs_project_input_type ON extract_jobs (project_id, substr(file_input, 1, 4), created_at, id);
-- An Idempotency-Key names at most one job per project.
CREATE UNIQUE INDEX extract_jobs_project_idempotency ON extract_jobs (project_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- extract_job_counts keeps the number of jobs in each status, for metrics,
-- which would otherwise count every row of the table at each scrape (half a
-- second for a million jobs). Triggers keep it exact in the transaction of
-- every change.
CREATE TABLE extract_job_counts (
    status TEXT PRIMARY KEY,
    n      INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

INSERT INTO extract_job_counts (status, n)
VALUES ('PENDING', 0), ('THROTTLED', 0), ('RUNNING', 0), ('COMPLETED', 0), ('FAILED', 0), ('CANCELLED', 0);

CREATE TRIGGER extract_jobs_count_insert AFTER INSERT ON extract_jobs
BEGIN
    UPDATE extract_job_counts SET n = n + 1 WHERE status = NEW.status;
END;

CREATE TRIGGER extract_jobs_count_update AFTER UPDATE OF status ON extract_jobs
WHEN OLD.status <> NEW.status
BEGIN
    UPDATE extract_job_counts SET n = n - 1 WHERE status = OLD.status;
    UPDATE extract_job_counts SET n = n + 1 WHERE status = NEW.status;
END;

CREATE TRIGGER extract_jobs_count_delete AFTER DELETE ON extract_jobs
BEGIN
    UPDATE extract_job_counts SET n = n - 1 WHERE status = OLD.status;
END;
