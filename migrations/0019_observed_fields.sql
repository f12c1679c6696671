-- connect-audit schema, version 19: which tracked fields (permissions, applications,
-- granular_access_control) a source has carried for each instance, and since which
-- snapshot (DESIGN §3). Before the first snapshot that carries one for an instance, its
-- profiles' values were carried forward from nothing; that snapshot's values are observed,
-- not gained: no drift, no alert.
CREATE TABLE connect_audit.observed_fields (
    scope_instance text NOT NULL,
    field          text NOT NULL CHECK (field IN ('permissions', 'applications', 'granular_access_control')),
    snapshot_id    bigint NOT NULL REFERENCES connect_audit.snapshots (id),
    PRIMARY KEY (scope_instance, field)
);
CREATE TRIGGER observed_fields_append_only BEFORE UPDATE OR DELETE ON connect_audit.observed_fields
    FOR EACH ROW EXECUTE FUNCTION connect_audit.refuse_change();
CREATE TRIGGER observed_fields_no_truncate BEFORE TRUNCATE ON connect_audit.observed_fields
    FOR EACH STATEMENT EXECUTE FUNCTION connect_audit.refuse_change();
GRANT SELECT ON connect_audit.observed_fields TO connect_audit_ingest, connect_audit_reader;
GRANT INSERT ON connect_audit.observed_fields TO connect_audit_ingest;

-- The history so far: a field is observed for an instance from the first version that holds
-- a value of it (only a source that carries the field gives one), and from the first
-- snapshot of the `aws` format (which carries all three). An instance whose every version
-- so far holds none counts as not yet observed.
INSERT INTO connect_audit.observed_fields (scope_instance, field, snapshot_id)
SELECT scope_instance, field, min(snapshot_id)
FROM (
    SELECT v.scope_instance, f.field, v.snapshot_id
    FROM connect_audit.profile_versions v
    CROSS JOIN LATERAL (VALUES
        ('permissions', cardinality(v.permissions) > 0),
        ('applications', cardinality(v.applications) > 0),
        ('granular_access_control', v.granular_access_control IS NOT NULL)) AS f (field, held)
    WHERE f.held
    UNION ALL
    SELECT v.scope_instance, f.field, s.id
    FROM connect_audit.snapshots s
    JOIN connect_audit.profile_versions v ON v.snapshot_id = s.id
    CROSS JOIN (VALUES ('permissions'), ('applications'), ('granular_access_control')) AS f (field)
    WHERE s.format = 'aws'
) AS evidence
GROUP BY scope_instance, field;
