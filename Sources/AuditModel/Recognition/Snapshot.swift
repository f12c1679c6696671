
/// A snapshot ready to diff: its records with their content hashes, and a digest of the
/// whole, by which an ingest recognises a snapshot it has already stored.
package struct Snapshot: Sendable {
    /// The records decoded in full, in input order.
    package let records: [ParsedRecord]
    /// `records[i].profile.contentDigest`, computed once (on every core).
    package let contentDigests: [SHA256Digest]
    /// `records[i]`'s row digest (`SHA256Digest.row`).
    package let rowDigests: [SHA256Digest]
    /// The records recognised by their source fingerprint as open versions, unchanged.
    package let recognized: [RecognizedRecord]
    /// The open versions `recognized` point into.
    package let readAgainst: OpenVersions
    /// SHA-256 over the sorted row digests (`SHA256Digest.row`: key, `last_modified_time`,
    /// content hash) of every row: equal for two files that say the same thing, whatever
    /// their format or order (and whether their records were recognised or decoded).
    package let contentSHA256: String
    /// The accounts the snapshot's profiles belong to, sorted.
    package let accounts: [String]
    /// The instances (else accounts) the snapshot's profiles belong to, sorted.
    package let instances: [String]

    /// Hashes `records` (unless their `digests` come along, computed as they were read);
    /// `recognized` are open versions of `open`, with their hashes.
    package init(
        records: [ParsedRecord], recognized: [RecognizedRecord] = [], readAgainst open: OpenVersions = .none,
        digests known: [RecordDigests]? = nil
    ) {
        precondition(known == nil || known?.count == records.count, "one pair of digests per record")
        self.records = records
        self.recognized = recognized
        self.readAgainst = open
        // Decoded records come hashed by the reader (on every core), else are hashed here.
        // Recognised rows bring their row digest (stored with the version). The row digests
        // are then sorted: no string sorting of 100,000 keys.
        let digests = known ?? Self.digests(of: records[...])
        contentDigests = digests.map(\.content)
        rowDigests = digests.map(\.row)
        var rows = rowDigests
        rows.reserveCapacity(records.count + recognized.count)
        for record in recognized { rows.append(open.all[record.index].rowDigest) }
        let sorted = rows.sorted()
        contentSHA256 = sorted.withUnsafeBytes { SHA256.hex(of: $0) }
        // Element by element through the subscript: a key path (`map(\.profile.accountID)`)
        // copied each record, retaining every field of its profile.
        var accounts = Set<String>()
        var instances = Set<String>()
        for index in records.indices {
            if let account = records[index].profile.accountID { accounts.insert(account) }
            instances.insert(records[index].profile.scopeInstance)
        }
        var cellSeen = [Bool](repeating: false, count: open.scopeCells.count)
        for record in recognized { cellSeen[open.scopeCellOf[record.index]] = true }
        for (cell, seen) in zip(open.scopeCells, cellSeen) where seen {
            if let account = cell.account { accounts.insert(account) }
            instances.insert(cell.instance)
        }
        self.accounts = accounts.sorted()
        self.instances = instances.sorted()
    }

    /// The content and row digests of `records`, one after another: the plain rule that
    /// `SnapshotHashing.digests(of:)` computes on every core (a test holds them equal).
    package static func digests(of records: ArraySlice<ParsedRecord>) -> [RecordDigests] {
        let hasher = SHA256.Hasher()
        return records.map { record in
            let digest = record.profile.contentDigest
            return RecordDigests(
                content: digest,
                row: SHA256Digest.row(key: record.profile.key, time: record.profile.lastModifiedTime, contentHash: digest, using: hasher))
        }
    }

    /// A snapshot of no records: what a request holds before its files are read.
    package static var unread: Snapshot { Snapshot(records: []) }

    /// How many rows the snapshot has, decoded or recognised.
    package var count: Int { records.count + recognized.count }

    /// The open versions recognised, in input order.
    package var recognizedVersions: some Collection<OpenVersion> { recognized.lazy.map { self.readAgainst.all[$0.index] } }

    /// The default scope: the instances this snapshot's profiles belong to.
    package var impliedScope: SnapshotScope { .instances(Set(instances)) }
}


/// A decoded record's digests: of its content (`SecurityProfile.contentDigest`) and of its
/// row (`SHA256Digest.row`: key, `last_modified_time`, content digest).
package struct RecordDigests: Sendable {
    package var content: SHA256Digest
    package var row: SHA256Digest

    package init(content: SHA256Digest, row: SHA256Digest) {
        self.content = content
        self.row = row
    }
}
