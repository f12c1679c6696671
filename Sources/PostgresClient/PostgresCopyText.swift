import CLibPQ

/// Decodes one row of COPY's text format.
enum PostgresCopyText {
    /// Splits a row (with its trailing newline) into fields, unescaping each; `\N` is `nil`.
    static func fields(of row: UnsafeBufferPointer<UInt8>) -> [String?] {
        var end = row.count
        if end > 0, row[end - 1] == UInt8(ascii: "\n") { end -= 1 }
        var fields: [String?] = []
        var start = 0
        // Most fields have no backslash: they become strings straight from the row.
        while true {
            var stop = start
            var escaped = false
            while stop < end, row[stop] != UInt8(ascii: "\t") {
                if row[stop] == UInt8(ascii: "\\") { escaped = true }
                stop += 1
            }
            let field = UnsafeBufferPointer(rebasing: row[start..<stop])
            if !escaped {
                fields.append(String(decoding: field, as: UTF8.self))
            } else if field.count == 2, field[1] == UInt8(ascii: "N") {
                fields.append(nil)
            } else {
                fields.append(unescape(field))
            }
            if stop >= end { return fields }
            start = stop + 1
        }
    }

    /// One field with backslash escapes, decoded.
    private static func unescape(_ row: UnsafeBufferPointer<UInt8>) -> String {
        let end = row.count
        var field: [UInt8] = []
        field.reserveCapacity(end)
        var index = 0
        while index < end {
            let byte = row[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < end else {
                field.append(byte)
                index += 1
                continue
            }
            let next = row[index + 1]
            index += 2
            switch next {
            case UInt8(ascii: "t"): field.append(UInt8(ascii: "\t"))
            case UInt8(ascii: "n"): field.append(UInt8(ascii: "\n"))
            case UInt8(ascii: "r"): field.append(UInt8(ascii: "\r"))
            case UInt8(ascii: "b"): field.append(8)
            case UInt8(ascii: "f"): field.append(12)
            case UInt8(ascii: "v"): field.append(11)
            case UInt8(ascii: "0")...UInt8(ascii: "7"):
                // Up to three octal digits.
                var value = Int(next - 48)
                var digits = 1
                while digits < 3, index < end, row[index] >= 48, row[index] <= 55 {
                    value = value * 8 + Int(row[index] - 48)
                    index += 1
                    digits += 1
                }
                field.append(UInt8(truncatingIfNeeded: value))
            default: field.append(next)
            }
        }
        return String(decoding: field, as: UTF8.self)
    }
}
