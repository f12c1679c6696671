import AuditModel
import AuditTime
import SnapshotReading

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
