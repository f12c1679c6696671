/// Joins the parts of one snapshot (one file, or several `--parts`) and checks what no
/// single file can: every `_key` appears once.
public enum SnapshotAssembler {
    /// The records of all parts, in order, or every issue found (up to the limit).
    ///
    /// - Throws: `SnapshotReadError` when any part had issues, a `_key` repeats (naming
    ///   both places), or there are no rows at all.
    public static func assemble(_ parts: [SnapshotPart]) throws(SnapshotReadError) -> [ParsedRecord] {
        var issues = SnapshotIssues()
        for part in parts {
            for issue in part.issues { issues.add(issue) }
            if part.issuesTruncated { issues.markTruncated() }
        }
        var firstSeen: [String: (file: String, line: Int)] = [:]
        firstSeen.reserveCapacity(parts.reduce(0) { $0 + $1.records.count })
        var records: [ParsedRecord] = []
        for part in parts {
            for record in part.records {
                if let first = firstSeen[record.profile.key] {
                    let place = first.file == record.file ? "line \(first.line)" : "\(first.file):\(first.line)"
                    issues.add(SnapshotIssue(
                        file: record.file, line: record.line, field: "_key",
                        message: "duplicate _key \(record.profile.key): also at \(place); a snapshot holds each profile once"))
                } else {
                    firstSeen[record.profile.key] = (record.file, record.line)
                    records.append(record)
                }
            }
        }
        guard issues.isEmpty else { throw SnapshotReadError(issues: issues.issues, truncated: issues.truncated) }
        return records
    }

    /// Reads whole byte buffers as one snapshot (tests, small inputs).
    public static func read(_ files: [(name: String, bytes: [UInt8])], format: SnapshotFormat? = nil) throws(SnapshotReadError) -> [ParsedRecord] {
        try assemble(files.map { file in
            var reader = SnapshotReader(
                format: format ?? SnapshotFormat.detect(fileName: file.name, prefix: file.bytes.prefix(65_536)),
                file: file.name)
            reader.consume(file.bytes)
            return reader.finish()
        })
    }
}

