import AuditModel
import SnapshotReading

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

extension NewVersion {
    /// The first version of a record's profile, for a key with no history: its content as
    /// read (nothing to carry forward), as `Differ.diff` makes it.
    package init(firstOf record: ParsedRecord, digests: RecordDigests) {
        self.init(
            version: 1, profile: record.profile, contentHash: digests.content.hex, sourceFingerprint: record.sourceFingerprint,
            rowDigest: digests.row)
    }
}
