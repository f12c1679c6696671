import AuditModel

/// The largest inputs the readers take. Past one of them the snapshot is refused with a
/// message naming the limit, instead of the process growing without bound (`ingest
/// /dev/zero`) or PostgreSQL refusing the value at commit, without file and line.
package enum InputLimits {
    /// One NDJSON line, CSV record or element of a JSON array: a real profile with every
    /// permission of the documented list is about 20 KiB.
    package static let recordBytes = 4 << 20
    /// A whole JSON, AWS or DDSQL document, which is held in memory to be read (NDJSON and
    /// CSV stream and have no total limit).
    package static let documentBytes = 1 << 30
    /// Fields of one record (top-level keys of an object, CSV columns, DDSQL columns): the
    /// record has 14, the AWS API a few more; thousands are an error, not a profile.
    package static let fieldsPerRecord = 1_000
    /// `_key` and every text field, in UTF-8 bytes: PostgreSQL's B-tree indexes on
    /// `profile_key` and `security_profile_name` take at most 2,704 bytes a value, and Amazon
    /// Connect's own names are at most 127 characters, descriptions 250 (the API model).
    package static let textBytes = 2_048
}
