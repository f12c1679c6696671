-- connect-audit schema, version 14: each change event with a diff carries that diff's
-- canonical JSON text (`diff_json`), the very bytes the event chain's hash covers, written by
-- the ingest that made them. A report prints each diff as that text: reading `diff` instead,
-- the server printed each `jsonb` as text and the client wrote it again in canonical form,
-- about a third of the CPU of a year's JSON report of 1,000,000 profiles (3.4 million
-- changes; issue 18).
--
-- NULL means "not stored": events written before this version, and events whose diff is
-- empty (`{}`: created and discovered profiles), for which a report reads `diff` as before.
-- The check keeps the text the same JSON value as `diff` (it costs a parse per stored text,
-- which a first load's empty diffs do not pay); `verify` checks that each stored text is
-- exactly the canonical form of `diff` that the chain covers, so a text edited in place is found.
ALTER TABLE connect_audit.change_events
    ADD COLUMN diff_json text,
    ADD CONSTRAINT change_events_diff_json_is_diff CHECK (diff_json IS NULL OR diff_json::jsonb = diff);
