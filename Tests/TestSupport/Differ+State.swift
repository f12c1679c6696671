import AuditCore
import AuditModel
import AuditTime
import SnapshotReading

extension Differ {
    /// Diffs `snapshot` against an in-memory state (open versions by key, and the last
    /// closed version of deleted keys), loading rows as the store would. For tests and
    /// `--dry-run` reasoning; the store does the same with SQL.
    package static func diff(
        _ snapshot: Snapshot, state: [String: StoredVersion], deleted: [String: StoredVersion] = [:],
        scope: SnapshotScope? = nil, policy: DriftPolicy = .standard, knownInstances: Set<String>? = nil,
        observed: Set<FieldObservation>? = nil, capturedAt: Instant? = nil
    ) -> ChangeSet {
        let open = OpenVersions(state.values.map(OpenVersion.init))
        let needed = priorRowsNeeded(snapshot, open: open)
        var openProfiles: [String: SecurityProfile] = [:]
        for key in needed.changed { openProfiles[key] = state[key]?.profile }
        var last: [String: StoredVersion] = [:]
        for key in needed.unseen { last[key] = deleted[key] }
        return diff(
            snapshot, open: open, openProfiles: openProfiles, lastVersions: last,
            scope: scope ?? snapshot.impliedScope, scopeIsImplied: scope == nil, policy: policy,
            knownInstances: knownInstances, observed: observed, capturedAt: capturedAt)
    }
}
