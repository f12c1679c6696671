import AuditModel
import ByteKernels

/// A version the ingest will write.
package struct NewVersion: Hashable, Sendable {
    package var version: Int
    package var profile: SecurityProfile
    package var contentHash: String
    /// The source fingerprint of the record it was read from, if its format has one.
    package var sourceFingerprint: SourceFingerprint? = nil
    /// What it contributes to a snapshot's digest (`SHA256Digest.row`), if computed already.
    package var rowDigest: SHA256Digest? = nil
}
