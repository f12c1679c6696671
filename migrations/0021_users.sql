-- connect-audit schema, version 21: Amazon Connect users, the security profiles each holds,
-- and the access that follows (docs/users.md). A user snapshot is ingested as a profile
-- snapshot is: versions valid from one capture until the next that differs, events chained
-- by SHA-256, nothing deleted or rewritten. Only what decides access is kept: no names of
-- people, e-mail, phone numbers or directory ids.

CREATE TABLE connect_audit.user_snapshots (
    id            bigserial PRIMARY KEY,
    captured_at   timestamptz NOT NULL,
    ingested_at   timestamptz NOT NULL DEFAULT now(),
    source        text NOT NULL,
    scope_kind    text NOT NULL CHECK (scope_kind IN ('all', 'account', 'instance')),
    scope_ids     text[] NOT NULL DEFAULT '{}',
    -- SHA-256 of the users' keys and content hashes in key order: the same content ingested
    -- again (under the same scope) is a no-op.
    content_sha256 text NOT NULL CHECK (octet_length(content_sha256) = 64),
    user_count    integer NOT NULL CHECK (user_count >= 0),
    event_count   integer NOT NULL CHECK (event_count >= 0)
);
CREATE INDEX user_snapshots_captured_at ON connect_audit.user_snapshots (captured_at);

CREATE TABLE connect_audit.user_versions (
    user_key             text COLLATE "C" NOT NULL CHECK (user_key <> ''),
    version              integer NOT NULL CHECK (version >= 1),
    valid_from           timestamptz NOT NULL,
    valid_to             timestamptz CHECK (valid_to IS NULL OR valid_to > valid_from),
    snapshot_id          bigint NOT NULL REFERENCES connect_audit.user_snapshots (id),
    -- The Amazon Connect instance (from the ARN, else the account): the user's profile ids
    -- name profiles of this instance (profile_versions.scope_instance, .id).
    instance             text NOT NULL,
    account_id           text,
    username             text,
    id                   text,
    arn                  text,
    security_profile_ids text[] NOT NULL DEFAULT '{}',
    routing_profile_id   text,
    hierarchy_group_id   text,
    last_modified_time   timestamptz,
    content_hash         text NOT NULL CHECK (octet_length(content_hash) = 64),
    row_sha256           bytea CHECK (octet_length(row_sha256) = 32),
    PRIMARY KEY (user_key, version)
);
CREATE UNIQUE INDEX user_versions_one_open ON connect_audit.user_versions (user_key) WHERE valid_to IS NULL;
-- Who holds a profile: by the profile's id within its instance. Without the pending list
-- (fastupdate): a night adds few entries, while a lookup would scan every entry pending
-- since the last vacuum (2 ms a profile at 10,000 users, against 0.08 ms merged).
CREATE INDEX user_versions_profiles ON connect_audit.user_versions USING gin (security_profile_ids) WITH (fastupdate = off);

-- A user version is closed once, and nothing but valid_to changes: compared as a row (as
-- close_version_once does since schema version 3), not as two JSON documents.
CREATE FUNCTION connect_audit.close_user_version_once() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    unchanged connect_audit.user_versions;
BEGIN
    IF OLD.valid_to IS NOT NULL THEN
        RAISE EXCEPTION 'version % of user % is already closed', OLD.version, OLD.user_key
            USING ERRCODE = 'restrict_violation';
    END IF;
    unchanged := NEW;
    unchanged.valid_to := NULL;
    IF unchanged IS DISTINCT FROM OLD THEN
        RAISE EXCEPTION 'only valid_to of a user version may change'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER user_versions_close_once BEFORE UPDATE ON connect_audit.user_versions
    FOR EACH ROW EXECUTE FUNCTION connect_audit.close_user_version_once();
CREATE TRIGGER user_versions_no_delete BEFORE DELETE ON connect_audit.user_versions
    FOR EACH ROW EXECUTE FUNCTION connect_audit.refuse_change();

