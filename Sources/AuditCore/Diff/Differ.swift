import AuditModel
import AuditTime
import ByteKernels

/// Turns a snapshot and the current state into a change set: the rules of DESIGN §3, pure.
///
/// The diff runs in two steps so the store loads full rows only where needed:
/// `priorRowsNeeded` names the keys whose previous version must be read in full, and
/// `diff` takes those rows and produces the change set.
package enum Differ {
    /// The keys whose full previous rows the diff needs, in input order.
    package struct PriorRows: Sendable, Equatable {
        /// Open keys whose content changed: their open version, for the field diff.
        package var changed: [String]
        /// Keys with no open version: their last version if any (a re-creation).
        package var unseen: [String]
    }

    /// Which previous rows `diff` will need, given the open versions (by key).
    package static func priorRowsNeeded(_ snapshot: Snapshot, open: OpenVersions) -> PriorRows {
        var changed: [String] = []
        var unseen: [String] = []
        for (index, record) in snapshot.records.enumerated() {
            let key = record.profile.key
            if let current = open[key] {
                // Without the stored hash at hand, the full previous row decides.
                if current.contentHash != snapshot.contentDigests[index] { changed.append(key) }
            } else {
                unseen.append(key)
            }
        }
        return PriorRows(changed: changed, unseen: unseen)
    }

    /// The change set of `snapshot` against the current state.
    ///
    /// - Parameters:
    ///   - open: every open version (those outside `scope` are left alone); what
    ///     `snapshot` was read against when it has recognised records.
    ///   - openProfiles: the full open versions of `priorRowsNeeded(...).changed`.
    ///   - lastVersions: the last (closed) version of each previously deleted key among
    ///     `priorRowsNeeded(...).unseen`; keys never seen are absent.
    ///   - scope: what the snapshot speaks for; `impliedScope` marks the default, which
    ///     also warns about instances that have open profiles but are absent.
    ///   - knownInstances: every instance (scope cell) an earlier snapshot held; a new
    ///     profile of any other is `discovered`. `nil`: every new profile is `created`.
    ///   - observed: the tracked fields earlier snapshots carried, by instance; a field this
    ///     snapshot carries first is observed, not gained (no drift, no alert) and recorded in
    ///     `firstObservations`. `nil`: every field counts as observed before.
    ///   - capturedAt: when the snapshot was taken; a `last_modified_time` later than it
    ///     (beyond `clockSkew`) is warned as `future_modification`, and a stored one is never
    ///     trusted to call this observation stale. `nil`: times are not checked.
    package static func diff(
        _ snapshot: Snapshot,
        open: OpenVersions,
        openProfiles: [String: SecurityProfile],
        lastVersions: [String: StoredVersion],
        scope: SnapshotScope,
        scopeIsImplied: Bool,
        policy: DriftPolicy = .standard,
        knownInstances: Set<String>? = nil,
        observed: Set<FieldObservation>? = nil,
        capturedAt: Instant? = nil
    ) -> ChangeSet {
        precondition(
            snapshot.recognized.isEmpty || snapshot.readAgainst === open,
            "a snapshot with recognised records must be diffed against the open versions it was read against")
        var changes = ChangeSet()
        // Open versions seen in the snapshot, by position: the others are deletion candidates.
        var seen = [Bool](repeating: false, count: open.count)
        let cellInScope = open.scopeCells.map { scope.contains(instance: $0.instance, account: $0.account) }
        for record in snapshot.recognized {
            seen[record.index] = true
            if cellInScope[open.scopeCellOf[record.index]] { changes.openInScope += 1 }
            changes.unchanged += 1
        }
        /// Whether `time` cannot have been stamped before the capture: a clock or a source is wrong.
        let latestPossible = capturedAt?.adding(microseconds: clockSkew)
        func isImpossible(_ time: Instant?) -> Bool {
            guard let time, let latestPossible else { return false }
            return time > latestPossible
        }
        // Records in key order, so that versions and their events come out in key order
        // (deterministic whatever the input order) from one sort.
        let keys = snapshot.records.map { $0.profile.key }
        for index in keys.indices.sorted(by: { keys[$0] < keys[$1] }) {
            let record = snapshot.records[index]
            var profile = record.profile
            var hash = snapshot.contentDigests[index]
            let key = profile.key
            let position = open.index(of: key)
            if let position { seen[position] = true }
            if isImpossible(profile.lastModifiedTime), let capturedAt {
                changes.warnings.append(SnapshotWarning(
                    key: key, kind: "future_modification",
                    detail: "last_modified_time \(profile.lastModifiedTime?.iso8601 ?? "-") is after the snapshot's captured_at \(capturedAt.iso8601) (more than \(clockSkew / 60_000_000) minutes): kept as given, but never used to call a later observation stale. Check the source's clock, or --captured-at"))
            }
            // The tracked fields this record's source carries for the first time for its instance.
            var firstObserved: [String] = []
            if let observed {
                for field in ProfileField.tracked where !profile.unobserved.contains(field) {
                    let observation = FieldObservation(instance: profile.scopeInstance, field: field)
                    guard !observed.contains(observation) else { continue }
                    changes.firstObservations.insert(observation)
                    firstObserved.append(field.rawValue)
                }
            }
            // A field the source did not carry keeps its previous value (DESIGN §1).
            if !profile.unobserved.isEmpty, let previous = openProfiles[key] ?? lastVersions[key]?.profile {
                profile = profile.carryingForward(from: previous)
                hash = profile.contentDigest
            }
            /// Version `number` of this record's profile, to write.
            func newVersion(_ number: Int) -> NewVersion {
                NewVersion(
                    version: number, profile: profile, contentHash: hash.hex, sourceFingerprint: record.sourceFingerprint,
                    rowDigest: hash == snapshot.contentDigests[index] ? snapshot.rowDigests[index] : nil)
            }
            guard let current = position.map({ open.all[$0] }) else {
                let previous = lastVersions[key]
                let version = (previous?.version ?? 0) + 1
                // A profile of an instance no snapshot held before is discovered (DESIGN §3).
                let discovered = previous == nil && knownInstances.map { !$0.contains(profile.scopeInstance) } == true
                let kind: ChangeKind = previous != nil ? .recreated : discovered ? .discovered : .created
                // A created profile's content is its version row; its event carries no diff.
                let diff = previous.map { ProfileDiff.between($0.profile, profile) } ?? ProfileDiff()
                changes.newVersions.append(newVersion(version))
                if kind == .discovered { changes.discoveries.count(key: key, accountID: profile.accountID) }
                changes.events.append(event(
                    kind, key: key, from: previous?.version, to: version, old: previous?.profile, new: profile,
                    diff: diff, timestampChanged: previous?.profile.lastModifiedTime != profile.lastModifiedTime, policy: policy))
                continue
            }
            if scope.contains(instance: current.scopeInstance, account: current.accountID) { changes.openInScope += 1 }
            let time = compare(current.lastModifiedTime, profile.lastModifiedTime)
            // A stored time after this capture was never real: it cannot make this observation stale.
            if time == .older, !isImpossible(current.lastModifiedTime) {
                changes.warnings.append(SnapshotWarning(
                    key: key, kind: "stale_observation",
                    detail: "last_modified_time \(profile.lastModifiedTime?.iso8601 ?? "-") is older than the stored \(current.lastModifiedTime?.iso8601 ?? "-"); ignored, history never goes backwards"))
                continue
            }
            guard let previousHash = current.contentHash ?? openProfiles[key]?.contentDigest else {
                preconditionFailure("the store must load the open version of every key whose hash it did not load (\(key))")
            }
            if previousHash == hash {
                guard time == .newer else {
                    changes.unchanged += 1
                    continue
                }
                var diff = ProfileDiff()
                diff.changes[ProfileField.lastModifiedTime.rawValue] = .instant(from: current.lastModifiedTime, to: profile.lastModifiedTime)
                changes.closedVersions[key] = current.version
                changes.newVersions.append(newVersion(current.version + 1))
                changes.events.append(event(
                    .touched, key: key, from: current.version, to: current.version + 1, old: nil, new: profile,
                    diff: diff, timestampChanged: true, policy: policy))
                continue
            }
            guard let previous = openProfiles[key] else {
                preconditionFailure("the store must load the open version of every changed key (\(key))")
            }
            let diff = ProfileDiff.between(previous, profile)
            // A field first observed shows what it holds, but is weighed as no change.
            var weighed = diff
            for field in firstObserved { weighed.changes[field] = nil }
            let onlyObserved = !firstObserved.isEmpty && weighed.changes.keys.allSatisfy { $0 == ProfileField.lastModifiedTime.rawValue }
            if DriftRules.isIgnored(kind: .modified, diff: weighed, policy: policy) || onlyObserved {
                changes.notAlerted.insert(key)
            }
            changes.closedVersions[key] = current.version
            changes.newVersions.append(newVersion(current.version + 1))
            var modified = event(
                .modified, key: key, from: current.version, to: current.version + 1, old: previous, new: profile,
                diff: weighed, timestampChanged: current.lastModifiedTime != profile.lastModifiedTime, policy: policy)
            modified.diff = diff
            changes.events.append(modified)
        }
        var missingByInstance: [String: Int] = [:]
        var deletions: [EventDraft] = []
        for (position, current) in open.all.enumerated() where !seen[position] {
            if cellInScope[open.scopeCellOf[position]] {
                changes.openInScope += 1
                changes.closedVersions[current.key] = current.version
                // The one place that classifies a deletion is DriftRules.
                let (drift, severity) = DriftRules.classify(kind: .deleted, old: nil, new: nil, diff: ProfileDiff(), policy: policy)
                deletions.append(EventDraft(
                    key: current.key, kind: .deleted, fromVersion: current.version, toVersion: nil,
                    lastModifiedTime: current.lastModifiedTime, diff: ProfileDiff(), timestampChanged: false,
                    drift: drift, severity: severity))
            } else if scopeIsImplied {
                missingByInstance[current.scopeInstance, default: 0] += 1
            }
        }
        for (instance, count) in missingByInstance.sorted(by: { $0.key < $1.key }) {
            changes.warnings.append(SnapshotWarning(
                key: nil, kind: "instance_missing",
                detail: "instance \(instance) has \(count) open profile(s) but none in this snapshot; they were kept. If the instance is gone, ingest with --scope instance:\(instance) or --scope all"))
        }
        changes.warnings += unknownPermissionWarnings(changes.newVersions, catalog: policy.catalog)
        changes.warnings += firstObservationWarnings(changes.firstObservations, events: changes.events)
        // The deletions (keys no record has) merged into the records' events, in key order.
        if !deletions.isEmpty { changes.events = changes.events.merged(with: deletions.sortedByKey(\.key), by: \.key) }
        changes.warnings.sort { ($0.key ?? "", $0.kind) < ($1.key ?? "", $1.kind) }
        return changes
    }

    private static func event(
        _ kind: ChangeKind, key: String, from: Int?, to: Int?, old: SecurityProfile?, new: SecurityProfile,
        diff: ProfileDiff, timestampChanged: Bool, policy: DriftPolicy
    ) -> EventDraft {
        let (drift, severity) = DriftRules.classify(kind: kind, old: old, new: new, diff: diff, policy: policy)
        return EventDraft(
            key: key, kind: kind, fromVersion: from, toVersion: to, lastModifiedTime: new.lastModifiedTime,
            diff: diff, timestampChanged: timestampChanged, drift: drift, severity: severity)
    }

    /// One `first_observed` warning per instance and field a source carries for the first
    /// time, for an instance with history (on a first load every field is new anyway).
    static func firstObservationWarnings(_ observations: Set<FieldObservation>, events: [EventDraft]) -> [SnapshotWarning] {
        guard events.contains(where: { $0.kind == .modified }) else { return [] }
        return observations.sorted { ($0.instance, $0.field.rawValue) < ($1.instance, $1.field.rawValue) }.map { observation in
            SnapshotWarning(
                key: nil, kind: "first_observed",
                detail: "\(observation.field.rawValue) of instance \(observation.instance) is carried for the first time: its values are recorded as observed, not as gained or lost (no drift, no alert)")
        }
    }

    /// One `unknown_permission` warning per permission name the catalog does not know among
    /// the versions this snapshot writes, naming how many profiles hold it and one of them.
    static func unknownPermissionWarnings(_ versions: [NewVersion], catalog: PermissionCatalog) -> [SnapshotWarning] {
        var holders: [String: (count: Int, example: String)] = [:]
        for version in versions {
            for permission in version.profile.permissions where !catalog.knows(permission) {
                let example = holders[permission].map { min($0.example, version.profile.key) } ?? version.profile.key
                holders[permission] = ((holders[permission]?.count ?? 0) + 1, example)
            }
        }
        return holders.sorted { $0.key < $1.key }.map { permission, holder in
            SnapshotWarning(
                key: nil, kind: "unknown_permission",
                detail: "permission \(permission) is not in the permission catalog (\(holder.count) profile(s), e.g. \(holder.example)); it is weighed as other (gaining it is widened/high). Name its class in a policy file (permissions: administrative/sensitive/restrictive/read_only/other) to classify it")
        }
    }

    /// How far a `last_modified_time` may lie after `captured_at` before it is impossible:
    /// clocks of the source and of the machine that took the snapshot differ a little.
    package static let clockSkew: Int64 = 5 * 60_000_000

    private enum TimeOrder { case same, newer, older }

    /// How `new` compares with `old`; a missing timestamp is never newer nor older.
    private static func compare(_ old: Instant?, _ new: Instant?) -> TimeOrder {
        guard let old, let new else { return .same }
        return new > old ? .newer : new < old ? .older : .same
    }
}

extension Array {
    /// The elements ordered by `key`, sorting positions rather than the elements (an event
    /// is large: a first ingest sorts 100,000 of them).
    func sortedByKey(_ key: (Element) -> String) -> [Element] {
        let keys = map(key)
        return keys.indices.sorted { keys[$0] < keys[$1] }.map { self[$0] }
    }

    /// This array and `other`, both sorted by `key`, as one sorted array (this one's
    /// element first on equal keys).
    func merged(with other: [Element], by key: (Element) -> String) -> [Element] {
        var out: [Element] = []
        out.reserveCapacity(count + other.count)
        var (i, j) = (startIndex, other.startIndex)
        while i < endIndex || j < other.endIndex {
            if j == other.endIndex || (i < endIndex && key(other[j]) >= key(self[i])) {
                out.append(self[i])
                i += 1
            } else {
                out.append(other[j])
                j += 1
            }
        }
        return out
    }
}
