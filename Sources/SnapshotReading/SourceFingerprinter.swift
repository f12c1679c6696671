import AuditModel

/// Recognises input records that are byte for byte the record an open version was read
/// from, so a nightly ingest decodes only what changed (DESIGN §3: "only what changed").
///
/// Each record read from NDJSON, a JSON array, AWS output or CSV gets a *source
/// fingerprint*: SHA-256 over a tag naming the canonical form, the format, the CSV header
/// (which gives a row's cells their meaning) and the record's raw bytes. A version stores
/// the fingerprint of the record it was built from (`profile_versions.source_sha256`). Equal
/// fingerprints mean equal bytes read the same way, hence the same canonical profile: the
/// record is that open version, unchanged, and is not decoded again. Anything else — new
/// bytes, another format, a reordered header, a new release of the canonical form — is
/// decoded and diffed by content as usual, so recognition only ever saves work.
package struct SourceFingerprinter: Sendable {
    /// Bump when the canonical form of any reader changes: every fingerprint then misses
    /// once, and records are decoded and compared by content hash again.
    static let canonicalFormTag = "connect-audit source record 1"

    private let prefix: [UInt8]

    /// A fingerprinter for records of `format`; `header` is a CSV file's raw header record.
    package init(format: SnapshotFormat, header: UnsafeBufferPointer<UInt8>? = nil) {
        var prefix = Array(Self.canonicalFormTag.utf8)
        prefix.append(0)
        prefix.append(contentsOf: format.rawValue.utf8)
        prefix.append(0)
        if let header { prefix.append(contentsOf: header) }
        prefix.append(0)
        self.prefix = prefix
    }

    /// The fingerprint of one raw record, computed with `hasher` (one per thread).
    package func fingerprint(_ record: UnsafeBufferPointer<UInt8>, using hasher: SHA256.Hasher) -> SourceFingerprint {
        prefix.withUnsafeBytes { hasher.digest(of: $0, then: UnsafeRawBufferPointer(record)) }
    }

    /// The fingerprint of one raw record.
    package func fingerprint(_ record: UnsafeBufferPointer<UInt8>) -> SourceFingerprint {
        fingerprint(record, using: SHA256.Hasher())
    }
}

/// A source fingerprint is a SHA-256 digest of the record's bytes (with its prefix).
