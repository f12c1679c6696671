import Dispatch

/// A snapshot ready to diff: its records with their content hashes, and a digest of the
/// whole, by which an ingest recognises a snapshot it has already stored.
public struct Snapshot: Sendable {
    /// The records decoded in full, in input order.
    public let records: [ParsedRecord]
    /// `records[i].profile.contentDigest`, computed once (on every core).
    public let contentDigests: [SHA256Digest]
    /// The records recognised by their source fingerprint as open versions, unchanged.
    public let recognized: [RecognizedRecord]
    /// The open versions `recognized` point into.
    public let readAgainst: OpenVersions
    /// SHA-256 over the sorted SHA-256 digests of each row's key, `last_modified_time` and
    /// content hash: equal for two files that say the same thing, whatever their format or
    /// order (and whether their records were recognised or decoded).
    public let contentSHA256: String
    /// The accounts the snapshot's profiles belong to, sorted.
    public let accounts: [String]
    /// The instances (else accounts) the snapshot's profiles belong to, sorted.
    public let instances: [String]

    /// Hashes `records`; `recognized` are open versions of `open`, with their hashes.
    public init(records: [ParsedRecord], recognized: [RecognizedRecord] = [], readAgainst open: OpenVersions = .none) {
        self.records = records
        self.recognized = recognized
        self.readAgainst = open
        let hashes = UnsafeMutableBufferPointer<SHA256Digest>.allocate(capacity: records.count)
        defer { hashes.deallocate() }
        nonisolated(unsafe) let shared = hashes
        ObjectDecoding.forEachShare(records.count) { _, range in
            for index in range { (shared.baseAddress! + index).initialize(to: records[index].profile.contentDigest) }
        }
        let contentDigests = Array(hashes)
        self.contentDigests = contentDigests
        // One digest per row (on every core), sorted: no string sorting of 100,000 keys.
        let versions = recognized.map { open.all[$0.index] }
        let rows = UnsafeMutableBufferPointer<SHA256Digest>.allocate(capacity: records.count + versions.count)
        defer { rows.deallocate() }
        nonisolated(unsafe) let rowDigests = rows
        let decoded = records.count
        ObjectDecoding.forEachShare(rows.count) { _, range in
            var scratch: [UInt8] = []
            scratch.reserveCapacity(256)
            let hasher = SHA256.Hasher()
            for position in range {
                scratch.removeAll(keepingCapacity: true)
                if position < decoded {
                    let profile = records[position].profile
                    scratch.appendRowChunks(key: profile.key, time: profile.lastModifiedTime, hash: contentDigests[position])
                } else {
                    let version = versions[position - decoded]
                    scratch.appendRowChunks(key: version.key, time: version.lastModifiedTime, hash: version.contentHash)
                }
                (rowDigests.baseAddress! + position).initialize(to: scratch.withUnsafeBytes { hasher.digest(of: $0) })
            }
        }
        let sorted = Array(rows).sorted()
        contentSHA256 = sorted.withUnsafeBytes { SHA256.hex(of: $0) }
        var accounts = Set(records.compactMap(\.profile.accountID))
        var instances = Set(records.map(\.profile.scopeInstance))
        var cellSeen = [Bool](repeating: false, count: open.scopeCells.count)
        for record in recognized { cellSeen[open.scopeCellOf[record.index]] = true }
        for (cell, seen) in zip(open.scopeCells, cellSeen) where seen {
            if let account = cell.account { accounts.insert(account) }
            instances.insert(cell.instance)
        }
        self.accounts = accounts.sorted()
        self.instances = instances.sorted()
    }

    /// How many rows the snapshot has, decoded or recognised.
    public var count: Int { records.count + recognized.count }

    /// The open versions recognised, in input order.
    public var recognizedVersions: some Collection<OpenVersion> { recognized.lazy.map { self.readAgainst.all[$0.index] } }

    /// The default scope: the instances this snapshot's profiles belong to.
    public var impliedScope: SnapshotScope { .instances(Set(instances)) }
}

extension [UInt8] {
    /// What one row contributes to a snapshot's digest: its key, timestamp and content hash.
    mutating func appendRowChunks(key: String, time: Instant?, hash: SHA256Digest) {
        appendChunk(key)
        if let time { appendDecimalChunk(time.microsecondsSinceEpoch) } else { appendChunk("") }
        hash.withBytes { append(contentsOf: $0) }
    }
}
