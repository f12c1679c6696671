import AuditModel
import AuditTime

/// A record recognised by its source fingerprint: an open version, unchanged.
public struct RecognizedRecord: Hashable, Sendable {
    /// The position of the open version in the `OpenVersions` the snapshot was read against.
    public var index: Int
    /// The file it came from (`-` for standard input).
    public var file: String
    /// The 1-based line where its record starts.
    public var line: Int

    public init(index: Int, file: String, line: Int) {
        self.index = index
        self.file = file
        self.line = line
    }
}
