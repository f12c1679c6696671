import AuditModel
import SnapshotReading

/// What one snapshot changes: the versions to write and close, the events, the warnings.
package struct ChangeSet: Sendable {
    /// New versions, in key order.
    package var newVersions: [NewVersion] = []
    /// Open versions to close at the snapshot's capture time: key → version.
    package var closedVersions: [String: Int] = [:]
    /// Events, in key order.
    package var events: [EventDraft] = []
    package var warnings: [SnapshotWarning] = []
    /// Keys whose event lies only in what the policy ignores: recorded, never alerted.
    package var ignoredByPolicy: Set<String> = []
    /// Profiles that did not change.
    package var unchanged = 0
    /// Open profiles inside the scope before this snapshot.
    package var openInScope = 0

    /// How many events of `kind`.
    package func count(_ kind: ChangeKind) -> Int { events.reduce(0) { $0 + ($1.kind == kind ? 1 : 0) } }

    /// The share of the open profiles in scope this snapshot would delete.
    package var deletionFraction: Double {
        openInScope == 0 ? 0 : Double(count(.deleted)) / Double(openInScope)
    }
}

extension ChangeSet {
    /// The state after this change set: `state` (open versions by key) with the closed
    /// versions removed and the new ones added. Used to check the diff's laws.
    package func applied(to state: [String: StoredVersion]) -> [String: StoredVersion] {
        var next = state
        for (key, version) in closedVersions {
            precondition(next[key]?.version == version, "closing a version that is not open")
            next[key] = nil
        }
        for version in newVersions {
            precondition(next[version.profile.key] == nil, "two open versions of one key")
            next[version.profile.key] = StoredVersion(version: version.version, profile: version.profile)
        }
        return next
    }
}

extension OpenVersion {
    /// The summary of a stored version, as the store would load it.
    package convenience init(_ stored: StoredVersion) {
        self.init(
            key: stored.profile.key, version: stored.version, lastModifiedTime: stored.profile.lastModifiedTime,
            contentHash: stored.profile.contentDigest, scopeInstance: stored.profile.scopeInstance,
            accountID: stored.profile.accountID)
    }
}
