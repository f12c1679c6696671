import Dispatch

/// A snapshot ready to diff: its records with their content hashes, and a digest of the
/// whole, by which an ingest recognises a snapshot it has already stored.
public struct Snapshot: Sendable {
    /// The records, in input order.
    public let records: [ParsedRecord]
    /// `records[i].profile.contentHash`, computed once (on every core).
    public let contentHashes: [String]
    /// SHA-256 over every record's key, `last_modified_time` and content hash, in key
    /// order: equal for two files that say the same thing, whatever their format or order.
    public let contentSHA256: String

    /// Hashes `records`.
    public init(records: [ParsedRecord]) {
        self.records = records
        let hashes = UnsafeMutableBufferPointer<String>.allocate(capacity: records.count)
        hashes.initialize(repeating: "")
        defer { hashes.deinitialize(); hashes.deallocate() }
        nonisolated(unsafe) let shared = hashes
        let workers = records.count < 1024 ? 1 : 8
        let share = (records.count + workers - 1) / workers
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let lower = worker * share
            let upper = min(records.count, lower + share)
            guard lower < upper else { return }
            for index in lower..<upper { shared[index] = records[index].profile.contentHash }
        }
        contentHashes = Array(hashes)
        var digestInput: [UInt8] = []
        digestInput.reserveCapacity(records.count * 220)
        let keys = records.map(\.profile.key)
        for index in keys.indices.sorted(by: { keys[$0] < keys[$1] }) {
            digestInput.appendChunk(keys[index])
            digestInput.appendChunk(records[index].profile.lastModifiedTime.map { String($0.microsecondsSinceEpoch) } ?? "")
            digestInput.appendChunk(contentHashes[index])
        }
        contentSHA256 = SHA256.hex(of: digestInput)
    }

    /// The default scope: the instances this snapshot's profiles belong to.
    public var impliedScope: SnapshotScope { .implied(by: records.map(\.profile)) }
}
