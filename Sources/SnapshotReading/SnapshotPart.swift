import AuditModel
import AuditTime
import Dispatch
import Foundation

/// What one input file yielded: its records, or the issues that refuse it.
public struct SnapshotPart: Sendable {
    /// The file's name as the user gave it.
    public let file: String
    /// The format it was read as.
    public let format: SnapshotFormat
    /// The records, in input order.
    public let records: [ParsedRecord]
    /// The records recognised as open versions by their source fingerprint (not decoded).
    public let recognized: [RecognizedRecord]
    /// What is wrong with the file, up to `SnapshotIssues.limit`.
    public let issues: [SnapshotIssue]
    /// Whether more issues were found than are listed.
    public let issuesTruncated: Bool
}
