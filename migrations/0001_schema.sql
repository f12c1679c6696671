-- connect-audit schema, version 1: the versioned history of Amazon Connect security
-- profiles, the change events between snapshots, and the alert outbox.
-- Applied by `connect-audit migrate` in one transaction; see DESIGN.md §5.

-- An exclusion constraint over (profile_key WITH =, range WITH &&) needs btree_gist
-- (a trusted extension: a database owner may create it).
CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TYPE connect_audit.event_kind AS ENUM ('created', 'modified', 'touched', 'deleted', 'recreated');
CREATE TYPE connect_audit.drift_class AS ENUM ('none', 'narrowed', 'changed', 'unobserved', 'widened');
-- Declared in ascending order, so `severity >= 'high'` works in SQL.
CREATE TYPE connect_audit.severity AS ENUM ('info', 'low', 'medium', 'high', 'critical');
CREATE TYPE connect_audit.scope_kind AS ENUM ('all', 'account', 'instance');

-- A SHA-256 in hex is 64 characters. The hash columns check their length only: a regular
-- expression or translate() per row cost 0.3 s to 1 s per column on 100,000 rows, and
-- `verify` recomputes every hash anyway.

-- One row per ingested snapshot (one export file, or several --parts of one).
CREATE TABLE connect_audit.snapshots (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source          text NOT NULL,
    format          text NOT NULL,
    captured_at     timestamptz NOT NULL,
    ingested_at     timestamptz NOT NULL DEFAULT now(),
    content_sha256  text NOT NULL CHECK (octet_length(content_sha256) = 64),
    -- The scope this snapshot speaks for: `all`, or the accounts or instances it names.
    scope_kind      connect_audit.scope_kind NOT NULL,
    scope_ids       text[] NOT NULL DEFAULT '{}',
    -- The accounts and instances that appear in the snapshot's rows.
    accounts        text[] NOT NULL DEFAULT '{}',
    instances       text[] NOT NULL DEFAULT '{}',
    row_count       integer NOT NULL CHECK (row_count >= 0),
    created_count   integer NOT NULL DEFAULT 0,
    modified_count  integer NOT NULL DEFAULT 0,
    touched_count   integer NOT NULL DEFAULT 0,
    deleted_count   integer NOT NULL DEFAULT 0,
    recreated_count integer NOT NULL DEFAULT 0,
    unchanged_count integer NOT NULL DEFAULT 0,
    warning_count   integer NOT NULL DEFAULT 0
);
CREATE INDEX snapshots_captured_at ON connect_audit.snapshots (captured_at);
CREATE INDEX snapshots_content ON connect_audit.snapshots (content_sha256);

-- Every version of every profile. A version is valid from the capture of the snapshot
-- that first saw it until the capture of the one that replaced or deleted it.
CREATE TABLE connect_audit.profile_versions (
    profile_key                               text NOT NULL CHECK (profile_key <> ''),
    version                                   integer NOT NULL CHECK (version >= 1),
    valid_from                                timestamptz NOT NULL,
    valid_to                                  timestamptz,
    last_modified_time                        timestamptz,
    content_hash                              text NOT NULL CHECK (octet_length(content_hash) = 64),
    account_id                                text,
    allowed_access_control_hierarchy_group_id text,
    allowed_access_control_tags               text[] NOT NULL DEFAULT '{}',
    arn                                       text,
    description                               text,
    hierarchy_restricted_resources            text[] NOT NULL DEFAULT '{}',
    id                                        text,
    last_modified_region                      text,
    organization_resource_id                  text,
    security_profile_name                     text,
    tag_restricted_resources                  text[] NOT NULL DEFAULT '{}',
    tags                                      text[] NOT NULL DEFAULT '{}',
    permissions                               text[] NOT NULL DEFAULT '{}',
    extra                                     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(extra) = 'object'),
    -- The Amazon Connect instance (else the account) the profile belongs to: what a
    -- default-scoped snapshot is compared against.
    scope_instance                            text NOT NULL,
    snapshot_id                               bigint NOT NULL REFERENCES connect_audit.snapshots (id),
    PRIMARY KEY (profile_key, version),
    CHECK (valid_to IS NULL OR valid_to > valid_from),
    -- No two versions of one key overlap in time. The key enters the GiST index as its
    -- MD5 (a uuid): equal keys have equal digests, and a 16-byte value makes inserts about
    -- 2.4x faster than the 100-byte ARN itself (100,000 versions: 3.3 s instead of 7.8 s).
    CONSTRAINT profile_versions_no_overlap
        EXCLUDE USING gist ((md5(profile_key)::uuid) WITH =, tstzrange(valid_from, valid_to) WITH &&)
);
-- At most one open (current) version per key.
CREATE UNIQUE INDEX profile_versions_one_open ON connect_audit.profile_versions (profile_key)
    WHERE valid_to IS NULL;
CREATE INDEX profile_versions_open_scope ON connect_audit.profile_versions (scope_instance)
    WHERE valid_to IS NULL;
CREATE INDEX profile_versions_name ON connect_audit.profile_versions (security_profile_name);

