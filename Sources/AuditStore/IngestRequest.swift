import AuditCore
import AuditModel
import AuditTime
import Foundation
import Logging
import PostgresClient
import SnapshotReading

/// What to ingest and how.
package struct IngestRequest: Sendable {
    /// The snapshot, read and hashed.
    package var snapshot: Snapshot
    /// Where it came from (file names), for the `snapshots` row.
    package var source: String
    /// The format it was read as (several with `--parts` are joined).
    package var format: String
    /// When the export was taken.
    package var capturedAt: Instant
    /// `--scope`, or `nil` for the default (the instances in the snapshot).
    package var scope: SnapshotScope?
    /// The scope the snapshot speaks for: `scope`, else the instances in the snapshot.
    package var effectiveScope: SnapshotScope { scope ?? snapshot.impliedScope }
    /// The largest share of the open profiles in scope one snapshot may delete.
    package var maxDeleteFraction: Double
    /// Compute and return the change set, write nothing.
    package var dryRun: Bool
    /// Alert rules: matching events get `alert_outbox` rows in the same transaction.
    package var rules: AlertRules?
    /// The drift policy in force: how this snapshot's events are classified.
    package var policy: DriftPolicy
    /// What the source said about the snapshot, stored with the diff's warnings (a pull's
    /// accounts it could not read: `account_unread`).
    package var sourceWarnings: [SnapshotWarning] = []

    package init(
        snapshot: Snapshot, source: String, format: String, capturedAt: Instant, scope: SnapshotScope?,
        maxDeleteFraction: Double = 0.5, dryRun: Bool = false, rules: AlertRules? = nil, policy: DriftPolicy = .standard
    ) {
        self.snapshot = snapshot
        self.source = source
        self.format = format
        self.capturedAt = capturedAt
        self.scope = scope
        self.maxDeleteFraction = maxDeleteFraction
        self.dryRun = dryRun
        self.rules = rules
        self.policy = policy
    }
}
