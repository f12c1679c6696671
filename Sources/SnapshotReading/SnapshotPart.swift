import AuditModel
import Dispatch
import Foundation

/// What one input file yielded: its records, or the issues that refuse it.
package struct SnapshotPart: Sendable {
    /// The file's name as the user gave it.
    package let file: String
    /// The format it was read as.
    package let format: SnapshotFormat
    /// The records, in input order.
    package let records: [ParsedRecord]
    /// The records recognised as open versions by their source fingerprint (not decoded).
    package let recognized: [RecognizedRecord]
    /// What is wrong with the file, up to `SnapshotIssues.limit`.
    package let issues: [SnapshotIssue]
    /// Whether more issues were found than are listed.
    package let issuesTruncated: Bool
}
