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
    /// The same content and scope was stored before, as snapshot `id`: nothing written.
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
