-- connect-audit schema, version 6: CloudTrail records of Amazon Connect security-profile
-- writes, and who made each change (DESIGN §5).

-- One row per CloudTrail eventID: CreateSecurityProfile, UpdateSecurityProfile,
-- DeleteSecurityProfile, and TagResource/UntagResource on a security-profile ARN.
CREATE TABLE connect_audit.trail_events (
    event_id            text PRIMARY KEY CHECK (event_id <> ''),
    event_time          timestamptz NOT NULL,
    event_name          text NOT NULL,
    aws_region          text,
    account_id          text,
    -- The profile written: from requestParameters / responseElements, or the resourceArn.
    instance_id         text NOT NULL,
    security_profile_id text NOT NULL,
    -- Who: the role session, user or IAM user (userIdentity.arn), its type, and the role or
    -- user behind a session (sessionContext.sessionIssuer.arn).
    principal_arn       text,
    principal_type      text,
    session_issuer_arn  text,
    source_ip           text,
    user_agent          text,
    -- A call that failed changed nothing: kept as evidence, never attributed.
    error_code          text,
    record              jsonb NOT NULL,
    ingested_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX trail_events_profile ON connect_audit.trail_events (instance_id, security_profile_id, event_time);
CREATE TRIGGER trail_events_append_only BEFORE UPDATE OR DELETE ON connect_audit.trail_events
    FOR EACH ROW EXECUTE FUNCTION connect_audit.refuse_change();

-- Who made each change, where the trail says so. For each change event, the writes to its
-- profile (by instance id and security profile id; a deletion only by DeleteSecurityProfile,
-- a creation only by CreateSecurityProfile):
--   exact      the one write whose eventTime is within 3 seconds of the new version's
--              last_modified_time (CloudTrail's eventTime has whole seconds; the service
--              stamps the profile while it handles the call): the stamp is the evidence,
--              whatever the snapshot's capture time says;
--   window     else the one write after the previous snapshot that covered the profile and
--              no later than this snapshot (a profile's first snapshot has no window);
--   ambiguous  several writes of the same rank: one row each.
-- No row when nothing matches, and none for a discovered profile. A view, so the answer is
-- the same whichever of the events and the trail records arrived first.
CREATE VIEW connect_audit.change_attribution AS
WITH changes AS (
    SELECT e.id AS event_id, e.kind, s.captured_at,
           coalesce(v.organization_resource_id, substring(e.profile_key FROM ':instance/([^/]+)/')) AS instance_id,
           coalesce(v.id, substring(e.profile_key FROM '/security-profile/([^/]+)$')) AS profile_id,
           coalesce(v.account_id, split_part(e.profile_key, ':', 5)) AS account_id,
           CASE WHEN e.kind <> 'deleted' THEN e.last_modified_time END AS stamped_at
    FROM connect_audit.change_events e
    JOIN connect_audit.snapshots s ON s.id = e.snapshot_id
    LEFT JOIN connect_audit.profile_versions v
           ON v.profile_key = e.profile_key AND v.version = coalesce(e.to_version, e.from_version)
    -- A first observation (`discovered`, version 7) is no change: nobody is said to have
    -- made it. Compared as text: the value is added to the enum by a later migration.
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
           w.stamped_at IS NOT NULL AND abs(extract(epoch FROM w.stamped_at - t.event_time)) <= 3 AS is_exact,
           w.previous_at IS NOT NULL AND t.event_time > w.previous_at AND t.event_time <= w.captured_at AS in_window
    FROM windows w
    JOIN connect_audit.trail_events t
      ON t.instance_id = w.instance_id AND t.security_profile_id = w.profile_id AND t.error_code IS NULL
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
