import AuditCore
import AuditModel
import AuditStore
import AuditTime
import Foundation
import SnapshotReading

/// What `ingest` prints for one snapshot.
struct IngestReport {
    let source: String
    let rows: Int
    let outcome: IngestOutcome

    /// One summary line, then the warnings (and with `--dry-run`, the events).
    var text: String {
        switch outcome {
        case .alreadyIngested(let id, let capturedAt):
            return "\(source): already ingested as snapshot #\(id) (captured \(capturedAt.iso8601)); nothing written"
        case .ingested(let id, let changes):
            return Self.describe("\(source): snapshot #\(id), \(rows) rows", changes, listEvents: false)
        case .dryRun(let changes):
            return Self.describe("\(source): dry run, \(rows) rows, nothing written", changes, listEvents: true)
        }
    }

    private static func describe(_ head: String, _ changes: ChangeSet, listEvents: Bool) -> String {
        let counts = ChangeKind.allCases.map { "\(changes.count($0)) \($0.rawValue)" }.joined(separator: ", ")
        var lines = ["\(head): \(counts), \(changes.unchanged) unchanged; \(changes.warnings.count) warning(s)"]
        if listEvents {
            for event in changes.events {
                lines.append("  \(event.kind.rawValue) \(TextEscaping.terminal(event.key)) [\(event.drift.rawValue)/\(event.severity.rawValue)] \(event.changedFields.joined(separator: ","))")
            }
        }
        for warning in changes.warnings {
            lines.append("  warning \(warning.kind): " + TextEscaping.terminal((warning.key.map { "\($0): " } ?? "") + warning.detail))
        }
        return lines.joined(separator: "\n")
    }

    /// A JSON array with one object per snapshot: stable field names.
    static func json(_ reports: [IngestReport], users: [[String: Any]] = []) -> String {
        let objects: [[String: Any]] = reports.map { report in
            var object: [String: Any] = ["source": report.source, "rows": report.rows]
            switch report.outcome {
            case .alreadyIngested(let id, let capturedAt):
                object["status"] = "already_ingested"
                object["snapshot_id"] = id
                object["captured_at"] = capturedAt.iso8601
            case .ingested(let id, let changes):
                object["status"] = "ingested"
                object["snapshot_id"] = id
                object.merge(summary(changes)) { $1 }
            case .dryRun(let changes):
                object["status"] = "dry_run"
                object.merge(summary(changes)) { $1 }
                object["events"] = changes.events.map { event in
                    [
                        "profile_key": event.key, "kind": event.kind.rawValue, "drift": event.drift.rawValue,
                        "severity": event.severity.rawValue, "changed_fields": event.changedFields,
                    ] as [String: Any]
                }
            }
            return object
        }
        let data = (try? JSONSerialization.data(withJSONObject: objects + users, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data("[]".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    private static func summary(_ changes: ChangeSet) -> [String: Any] {
        var counts: [String: Int] = [:]
        for kind in ChangeKind.allCases { counts[kind.rawValue] = changes.count(kind) }
        counts["unchanged"] = changes.unchanged
        return [
            "counts": counts,
            "warnings": changes.warnings.map { ["profile_key": $0.key ?? NSNull(), "kind": $0.kind, "detail": $0.detail] as [String: Any] },
        ]
    }
}
