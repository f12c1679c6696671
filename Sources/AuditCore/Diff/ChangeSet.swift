import AuditModel
import AuditTime
import SnapshotReading

/// The kinds of change event (DESIGN §3).
public enum ChangeKind: String, CaseIterable, Sendable, Comparable {
    case created, modified, touched, deleted, recreated

    /// Declaration order, once: `allCases` builds a new array at every use.
    private static let order = allCases

    /// The position in declaration order (ascending concern).
    var rank: Int { Self.order.firstIndex(of: self)! }

    public static func < (lhs: ChangeKind, rhs: ChangeKind) -> Bool { lhs.rank < rhs.rank }
}

/// A stored version in full, for field diffs.
public struct StoredVersion: Hashable, Sendable {
    public var version: Int
    public var profile: SecurityProfile

    public init(version: Int, profile: SecurityProfile) {
        self.version = version
        self.profile = profile
    }
}

/// A version the ingest will write.
public struct NewVersion: Hashable, Sendable {
    public var version: Int
    public var profile: SecurityProfile
    public var contentHash: String
    /// The source fingerprint of the record it was read from, if its format has one.
    public var sourceFingerprint: SourceFingerprint? = nil
    /// What it contributes to a snapshot's digest (`SHA256Digest.row`), if computed already.
    public var rowDigest: SHA256Digest? = nil
}

/// A change event before the store numbers and chains it.
public struct EventDraft: Hashable, Sendable {
    public var key: String
    public var kind: ChangeKind
    public var fromVersion: Int?
    public var toVersion: Int?
    /// The profile's `last_modified_time` after the change (before it, for `deleted`).
    public var lastModifiedTime: Instant?
    public var diff: ProfileDiff
    /// `false` when the content changed but `last_modified_time` did not.
    public var timestampChanged: Bool
    public var drift: DriftClass
    public var severity: Severity

    /// The changed fields, sorted: what `changed_fields` stores.
    public var changedFields: [String] { diff.changedFields }
}

/// Something the ingest noticed but did not act on.
public struct SnapshotWarning: Hashable, Sendable {
    /// The profile concerned, if one.
    public var key: String?
    /// `stale_observation`, `instance_missing`, ...
    public var kind: String
    public var detail: String
}

/// What one snapshot changes: the versions to write and close, the events, the warnings.
public struct ChangeSet: Sendable {
    /// New versions, in key order.
    public var newVersions: [NewVersion] = []
    /// Open versions to close at the snapshot's capture time: key → version.
    public var closedVersions: [String: Int] = [:]
    /// Events, in key order.
    public var events: [EventDraft] = []
    public var warnings: [SnapshotWarning] = []
    /// Profiles that did not change.
    public var unchanged = 0
    /// Open profiles inside the scope before this snapshot.
    public var openInScope = 0

    /// How many events of `kind`.
    public func count(_ kind: ChangeKind) -> Int { events.reduce(0) { $0 + ($1.kind == kind ? 1 : 0) } }

    /// The share of the open profiles in scope this snapshot would delete.
    public var deletionFraction: Double {
        openInScope == 0 ? 0 : Double(count(.deleted)) / Double(openInScope)
    }
}

extension ChangeSet {
    /// The state after this change set: `state` (open versions by key) with the closed
    /// versions removed and the new ones added. Used to check the diff's laws.
    public func applied(to state: [String: StoredVersion]) -> [String: StoredVersion] {
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
    public convenience init(_ stored: StoredVersion) {
        self.init(
            key: stored.profile.key, version: stored.version, lastModifiedTime: stored.profile.lastModifiedTime,
            contentHash: stored.profile.contentDigest, scopeInstance: stored.profile.scopeInstance,
            accountID: stored.profile.accountID)
    }
}