CREATE TABLE connect_audit.user_events (
    id               bigint PRIMARY KEY CHECK (id >= 1),
    snapshot_id      bigint NOT NULL REFERENCES connect_audit.user_snapshots (id),
    user_key         text COLLATE "C" NOT NULL,
    kind             text NOT NULL CHECK (kind IN ('created', 'discovered', 'recreated', 'deleted', 'assigned', 'unassigned', 'modified')),
    observed_at      timestamptz NOT NULL,
    from_version     integer,
    to_version       integer,
    username         text,
    instance         text NOT NULL,
    profiles_added   text[] NOT NULL DEFAULT '{}',
    profiles_removed text[] NOT NULL DEFAULT '{}',
    changed_fields   text[] NOT NULL DEFAULT '{}',
    -- The chain: each hash covers the event and the hash before it (docs/users.md).
    prev_hash        text COLLATE "C" NOT NULL CHECK (octet_length(prev_hash) = 64),
    hash             text COLLATE "C" NOT NULL CHECK (octet_length(hash) = 64),
    CONSTRAINT user_events_chain_no_fork UNIQUE (prev_hash)
);
CREATE INDEX user_events_observed_at ON connect_audit.user_events (observed_at);
CREATE INDEX user_events_user ON connect_audit.user_events (user_key, id);

CREATE TRIGGER user_snapshots_append_only BEFORE UPDATE OR DELETE ON connect_audit.user_snapshots
    FOR EACH ROW EXECUTE FUNCTION connect_audit.refuse_change();
CREATE TRIGGER user_events_append_only BEFORE UPDATE OR DELETE ON connect_audit.user_events
    FOR EACH ROW EXECUTE FUNCTION connect_audit.refuse_change();
CREATE TRIGGER user_snapshots_no_truncate BEFORE TRUNCATE ON connect_audit.user_snapshots
    FOR EACH STATEMENT EXECUTE FUNCTION connect_audit.refuse_change();
CREATE TRIGGER user_versions_no_truncate BEFORE TRUNCATE ON connect_audit.user_versions
    FOR EACH STATEMENT EXECUTE FUNCTION connect_audit.refuse_change();
CREATE TRIGGER user_events_no_truncate BEFORE TRUNCATE ON connect_audit.user_events
    FOR EACH STATEMENT EXECUTE FUNCTION connect_audit.refuse_change();

-- For SQL users: each user's effective permissions at `at`, one row per permission and
-- profile that grants it (a permission two of the user's profiles grant has two rows).
-- A user's profile id names the profile of the user's instance with that id.
CREATE FUNCTION connect_audit.access_as_of(at timestamptz)
RETURNS TABLE (user_key text, username text, permission text, via_profile_key text)
LANGUAGE sql STABLE AS $$
    SELECT u.user_key, u.username, p.permission, v.profile_key
    FROM connect_audit.profile_versions v
    CROSS JOIN LATERAL unnest(v.permissions) AS p (permission)
    JOIN connect_audit.user_versions u
      ON u.security_profile_ids @> ARRAY[v.id] AND u.instance = v.scope_instance
     AND u.valid_from <= at AND (u.valid_to IS NULL OR u.valid_to > at)
    WHERE v.valid_from <= at AND (v.valid_to IS NULL OR v.valid_to > at)
$$;

-- The same for one permission: who holds `of_permission` at `at`, and through which
-- profile. Equal to access_as_of(at) filtered on the permission, but found from the profiles
-- whose permissions contain it rather than by unnesting every profile's permissions.
CREATE FUNCTION connect_audit.access_as_of(at timestamptz, of_permission text)
RETURNS TABLE (user_key text, username text, permission text, via_profile_key text)
LANGUAGE sql STABLE AS $$
    SELECT u.user_key, u.username, of_permission, v.profile_key
    FROM connect_audit.profile_versions v
    JOIN connect_audit.user_versions u
      ON u.security_profile_ids @> ARRAY[v.id] AND u.instance = v.scope_instance
     AND u.valid_from <= at AND (u.valid_to IS NULL OR u.valid_to > at)
    WHERE v.permissions @> ARRAY[of_permission] AND v.valid_from <= at AND (v.valid_to IS NULL OR v.valid_to > at)
$$;

-- The same for one user.
CREATE FUNCTION connect_audit.user_access_as_of(user_key text, at timestamptz)
RETURNS TABLE (username text, permission text, via_profile_key text)
LANGUAGE sql STABLE AS $$
    SELECT u.username, p.permission, v.profile_key
    FROM connect_audit.user_versions u
    CROSS JOIN LATERAL unnest(u.security_profile_ids) AS held (id)
    JOIN connect_audit.profile_versions v
      ON v.id = held.id AND v.scope_instance = u.instance
     AND v.valid_from <= at AND (v.valid_to IS NULL OR v.valid_to > at)
    CROSS JOIN LATERAL unnest(v.permissions) AS p (permission)
    WHERE u.user_key = $1 AND u.valid_from <= at AND (u.valid_to IS NULL OR u.valid_to > at)
$$;

-- CloudTrail: the writes that decide a user's access (CreateUser, DeleteUser,
-- UpdateUserSecurityProfiles, UpdateUserHierarchy, UpdateUserRoutingProfile), kept beside
-- the profiles' writes: a row names a security profile or a user, never both.
ALTER TABLE connect_audit.trail_events ALTER COLUMN security_profile_id DROP NOT NULL,
    ADD COLUMN user_id text,
    ADD CONSTRAINT trail_events_names_one CHECK ((security_profile_id IS NULL) <> (user_id IS NULL));
