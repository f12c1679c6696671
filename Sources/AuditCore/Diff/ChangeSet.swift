import AuditModel
import ByteKernels

/// What one snapshot changes: the versions to write and close, the events, the warnings.
package struct ChangeSet: Sendable {
    /// New versions, in key order.
    package var newVersions: [NewVersion] = []
    /// Open versions to close at the snapshot's capture time: key → version.
    package var closedVersions: [String: Int] = [:]
    /// Events, in key order.
    package var events: [EventDraft] = []
    package var warnings: [SnapshotWarning] = []
    /// Keys whose event lies only in what the policy ignores, or in fields first observed:
    /// recorded, never alerted.
    package var notAlerted: Set<String> = []
    /// The tracked fields this snapshot carries for an instance no earlier snapshot carried
    /// them for: to record, so that later snapshots diff them as observed.
    package var firstObservations: Set<FieldObservation> = []
    /// Profiles that did not change.
    package var unchanged = 0
    /// Open profiles inside the scope before this snapshot.
    package var openInScope = 0
    /// The `discovered` events by instance and account, as a report lists them.
    package var discoveries = Discoveries()

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

/// A snapshot's `discovered` profiles counted by instance (as
/// `SecurityProfile.instance(inKey:)` finds it in the key, else the account, else the key)
/// and account: what a report lists of them, one line per instance, stored with the
/// snapshot (`connect_audit.discoveries`, migration 0016) so that a report need not read
/// and group a first load's million events.
package struct Discoveries: Equatable, Sendable {
    /// One instance and account: how many profiles, and the first of them in key order (the
    /// first event, as events are in key order).
    package struct Group: Equatable, Sendable {
        package var instance: String
        package var accountID: String?
        package var profiles: Int
        package var firstKey: String
    }

    /// In the order their first profiles came, which is key order.
    package private(set) var groups: [Group] = []
    private var numbers: [InstanceAndAccount: Int] = [:]

    private struct InstanceAndAccount: Hashable {
        var instance: String
        var accountID: String?
    }

    package init() {}

    /// Counts a discovered profile; profiles come in key order.
    package mutating func count(key: String, accountID: String?) {
        let instance = SecurityProfile.instance(inKey: key) ?? accountID ?? key
        // Most profiles are of the instance and account just counted: no lookup for them.
        if let last = groups.indices.last, groups[last].instance == instance, groups[last].accountID == accountID {
            groups[last].profiles += 1
        } else if let number = numbers[InstanceAndAccount(instance: instance, accountID: accountID)] {
            groups[number].profiles += 1
        } else {
            numbers[InstanceAndAccount(instance: instance, accountID: accountID)] = groups.count
            groups.append(Group(instance: instance, accountID: accountID, profiles: 1, firstKey: key))
        }
    }
}
