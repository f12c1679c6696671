import AuditCore
import AuditModel
import Foundation
import SnapshotReading

/// Test inputs: the shared examples (copied into `Fixtures/`) and inline text.
enum Fixture {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: folder.appendingPathComponent(name)))
    }

    /// Reads inline text as one file named `name`.
    static func read(_ text: String, name: String, format: SnapshotFormat? = nil) throws(SnapshotReadError) -> [ParsedRecord] {
        try SnapshotAssembler.read([(name, Array(text.utf8))], format: format)
    }

    /// The issues reading `text` produces (empty if it reads).
    static func issues(_ text: String, name: String, format: SnapshotFormat? = nil) -> [SnapshotIssue] {
        do {
            _ = try read(text, name: name, format: format)
            return []
        } catch {
            return error.issues
        }
    }
}