-- The stream of changes, chained by SHA-256 in id order so that an edit is detectable.
CREATE TABLE connect_audit.change_events (
    id                 bigint PRIMARY KEY CHECK (id >= 1),
    snapshot_id        bigint NOT NULL REFERENCES connect_audit.snapshots (id),
    profile_key        text NOT NULL,
    kind               connect_audit.event_kind NOT NULL,
    observed_at        timestamptz NOT NULL,
    last_modified_time timestamptz,
    from_version       integer,
    to_version         integer,
    changed_fields     text[] NOT NULL DEFAULT '{}',
    diff               jsonb NOT NULL DEFAULT '{}',
    drift              connect_audit.drift_class NOT NULL,
    severity           connect_audit.severity NOT NULL,
    timestamp_changed  boolean NOT NULL,
    prev_hash          text NOT NULL CHECK (octet_length(prev_hash) = 64),
    hash               text NOT NULL CHECK (octet_length(hash) = 64),
    -- A chain has no forks: each hash is the predecessor of at most one event.
    -- (`verify` recomputes every hash; a unique index on `hash` as well would cost a
    -- second random-order B-tree on every insert for nothing the chain does not prove.)
    CONSTRAINT change_events_chain_no_fork UNIQUE (prev_hash)
);
CREATE INDEX change_events_observed_at ON connect_audit.change_events (observed_at);
CREATE INDEX change_events_profile ON connect_audit.change_events (profile_key, id);

CREATE TABLE connect_audit.snapshot_warnings (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    snapshot_id bigint NOT NULL REFERENCES connect_audit.snapshots (id),
    profile_key text,
    kind        text NOT NULL,
    detail      text NOT NULL
);
CREATE INDEX snapshot_warnings_snapshot ON connect_audit.snapshot_warnings (snapshot_id);

-- A named, approved point in time; its state is the history as of then.
CREATE TABLE connect_audit.baselines (
    name        text PRIMARY KEY CHECK (name <> ''),
    approved_at timestamptz NOT NULL,
    note        text,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- One row per (event, rule, channel), written in the ingest transaction.
CREATE TABLE connect_audit.alert_outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id        bigint NOT NULL REFERENCES connect_audit.change_events (id),
    rule            text NOT NULL,
    channel         text NOT NULL,
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    delivered_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (event_id, rule, channel)
);
CREATE INDEX alert_outbox_pending ON connect_audit.alert_outbox (next_attempt_at, id) WHERE state = 'pending';

-- Append-only tables: history is never rewritten.
CREATE FUNCTION connect_audit.refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'connect_audit.% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER snapshots_append_only BEFORE UPDATE OR DELETE ON connect_audit.snapshots
    FOR EACH ROW EXECUTE FUNCTION connect_audit.refuse_change();
CREATE TRIGGER change_events_append_only BEFORE UPDATE OR DELETE ON connect_audit.change_events
    FOR EACH ROW EXECUTE FUNCTION connect_audit.refuse_change();
CREATE TRIGGER snapshot_warnings_append_only BEFORE UPDATE OR DELETE ON connect_audit.snapshot_warnings
    FOR EACH ROW EXECUTE FUNCTION connect_audit.refuse_change();
CREATE TRIGGER profile_versions_no_delete BEFORE DELETE ON connect_audit.profile_versions
    FOR EACH ROW EXECUTE FUNCTION connect_audit.refuse_change();

-- A version may be closed once: its valid_to goes from NULL to a time, and nothing else changes.
CREATE FUNCTION connect_audit.close_version_once() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.valid_to IS NOT NULL THEN
        RAISE EXCEPTION 'version % of profile % is already closed', OLD.version, OLD.profile_key
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (to_jsonb(NEW) - 'valid_to') IS DISTINCT FROM (to_jsonb(OLD) - 'valid_to') THEN
        RAISE EXCEPTION 'only valid_to of a profile version may change'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER profile_versions_close_once BEFORE UPDATE ON connect_audit.profile_versions
    FOR EACH ROW EXECUTE FUNCTION connect_audit.close_version_once();

-- For SQL users: the profiles as they are now.
CREATE VIEW connect_audit.current_profiles AS
    SELECT * FROM connect_audit.profile_versions WHERE valid_to IS NULL;

-- For SQL users: every profile as it was at `at`.
CREATE FUNCTION connect_audit.profiles_as_of(at timestamptz)
RETURNS SETOF connect_audit.profile_versions
LANGUAGE sql STABLE AS $$
    SELECT * FROM connect_audit.profile_versions
    WHERE valid_from <= at AND (valid_to IS NULL OR valid_to > at)
$$;

-- For SQL users: each event with the profile's name at that version.
CREATE VIEW connect_audit.profile_timeline AS
    SELECT e.profile_key,
           coalesce(v.security_profile_name, pv.security_profile_name) AS security_profile_name,
           coalesce(v.account_id, pv.account_id) AS account_id,
           e.observed_at,
           e.kind,
           e.drift,
           e.severity,
           e.from_version,
           e.to_version,
           e.changed_fields,
           e.diff,
           e.last_modified_time,
           e.timestamp_changed,
           e.snapshot_id,
           e.id AS event_id
    FROM connect_audit.change_events e
    LEFT JOIN connect_audit.profile_versions v
           ON v.profile_key = e.profile_key AND v.version = e.to_version
    LEFT JOIN connect_audit.profile_versions pv
           ON pv.profile_key = e.profile_key AND pv.version = e.from_version;
