import AuditTime

/// The open (current) version of a profile, as the store summarises it for a diff.
///
/// A class of constants: a nightly ingest holds one per open profile and passes them
/// around by the hundred thousand, so a copy is one reference count, not one per field.
package final class OpenVersion: Hashable, Sendable {
    package let key: String
    package let version: Int
    package let lastModifiedTime: Instant?
    /// The SHA-256 of its canonical content (`SecurityProfile.contentDigest`); `nil` when the
    /// store did not load it (the diff then compares with the full previous row).
    package let contentHash: SHA256Digest?
    /// What it contributes to a snapshot's content digest (`SHA256Digest.row`).
    package let rowDigest: SHA256Digest
    /// The instance (else account) the profile belongs to.
    package let scopeInstance: String
    package let accountID: String?
    /// The source fingerprint of the record it was read from, if known.
    package let sourceFingerprint: SourceFingerprint?

    /// An open version; give `contentHash`, `rowDigest` or both (the row digest is computed
    /// from the content hash when missing).
    package init(
        key: String, version: Int, lastModifiedTime: Instant?, contentHash: SHA256Digest?, rowDigest: SHA256Digest? = nil,
        scopeInstance: String, accountID: String?, sourceFingerprint: SourceFingerprint? = nil
    ) {
        guard let rowDigest = rowDigest ?? contentHash.map({ SHA256Digest.row(key: key, time: lastModifiedTime, contentHash: $0) }) else {
            preconditionFailure("an open version needs its content hash or its row digest")
        }
        self.key = key
        self.version = version
        self.lastModifiedTime = lastModifiedTime
        self.contentHash = contentHash
        self.rowDigest = rowDigest
        self.scopeInstance = scopeInstance
        self.accountID = accountID
        self.sourceFingerprint = sourceFingerprint
    }

    package static func == (lhs: OpenVersion, rhs: OpenVersion) -> Bool {
        (lhs.key, lhs.version, lhs.lastModifiedTime, lhs.rowDigest) == (rhs.key, rhs.version, rhs.lastModifiedTime, rhs.rowDigest)
            && (lhs.scopeInstance, lhs.accountID, lhs.sourceFingerprint) == (rhs.scopeInstance, rhs.accountID, rhs.sourceFingerprint)
    }

    package func hash(into hasher: inout Hasher) {
        hasher.combine(key)
        hasher.combine(version)
    }
}


package typealias SourceFingerprint = SHA256Digest
