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
/// the profile set as what is weighed. Pure. In two steps, so the store reads whole rows
/// only where needed: `priorRowsNeeded`, then `diff`.
package enum UserDiffer {
    /// The keys whose open version must be read whole: users whose content changed, and
    /// open users in scope the snapshot does not hold (deletions name what they held).
    package static func priorRowsNeeded(
        _ users: [(user: ConnectUser, rowDigest: SHA256Digest)], recognized: [Int], open: OpenUsers, scope: SnapshotScope
    ) -> [String] {
        var seen = [Bool](repeating: false, count: open.count)
        for position in recognized { seen[position] = true }
        let inside = open.placesInside { scope.contains(instance: $0, account: $1) }
        var needed: [String] = []
        for (user, digest) in users {
            guard let position = open.position(of: user.key) else { continue }
            seen[position] = true
            let current = open.all[position]
            if current.rowDigest != digest && current.contentHash != user.contentHash { needed.append(user.key) }
        }
        for (position, current) in open.all.enumerated() where !seen[position] {
            if inside[Int(open.placeOf[position])] { needed.append(current.key) }
        }
        return needed
    }

    /// - Parameters:
    ///   - users: the snapshot's users decoded, with the digests of their rows, keys unique.
    ///   - recognized: the positions in `open` of the snapshot's other users, whose rows
    ///     were those versions' rows: unchanged.
    ///   - open: every open user version.
    ///   - priorRows: the open versions of `priorRowsNeeded`, whole, by key.
    ///   - lastVersions: the last version number of keys seen before and deleted since.
    ///   - knownInstances: the instances an earlier user snapshot held.
    ///   - scope: which open users the snapshot speaks for.
    package static func diff(
        _ users: [(user: ConnectUser, rowDigest: SHA256Digest)], recognized: [Int] = [], open: OpenUsers,
        priorRows: [String: ConnectUser], lastVersions: [String: Int], knownInstances: Set<String>, scope: SnapshotScope
    ) -> UserChangeSet {
        var changes = UserChangeSet()
        // Open versions seen in the snapshot, by position: the others are deletion candidates.
        var seen = [Bool](repeating: false, count: open.count)
        let inside = open.placesInside { scope.contains(instance: $0, account: $1) }
        for position in recognized {
            seen[position] = true
            if inside[Int(open.placeOf[position])] { changes.openInScope += 1 }
            changes.unchanged += 1
        }
        for (user, digest) in users.sorted(by: { $0.user.key < $1.user.key }) {
            guard let position = open.position(of: user.key) else {
                let previous = lastVersions[user.key]
                let version = (previous ?? 0) + 1
                let kind: UserChangeKind = previous != nil ? .recreated : knownInstances.contains(user.instance) ? .created : .discovered
                changes.newVersions.append((user, version, digest))
                changes.events.append(UserEventDraft(
                    key: user.key, kind: kind, fromVersion: previous, toVersion: version, username: user.username,
                    instance: user.instance, profilesAdded: user.securityProfileIDs, profilesRemoved: [], changedFields: []))
                continue
            }
            seen[position] = true
            let current = open.all[position]
            if inside[Int(open.placeOf[position])] { changes.openInScope += 1 }
            if current.rowDigest == digest || current.contentHash == user.contentHash {
                changes.unchanged += 1
                continue
            }
            guard let previous = priorRows[user.key] else {
                preconditionFailure("the store must read the open version of every changed user (\(user.key))")
            }
            let before = Set(previous.securityProfileIDs), after = Set(user.securityProfileIDs)
            let added = after.subtracting(before).sorted(), removed = before.subtracting(after).sorted()
            changes.closedVersions[user.key] = current.version
            changes.newVersions.append((user, current.version + 1, digest))
            changes.events.append(UserEventDraft(
                key: user.key, kind: !added.isEmpty ? .assigned : !removed.isEmpty ? .unassigned : .modified,
                fromVersion: current.version, toVersion: current.version + 1, username: user.username,
                instance: user.instance, profilesAdded: added, profilesRemoved: removed, changedFields: changedFields(previous, user)))
        }
        var deletions: [UserEventDraft] = []
        for (position, current) in open.all.enumerated() where !seen[position] {
            guard inside[Int(open.placeOf[position])] else { continue }
            guard let previous = priorRows[current.key] else {
                preconditionFailure("the store must read the open version of every user it deletes (\(current.key))")
            }
            changes.openInScope += 1
            changes.closedVersions[current.key] = current.version
            deletions.append(UserEventDraft(
                key: current.key, kind: .deleted, fromVersion: current.version, toVersion: nil, username: previous.username,
                instance: current.instance, profilesAdded: [], profilesRemoved: previous.securityProfileIDs, changedFields: []))
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
