import Foundation

/// The input formats of DESIGN §2.
public enum SnapshotFormat: String, CaseIterable, Sendable {
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
    /// `.ndjson`/`.jsonl` and `.csv` decide by name. Otherwise the content decides: DDSQL's
    /// `columns`, AWS's `SecurityProfile`, a first line that is a whole object followed
    /// by more lines (NDJSON), a JSON document; anything not starting with `{` or `[` is CSV.
    public static func detect(fileName: String, prefix: ArraySlice<UInt8>) -> SnapshotFormat {
        let lower = fileName.lowercased()
        if lower.hasSuffix(".ndjson") || lower.hasSuffix(".jsonl") { return .ndjson }
        if lower.hasSuffix(".csv") { return .csv }
        guard let first = prefix.first(where: { !isSpace($0) }) else { return lower.hasSuffix(".json") ? .json : .csv }
        guard first == UInt8(ascii: "{") || first == UInt8(ascii: "[") else { return .csv }
        let text = String(decoding: prefix, as: UTF8.self)
        if text.contains("\"columns\""), text.contains("\"attributes\"") { return .ddsql }
        if text.contains("\"SecurityProfile\"") || text.contains("\"SecurityProfiles\"")
            || (text.contains("\"Arn\"") && text.contains("\"SecurityProfileName\"")) {
            return .aws
        }
        if first == UInt8(ascii: "{") {
            // A first line that is a whole object, and not a wrapper holding the rows: NDJSON.
            let firstLine = String(String.UnicodeScalarView(text.unicodeScalars.prefix { $0 != "\n" }))
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let wrapperKeys = ["\"data\"", "\"rows\"", "\"items\""]
            if firstLine.hasSuffix("}"), !wrapperKeys.contains(where: { firstLine.contains($0) }) { return .ndjson }
        }
        return .json
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }
}
