import AuditModel
import AuditTime

/// What happened to a user between two snapshots. The profile kinds keep their meaning;
/// an open user whose profile set moved is `assigned` when it gained any profile,
/// `unassigned` when it only lost some, and `modified` when only another stored field moved
/// (username, routing profile, hierarchy group).
package enum UserChangeKind: String, Sendable, CaseIterable {
    case created, discovered, recreated, deleted, assigned, unassigned, modified
}

/// One user event before it is chained: which profiles the user gained and lost by it.
package struct UserEventDraft: Sendable, Equatable {
    package var key: String
    package var kind: UserChangeKind
    package var fromVersion: Int?
    package var toVersion: Int?
    package var username: String?
    package var instance: String
    /// Profile ids gained and lost (for `created`, every profile held; for `deleted`, every
    /// profile the user had).
    package var profilesAdded: [String]
    package var profilesRemoved: [String]
    /// The stored fields that moved, by their DDSQL names.
    package var changedFields: [String]

    package init(
        key: String, kind: UserChangeKind, fromVersion: Int?, toVersion: Int?, username: String?, instance: String,
        profilesAdded: [String], profilesRemoved: [String], changedFields: [String]
    ) {
        self.key = key
        self.kind = kind
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.username = username
        self.instance = instance
        self.profilesAdded = profilesAdded
        self.profilesRemoved = profilesRemoved
        self.changedFields = changedFields
    }
}

/// A user version as stored and open, as much of it as the diff needs.
package struct OpenUser: Sendable, Equatable {
    package var key: String
    package var version: Int
    package var contentHash: String
    package var rowDigest: SHA256Digest?
    package var user: ConnectUser

    package init(key: String, version: Int, contentHash: String, rowDigest: SHA256Digest?, user: ConnectUser) {
        self.key = key
        self.version = version
        self.contentHash = contentHash
        self.rowDigest = rowDigest
        self.user = user
    }
}

/// The change set of a user snapshot.
package struct UserChangeSet: Sendable {
    /// New versions to write: the user, its version number and the digest of its row.
    package var newVersions: [(user: ConnectUser, version: Int, rowDigest: SHA256Digest)] = []
    /// Open versions to close, by key: their version number.
    package var closedVersions: [String: Int] = [:]
    /// Events in key order.
    package var events: [UserEventDraft] = []
    package var unchanged = 0
    /// Open users in the snapshot's scope before it: what `deletionFraction` is a share of.
    package var openInScope = 0
    package var warnings: [SnapshotWarning] = []

    package func count(_ kind: UserChangeKind) -> Int { events.filter { $0.kind == kind }.count }

    /// The share of the open users in scope this snapshot deletes.
    package var deletionFraction: Double {
        openInScope == 0 ? 0 : Double(count(.deleted)) / Double(openInScope)
    }
}

/// The rules of a user snapshot against the open users: the profile rules of DESIGN §3
/// (deletion only inside the snapshot's scope, discovery for instances never seen), with
/// the profile set as what is weighed. Pure.
package enum UserDiffer {
    /// - Parameters:
    ///   - users: the snapshot's users decoded, with the digests of their rows, keys unique.
    ///   - recognized: the keys of the snapshot's other users, whose rows were an open
    ///     version's (each must be open): unchanged.
    ///   - open: every open user version, by key.
    ///   - lastVersions: the last version number of keys seen before and deleted since.
    ///   - knownInstances: the instances an earlier user snapshot held.
    ///   - scope: which open users the snapshot speaks for.
    package static func diff(
        _ users: [(user: ConnectUser, rowDigest: SHA256Digest)], recognized: [String] = [], open: [String: OpenUser],
        lastVersions: [String: Int], knownInstances: Set<String>, scope: SnapshotScope
    ) -> UserChangeSet {
        var changes = UserChangeSet()
        var seen = Set<String>(minimumCapacity: users.count + recognized.count)
        for key in recognized {
            guard let current = open[key] else { preconditionFailure("a recognised user must be open (\(key))") }
            seen.insert(key)
            if scope.contains(instance: current.user.instance, account: current.user.accountID) { changes.openInScope += 1 }
            changes.unchanged += 1
        }
        for (user, digest) in users.sorted(by: { $0.user.key < $1.user.key }) {
            seen.insert(user.key)
            guard let current = open[user.key] else {
                let previous = lastVersions[user.key]
                let version = (previous ?? 0) + 1
                let kind: UserChangeKind = previous != nil ? .recreated : knownInstances.contains(user.instance) ? .created : .discovered
                changes.newVersions.append((user, version, digest))
                changes.events.append(UserEventDraft(
                    key: user.key, kind: kind, fromVersion: previous, toVersion: version, username: user.username,
                    instance: user.instance, profilesAdded: user.securityProfileIDs, profilesRemoved: [], changedFields: []))
                continue
            }
            if scope.contains(instance: current.user.instance, account: current.user.accountID) { changes.openInScope += 1 }
            if current.rowDigest == digest || current.contentHash == user.contentHash {
                changes.unchanged += 1
                continue
            }
            let before = Set(current.user.securityProfileIDs), after = Set(user.securityProfileIDs)
            let added = after.subtracting(before).sorted(), removed = before.subtracting(after).sorted()
            let fields = changedFields(current.user, user)
            changes.closedVersions[user.key] = current.version
            changes.newVersions.append((user, current.version + 1, digest))
            changes.events.append(UserEventDraft(
                key: user.key, kind: !added.isEmpty ? .assigned : !removed.isEmpty ? .unassigned : .modified,
                fromVersion: current.version, toVersion: current.version + 1, username: user.username,
                instance: user.instance, profilesAdded: added, profilesRemoved: removed, changedFields: fields))
        }
        var deletions: [UserEventDraft] = []
        for (key, current) in open where !seen.contains(key) {
            guard scope.contains(instance: current.user.instance, account: current.user.accountID) else { continue }
            changes.openInScope += 1
            changes.closedVersions[key] = current.version
            deletions.append(UserEventDraft(
                key: key, kind: .deleted, fromVersion: current.version, toVersion: nil, username: current.user.username,
                instance: current.user.instance, profilesAdded: [], profilesRemoved: current.user.securityProfileIDs,
                changedFields: []))
        }
        if !deletions.isEmpty {
            changes.events = changes.events.merged(with: deletions.sortedByKey(\.key), by: \.key)
        }
        return changes
    }

    /// The stored fields that differ, by their DDSQL names, in name order.
    static func changedFields(_ old: ConnectUser, _ new: ConnectUser) -> [String] {
        var fields: [String] = []
        if old.arn != new.arn { fields.append("arn") }
        if old.hierarchyGroupID != new.hierarchyGroupID { fields.append("hierarchy_group_id") }
        if old.id != new.id { fields.append("id") }
        if old.routingProfileID != new.routingProfileID { fields.append("routing_profile_id") }
        if old.securityProfileIDs != new.securityProfileIDs { fields.append("security_profile_ids") }
        if old.username != new.username { fields.append("username") }
        if old.accountID != new.accountID { fields.append("account_id") }
        return fields.sorted()
    }
}
