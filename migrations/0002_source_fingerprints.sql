-- connect-audit schema, version 2: each version remembers the source fingerprint of the
-- input record it was read from (SHA-256 over the canonical-form tag, the format, the CSV
-- header and the record's raw bytes). The next ingest recognises a byte-identical record
-- as that version, unchanged, without decoding it: a nightly ingest parses only what
-- changed. NULL where the format has no per-record bytes (DDSQL's column-major response)
-- and for versions written before this migration. A cache of parse results, never
-- evidence: `verify` does not read it, and a wrong value only costs a re-parse.
-- Raw bytes (32), not hex like content_hash: the ingest reads every open version's
-- fingerprint, and the server then sends it as it is stored.
ALTER TABLE connect_audit.profile_versions
    ADD COLUMN source_sha256 bytea CHECK (octet_length(source_sha256) = 32);
