import ArrayLiteral
import AuditModel
import ByteKernels
import Foundation

/// The text spellings of sets and tag sets found in exports (CSV cells, DDSQL strings).
///
/// Each parser returns `nil` when the text is not in its form, so callers can say what
/// they expected.
enum TextForms {
    /// A PostgreSQL array literal `{a,"b c",d}` (`ArrayLiteral`); unquoted `NULL` elements
    /// are dropped, as a set has no nulls. Elements that recur come from `recurring`.
    static func postgresArray(_ text: Substring, recurring: RecurringTexts? = nil) -> [String]? {
        guard let elements = recurring.map({ ArrayLiteral.parse(text, element: $0.text) }) ?? ArrayLiteral.parse(text) else { return nil }
        // Allocated at its size: the array is kept in the record, and `compactMap` grew it
        // by doubling (a fifth of a first load's memory was such arrays, massif).
        var set: [String] = []
        set.reserveCapacity(elements.count)
        for case let element? in elements { set.append(element) }
        return set
    }

    /// PostgreSQL hstore text, `"k"=>"v", "k2"=>NULL`, as `key:value` strings (a `NULL`
    /// value becomes `key:`).
    static func hstore(_ text: Substring) -> [String]? {
        let bytes = Array(text.utf8)
        var index = 0
        var tags: [String] = []
        // Each tag is built in one buffer, `key:value`, and made a string once.
        var tag: [UInt8] = []
        func skipSpaces() { while index < bytes.count, bytes[index] == UInt8(ascii: " ") { index += 1 } }
        /// Appends one token's bytes to `tag`: whether it was quoted, or `nil` when there is none.
        func token() -> Bool? {
            skipSpaces()
            guard index < bytes.count else { return nil }
            if bytes[index] == UInt8(ascii: "\"") {
                index += 1
                while index < bytes.count, bytes[index] != UInt8(ascii: "\"") {
                    if bytes[index] == UInt8(ascii: "\\"), index + 1 < bytes.count { index += 1 }
                    tag.append(bytes[index])
                    index += 1
                }
                guard index < bytes.count else { return nil }
                index += 1
                return true
            }
            let start = tag.count
            while index < bytes.count, bytes[index] != UInt8(ascii: "="), bytes[index] != UInt8(ascii: ","),
                  bytes[index] != UInt8(ascii: " ") {
                if bytes[index] == UInt8(ascii: "\\"), index + 1 < bytes.count { index += 1 }
                tag.append(bytes[index])
                index += 1
            }
            return tag.count == start ? nil : false
        }
        skipSpaces()
        if index == bytes.count { return [] }
        while true {
            tag.removeAll(keepingCapacity: true)
            guard token() != nil else { return nil }
            skipSpaces()
            guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "="), bytes[index + 1] == UInt8(ascii: ">") else {
                return nil
            }
            index += 2
            tag.append(UInt8(ascii: ":"))
            let valueStart = tag.count
            guard let quoted = token() else { return nil }
            // An unquoted NULL (any case) is no value: `key:`.
            if !quoted, tag.count - valueStart == 4,
               String(decoding: tag[valueStart...], as: UTF8.self).uppercased() == "NULL" {
                tag.removeSubrange(valueStart...)
            }
            tags.append(String(decoding: tag, as: UTF8.self))
            skipSpaces()
            if index == bytes.count { return tags }
            guard bytes[index] == UInt8(ascii: ",") else { return nil }
            index += 1
        }
    }

    /// DDSQL's `hstore_csv`: `k:v,k2:v2`, split on commas (a value cannot hold one).
    static func keyValueList(_ text: Substring) -> [String] {
        // ASCII text (the usual tag list) is split as bytes, in place, each comma found by
        // `memchr`: splitting by Character was most of decoding a CSV row's tags. Other text
        // keeps Character semantics (a combining mark after a comma joins it).
        let ascii = text.utf8.withContiguousStorageIfAvailable { bytes -> [String]? in
            guard CSVRecordFields.isASCII(bytes) else { return nil }
            func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
            var tags: [String] = []
            var start = 0
            while start <= bytes.count {
                let comma = bytes.offset(of: UInt8(ascii: ","), from: start) ?? bytes.count
                var first = start
                var end = comma
                while first < end, isSpace(bytes[first]) { first += 1 }
                while end > first, isSpace(bytes[end - 1]) { end -= 1 }
                if first < end { tags.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[first..<end]), as: UTF8.self)) }
                start = comma + 1
            }
            return tags
        }
        if let ascii = ascii ?? nil { return ascii }
        var tags: [String] = []
        for piece in text.split(separator: ",") {
            let trimmed = piece.first == " " || piece.last == " " || piece.first == "\t" || piece.last == "\t"
                ? String(piece).trimmedSpaces : piece
            if !trimmed.isEmpty { tags.append(String(trimmed)) }
        }
        return tags
    }

    /// A JSON document, or `nil` when the text is not JSON.
    static func json(_ text: Substring) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }
}
