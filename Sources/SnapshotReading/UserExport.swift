import ArrayLiteral
import AuditModel
import AuditTime
import ByteKernels
import Foundation
import Platform

/// What reading a user export found: the users decoded, and the records recognised as an
/// open version's by the digest of their bytes (not decoded again).
package struct UserReading: Sendable {
    package var users: [ParsedUser] = []
    package var recognized: [RecognizedUser] = []

    /// How many users the export holds.
    package var count: Int { users.count + recognized.count }
}

/// A record whose bytes are those of an open user version's row: that user, unchanged.
package struct RecognizedUser: Sendable, Equatable {
    /// The open version's position among those the reader was given.
    package var position: Int
    package var line: Int
    package var rowDigest: SHA256Digest

    package init(position: Int, line: Int, rowDigest: SHA256Digest) {
        self.position = position
        self.line = line
        self.rowDigest = rowDigest
    }
}

/// One user read from a file, with where it was.
package struct ParsedUser: Sendable, Equatable {
    package var user: ConnectUser
    package var file: String
    package var line: Int
    /// SHA-256 of the record's bytes as they stood in the file: an unchanged row is
    /// recognised by it the next night without being decoded again.
    package var rowDigest: SHA256Digest
}

/// Reads an export of Amazon Connect users: DDSQL's `aws.connect_user` rows (snake_case
/// columns) or the Connect API's `User` objects (`DescribeUser`, `SearchUsers`:
/// PascalCase), as NDJSON, a JSON array (or `{"Users": [...]}`, a `SearchUsers` answer) or
/// CSV with a header. The same limits and refusals as a profile export: every problem with
/// its file, line and field, a repeated key refused, nothing returned unless all is sound.
package enum UserExport {
    /// The columns a user export carries and a profile export does not: `ingest` tells the
    /// two apart by them (a profile has no `username`, a user no `security_profile_name`).
    static let userOnlyKeys: Set<String> = ["username", "Username", "security_profile_ids", "SecurityProfileIds"]
    static let profileOnlyKeys: Set<String> = [
        "security_profile_name", "SecurityProfileName", "permissions", "Permissions", "SecurityProfile",
    ]

    /// Whether the document's first record is a user's (by its keys); `false` for anything
    /// else, which the profile readers then read (and refuse, if need be).
    package static func isUserExport(_ data: [UInt8]) -> Bool {
        guard let keys = firstRecordKeys(data) else { return false }
        return !keys.isDisjoint(with: userOnlyKeys) && keys.isDisjoint(with: profileOnlyKeys)
    }

    /// Reads every user of `data`, the content of `file`.
    /// - Throws: `SnapshotReadError` with every problem found (up to `SnapshotIssues.limit`).
    package static func read(_ data: [UInt8], file: String) throws -> [ParsedUser] {
        try scan(data, file: file).resolve(against: .none).users
    }

    /// Reads `data` as `read(_:file:)` does, but a record whose bytes are an open version's
    /// row (by their digest) is that user unchanged: it is not parsed nor decoded, as a
    /// nightly export is mostly the night before's rows.
    package static func read(_ data: [UInt8], file: String, open: OpenUsers) throws -> UserReading {
        try scan(data, file: file).resolve(against: open)
    }

    /// `data` split into records, each with the digest of its bytes (hashed on every core):
    /// the part of a read that needs no open versions, so it runs while they load.
    package static func scan(_ data: [UInt8], file: String) -> ScannedUsers {
        var scanned = ScannedUsers(file: file)
        let start = data.firstIndex { !Self.isSpace($0) } ?? data.endIndex
        if start == data.endIndex {
            scanned.issues.append(SnapshotIssue(file: file, line: 1, message: "the file is empty: no user in it"))
        } else if data[start] == UInt8(ascii: "[") || data[start] == UInt8(ascii: "{") && isSearchAnswer(data) {
            scanDocument(data, into: &scanned)
        } else if data[start] == UInt8(ascii: "{") {
            scanLines(data, into: &scanned)
        } else {
            scanCSV(data, into: &scanned)
        }
        let slices = scanned.records.map(\.bytes)
        scanned.digests = ParallelWork.map(slices.count, workers: ParallelWork.workers(for: slices.count)) { range in
            range.map { index in slices[index].withUnsafeBytes { SHA256Digest(of: $0) } }
        }.flatMap { $0 }
        return scanned
    }

    // MARK: - Formats

    /// NDJSON: a record a line.
    private static func scanLines(_ data: [UInt8], into scanned: inout ScannedUsers) {
        scanned.form = .lines
        var line = 0
        var start = data.startIndex
        let ends = data.withUnsafeBufferPointer { buffer in
            // Every line's end, found with memchr.
            var ends: [Int] = []
            var from = 0
            while let found = buffer.offset(of: UInt8(ascii: "\n"), from: from) {
                ends.append(found)
                from = found + 1
            }
            return ends
        }
        for end in ends + (ends.last == data.count - 1 ? [] : [data.count]) {
            line += 1
            let bytes = data[start..<end]
            start = end + 1
            guard bytes.contains(where: { !isSpace($0) }) else { continue }
            guard bytes.count <= InputLimits.recordBytes else {
                scanned.issues.append(SnapshotIssue(
                    file: scanned.file, line: line, message: "the line has more than \(InputLimits.recordBytes) bytes; no user record is that large"))
                continue
            }
            scanned.records.append(ScannedUsers.Record(line: line, bytes: bytes))
        }
    }

    /// A JSON array of records, or a `SearchUsers` answer (`{"Users": [...]}`), each
    /// record's line found by counting line breaks before it.
    private static func scanDocument(_ data: [UInt8], into scanned: inout ScannedUsers) {
        scanned.form = .document
        let file = scanned.file
        guard data.count <= InputLimits.documentBytes else {
            scanned.issues.append(SnapshotIssue(file: file, line: 1, message: "the document has more than \(InputLimits.documentBytes) bytes"))
            return
        }
        if let problem = StrictJSON.problem(in: data) {
            scanned.issues.append(SnapshotIssue(file: file, line: problem.lineOffset + 1, message: problem.message))
            return
        }
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: Data(data), options: [])
        } catch {
            scanned.issues.append(SnapshotIssue(file: file, line: 1, message: "invalid JSON: \(error.localizedDescription)"))
            return
        }
        let elements: [Any]
        if let array = parsed as? [Any] {
            elements = array
        } else if let answer = parsed as? [String: Any], let array = answer["Users"] as? [Any] {
            elements = array
        } else {
            scanned.issues.append(SnapshotIssue(file: file, line: 1, message: "expected an array of users or a SearchUsers answer ({\"Users\": [...]})"))
            return
        }
        // Each record's line: where its object opens, found by a scan of the document's
        // top-level elements (the check above has already refused anything malformed).
        let starts = elementStarts(data)
        for (index, element) in elements.enumerated() {
            let (line, bytes) = index < starts.count ? starts[index] : (1, data[...])
            guard let record = element as? [String: Any] else {
                scanned.issues.append(SnapshotIssue(file: file, line: line, message: "a user must be a JSON object"))
                continue
            }
            scanned.records.append(ScannedUsers.Record(line: line, bytes: bytes, object: record))
        }
    }

    /// CSV with a header row: each row becomes a record of text cells (an empty cell is
    /// absent; an array column holds a JSON array or a PostgreSQL array literal).
    private static func scanCSV(_ data: [UInt8], into scanned: inout ScannedUsers) {
        var rows: [(line: Int, bytes: [UInt8])] = []
        var splitter = CSVRecordSplitter(recordLimit: InputLimits.recordBytes)
        data.withUnsafeBufferPointer { buffer in
            splitter.consume(buffer) { bytes, line in rows.append((line, Array(bytes))) }
            _ = splitter.finish { bytes, line in rows.append((line, Array(bytes))) }
        }
        if let line = splitter.oversizedRecordLine {
            scanned.issues.append(SnapshotIssue(
                file: scanned.file, line: line, message: "a record has more than \(InputLimits.recordBytes) bytes (an unclosed quote?)"))
            return
        }
        guard let header = rows.first else { return }
        switch header.bytes.withUnsafeBufferPointer(CSVRecordFields.parse) {
        case .success(let fields): scanned.form = .csv(names: fields.map { $0.trimmingCharacters(in: .whitespaces) })
        case .failure(let problem):
            scanned.issues.append(SnapshotIssue(file: scanned.file, line: header.line, message: "the header: \(problem)"))
            return
        }
        scanned.records = rows.dropFirst().map { ScannedUsers.Record(line: $0.line, bytes: $0.bytes[...]) }
    }

    /// The fields of a CSV row by the header's names, or why it has none.
    static func fields(ofCSVRow bytes: ArraySlice<UInt8>, names: [String]) -> Result<[String: Any], LineProblem> {
        switch bytes.withUnsafeBufferPointer(CSVRecordFields.parse) {
        case .failure(let problem):
            return .failure(LineProblem(message: "\(problem)"))
        case .success(let cells):
            guard cells.count == names.count else {
                return .failure(LineProblem(message: "the row has \(cells.count) fields, the header \(names.count)"))
            }
            var record: [String: Any] = [:]
            for (name, cell) in zip(names, cells) where !cell.isEmpty { record[name] = cell }
            return .success(record)
        }
    }
    // MARK: - One record

    /// The fields read, by their DDSQL and API names; anything else (personal data among
    /// it) is read past.
    private static let fieldNames: [(field: String, names: [String])] = [
        ("_key", ["_key"]), ("username", ["username", "Username"]), ("id", ["id", "Id"]), ("arn", ["arn", "Arn"]),
        ("account_id", ["account_id", "AccountId"]),
        ("security_profile_ids", ["security_profile_ids", "SecurityProfileIds"]),
        ("routing_profile_id", ["routing_profile_id", "RoutingProfileId"]),
        ("hierarchy_group_id", ["hierarchy_group_id", "HierarchyGroupId"]),
        ("last_modified_time", ["last_modified_time", "LastModifiedTime"]),
    ]

    static func decode(_ record: [String: Any], file: String, line: Int) throws -> ConnectUser {
        guard record.count <= InputLimits.fieldsPerRecord else {
            throw SnapshotIssue(file: file, line: line, message: "the record has more than \(InputLimits.fieldsPerRecord) fields")
        }
        var values: [String: Any] = [:]
        for (field, names) in fieldNames {
            let present = names.filter { record[$0] != nil && !(record[$0] is NSNull) }
            if present.count > 1 {
                throw SnapshotIssue(file: file, line: line, field: field, message: "given twice, as \(present.joined(separator: " and "))")
            }
            if let name = present.first { values[field] = record[name] }
        }
        func text(_ field: String) throws -> String? {
            guard let value = values[field] else { return nil }
            guard let text = value as? String else {
                throw SnapshotIssue(file: file, line: line, field: field, message: "expected text, found \(kind(of: value))")
            }
            guard text.utf8.count <= InputLimits.textBytes else {
                throw SnapshotIssue(file: file, line: line, field: field, message: "longer than \(InputLimits.textBytes) bytes")
            }
            guard !text.utf8.contains(0) else {
                throw SnapshotIssue(file: file, line: line, field: field, message: "holds a NUL character, which PostgreSQL's text cannot store")
            }
            return text
        }
        let arn = try text("arn")
        let id = try text("id")
        guard let key = try text("_key") ?? arn ?? id, !key.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw SnapshotIssue(file: file, line: line, field: "_key", message: "a user needs _key, arn or id to be told apart from the others")
        }
        return ConnectUser(
            key: key, username: try text("username"), id: id, arn: arn, accountID: try text("account_id"),
            securityProfileIDs: try profileIDs(values["security_profile_ids"], file: file, line: line),
            routingProfileID: try text("routing_profile_id"), hierarchyGroupID: try text("hierarchy_group_id"),
            lastModifiedTime: try instant(values["last_modified_time"], file: file, line: line))
    }

    /// The profile ids: a JSON array of text, or (a CSV cell) that array's text or a
    /// PostgreSQL array literal.
    private static func profileIDs(_ value: Any?, file: String, line: Int) throws -> [String] {
        let field = "security_profile_ids"
        guard let value else { return [] }
        if let array = value as? [Any] {
            return try array.map { element in
                guard let text = element as? String, !text.utf8.contains(0), text.utf8.count <= InputLimits.textBytes else {
                    throw SnapshotIssue(file: file, line: line, field: field, message: "expected an array of profile ids (text), found \(kind(of: element)) in it")
                }
                return text
            }
        }
        guard let text = value as? String else {
            throw SnapshotIssue(file: file, line: line, field: field, message: "expected an array of profile ids, found \(kind(of: value))")
        }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("["), let array = try? JSONSerialization.jsonObject(with: Data(trimmed.utf8)) as? [Any] {
            return try profileIDs(array, file: file, line: line)
        }
        if let elements = ArrayLiteral.parse(trimmed), !elements.contains(nil) {
            return try profileIDs(elements.compactMap { $0 }, file: file, line: line)
        }
        throw SnapshotIssue(file: file, line: line, field: field, message: "expected a JSON array or a PostgreSQL array literal ({id,id}) of profile ids")
    }

    /// ISO-8601 text, or epoch seconds (the API's JSON timestamps; a CSV cell of digits).
    private static func instant(_ value: Any?, file: String, line: Int) throws -> Instant? {
        let field = "last_modified_time"
        guard let value else { return nil }
        if let text = value as? String {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if let instant = Instant(parsing: trimmed) ?? Double(trimmed).flatMap(Instant.init(epochSeconds:)) { return instant }
            throw SnapshotIssue(file: file, line: line, field: field, message: "expected an ISO-8601 time or epoch seconds, found \(trimmed.prefix(40))")
        }
        if let number = value as? NSNumber, !isBoolean(number), let instant = Instant(epochSeconds: number.doubleValue) {
            return instant
        }
        throw SnapshotIssue(file: file, line: line, field: field, message: "expected an ISO-8601 time or epoch seconds, found \(kind(of: value))")
    }

    // MARK: - Bytes

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\t")
    }

    /// One JSON object from a line, strictly checked.
    static func object(_ bytes: [UInt8]) -> Result<[String: Any], LineProblem> {
        if let problem = StrictJSON.problem(in: bytes) { return .failure(LineProblem(message: problem.message)) }
        do {
            guard let record = try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any] else {
                return .failure(LineProblem(message: "a user must be a JSON object"))
            }
            return .success(record)
        } catch {
            return .failure(LineProblem(message: "invalid JSON: \(error.localizedDescription)"))
        }
    }

    /// Why a line is not a record.
    struct LineProblem: Error {
        var message: String
    }

    /// Whether the text is one JSON object holding a `Users` array (a `SearchUsers`
    /// answer), not one user a line.
    private static func isSearchAnswer(_ data: [UInt8]) -> Bool {
        if let problem = StrictJSON.problem(in: data), problem.isTrailingContent { return false }
        return (try? JSONSerialization.jsonObject(with: Data(data)) as? [String: Any])?["Users"] is [Any]
    }

    /// The keys of the first record: a JSON array's first object, an NDJSON line's, a
    /// `SearchUsers` answer's first user, or a CSV header's names. `data` may be only the
    /// start of the file, as long as it holds the first record whole.
    static func firstRecordKeys(_ data: [UInt8]) -> Set<String>? {
        let start = data.firstIndex { !isSpace($0) } ?? data.endIndex
        guard start < data.endIndex else { return nil }
        let lineEnd = data[start...].firstIndex(of: UInt8(ascii: "\n")) ?? data.endIndex
        if data[start] == UInt8(ascii: "{"), let line = try? JSONSerialization.jsonObject(with: Data(data[start..<lineEnd])) as? [String: Any] {
            // One object a line (NDJSON), or a whole SearchUsers answer on one line.
            return Set((line["Users"] as? [[String: Any]])?.first?.keys ?? line.keys)
        }
        if data[start] == UInt8(ascii: "[") || data[start] == UInt8(ascii: "{") {
            guard let first = elementStarts(Array(data[start...])).first,
                  let object = try? JSONSerialization.jsonObject(with: Data(first.1)) as? [String: Any]
            else { return nil }
            return Set(object.keys)
        }
        let header = Array(data[start..<lineEnd]).withUnsafeBufferPointer(CSVRecordFields.parse)
        guard case .success(let names) = header else { return nil }
        return Set(names.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) })
    }

    /// The 1-based line and the bytes of each element of the top-level array (of the
    /// `Users` array of an object), found by tracking strings and nesting.
    private static func elementStarts(_ data: [UInt8]) -> [(Int, ArraySlice<UInt8>)] {
        var starts: [(Int, ArraySlice<UInt8>)] = []
        var line = 1, depth = 0, inString = false, escaped = false
        var elementStart: (index: Int, line: Int)?
        // The depth at which the records sit: 1 in an array, 2 in a SearchUsers answer.
        let recordDepth = data.first { !isSpace($0) } == UInt8(ascii: "{") ? 2 : 1
        for (index, byte) in zip(data.indices, data) {
            if byte == UInt8(ascii: "\n") { line += 1 }
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                if depth == recordDepth + 1 && elementStart == nil { elementStart = (index, line) }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                if depth == recordDepth + 1, let begun = elementStart {
                    starts.append((begun.line, data[begun.index...index]))
                    elementStart = nil
                }
                depth -= 1
            default: break
            }
        }
        return starts
    }

    /// Whether Foundation read `true` or `false` (it gives them as numbers), as `RawValue` tells.
    private static func isBoolean(_ number: NSNumber) -> Bool {
        number.objCType.pointee == CChar(UInt8(ascii: "c"))
    }

    private static func kind(of value: Any) -> String {
        switch value {
        case is NSNull: "null"
        case is String: "text"
        case let number as NSNumber: isBoolean(number) ? "true/false" : "a number"
        case is [Any]: "an array"
        case is [String: Any]: "an object"
        default: "a value of another kind"
        }
    }
}
