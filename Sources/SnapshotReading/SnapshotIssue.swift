import AuditModel
import AuditTime

/// One problem in an input file, placed so the user can fix it: file, line, and the
/// column or field.
package struct SnapshotIssue: Error, Hashable, Sendable, CustomStringConvertible {
    /// The file's name as the user gave it (`-` for standard input).
    package var file: String
    /// The 1-based line where the record (or the problem) starts.
    package var line: Int
    /// The 1-based column, when known.
    package var column: Int?
    /// The field involved, when there is one.
    package var field: String?
    /// What is wrong and what was expected.
    package var message: String

    /// Creates an issue.
    package init(file: String, line: Int, column: Int? = nil, field: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    /// `file:line[:column]: [field: ]message`, as compilers print it; control characters
    /// (from the file's name, its field names or a parser's quote of its bytes) escaped.
    package var description: String {
        TextEscaping.terminal(
            "\(file):\(line)" + (column.map { ":\($0)" } ?? "") + ": " + (field.map { "\($0): " } ?? "") + message)
    }
}
