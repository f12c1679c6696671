import AuditModel
import Foundation

/// A user export split into records and fingerprinted, not yet decoded (`UserExport.scan`):
/// `resolve` then recognises the records that are open versions' rows and decodes the rest.
package struct ScannedUsers {
    /// One record: where it starts, its bytes, and (in a JSON document, parsed whole) its object.
    struct Record {
        var line: Int
        var bytes: ArraySlice<UInt8>
        var object: [String: Any]?
    }

    /// How records are laid out, which decides how one is parsed.
    enum Form {
        case lines, document
        case csv(names: [String])
    }

    let file: String
    var form = Form.lines
    var records: [Record] = []
    /// The SHA-256 of each record's bytes, by record.
    var digests: [SHA256Digest] = []
    var issues: [SnapshotIssue] = []

    init(file: String) {
        self.file = file
    }

    /// The users of the export, against `open`: records whose digest is an open version's
    /// row are recognised as that user unchanged; the rest are parsed and decoded.
    /// - Throws: `SnapshotReadError` with every problem found (up to `SnapshotIssues.limit`),
    ///   a user held twice among them.
    package func resolve(against open: OpenUsers) throws -> UserReading {
        var issues = issues
        var reading = UserReading()
        // The first line of each key: by open position (most keys, no hashing of text),
        // else by key.
        var firstLineAt = [Int](repeating: 0, count: open.count)
        var firstLineOf: [String: Int] = [:]
        func see(_ key: String, position: Int?, line: Int) {
            let first = position.map { firstLineAt[$0] } ?? firstLineOf[key] ?? 0
            if first != 0 {
                issues.append(SnapshotIssue(
                    file: file, line: line, field: "_key",
                    message: "user \(key) appears twice (first on line \(first)); an export holds each user once"))
            } else if let position {
                firstLineAt[position] = line
            } else {
                firstLineOf[key] = line
            }
        }
        for (record, digest) in zip(records, digests) {
            if let position = open.positionOfRow[digest] {
                see(open.all[position].key, position: position, line: record.line)
                reading.recognized.append(RecognizedUser(position: position, line: record.line, rowDigest: digest))
                continue
            }
            let fields: Result<[String: Any], UserExport.LineProblem>
            switch form {
            case .lines: fields = UserExport.object(Array(record.bytes))
            case .document: fields = .success(record.object ?? [:])
            case .csv(let names): fields = UserExport.fields(ofCSVRow: record.bytes, names: names)
            }
            do {
                let user = try UserExport.decode(try fields.get(), file: file, line: record.line)
                see(user.key, position: open.position(of: user.key), line: record.line)
                reading.users.append(ParsedUser(user: user, file: file, line: record.line, rowDigest: digest))
            } catch let problem as UserExport.LineProblem {
                issues.append(SnapshotIssue(file: file, line: record.line, message: problem.message))
            } catch let issue as SnapshotIssue {
                issues.append(issue)
            } catch {
                issues.append(SnapshotIssue(file: file, line: record.line, message: "\(error)"))
            }
        }
        guard issues.isEmpty else {
            let sorted = issues.sorted { ($0.line, $0.field ?? "") < ($1.line, $1.field ?? "") }
            throw SnapshotReadError(issues: Array(sorted.prefix(SnapshotIssues.limit)), truncated: sorted.count > SnapshotIssues.limit)
        }
        return reading
    }
}
