-- connect-audit schema, version 4: the exclusion constraint covers closed versions only;
-- a statement trigger checks the rows each statement writes against open versions.
--
-- Every open version sat in the GiST index of `profile_versions_no_overlap`, and GiST
-- inserts were most of a first ingest: COPY of 100,000 new versions took 2.6 s, 1.8 s
-- without them. The guarantee stays whole, enforced by the database:
--   * two open versions of a key: the partial unique index `profile_versions_one_open`;
--   * two closed versions that overlap: the exclusion constraint, now `WHERE valid_to IS NOT NULL`;
--   * an open version and any other version of its key that overlap: the trigger below,
--     one set-based check per INSERT, UPDATE or COPY (a hash join, about 0.1 s for 100,000
--     rows), raising the same SQLSTATE (23P01) and constraint name as the exclusion.
ALTER TABLE connect_audit.profile_versions DROP CONSTRAINT profile_versions_no_overlap;
ALTER TABLE connect_audit.profile_versions ADD CONSTRAINT profile_versions_no_overlap
    EXCLUDE USING gist ((md5(profile_key)::uuid) WITH =, tstzrange(valid_from, valid_to) WITH &&)
    WHERE (valid_to IS NOT NULL);

CREATE FUNCTION connect_audit.refuse_overlap_with_open() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    clash record;
BEGIN
    SELECT n.profile_key, n.version AS written, p.version AS other INTO clash
    FROM written n
    JOIN connect_audit.profile_versions p ON p.profile_key = n.profile_key AND p.version <> n.version
    WHERE (n.valid_to IS NULL OR p.valid_to IS NULL)
      AND tstzrange(p.valid_from, p.valid_to) && tstzrange(n.valid_from, n.valid_to)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'version % of profile % overlaps version % in time', clash.written, clash.profile_key, clash.other
            USING ERRCODE = 'exclusion_violation', CONSTRAINT = 'profile_versions_no_overlap',
                  HINT = 'a version is valid from the capture of the snapshot that saw it until the next one; history never goes backwards';
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER profile_versions_no_overlap_inserted AFTER INSERT ON connect_audit.profile_versions
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION connect_audit.refuse_overlap_with_open();
CREATE TRIGGER profile_versions_no_overlap_updated AFTER UPDATE ON connect_audit.profile_versions
    REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION connect_audit.refuse_overlap_with_open();
