/// PostgreSQL's one-dimensional array literal, `{a,"b c",NULL}`, for `text[]` values.
///
/// Elements are always quoted when rendered, so any text survives, and `NULL` elements
/// are refused when parsed: connect-audit's sets never hold them.
package enum PostgresArrayLiteral {
    /// Renders strings as an array literal.
    package static func render(_ elements: [String]) -> String {
        var out = "{"
        out.reserveCapacity(elements.reduce(2) { $0 + $1.utf8.count + 3 })
        for (index, element) in elements.enumerated() {
            if index > 0 { out += "," }
            out += "\""
            // Most elements need no escape: append them whole (per-scalar appends cost a
            // seventh of a first ingest).
            if element.utf8.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                for character in element.unicodeScalars {
                    if character == "\"" || character == "\\" { out += "\\" }
                    out.unicodeScalars.append(character)
                }
            } else {
                out += element
            }
            out += "\""
        }
        return out + "}"
    }

    /// Parses an array literal of strings; quoted and unquoted elements, with escapes.
    package static func parse(_ text: String) throws -> [String] {
        let bytes = Array(text.utf8)
        guard bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}") else {
            throw PostgresError(.decoding, "expected an array literal {...}, got \(text.prefix(40))")
        }
        var elements: [String] = []
        var index = 1
        let end = bytes.count - 1
        if index == end { return [] }
        while index <= end {
            var element: [UInt8] = []
            var quoted = false
            if bytes[index] == UInt8(ascii: "\"") {
                quoted = true
                index += 1
                while index < end, bytes[index] != UInt8(ascii: "\"") {
                    if bytes[index] == UInt8(ascii: "\\") { index += 1 }
                    guard index < end else { break }
                    element.append(bytes[index])
                    index += 1
                }
                guard index < end else {
                    throw PostgresError(.decoding, "unterminated quoted element in \(text.prefix(40))")
                }
                index += 1  // closing quote
            } else {
                while index < end, bytes[index] != UInt8(ascii: ",") {
                    if bytes[index] == UInt8(ascii: "\\") { index += 1 }
                    guard index < end else { break }
                    element.append(bytes[index])
                    index += 1
                }
            }
            if !quoted, element == Array("NULL".utf8) {
                throw PostgresError(.decoding, "unexpected NULL element in \(text.prefix(40))")
            }
            if !quoted {
                while let last = element.last, last == UInt8(ascii: " ") { element.removeLast() }
            }
            elements.append(String(decoding: element, as: UTF8.self))
            guard index == end || bytes[index] == UInt8(ascii: ",") else {
                throw PostgresError(.decoding, "expected ',' in array literal \(text.prefix(40))")
            }
            index += 1
        }
        return elements
    }
}
