import AuditModel
import AuditTime
import SnapshotReading

/// A change event as stored: what the SHA-256 chain covers.
public struct ChainedEvent: Hashable, Sendable {
    public var id: Int64
    public var snapshotID: Int64
    public var key: String
    public var kind: ChangeKind
    public var observedAt: Instant
    public var lastModifiedTime: Instant?
    public var fromVersion: Int?
    public var toVersion: Int?
    public var changedFields: [String]
    /// The diff as canonical JSON (`ProfileDiff.json`).
    public var diffJSON: String
    public var drift: DriftClass
    public var severity: Severity
    public var timestampChanged: Bool
    public var previousHash: String
    public var hash: String

    public init(
        id: Int64, snapshotID: Int64, key: String, kind: ChangeKind, observedAt: Instant, lastModifiedTime: Instant?,
        fromVersion: Int?, toVersion: Int?, changedFields: [String], diffJSON: String, drift: DriftClass,
        severity: Severity, timestampChanged: Bool, previousHash: String, hash: String
    ) {
        self.id = id
        self.snapshotID = snapshotID
        self.key = key
        self.kind = kind
        self.observedAt = observedAt
        self.lastModifiedTime = lastModifiedTime
        self.fromVersion = fromVersion
        self.toVersion = toVersion
        self.changedFields = changedFields
        self.diffJSON = diffJSON
        self.drift = drift
        self.severity = severity
        self.timestampChanged = timestampChanged
        self.previousHash = previousHash
        self.hash = hash
    }
}
