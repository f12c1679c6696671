import AuditModel

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
