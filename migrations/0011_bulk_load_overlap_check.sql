-- connect-audit schema, version 11: the overlap check of migration 0004, for one snapshot's
-- versions at once. A bulk load (many versions into a history that holds few: the first
-- ingest) drops the indexes of profile_versions and change_events, disables the statement
-- trigger `profile_versions_no_overlap_inserted`, copies, rebuilds the indexes (which
-- validates every unique and exclusion constraint again), enables the trigger and calls
-- this, all in the ingest's one transaction: the guarantees are those of 0004, checked
-- once after the COPY instead of while it runs. It raises what the trigger raises.
--
-- It runs after the indexes are rebuilt: the unique index `profile_versions_one_open`
-- already refuses two open versions of a key, and the exclusion constraint two closed
-- versions that overlap. What is left is an open version against a closed one of its key,
-- where one of the two is the snapshot's: they overlap when the closed one ends after the
-- open one begins. Driven from the closed versions (none in a first load), it costs a
-- scan, not a join of the whole table with itself (0.58 s for 100,000 versions).
CREATE FUNCTION connect_audit.refuse_overlap_in_snapshot(snapshot bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    clash record;
BEGIN
    SELECT n.profile_key, n.version AS written, p.version AS other INTO clash
    FROM connect_audit.profile_versions p
    JOIN connect_audit.profile_versions n ON n.profile_key = p.profile_key AND n.valid_to IS NULL AND n.version <> p.version
    WHERE p.valid_to IS NOT NULL
      AND p.valid_to > n.valid_from
      AND snapshot IN (n.snapshot_id, p.snapshot_id)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'version % of profile % overlaps version % in time', clash.written, clash.profile_key, clash.other
            USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'profile_versions_no_overlap',
                  HINT = 'a version is valid from the capture of the snapshot that saw it until the next one; history never goes backwards';
    END IF;
END
$$;
