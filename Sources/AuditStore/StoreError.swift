import AuditCore
import AuditModel
import AuditTime
import SnapshotReading

/// What the store refuses to do, with what to do about it.
package enum StoreError: Error, Equatable, CustomStringConvertible {
    /// An applied migration's text differs from the one this binary carries.
    case migrationChanged(String)
    /// A snapshot at or after this one already covers an overlapping scope.
    case staleSnapshot(capturedAt: Instant, newerID: Int64, newerCapturedAt: Instant)
    /// The snapshot would delete more than `--max-delete-fraction` of its scope.
    case tooManyDeletions(deleted: Int, openInScope: Int, limit: Double, of: String = "profiles")
    /// The database changed under the ingest in a way the lock should have prevented.
    case concurrentChange(String)
    /// A baseline of that name exists already.
    case baselineExists(String)
    /// A stored row breaks what the store wrote (a NULL, a diff that is no diff, a snapshot
    /// no ingest made): the database was edited behind its back. Next step: `verify`.
    case tampered(String)
    /// Something this program guarantees itself did not hold: a bug. Next step: report it.
    case internalInvariant(String)
    /// The database holds values of a schema newer than this binary knows. Next step: upgrade.
    case schemaNewer(String)
    /// A CloudTrail record's `eventID` is stored already, with other content.
    case conflictingTrailRecord(eventID: String, file: String, line: Int)

    package var description: String {
        switch self {
        case .migrationChanged(let name):
            return "migration \(name) was changed after it was applied to this database;"
                + " restore its original text and put the change in a new migration"
        case .staleSnapshot(let capturedAt, let newerID, let newerCapturedAt):
            return "snapshot captured at \(capturedAt.iso8601) is not newer than snapshot #\(newerID)"
                + " captured at \(newerCapturedAt.iso8601) for an overlapping scope; history never goes backwards."
                + " Nothing was written; pass the right --captured-at, or ingest older exports first"
        case .tooManyDeletions(let deleted, let openInScope, let limit, let subject):
            let percent = openInScope == 0 ? 0 : Double(deleted) * 100 / Double(openInScope)
            return "the snapshot would delete \(deleted) of \(openInScope) open \(subject) in its scope"
                + " (\(Int(percent.rounded()))%, more than --max-delete-fraction \(limit)); nothing was written."
                + " If the export is truncated, export again; if the deletions are real, raise --max-delete-fraction"
        case .baselineExists(let name):
            return "a baseline named \(name) exists already; approved baselines are never moved, choose another name"
        case .conflictingTrailRecord(let eventID, let file, let line):
            return "\(file):\(line): eventID \(eventID) is stored already with other content; CloudTrail never reuses an eventID, so one of the two is not genuine: compare them (connect_audit.trail_events.record) before storing anything from this file"
        case .tampered(let detail):
            return "the history is not as the store wrote it: \(detail); run `connect-audit verify` to find the first place it was changed"
        case .internalInvariant(let detail):
            return "internal error (a bug in connect-audit, not in your data): \(detail); nothing was written. Please report it with the command that failed"
        case .schemaNewer(let detail):
            return "this database was written by a newer connect-audit: \(detail); upgrade connect-audit to read it"
        case .concurrentChange(let detail):
            return "the history changed during the ingest (\(detail)); nothing was written, run the ingest again"
        }
    }
}
