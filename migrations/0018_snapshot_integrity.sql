-- connect-audit schema, version 18: a snapshot row is what an ingest made of it, for every
-- role (DESIGN §5). The ingest role may INSERT snapshots, so the database itself refuses
-- one that no ingest could have written: captured in the future, with no rows, not later
-- than a snapshot of an overlapping scope before it, or whose counts are not its events.
-- The view `snapshot_problems` states the same rules for rows already stored: `verify`
-- reports them and `digest` refuses to sign them.

-- Whether two snapshots' scopes overlap (as the ingest's staleness check decides).
CREATE FUNCTION connect_audit.scopes_overlap(
    a_kind connect_audit.scope_kind, a_ids text[], a_accounts text[],
    b_kind connect_audit.scope_kind, b_ids text[], b_accounts text[]
) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
    SELECT a_kind = 'all' OR b_kind = 'all'
        OR (a_kind = b_kind AND a_ids && b_ids)
        OR (a_kind = 'account' AND b_kind = 'instance' AND a_ids && b_accounts)
        OR (a_kind = 'instance' AND b_kind = 'account' AND a_accounts && b_ids)
$$;

CREATE FUNCTION connect_audit.check_new_snapshot() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    later record;
BEGIN
    -- The server's clock, whatever the row said.
    NEW.ingested_at := now();
    IF NEW.captured_at > now() + interval '5 minutes' THEN
        RAISE EXCEPTION 'a snapshot captured at % is in the future', NEW.captured_at USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.row_count < 1 THEN
        RAISE EXCEPTION 'a snapshot has at least one row' USING ERRCODE = 'check_violation';
    END IF;
    SELECT s.id, s.captured_at INTO later FROM connect_audit.snapshots s
    WHERE s.captured_at >= NEW.captured_at
      AND connect_audit.scopes_overlap(s.scope_kind, s.scope_ids, s.accounts, NEW.scope_kind, NEW.scope_ids, NEW.accounts)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'snapshot #% of an overlapping scope was captured at %, not before %', later.id, later.captured_at, NEW.captured_at
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER snapshots_check_new BEFORE INSERT ON connect_audit.snapshots
    FOR EACH ROW EXECUTE FUNCTION connect_audit.check_new_snapshot();

-- The events a snapshot holds, by kind (its events are observed at its capture).
CREATE FUNCTION connect_audit.snapshot_event_counts(snapshot bigint, captured timestamptz)
RETURNS TABLE (created bigint, modified bigint, touched bigint, deleted bigint, recreated bigint, discovered bigint)
LANGUAGE sql STABLE AS $$
    SELECT count(*) FILTER (WHERE kind = 'created'), count(*) FILTER (WHERE kind = 'modified'),
           count(*) FILTER (WHERE kind = 'touched'), count(*) FILTER (WHERE kind = 'deleted'),
           count(*) FILTER (WHERE kind = 'recreated'), count(*) FILTER (WHERE kind::text = 'discovered')
    FROM connect_audit.change_events WHERE observed_at = captured AND snapshot_id = snapshot
$$;

-- At commit, when the snapshot's events are written: its counts are its events.
CREATE FUNCTION connect_audit.check_snapshot_events() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    c record;
BEGIN
    SELECT * INTO c FROM connect_audit.snapshot_event_counts(NEW.id, NEW.captured_at);
    IF (c.created, c.modified, c.touched, c.deleted, c.recreated, c.discovered)
       IS DISTINCT FROM (NEW.created_count::bigint, NEW.modified_count::bigint, NEW.touched_count::bigint,
                         NEW.deleted_count::bigint, NEW.recreated_count::bigint, NEW.discovered_count::bigint) THEN
        RAISE EXCEPTION 'snapshot #% counts events it does not have', NEW.id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER snapshots_match_events AFTER INSERT ON connect_audit.snapshots
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION connect_audit.check_snapshot_events();

-- Every stored snapshot that breaks a rule above, with what is wrong (no row: none does).
CREATE VIEW connect_audit.snapshot_problems AS
SELECT s.id AS snapshot_id, s.captured_at,
       CASE
           WHEN s.row_count < 1 THEN 'has no rows'
           WHEN s.captured_at > s.ingested_at + interval '5 minutes' THEN 'was captured after it was ingested'
           WHEN (c.created, c.modified, c.touched, c.deleted, c.recreated, c.discovered)
                IS DISTINCT FROM (s.created_count::bigint, s.modified_count::bigint, s.touched_count::bigint,
                                  s.deleted_count::bigint, s.recreated_count::bigint, s.discovered_count::bigint)
               THEN 'counts events it does not have'
           ELSE 'was captured no later than snapshot #' || (
               SELECT min(p.id) FROM connect_audit.snapshots p
               WHERE p.id < s.id AND p.captured_at >= s.captured_at
                 AND connect_audit.scopes_overlap(p.scope_kind, p.scope_ids, p.accounts, s.scope_kind, s.scope_ids, s.accounts)
           ) || ', an earlier snapshot of an overlapping scope'
       END AS problem
FROM connect_audit.snapshots s
CROSS JOIN LATERAL connect_audit.snapshot_event_counts(s.id, s.captured_at) c
WHERE s.row_count < 1
   OR s.captured_at > s.ingested_at + interval '5 minutes'
   OR (c.created, c.modified, c.touched, c.deleted, c.recreated, c.discovered)
      IS DISTINCT FROM (s.created_count::bigint, s.modified_count::bigint, s.touched_count::bigint,
                        s.deleted_count::bigint, s.recreated_count::bigint, s.discovered_count::bigint)
   OR EXISTS (SELECT 1 FROM connect_audit.snapshots p
              WHERE p.id < s.id AND p.captured_at >= s.captured_at
                AND connect_audit.scopes_overlap(p.scope_kind, p.scope_ids, p.accounts, s.scope_kind, s.scope_ids, s.accounts));
GRANT SELECT ON connect_audit.snapshot_problems TO connect_audit_ingest, connect_audit_reader;
