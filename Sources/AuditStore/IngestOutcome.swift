import AuditCore
import AuditModel
import AuditTime
import Foundation
import Logging
import SnapshotReading

/// What an ingest did.
package enum IngestOutcome: Sendable {
    /// Stored as snapshot `id`.
    case ingested(snapshotID: Int64, changes: ChangeSet)
    /// Nothing written: snapshot `id` is the newest of an overlapping scope and has the same
    /// content and scope, or it is this very snapshot (same content, scope and capture time).
    /// Content seen only in an older snapshot is a revert, and is ingested.
    case alreadyIngested(snapshotID: Int64, capturedAt: Instant)
    /// `--dry-run`: the change set, nothing written.
    case dryRun(changes: ChangeSet)
}

/// The open versions as an ingest loads them before reading its files (what the readers
/// recognise records as), and the newest snapshot at that moment, by which the ingest
/// notices another one committed since.
package struct OpenState: Sendable {
    /// Every open version, indexed by key and source fingerprint.
    package var versions: OpenVersions
    /// The id of the newest snapshot when this was loaded (0: none).
    package var newestSnapshotID: Int64
}
