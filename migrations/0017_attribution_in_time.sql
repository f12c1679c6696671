-- connect-audit schema, version 17: a change is attributed only to calls that can have
-- made it (DESIGN §5).
--   * No call after the snapshot's captured_at explains it, whatever its timestamp says.
--   * `exact` needs the version's last_modified_time to have moved (a tag edit may leave
--     it as it was, and the call that stamped it then is an older one) and the call to
--     fall after the previous snapshot that covered the profile.
--   * The call's account (recipientAccountId) must be the profile's, where both are known.
CREATE OR REPLACE VIEW connect_audit.change_attribution AS
WITH changes AS (
    SELECT e.id AS event_id, e.kind, s.captured_at, e.timestamp_changed,
           coalesce(v.organization_resource_id, substring(e.profile_key FROM ':instance/([^/]+)/')) AS instance_id,
           coalesce(v.id, substring(e.profile_key FROM '/security-profile/([^/]+)$')) AS profile_id,
           coalesce(v.account_id, substring(e.profile_key FROM '^arn:[^:]+:connect:[^:]*:([0-9]{12}):')) AS account_id,
           CASE WHEN e.kind <> 'deleted' THEN e.last_modified_time END AS stamped_at
    FROM connect_audit.change_events e
    JOIN connect_audit.snapshots s ON s.id = e.snapshot_id
    LEFT JOIN connect_audit.profile_versions v
           ON v.profile_key = e.profile_key AND v.version = coalesce(e.to_version, e.from_version)
    WHERE e.kind::text <> 'discovered'
),
windows AS (
    SELECT c.*,
           (SELECT max(p.captured_at) FROM connect_audit.snapshots p
             WHERE p.captured_at < c.captured_at
               AND (p.scope_kind = 'all'
                    OR (p.scope_kind = 'instance' AND c.instance_id = ANY (p.scope_ids))
                    OR (p.scope_kind = 'account' AND c.account_id = ANY (p.scope_ids)))) AS previous_at
    FROM changes c
),
candidates AS (
    SELECT w.event_id, t.event_id AS trail_event_id,
           w.stamped_at IS NOT NULL AND w.timestamp_changed
             AND abs(extract(epoch FROM w.stamped_at - t.event_time)) <= 3
             AND (w.previous_at IS NULL OR t.event_time > w.previous_at) AS is_exact,
           w.previous_at IS NOT NULL AND t.event_time > w.previous_at AS in_window
    FROM windows w
    JOIN connect_audit.trail_events t
      ON t.instance_id = w.instance_id AND t.security_profile_id = w.profile_id AND t.error_code IS NULL
     AND t.event_time <= w.captured_at
     AND (w.account_id IS NULL OR t.account_id IS NULL OR t.account_id = w.account_id)
     AND CASE w.kind
             WHEN 'deleted' THEN t.event_name = 'DeleteSecurityProfile'
             WHEN 'created' THEN t.event_name = 'CreateSecurityProfile'
             WHEN 'recreated' THEN t.event_name = 'CreateSecurityProfile'
             ELSE t.event_name IN ('UpdateSecurityProfile', 'TagResource', 'UntagResource')
         END
),
ranked AS (
    SELECT c.*,
           count(*) FILTER (WHERE c.is_exact) OVER (PARTITION BY c.event_id) AS exact_count,
           count(*) FILTER (WHERE c.in_window) OVER (PARTITION BY c.event_id) AS window_count
    FROM candidates c
    WHERE c.is_exact OR c.in_window
)
SELECT r.event_id, t.principal_arn, t.principal_type, t.session_issuer_arn, t.event_name, t.event_time,
       t.source_ip, t.user_agent, t.event_id AS trail_event_id,
       CASE WHEN r.exact_count = 1 THEN 'exact'
            WHEN r.exact_count > 1 THEN 'ambiguous'
            WHEN r.window_count = 1 THEN 'window'
            ELSE 'ambiguous' END AS confidence
FROM ranked r
JOIN connect_audit.trail_events t ON t.event_id = r.trail_event_id
WHERE (r.exact_count > 0 AND r.is_exact) OR (r.exact_count = 0 AND r.in_window);
