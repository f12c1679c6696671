import AuditTime

extension SHA256Digest {
    /// What one row contributes to a snapshot's content digest, and what a version stores
    /// as `row_sha256`: SHA-256 over its key, `last_modified_time` (microseconds) and
    /// content hash, each length-prefixed.
    package static func row(key: String, time: Instant?, contentHash: SHA256Digest) -> SHA256Digest {
        row(key: key, time: time, contentHash: contentHash, using: SHA256.Hasher())
    }

    package static func row(key: String, time: Instant?, contentHash: SHA256Digest, using hasher: SHA256.Hasher) -> SHA256Digest {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(key.utf8.count + 64)
        bytes.appendChunk(key)
        if let time { bytes.appendDecimalChunk(time.microsecondsSinceEpoch) } else { bytes.appendChunk("") }
        contentHash.withBytes { bytes.append(contentsOf: $0) }
        return bytes.withUnsafeBytes { hasher.digest(of: $0) }
    }
}
