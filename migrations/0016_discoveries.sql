-- connect-audit schema, version 16: each snapshot's discovered profiles counted by instance
-- and account, written by the ingest that discovered them. A report lists discoveries one
-- line per instance; it found them by reading and grouping every `discovered` event of its
-- window, which for a first load of 1,000,000 profiles was seconds before its first change
-- (`EXPLAIN ANALYZE`: the instance found in each key by string functions, the million rows
-- sorted on disk; issue 18). Outside the event chain, like the labels: `verify` checks each
-- row against the events it counts.
--
-- The instance as a report names it: the text after the first ':instance/' of an ARN up to
-- the next '/' (`SecurityProfile.instance(inKey:)`, the same answers), else the version's
-- account, else the key.
CREATE FUNCTION connect_audit.instance_in_key(key text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN key LIKE 'arn:%' AND strpos(key, ':instance/') > 0
                THEN nullif(split_part(substr(key, strpos(key, ':instance/') + 10), '/', 1), '') END
$$;

CREATE TABLE connect_audit.discoveries (
    snapshot_id bigint NOT NULL REFERENCES connect_audit.snapshots (id),
    instance    text NOT NULL,
    account_id  text,
    observed_at timestamptz NOT NULL,
    profiles    integer NOT NULL CHECK (profiles > 0),
    -- The first of them (the lowest id: events are written in key order).
    first_event bigint NOT NULL CHECK (first_event >= 1),
    UNIQUE NULLS NOT DISTINCT (snapshot_id, instance, account_id)
);
CREATE INDEX discoveries_observed_at ON connect_audit.discoveries (observed_at);

CREATE TRIGGER discoveries_append_only BEFORE UPDATE OR DELETE ON connect_audit.discoveries
    FOR EACH ROW EXECUTE FUNCTION connect_audit.refuse_change();
CREATE TRIGGER discoveries_no_truncate BEFORE TRUNCATE ON connect_audit.discoveries
    FOR EACH STATEMENT EXECUTE FUNCTION connect_audit.refuse_change();
GRANT SELECT ON connect_audit.discoveries TO connect_audit_ingest, connect_audit_reader;
GRANT INSERT ON connect_audit.discoveries TO connect_audit_ingest;

-- The discoveries of the history so far.
INSERT INTO connect_audit.discoveries (snapshot_id, instance, account_id, observed_at, profiles, first_event)
SELECT e.snapshot_id, coalesce(connect_audit.instance_in_key(e.profile_key), v.account_id, e.profile_key), v.account_id,
       min(e.observed_at), count(*), min(e.id)
FROM connect_audit.change_events e
LEFT JOIN connect_audit.profile_versions v ON v.profile_key = e.profile_key AND v.version = e.to_version
WHERE e.kind = 'discovered'
GROUP BY 1, 2, 3;
