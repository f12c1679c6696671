import AuditModel
import AuditTime

/// A change event as stored: what the SHA-256 chain covers.
package struct ChainedEvent: Hashable, Sendable {
    package var id: Int64
    package var snapshotID: Int64
    package var key: String
    package var kind: ChangeKind
    package var observedAt: Instant
    package var lastModifiedTime: Instant?
    package var fromVersion: Int?
    package var toVersion: Int?
    package var changedFields: [String]
    /// The diff as canonical JSON (`ProfileDiff.json`).
    package var diffJSON: String
    package var drift: DriftClass
    package var severity: Severity
    package var timestampChanged: Bool
    package var previousHash: String
    package var hash: String

    package init(
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
