import AuditModel
import AuditTime

/// One problem in an input file, placed so the user can fix it: file, line, and the
/// column or field.
public struct SnapshotIssue: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file's name as the user gave it (`-` for standard input).
    public var file: String
    /// The 1-based line where the record (or the problem) starts.
    public var line: Int
    /// The 1-based column, when known.
    public var column: Int?
    /// The field involved, when there is one.
    public var field: String?
    /// What is wrong and what was expected.
    public var message: String

    /// Creates an issue.
    public init(file: String, line: Int, column: Int? = nil, field: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    /// `file:line[:column]: [field: ]message`, as compilers print it; control characters
    /// (from the file's name, its field names or a parser's quote of its bytes) escaped.
    public var description: String {
        TextEscaping.terminal(
            "\(file):\(line)" + (column.map { ":\($0)" } ?? "") + ": " + (field.map { "\($0): " } ?? "") + message)
    }
}

/// A snapshot that cannot be read: every issue found, up to `SnapshotIssues.limit`.
public struct SnapshotReadError: Error, Sendable, CustomStringConvertible {
    /// The issues, in file and line order.
    public let issues: [SnapshotIssue]
    /// Whether more issues were found than are listed.
    public let truncated: Bool

    public var description: String {
        let head = issues.count == 1 ? "the snapshot was refused, nothing was written:" : "the snapshot was refused (\(issues.count)\(truncated ? "+" : "") problems), nothing was written:"
        return ([head] + issues.map { "  " + $0.description }
            + (truncated ? ["  ... and more; fix these and run again"] : [])).joined(separator: "\n")
    }
}

/// Gathers issues up to a limit, so one pass shows a user most of what to fix.
struct SnapshotIssues {
    /// How many issues are kept.
    static let limit = 20

    private(set) var issues: [SnapshotIssue] = []
    private(set) var truncated = false

    var isEmpty: Bool { issues.isEmpty }
    var isFull: Bool { issues.count >= Self.limit }

    mutating func add(_ issue: SnapshotIssue) {
        if isFull { truncated = true } else { issues.append(issue) }
    }

    /// Records that issues were left out elsewhere (a part already at its limit).
    mutating func markTruncated() { truncated = true }

    mutating func add(contentsOf other: SnapshotIssues) {
        for issue in other.issues { add(issue) }
        if other.truncated { truncated = true }
    }
}
