-- connect-audit schema, version 8: alert digests. When one ingest matches more alerts for a
-- channel than its `digest_over`, the channel gets one digest message; the outbox still
-- holds every alert, in state `digested`, pointing at its digest.
CREATE TABLE connect_audit.alert_digests (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    snapshot_id     bigint NOT NULL REFERENCES connect_audit.snapshots (id),
    channel         text NOT NULL,
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    delivered_at    timestamptz,
    UNIQUE (snapshot_id, channel)
);
CREATE INDEX alert_digests_pending ON connect_audit.alert_digests (next_attempt_at, id) WHERE state = 'pending';

ALTER TABLE connect_audit.alert_outbox ADD COLUMN digest_id bigint REFERENCES connect_audit.alert_digests (id);
CREATE INDEX alert_outbox_digest ON connect_audit.alert_outbox (digest_id) WHERE digest_id IS NOT NULL;
ALTER TABLE connect_audit.alert_outbox DROP CONSTRAINT alert_outbox_state_check;
ALTER TABLE connect_audit.alert_outbox ADD CONSTRAINT alert_outbox_state_check
    CHECK (state IN ('pending', 'delivered', 'failed', 'digested'));
