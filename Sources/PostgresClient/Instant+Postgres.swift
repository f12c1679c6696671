import AuditTime

/// `timestamptz` values as `Instant`s: the client shares the record's time type and its one
/// calendar. Connections set `TimeZone` to UTC and `DateStyle` to ISO, so the server sends
/// `YYYY-MM-DD HH:MM:SS[.ffffff]+00`, which `Instant(parsing:)` reads exactly.
extension Instant: PostgresCodable {
    package var postgresText: String { iso8601 }

    package init(postgresText text: String) throws {
        guard let instant = Instant(parsing: text) else {
            throw PostgresError(.decoding, "expected a timestamp from 0001-01-01 to 9999-12-31, got \(text.prefix(40))")
        }
        self = instant
    }
}
