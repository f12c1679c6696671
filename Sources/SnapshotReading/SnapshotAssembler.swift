import AuditModel

/// Joins the parts of one snapshot (one file, or several `--parts`) and checks what no
/// single file can: every `_key` appears once.
package enum SnapshotAssembler {
    /// The snapshot of all parts (records in order), read against `open`, or every issue
    /// found (up to the limit).
    ///
    /// - Throws: `SnapshotReadError` when any part had issues, a `_key` repeats (naming
    ///   both places), or there are no rows at all.
    ///
    /// - Parameters:
    ///   - countIsComplete: the user says a last DDSQL page of exactly 5,000 or 10,000 rows
    ///     is the whole table (see `truncatedPageCounts`).
    ///   - digests: the digests of the parts' records in order, when hashed as they were read.
    package static func assemble(
        _ parts: [SnapshotPart], against open: OpenVersions = .none, countIsComplete: Bool = false, digests: [RecordDigests]? = nil
    ) throws(SnapshotReadError) -> Snapshot {
        if !countIsComplete, let issue = likelyTruncatedPage(parts) { throw SnapshotReadError(issues: [issue], truncated: false) }
        let (records, recognized) = try gather(parts, against: open)
        return Snapshot(records: records, recognized: recognized, readAgainst: open, digests: digests ?? SnapshotHashing.digests(of: records[...]))
    }

    /// The records of all parts, in order, checked as `assemble` checks them but not hashed
    /// (what reading alone costs).
    package static func records(_ parts: [SnapshotPart]) throws(SnapshotReadError) -> [ParsedRecord] {
        try gather(parts, against: .none).records
    }

    /// The DDSQL API's default and largest `row_limit` (5,000 when omitted, at most 10,000:
    /// Datadog's API reference, `DdsqlTabularQueryRequestAttributes.row_limit`). A response
    /// holding exactly that many rows was almost surely cut off.
    package static let truncatedPageCounts: Set<Int> = [5_000, 10_000]

    /// An issue when the last DDSQL part has exactly a `row_limit`'s rows: more pages
    /// surely follow, and reading it alone would delete the profiles on them.
    static func likelyTruncatedPage(_ parts: [SnapshotPart]) -> SnapshotIssue? {
        guard let last = parts.last, last.format == .ddsql, last.issues.isEmpty else { return nil }
        let rows = last.records.count + last.recognized.count
        guard truncatedPageCounts.contains(rows) else { return nil }
        return SnapshotIssue(
            file: last.file, line: 1,
            message: "exactly \(rows) rows, the DDSQL API's \(rows == 5_000 ? "default" : "largest") row_limit: this page was almost surely cut off, "
                + "and the profiles on the next pages would read as deleted. Pass every page with --parts (keyset pages: WHERE _key > the last _key), "
                + "use `connect-audit pull ddsql`, which pages, or pass --count-is-complete if the table really holds \(rows) profiles")
    }

    private static func gather(
        _ parts: [SnapshotPart], against open: OpenVersions
    ) throws(SnapshotReadError) -> (records: [ParsedRecord], recognized: [RecognizedRecord]) {
        var issues = SnapshotIssues()
        for part in parts {
            for issue in part.issues { issues.add(issue) }
            if part.issuesTruncated { issues.markTruncated() }
        }
        /// Reports a repeated key at the later of the two places, naming the other.
        func duplicate(_ key: String, _ one: (file: String, line: Int), _ other: (file: String, line: Int)) {
            let (first, second) = one.file == other.file && one.line > other.line ? (other, one) : (one, other)
            let place = first.file == second.file ? "line \(first.line)" : "\(first.file):\(first.line)"
            issues.add(SnapshotIssue(
                file: second.file, line: second.line, field: "_key",
                message: "duplicate _key \(key): also at \(place); a snapshot holds each profile once"))
        }
        // Recognised records are marked by their open version's position (no hashing).
        var recognizedAt = [Int](repeating: -1, count: open.count)
        var recognized: [RecognizedRecord] = []
        recognized.reserveCapacity(parts.reduce(0) { $0 + $1.recognized.count })
        for part in parts {
            for record in part.recognized {
                let first = recognizedAt[record.index]
                if first >= 0 {
                    duplicate(open.all[record.index].key, (recognized[first].file, recognized[first].line), (record.file, record.line))
                } else {
                    recognizedAt[record.index] = recognized.count
                    recognized.append(record)
                }
            }
        }
        let decodedCount = parts.reduce(0) { $0 + $1.records.count }
        // Where each key was first: positions, not places (no file name retained per row).
        var firstAt = [String: (part: Int, index: Int)](minimumCapacity: decodedCount)
        for (partIndex, part) in parts.enumerated() {
            for (index, record) in part.records.enumerated() {
                let key = record.profile.key
                // One hash on the common path: insert, and put the first back on a repeat.
                if let first = firstAt.updateValue((partIndex, index), forKey: key) {
                    firstAt[key] = first
                    let earlier = parts[first.part].records[first.index]
                    duplicate(key, (earlier.file, earlier.line), (record.file, record.line))
                } else if !recognized.isEmpty, let version = open.index(of: key), recognizedAt[version] >= 0 {
                    let earlier = recognized[recognizedAt[version]]
                    duplicate(key, (earlier.file, earlier.line), (record.file, record.line))
                }
            }
        }
        guard issues.isEmpty else { throw SnapshotReadError(issues: issues.issues, truncated: issues.truncated) }
        // No repeat (any is refused above): the records are the parts' arrays as they are,
        // one part's not copied record by record.
        return (parts.count == 1 ? parts[0].records : parts.flatMap(\.records), recognized)
    }

    /// Reads whole byte buffers as one snapshot's records (tests, small inputs).
    package static func read(_ files: [(name: String, bytes: [UInt8])], format: SnapshotFormat? = nil) throws(SnapshotReadError) -> [ParsedRecord] {
        try snapshot(files, format: format).records
    }

    /// Reads whole byte buffers as one snapshot, recognising what one of `known` was read
    /// from (when given; `nil` fingerprints nothing).
    package static func snapshot(
        _ files: [(name: String, bytes: [UInt8])], format: SnapshotFormat? = nil, known: OpenVersions? = nil,
        countIsComplete: Bool = false
    ) throws(SnapshotReadError) -> Snapshot {
        try assemble(files.map { file in
            var reader = SnapshotReader(
                format: format ?? SnapshotFormat.detect(fileName: file.name, prefix: file.bytes.prefix(65_536)),
                file: file.name, known: known)
            reader.consume(file.bytes)
            return reader.finish()
        }, against: known ?? .none, countIsComplete: countIsComplete)
    }
}
