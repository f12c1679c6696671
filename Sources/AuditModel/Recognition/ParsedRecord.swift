import Foundation

/// A profile read from an input, with where it came from.
package struct ParsedRecord: Hashable, Sendable {
    /// The canonical profile.
    package var profile: SecurityProfile
    /// The file it came from (`-` for standard input).
    package var file: String
    /// The 1-based line where its record starts (for column-major DDSQL: its row number).
    package var line: Int
    /// The source fingerprint of its raw bytes (`SourceFingerprinter`), when its format has one.
    package var sourceFingerprint: SourceFingerprint?

    /// Creates a record.
    package init(profile: SecurityProfile, file: String, line: Int, sourceFingerprint: SourceFingerprint? = nil) {
        self.profile = profile
        self.file = file
        self.line = line
        self.sourceFingerprint = sourceFingerprint
    }
}