CREATE INDEX trail_events_user ON connect_audit.trail_events (instance_id, user_id, event_time) WHERE user_id IS NOT NULL;

-- Who made each user change, where the trail says so, as change_attribution says it of
-- profile changes: for each user event, the writes to its user (instance id and user id) of
-- the kind that makes it (a deletion only by DeleteUser, a creation only by CreateUser, an
-- assignment by UpdateUserSecurityProfiles, another field by UpdateUserHierarchy or
-- UpdateUserRoutingProfile), failed calls never;
--   exact      the one write within 3 seconds of the new version's last_modified_time (the
--              API's LastModifiedTime; DDSQL rows carry none), after the previous snapshot;
--   window     else the one write after the previous user snapshot and no later than this
--              one (a user's first snapshot has no window);
--   ambiguous  several writes of the same rank: one row each.
CREATE VIEW connect_audit.user_change_attribution AS
WITH changes AS (
    SELECT e.id AS event_id, e.kind, e.observed_at, e.instance, coalesce(n.id, o.id) AS user_id,
           CASE WHEN e.kind <> 'deleted' THEN n.last_modified_time END AS stamped_at,
           (SELECT max(p.captured_at) FROM connect_audit.user_snapshots p
             WHERE p.captured_at < e.observed_at
               AND (p.scope_kind = 'all' OR (p.scope_kind = 'instance' AND e.instance = ANY (p.scope_ids))
                    OR (p.scope_kind = 'account' AND coalesce(n.account_id, o.account_id) = ANY (p.scope_ids)))) AS previous_at
    FROM connect_audit.user_events e
    LEFT JOIN connect_audit.user_versions n ON n.user_key = e.user_key AND n.version = e.to_version
    LEFT JOIN connect_audit.user_versions o ON o.user_key = e.user_key AND o.version = e.from_version
    WHERE e.kind <> 'discovered'
),
candidates AS (
    SELECT c.event_id, t.event_id AS trail_event_id,
           c.stamped_at IS NOT NULL AND abs(extract(epoch FROM c.stamped_at - t.event_time)) <= 3
             AND (c.previous_at IS NULL OR t.event_time > c.previous_at) AS is_exact,
           c.previous_at IS NOT NULL AND t.event_time > c.previous_at AS in_window
    FROM changes c
    JOIN connect_audit.trail_events t
      ON t.instance_id = c.instance AND t.user_id = c.user_id AND t.error_code IS NULL AND t.event_time <= c.observed_at
     AND CASE c.kind
             WHEN 'deleted' THEN t.event_name = 'DeleteUser'
             WHEN 'created' THEN t.event_name = 'CreateUser'
             WHEN 'recreated' THEN t.event_name = 'CreateUser'
             WHEN 'modified' THEN t.event_name IN ('UpdateUserHierarchy', 'UpdateUserRoutingProfile')
             ELSE t.event_name = 'UpdateUserSecurityProfiles'
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

-- For SQL users: every permission a user gained or lost, with the profile that grants
-- (granted) it, the moment, and the event that moved it: a user event (an assignment, a
-- creation, a deletion; not a discovery, which is a first load, as for profiles) or a
-- profile's change event for every user holding the profile then. A user whose profile
-- changed in the same snapshot as their assignments is listed once, under the user event.
-- `principal` is who made the change, where the CloudTrail attribution has one answer
-- (user_change_attribution, change_attribution).
CREATE VIEW connect_audit.access_changes AS
WITH moments AS (
    SELECT DISTINCT ON (m.user_key, m.at) m.*
    FROM (
        SELECT e.user_key, e.observed_at AS at, e.id AS event_id, 'user_events'::text AS event_table, 0 AS rank
        FROM connect_audit.user_events e
        WHERE e.kind <> 'discovered'
        UNION ALL
        SELECT u.user_key, e.observed_at, e.id, 'change_events', 1
        FROM connect_audit.change_events e
        JOIN connect_audit.profile_versions v
          ON v.profile_key = e.profile_key AND v.version = coalesce(e.to_version, e.from_version)
        JOIN connect_audit.user_versions u
          ON u.security_profile_ids @> ARRAY[v.id] AND u.instance = v.scope_instance
         AND u.valid_from < e.observed_at AND (u.valid_to IS NULL OR u.valid_to >= e.observed_at)
        WHERE e.kind IN ('modified', 'recreated', 'deleted', 'created')
    ) m
    ORDER BY m.user_key, m.at, m.rank, m.event_id
),
moves AS (
    SELECT m.*, 'gained'::text AS change, a.username, a.permission, a.via_profile_key
    FROM moments m
    CROSS JOIN LATERAL connect_audit.user_access_as_of(m.user_key, m.at) a
    WHERE NOT EXISTS (
        SELECT 1 FROM connect_audit.user_access_as_of(m.user_key, m.at - interval '1 microsecond') b
        WHERE b.permission = a.permission)
    UNION ALL
    SELECT m.*, 'lost', b.username, b.permission, b.via_profile_key
    FROM moments m
    CROSS JOIN LATERAL connect_audit.user_access_as_of(m.user_key, m.at - interval '1 microsecond') b
    WHERE NOT EXISTS (
        SELECT 1 FROM connect_audit.user_access_as_of(m.user_key, m.at) a
        WHERE a.permission = b.permission)
)
SELECT mv.user_key, mv.username, mv.permission, mv.change, mv.via_profile_key, mv.at, mv.event_id, mv.event_table,
       CASE WHEN mv.event_table = 'change_events' THEN (
                SELECT min(c.principal_arn) FROM connect_audit.change_attribution c
                WHERE c.event_id = mv.event_id AND c.confidence <> 'ambiguous')
            ELSE (
                SELECT min(u.principal_arn) FROM connect_audit.user_change_attribution u
                WHERE u.event_id = mv.event_id AND u.confidence <> 'ambiguous')
       END AS principal
FROM moves mv;

GRANT SELECT ON connect_audit.user_snapshots, connect_audit.user_versions, connect_audit.user_events,
    connect_audit.access_changes, connect_audit.user_change_attribution TO connect_audit_ingest, connect_audit_reader;
GRANT INSERT ON connect_audit.user_snapshots, connect_audit.user_versions, connect_audit.user_events TO connect_audit_ingest;
GRANT UPDATE (valid_to) ON connect_audit.user_versions TO connect_audit_ingest;
GRANT USAGE, SELECT ON SEQUENCE connect_audit.user_snapshots_id_seq TO connect_audit_ingest;

-- Alerts on user-level changes: an outbox row names a profile event or a user event, never
-- both. A user alert keeps the change it was raised for (gained, lost, via, drift,
-- severity), weighed with the policy of the ingest that wrote it: the same alert is sent
-- whatever the policy says later.
ALTER TABLE connect_audit.alert_outbox ALTER COLUMN event_id DROP NOT NULL,
    ADD COLUMN user_event_id bigint REFERENCES connect_audit.user_events (id),
    ADD COLUMN user_access jsonb,
    ADD CONSTRAINT alert_outbox_names_one CHECK ((event_id IS NULL) <> (user_event_id IS NULL)),
    ADD CONSTRAINT alert_outbox_user_access CHECK ((user_event_id IS NULL) = (user_access IS NULL));
CREATE UNIQUE INDEX alert_outbox_user_event ON connect_audit.alert_outbox (user_event_id, rule, channel) WHERE user_event_id IS NOT NULL;
