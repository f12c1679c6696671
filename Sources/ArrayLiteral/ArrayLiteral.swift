// ArrayLiteral: PostgreSQL's one-dimensional array literal, the one codec for it. The
// PostgreSQL client writes and reads `text[]` values with it, and the snapshot readers
// read DDSQL's CSV cells (which are such literals) with it: a leaf module, so reading
// needs no database client to know the format.

/// PostgreSQL's one-dimensional array literal, `{a,"b c",NULL}`.
///
/// Rendered elements are always quoted, so any text survives. Parsing takes what the
/// server prints and what exports write: quoted elements with backslash escapes, unquoted
/// ones, spaces around elements; an unquoted `NULL` is a null element (`nil`).
package enum ArrayLiteral {
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

    /// The elements of an array literal (`nil` for an unquoted `NULL`), or `nil` when the
    /// text is not one: no braces, an unclosed quote, an empty or nested unquoted element,
    /// or something other than a comma after an element.
    package static func parse<Text: StringProtocol>(_ text: Text) -> [String?]? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 2, bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}") else { return nil }
        var elements: [String?] = []
        var index = 1
        let end = bytes.count - 1
        if end == 1 { return [] }
        while true {
            while index < end, bytes[index] == UInt8(ascii: " ") { index += 1 }
            var element: [UInt8] = []
            var quoted = false
            if index < end, bytes[index] == UInt8(ascii: "\"") {
                quoted = true
                index += 1
                var closed = false
                while index < end {
                    let byte = bytes[index]
                    if byte == UInt8(ascii: "\\"), index + 1 < end {
                        element.append(bytes[index + 1])
                        index += 2
                    } else if byte == UInt8(ascii: "\"") {
                        index += 1
                        closed = true
                        break
                    } else {
                        element.append(byte)
                        index += 1
                    }
                }
                guard closed else { return nil }
                while index < end, bytes[index] == UInt8(ascii: " ") { index += 1 }
            } else {
                while index < end, bytes[index] != UInt8(ascii: ",") {
                    if bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "{") { return nil }
                    if bytes[index] == UInt8(ascii: "\\"), index + 1 < end { index += 1 }
                    element.append(bytes[index])
                    index += 1
                }
                while element.last == UInt8(ascii: " ") { element.removeLast() }
                if element.isEmpty { return nil }
            }
            elements.append(!quoted && element == Array("NULL".utf8) ? nil : String(decoding: element, as: UTF8.self))
            if index == end { break }
            guard bytes[index] == UInt8(ascii: ",") else { return nil }
            index += 1
        }
        return elements
    }
}
