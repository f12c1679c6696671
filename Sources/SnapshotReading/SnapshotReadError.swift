import AuditModel
import AuditTime

/// A snapshot that cannot be read: every issue found, up to `SnapshotIssues.limit`.
package struct SnapshotReadError: Error, Sendable, CustomStringConvertible {
    /// The issues, in file and line order.
    package let issues: [SnapshotIssue]
    /// Whether more issues were found than are listed.
    package let truncated: Bool

    package var description: String {
        let head = issues.count == 1 ? "the snapshot was refused, nothing was written:" : "the snapshot was refused (\(issues.count)\(truncated ? "+" : "") problems), nothing was written:"
        return ([head] + issues.map { "  " + $0.description }
            + (truncated ? ["  ... and more; fix these and run again"] : [])).joined(separator: "\n")
    }
}
