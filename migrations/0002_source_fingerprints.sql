-- connect-audit schema, version 2: each version remembers the source fingerprint of the
-- input record it was read from (SHA-256 over the canonical-form tag, the format, the CSV
-- header and the record's raw bytes). The next ingest recognises a byte-identical record
-- as that version, unchanged, without decoding it: a nightly ingest parses only what
-- changed. NULL where the format has no per-record bytes (DDSQL's column-major response)
-- and for versions written before this migration. A cache of parse results, never
-- evidence: `verify` does not read it, and a wrong value only costs a re-parse.
--
-- Beside it, `row_sha256`: SHA-256 over the version's key, last_modified_time and content
-- hash, which is what the version contributes to a snapshot's content digest (by which a
-- re-ingest is recognised). Stored once when the version is written, so a nightly ingest
-- neither fetches every content hash nor hashes every row again. NULL for versions written
-- before this migration: the ingest then computes it from content_hash.
--
-- Raw bytes (32), not hex like content_hash: the ingest reads both for every open version,
-- and the server sends them as they are stored.
ALTER TABLE connect_audit.profile_versions
    ADD COLUMN source_sha256 bytea CHECK (octet_length(source_sha256) = 32),
    ADD COLUMN row_sha256 bytea CHECK (octet_length(row_sha256) = 32);
