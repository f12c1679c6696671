-- connect-audit schema, version 10: least privilege. Two NOLOGIN roles to grant to login
-- roles: `connect_audit_ingest` (what ingest, trail ingest, baseline approve and alerts
-- deliver need: SELECT, INSERT, the close-once UPDATE of valid_to, the outbox's delivery
-- state; no DELETE, no TRUNCATE, not the owner, so it cannot disable a trigger) and
-- `connect_audit_reader` (SELECT on the tables and views). Roles belong to the cluster:
-- they are made once and reused by every database that applies this.
-- Databases migrating at once may race to make them: the loser finds them made.
DO $$
BEGIN
    BEGIN
        CREATE ROLE connect_audit_ingest NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
    BEGIN
        CREATE ROLE connect_audit_reader NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
END
$$;
GRANT USAGE ON SCHEMA connect_audit TO connect_audit_ingest, connect_audit_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA connect_audit TO connect_audit_ingest, connect_audit_reader;
GRANT INSERT ON connect_audit.snapshots, connect_audit.change_events, connect_audit.profile_versions,
    connect_audit.snapshot_warnings, connect_audit.alert_outbox, connect_audit.alert_digests,
    connect_audit.trail_events, connect_audit.baselines TO connect_audit_ingest;
GRANT UPDATE (valid_to) ON connect_audit.profile_versions TO connect_audit_ingest;
GRANT UPDATE (state, attempts, next_attempt_at, last_error, delivered_at) ON connect_audit.alert_outbox TO connect_audit_ingest;
GRANT UPDATE (state, attempts, next_attempt_at, last_error, delivered_at) ON connect_audit.alert_digests TO connect_audit_ingest;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA connect_audit TO connect_audit_ingest;
