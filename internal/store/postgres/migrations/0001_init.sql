-- Quarry's schema on PostgreSQL: the same tables, indexes and rules as the
-- SQLite schema, in PostgreSQL's own types.
--
-- Timestamps are timestamptz written at millisecond precision (the store
-- truncates before writing): the API shows milliseconds and its date filters
-- are inclusive at that granularity, so the stored value is exactly what is
-- compared, on either backend.
--
-- JSON documents are json, not jsonb: json keeps the text verbatim, and the
-- order of a data schema's properties is meaningful to users (jsonb would
-- sort the keys and rewrite whitespace). Nothing queries inside them.
--
-- Ids and other text compared by order are COLLATE "C": listings order by
-- id as bytes, exactly as Go's strings.Compare and SQLite do, whatever the
-- database's default collation, and C comparisons are the cheapest.

CREATE TABLE organizations (
    id         text COLLATE "C" PRIMARY KEY,
    name       text NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE projects (
    id              text COLLATE "C" PRIMARY KEY,
    organization_id text COLLATE "C" NOT NULL REFERENCES organizations (id),
    name            text NOT NULL,
    created_at      timestamptz NOT NULL
);

CREATE INDEX projects_organization ON projects (organization_id);

-- quarry_default remembers the organization and project EnsureDefaults made,
-- so that later calls find them again whatever else was created since.
CREATE TABLE quarry_default (
    singleton       integer PRIMARY KEY CHECK (singleton = 1),
    organization_id text COLLATE "C" NOT NULL REFERENCES organizations (id),
    project_id      text COLLATE "C" NOT NULL REFERENCES projects (id)
);

CREATE TABLE api_keys (
    id              text COLLATE "C" PRIMARY KEY,
    organization_id text COLLATE "C" NOT NULL REFERENCES organizations (id),
    project_id      text COLLATE "C" REFERENCES projects (id),
    name            text NOT NULL,
    prefix          text NOT NULL,
    hash            bytea NOT NULL UNIQUE,
    created_at      timestamptz NOT NULL,
    last_used_at    timestamptz,
    revoked_at      timestamptz
);

CREATE INDEX api_keys_project ON api_keys (project_id);

CREATE TABLE files (
    id               text COLLATE "C" PRIMARY KEY,
    project_id       text COLLATE "C" NOT NULL REFERENCES projects (id),
    name             text NOT NULL,
    file_type        text NOT NULL,
    content_type     text NOT NULL,
    purpose          text NOT NULL,
    external_file_id text,
    size             bigint NOT NULL,
    sha256           text NOT NULL,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    expires_at       timestamptz
);

-- Every listing is newest first with a (created_at, id) keyset cursor; each
-- filter has an index ending in (created_at, id) so a page never sorts.
-- PostgreSQL scans a B-tree backwards as cheaply as forwards; declared
-- ascending, rows whose created_at and id only grow are appended at the
-- right edge, where the B-tree splits pages unevenly and leaves them full.
CREATE INDEX files_project_created ON files (project_id, created_at, id);
CREATE INDEX files_project_name ON files (project_id, name, created_at, id);
CREATE INDEX files_project_external ON files (project_id, external_file_id, created_at, id)
    WHERE external_file_id IS NOT NULL;

CREATE TABLE configurations (
    id            text COLLATE "C" PRIMARY KEY,
    project_id    text COLLATE "C" NOT NULL REFERENCES projects (id),
    name          text NOT NULL,
    product_type  text NOT NULL,
    configuration json NOT NULL,
    version       integer NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);

CREATE INDEX configurations_project_created ON configurations (project_id, created_at, id);
CREATE INDEX configurations_project_name ON configurations (project_id, name, created_at, id);

-- extract_jobs is what the API shows; River's tables only hold work to do.
-- configuration_id and file_input are not foreign keys: a job keeps naming
-- the configuration and file it was made from after they are deleted.
CREATE TABLE extract_jobs (
    id               text COLLATE "C" PRIMARY KEY,
    project_id       text COLLATE "C" NOT NULL REFERENCES projects (id),
    file_input       text COLLATE "C" NOT NULL,
    configuration_id text COLLATE "C",
    configuration    json NOT NULL,
    status           text COLLATE "C" NOT NULL
        CHECK (status IN ('PENDING', 'THROTTLED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED')),
    error_message    text NOT NULL DEFAULT '',
    result           json,
    field_metadata   json,
    usage            json,
    engine           text NOT NULL DEFAULT '',
    webhooks         json,
    idempotency_key  text COLLATE "C",
    request_hash     text NOT NULL DEFAULT '',
    queue_id         bigint,
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL,
    started_at       timestamptz,
    finished_at      timestamptz
);

-- The listing index, read backwards for newest first. Ids are UUIDv7, so
-- new rows land at its end.
CREATE INDEX extract_jobs_project_created ON extract_jobs (project_id, created_at, id);
-- One index per filter, with the listing's order as its tail. The status
-- index also serves StartJob's count of a project's RUNNING jobs.
CREATE INDEX extract_jobs_project_status ON extract_jobs (project_id, status, created_at, id);
CREATE INDEX extract_jobs_project_configuration ON extract_jobs (project_id, configuration_id, created_at, id)
    WHERE configuration_id IS NOT NULL;
CREATE INDEX extract_jobs_project_file_input ON extract_jobs (project_id, file_input, created_at, id);
-- The input type filter is a test of file_input's prefix ("dfl-", "pjb-");
-- queries must write the expression exactly as here for the planner to match
-- it to the index.
CREATE INDEX extract_jobs_project_input_type ON extract_jobs (project_id, substr(file_input, 1, 4), created_at, id);
-- An Idempotency-Key names at most one job per project.
CREATE UNIQUE INDEX extract_jobs_project_idempotency ON extract_jobs (project_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

-- extract_job_counts keeps the number of jobs in each status, for metrics,
-- which would otherwise count every row of the table at each scrape.
-- Triggers keep it exact in the transaction of every change.
--
-- Each status has several rows (shards), and a change updates the shard of
-- its connection's backend: a single row per status would be locked by
-- every transaction that creates or moves a job until it commits, making
-- all creates and claims across all processes take turns. The sum over the
-- shards is the count.
CREATE TABLE extract_job_counts (
    status text COLLATE "C" NOT NULL,
    shard  integer NOT NULL,
    n      bigint NOT NULL,
    PRIMARY KEY (status, shard)
);

INSERT INTO extract_job_counts (status, shard, n)
SELECT s, shard, 0
FROM unnest(ARRAY['PENDING', 'THROTTLED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED']) AS s,
     generate_series(0, 15) AS shard;

CREATE FUNCTION extract_jobs_count() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s integer := pg_backend_pid() % 16;
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE extract_job_counts SET n = n + 1 WHERE status = NEW.status AND shard = s;
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE extract_job_counts SET n = n - 1 WHERE status = OLD.status AND shard = s;
    ELSIF OLD.status <> NEW.status THEN
        -- Two rows, always locked in the same order (by status), so that
        -- two backends on one shard moving jobs in opposite directions
        -- (PENDING to RUNNING, RUNNING to PENDING) cannot deadlock.
        IF OLD.status < NEW.status THEN
            UPDATE extract_job_counts SET n = n - 1 WHERE status = OLD.status AND shard = s;
            UPDATE extract_job_counts SET n = n + 1 WHERE status = NEW.status AND shard = s;
        ELSE
            UPDATE extract_job_counts SET n = n + 1 WHERE status = NEW.status AND shard = s;
            UPDATE extract_job_counts SET n = n - 1 WHERE status = OLD.status AND shard = s;
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER extract_jobs_count_insert AFTER INSERT ON extract_jobs
    FOR EACH ROW EXECUTE FUNCTION extract_jobs_count();
CREATE TRIGGER extract_jobs_count_update AFTER UPDATE OF status ON extract_jobs
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION extract_jobs_count();
CREATE TRIGGER extract_jobs_count_delete AFTER DELETE ON extract_jobs
    FOR EACH ROW EXECUTE FUNCTION extract_jobs_count();
