import AuditCore
import AuditModel
import AuditTime
import PostgresClient
import SnapshotReading

/// How change events map to `connect_audit.change_events`.
enum EventColumns {
    static let columns = [
        "id", "snapshot_id", "profile_key", "kind", "observed_at", "last_modified_time", "from_version", "to_version",
        "changed_fields", "diff", "drift", "severity", "timestamp_changed", "prev_hash", "hash",
    ]

    /// The name and account a report shows beside an event (migration 0013): those of the
    /// version it wrote, else of the version it ended; `nil` where not known at ingest, and
    /// for discoveries (which reports count, never itemise).
    struct Label {
        var name: String?
        var accountID: String?
    }

    /// The columns written: `columns` (the chained ones), then the label's, then the diff's
    /// canonical text (`diffText(_:)`).
    private static let copyColumns = columns + ["profile_name", "account_id", "diff_json"]

    /// The text stored in `diff_json` (migration 0014): the diff as the chain's hash covers
    /// it, which a report prints as it lies; `nil` for an empty diff (created and discovered
    /// profiles), which costs the server nothing to print and would cost a first load its check.
    static func diffText(_ event: ChainedEvent) -> String? {
        event.diffJSON == emptyDiff ? nil : event.diffJSON
    }

    private static let emptyDiff = ProfileDiff().json

    /// Writes events with a binary `COPY`, each with its label.
    static func copy(_ events: [ChainedEvent], labels: (ChainedEvent) -> Label, into connection: PostgresConnection) throws {
        try connection.copyInBinary(copyStatement, columns: copyColumns.count) { writer in
            for event in events { try encode(event, label: labels(event), into: &writer) }
        }
    }

    /// Chains `drafts` (`EventChain.chain`) and writes each event with a binary `COPY` as
    /// soon as it is chained, so the server stores events while the client hashes the next.
    /// Without labels: a first load's events are discoveries, which are not labelled.
    /// - Returns: the chained events.
    static func chainAndCopy(
        _ drafts: [EventDraft], snapshotID: Int64, observedAt: Instant, after lastID: Int64, lastHash: String,
        into connection: PostgresConnection
    ) throws -> [ChainedEvent] {
        var events: [ChainedEvent] = []
        events.reserveCapacity(drafts.count)
        try connection.copyInBinary(copyStatement, columns: copyColumns.count) { writer in
            try EventChain.chain(drafts, snapshotID: snapshotID, observedAt: observedAt, after: lastID, lastHash: lastHash) { event in
                try encode(event, label: Label(), into: &writer)
                events.append(event)
            }
        }
        return events
    }

    private static let copyStatement = "COPY connect_audit.change_events (\(copyColumns.joined(separator: ", "))) FROM STDIN (FORMAT binary)"

    /// Appends one event's row, in `copyColumns` order.
    private static func encode(_ event: ChainedEvent, label: Label, into writer: inout PostgresBinaryCopyInWriter) throws {
        writer.int64(event.id)
        writer.int64(event.snapshotID)
        writer.text(event.key)
        writer.text(event.kind.rawValue)
        writer.timestamp(event.observedAt)
        writer.timestamp(event.lastModifiedTime)
        writer.int32(event.fromVersion.map(Int32.init))
        writer.int32(event.toVersion.map(Int32.init))
        writer.textArray(event.changedFields)
        writer.jsonb(event.diffJSON)
        writer.text(event.drift.rawValue)
        writer.text(event.severity.rawValue)
        writer.bool(event.timestampChanged)
        writer.text(event.previousHash)
        writer.text(event.hash)
        writer.text(label.name)
        writer.text(label.accountID)
        writer.text(diffText(event))
        try writer.endRow()
    }

    /// Reads one event from a `COPY ... TO STDOUT` row of `columns` (the diff as `jsonb`
    /// prints it is brought back to canonical JSON, which the hash covers).
    static func decode(_ fields: [String?]) throws -> ChainedEvent {
        func required(_ index: Int) throws -> String {
            guard let value = fields[index] else { throw StoreError.tampered("change_events.\(columns[index]) is NULL") }
            return value
        }
        let (kind, drift, severity) = try classification(kind: required(3), drift: required(10), severity: required(11))
        let diff = try required(9)
        return ChainedEvent(
            id: try Int64(postgresText: required(0)), snapshotID: try Int64(postgresText: required(1)), key: try required(2),
            kind: kind, observedAt: try Instant(postgresText: required(4)),
            lastModifiedTime: try fields[5].map { try Instant(postgresText: $0) },
            fromVersion: try fields[6].map { try Int(postgresText: $0) }, toVersion: try fields[7].map { try Int(postgresText: $0) },
            changedFields: try [String](postgresText: required(8)), diffJSON: ProfileDiff.canonicalJSON(text: diff) ?? diff,
            drift: drift, severity: severity, timestampChanged: try Bool(postgresText: required(12)),
            previousHash: try required(13), hash: try required(14))
    }

    /// An event's kind, drift and severity from their stored text: the one decoder of the
    /// three labels (the chain's `COPY` reader and the report queries share it; a report's
    /// `COPY` sends numbers instead, `ClassificationCodes`).
    static func classification(kind: String, drift: String, severity: String) throws -> (ChangeKind, DriftClass, Severity) {
        guard let kind = ChangeKind(rawValue: kind), let drift = DriftClass(rawValue: drift), let severity = Severity(rawValue: severity) else {
            throw StoreError.schemaNewer("change_events has an unknown kind, drift or severity (\(kind), \(drift), \(severity))")
        }
        return (kind, drift, severity)
    }
}
