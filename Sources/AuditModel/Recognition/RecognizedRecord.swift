/// A record recognised by its source fingerprint: an open version, unchanged.
package struct RecognizedRecord: Hashable, Sendable {
    /// The position of the open version in the `OpenVersions` the snapshot was read against.
    package var index: Int
    /// The file it came from (`-` for standard input).
    package var file: String
    /// The 1-based line where its record starts.
    package var line: Int

    package init(index: Int, file: String, line: Int) {
        self.index = index
        self.file = file
        self.line = line
    }
}
