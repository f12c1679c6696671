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
    ///
    /// Read from the text's UTF-8 in place: an element without backslashes becomes a
    /// `String` straight from its bytes, and only an element with escapes is gathered byte
    /// by byte. Copying the text into an array and every element byte by byte was a fifth
    /// of reading a CSV whose profiles carry about 18 permissions each.
    ///
    /// `element` makes such an element's `String` from its bytes (valid UTF-8, being the
    /// text's own): a reader passes one that shares the texts that recur from row to row.
    package static func parse<Text: StringProtocol>(
        _ text: Text, element: (UnsafeBufferPointer<UInt8>) -> String = { String(decoding: $0, as: UTF8.self) }
    ) -> [String?]? {
        if let elements = text.utf8.withContiguousStorageIfAvailable({ parse(utf8: $0, element: element) }) { return elements }
        var copy = String(text)
        return copy.withUTF8 { parse(utf8: $0, element: element) }
    }

    private static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\"), comma = UInt8(ascii: ","), space = UInt8(ascii: " ")

    private static func parse(utf8 bytes: UnsafeBufferPointer<UInt8>, element make: (UnsafeBufferPointer<UInt8>) -> String) -> [String?]? {
        guard bytes.count >= 2, bytes[0] == UInt8(ascii: "{"), bytes[bytes.count - 1] == UInt8(ascii: "}") else { return nil }
        let end = bytes.count - 1
        if end == 1 { return [] }
        var elements: [String?] = []
        var index = 1
        while true {
            while index < end, bytes[index] == space { index += 1 }
            if index < end, bytes[index] == quote {
                index += 1
                let start = index
                while index < end, bytes[index] != quote, bytes[index] != backslash { index += 1 }
                if index < end, bytes[index] == quote {
                    elements.append(make(UnsafeBufferPointer(rebasing: bytes[start..<index])))
                    index += 1
                } else {
                    // A backslash (or no closing quote): gather the element byte by byte.
                    var element = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
                    var closed = false
                    while index < end {
                        let byte = bytes[index]
                        if byte == backslash, index + 1 < end {
                            element.append(bytes[index + 1])
                            index += 2
                        } else if byte == quote {
                            index += 1
                            closed = true
                            break
                        } else {
                            element.append(byte)
                            index += 1
                        }
                    }
                    guard closed else { return nil }
                    elements.append(String(decoding: element, as: UTF8.self))
                }
                while index < end, bytes[index] == space { index += 1 }
            } else {
                let start = index
                var escaped = false
                while index < end, bytes[index] != comma {
                    let byte = bytes[index]
                    if byte == quote || byte == UInt8(ascii: "{") { return nil }
                    if byte == backslash, index + 1 < end {
                        escaped = true
                        index += 1
                    }
                    index += 1
                }
                if escaped {
                    var element: [UInt8] = []
                    var at = start
                    while at < index {
                        if bytes[at] == backslash, at + 1 < end { at += 1 }
                        element.append(bytes[at])
                        at += 1
                    }
                    while element.last == space { element.removeLast() }
                    if element.isEmpty { return nil }
                    elements.append(element == Array("NULL".utf8) ? nil : String(decoding: element, as: UTF8.self))
                } else {
                    var last = index
                    while last > start, bytes[last - 1] == space { last -= 1 }
                    if last == start { return nil }
                    let element = UnsafeBufferPointer(rebasing: bytes[start..<last])
                    elements.append(element.elementsEqual("NULL".utf8) ? nil : String(decoding: element, as: UTF8.self))
                }
            }
            if index == end { break }
            guard bytes[index] == comma else { return nil }
            index += 1
        }
        return elements
    }
}
