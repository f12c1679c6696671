import Foundation

/// Splits one complete CSV record into fields.
package enum CSVRecordFields {
    /// The fields, or why the record is malformed: unbalanced quotes, a NUL byte (which
    /// PostgreSQL cannot store), or bytes that are not UTF-8 (refused as JSON input refuses
    /// them, never replaced by U+FFFD).
    package static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<[String], CSVProblem> {
        if bytes.offset(of: 0) != nil {
            return .failure(CSVProblem(message: "a NUL byte: PostgreSQL cannot store it; is this a text file?"))
        }
        // An ASCII record (nearly all) needs no UTF-8 check; in another, each field is
        // checked for repairs as it is made (`isRepaired`), without a second pass.
        let ascii = isASCII(bytes)
        /// A field's text; `nil` when its bytes are not UTF-8.
        func make(_ raw: UnsafeBufferPointer<UInt8>) -> String? {
            let value = String(decoding: raw, as: UTF8.self)
            return !ascii && isRepaired(value, from: raw) ? nil : value
        }
        var fields: [String] = []
        fields.reserveCapacity(16)
        var scratch: [UInt8] = []
        var index = 0
        let count = bytes.count
        // The next quote or comma found with `memchr` (`offset(of:)`), vectorised, not byte by byte.
        func next(_ byte: UInt8, from start: Int) -> Int? { bytes.offset(of: byte, from: start) }
        while true {
            if index < count, bytes[index] == UInt8(ascii: "\"") {
                // Quoted: the text up to the closing quote, made straight from the bytes; only
                // a field with a doubled quote ("" is one quote: every element of an array
                // cell) is gathered run by run, in `scratch`, which keeps its capacity.
                var gathered = false
                index += 1
                var runStart = index
                while true {
                    guard let quote = next(UInt8(ascii: "\""), from: index) else {
                        return .failure(CSVProblem(message: "a quoted field is never closed"))
                    }
                    if quote + 1 < count, bytes[quote + 1] == UInt8(ascii: "\"") {
                        // A doubled quote: the run so far and one quote.
                        if !gathered { scratch.removeAll(keepingCapacity: true) }
                        gathered = true
                        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart...quote]))
                        index = quote + 2
                        runStart = index
                        continue
                    }
                    index = quote + 1
                    let run = UnsafeBufferPointer(rebasing: bytes[runStart..<quote])
                    let made: String?
                    if gathered {
                        scratch.append(contentsOf: run)
                        made = scratch.withUnsafeBufferPointer { make($0) }
                    } else {
                        made = make(run)
                    }
                    guard let value = made else { return .failure(.invalidUTF8(field: fields.count + 1)) }
                    fields.append(value)
                    break
                }
                guard index == count || bytes[index] == UInt8(ascii: ",") else {
                    return .failure(CSVProblem(message: "unexpected character after a closing quote: quotes inside a quoted field must be doubled"))
                }
            } else {
                let start = index
                index = next(UInt8(ascii: ","), from: index) ?? count
                guard let value = make(UnsafeBufferPointer(rebasing: bytes[start..<index])) else {
                    return .failure(.invalidUTF8(field: fields.count + 1))
                }
                fields.append(value)
            }
            if index == count { return .success(fields) }
            index += 1  // the comma
        }
    }
}

extension CSVRecordFields {
    /// Whether every byte is ASCII (one OR over the bytes, vectorised).
    package static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var seen: UInt8 = 0
        for byte in bytes { seen |= byte }
        return seen < 0x80
    }

    /// Whether `String(decoding:)` repaired `raw` into `text` (bytes that are not UTF-8
    /// became U+FFFD): a repair changes the length, except when a 3-byte piece of a 4-byte
    /// sequence becomes one 3-byte U+FFFD, which needs a lead byte of 0xF0 or more.
    static func isRepaired(_ text: String, from raw: UnsafeBufferPointer<UInt8>) -> Bool {
        if text.utf8.count != raw.count { return true }
        guard raw.contains(where: { $0 >= 0xF0 }) else { return false }
        return String(validating: raw, as: UTF8.self) == nil
    }
}

/// A malformed CSV record.
package struct CSVProblem: Error {
    package let message: String

    /// Field `field` (1-based) holds bytes that are not UTF-8.
    static func invalidUTF8(field: Int) -> CSVProblem {
        CSVProblem(message: "field \(field) is not valid UTF-8; export the file as UTF-8")
    }
}
