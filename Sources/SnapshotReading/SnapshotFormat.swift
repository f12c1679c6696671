import AuditModel
import ByteKernels
import Foundation

/// The input formats of DESIGN §2.
package enum SnapshotFormat: String, CaseIterable, Sendable {
    /// One JSON object per line, DDSQL field names.
    case ndjson
    /// A JSON array of such objects, or an object holding it under `data`, `rows` or `items`.
    case json
    /// A DDSQL CSV export: a header row of field names.
    case csv
    /// AWS CLI/SDK output: `{"SecurityProfile": {...}}` objects, PascalCase names.
    case aws
    /// The DDSQL API's column-major tabular response.
    case ddsql

    /// Guesses the format from a file's name and its first bytes (`auto`).
    ///
    /// `.csv` decides by name; `.ndjson`/`.jsonl` too, unless the first object is AWS output
    /// (`SecurityProfile` key: `pull aws` writes one a line). Otherwise the structure decides, by the
    /// *keys* of the first object, never by a value (a DDSQL row whose
    /// `tag_restricted_resources` holds `SecurityProfile` stays a DDSQL row, DESIGN §2):
    /// a top-level `data` object (DDSQL's tabular response), `SecurityProfile`,
    /// `SecurityProfiles` or `SecurityProfileSummaryList` keys, or `Arn` with
    /// `SecurityProfileName` (AWS, where the partial outputs are refused), a first line that
    /// is a whole object followed by more lines (NDJSON), a JSON document; anything not
    /// starting with `{` or `[` is CSV.
    package static func detect(fileName: String, prefix: ArraySlice<UInt8>) -> SnapshotFormat {
        let lower = fileName.lowercased()
        if lower.hasSuffix(".csv") { return .csv }
        let prefix = prefix.starts(with: byteOrderMark) ? prefix.dropFirst(3) : prefix
        let linesByName = lower.hasSuffix(".ndjson") || lower.hasSuffix(".jsonl")
        guard let first = prefix.first(where: { !isSpace($0) }) else { return linesByName ? .ndjson : lower.hasSuffix(".json") ? .json : .csv }
        guard first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else { return linesByName ? .ndjson : .csv }
        let shape = Array(prefix).withUnsafeBufferPointer { JSONStructure.leadingKeys(of: $0) }
        func isAWS(_ keys: Set<String>) -> Bool {
            keys.contains("SecurityProfile") || keys.contains("SecurityProfiles") || keys.contains("SecurityProfileSummaryList")
                || (keys.contains("Arn") && keys.contains("SecurityProfileName"))
        }
        // AWS output one object per line (what `pull aws` writes) is AWS whatever its name.
        if isAWS(shape.topLevel) || isAWS(shape.firstElement) { return .aws }
        if linesByName { return .ndjson }
        if shape.topLevel.contains("data"), shape.dataIsObject { return .ddsql }
        if first == UInt8(ascii: "{"), shape.firstObjectEndsLine,
           !["data", "rows", "items"].contains(where: shape.topLevel.contains) {
            // A first line that is a whole object, and not a wrapper holding the rows: NDJSON.
            return .ndjson
        }
        return .json
    }

    /// The UTF-8 byte order mark some tools (Excel) write first; readers skip it.
    static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}
