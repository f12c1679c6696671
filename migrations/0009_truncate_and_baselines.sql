-- connect-audit schema, version 9: no TRUNCATE of the history (row triggers do not see
-- it), and baselines append-only (a new approval, never an edit).
CREATE TRIGGER snapshots_no_truncate BEFORE TRUNCATE ON connect_audit.snapshots
    FOR EACH STATEMENT EXECUTE FUNCTION connect_audit.refuse_change();
CREATE TRIGGER change_events_no_truncate BEFORE TRUNCATE ON connect_audit.change_events
    FOR EACH STATEMENT EXECUTE FUNCTION connect_audit.refuse_change();
CREATE TRIGGER profile_versions_no_truncate BEFORE TRUNCATE ON connect_audit.profile_versions
    FOR EACH STATEMENT EXECUTE FUNCTION connect_audit.refuse_change();
CREATE TRIGGER snapshot_warnings_no_truncate BEFORE TRUNCATE ON connect_audit.snapshot_warnings
    FOR EACH STATEMENT EXECUTE FUNCTION connect_audit.refuse_change();
CREATE TRIGGER trail_events_no_truncate BEFORE TRUNCATE ON connect_audit.trail_events
    FOR EACH STATEMENT EXECUTE FUNCTION connect_audit.refuse_change();
CREATE TRIGGER baselines_append_only BEFORE UPDATE OR DELETE ON connect_audit.baselines
    FOR EACH ROW EXECUTE FUNCTION connect_audit.refuse_change();
CREATE TRIGGER baselines_no_truncate BEFORE TRUNCATE ON connect_audit.baselines
    FOR EACH STATEMENT EXECUTE FUNCTION connect_audit.refuse_change();
