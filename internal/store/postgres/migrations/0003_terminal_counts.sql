-- extract_job_counts keeps only the finished statuses (COMPLETED, FAILED,
-- CANCELLED). A job enters one of them once and leaves it only when it is
-- deleted, so a job now fires the counting trigger once in its life instead
-- of at each of its three status changes (create, start, finish), each of
-- which updated two hot counter rows whose locks, held to the commit, made
-- concurrent statements wait for one another.
--
-- The unfinished statuses (PENDING, THROTTLED, RUNNING) are counted when
-- asked, from extract_jobs_project_status: few jobs wait or run at once,
-- however many have ever finished, so the count stays cheap.

DROP TRIGGER extract_jobs_count_insert ON extract_jobs;
DROP TRIGGER extract_jobs_count_update ON extract_jobs;
DROP TRIGGER extract_jobs_count_delete ON extract_jobs;
DROP FUNCTION extract_jobs_count();

DELETE FROM extract_job_counts WHERE status NOT IN ('COMPLETED', 'FAILED', 'CANCELLED');

-- The WHEN clauses are tested without calling the function, so a change
-- that neither enters nor leaves a finished status costs nothing here.
-- Finished statuses are final, so an update only ever enters one; the
-- function still keeps the counts right for any change.
CREATE FUNCTION extract_jobs_count_finished() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    s integer := pg_backend_pid() % 16;
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE extract_job_counts SET n = n - 1 WHERE status = OLD.status AND shard = s;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        UPDATE extract_job_counts SET n = n + 1 WHERE status = NEW.status AND shard = s;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER extract_jobs_count_finished_insert AFTER INSERT ON extract_jobs
    FOR EACH ROW WHEN (NEW.status IN ('COMPLETED', 'FAILED', 'CANCELLED'))
    EXECUTE FUNCTION extract_jobs_count_finished();
CREATE TRIGGER extract_jobs_count_finished_update AFTER UPDATE OF status ON extract_jobs
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status
                       AND (OLD.status IN ('COMPLETED', 'FAILED', 'CANCELLED')
                            OR NEW.status IN ('COMPLETED', 'FAILED', 'CANCELLED')))
    EXECUTE FUNCTION extract_jobs_count_finished();
CREATE TRIGGER extract_jobs_count_finished_delete AFTER DELETE ON extract_jobs
    FOR EACH ROW WHEN (OLD.status IN ('COMPLETED', 'FAILED', 'CANCELLED'))
    EXECUTE FUNCTION extract_jobs_count_finished();
