import AuditModel
import AuditTime
import Foundation

/// Splits one complete CSV record into fields.
enum CSVRecordFields {
    /// The fields, or why the record is malformed: unbalanced quotes, a NUL byte (which
    /// PostgreSQL cannot store), or bytes that are not UTF-8 (refused as JSON input refuses
    /// them, never replaced by U+FFFD).
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> Result<[String], CSVProblem> {
        if let base = bytes.baseAddress, memchr(base, 0, bytes.count) != nil {
            return .failure(CSVProblem(message: "a NUL byte: PostgreSQL cannot store it; is this a text file?"))
        }
        // Validated once per record: fields split at ASCII bytes, so a valid record has valid
        // fields. (`String(validating:)` per field took twice `String(decoding:)`'s time.)
        if !isASCII(bytes), String(validating: bytes, as: UTF8.self) == nil {
            return .failure(.invalidUTF8(field: firstInvalidField(bytes)))
        }
        var fields: [String] = []
        fields.reserveCapacity(16)
        var index = 0
        let count = bytes.count
        while true {
            if index < count, bytes[index] == UInt8(ascii: "\"") {
                // Quoted: copy runs between quotes; "" is one quote.
                var field: [UInt8] = []
                index += 1
                var runStart = index
                while true {
                    guard index < count else { return .failure(CSVProblem(message: "a quoted field is never closed")) }
                    if bytes[index] == UInt8(ascii: "\"") {
                        field.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                        if index + 1 < count, bytes[index + 1] == UInt8(ascii: "\"") {
                            field.append(UInt8(ascii: "\""))
                            index += 2
                            runStart = index
                            continue
                        }
                        index += 1
                        break
                    }
                    index += 1
                }
                fields.append(String(decoding: field, as: UTF8.self))
                guard index == count || bytes[index] == UInt8(ascii: ",") else {
                    return .failure(CSVProblem(message: "unexpected character after a closing quote: quotes inside a quoted field must be doubled"))
                }
            } else {
                let start = index
                while index < count, bytes[index] != UInt8(ascii: ",") { index += 1 }
                fields.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
            }
            if index == count { return .success(fields) }
            index += 1  // the comma
        }
    }
}

extension CSVRecordFields {
    /// Whether every byte is ASCII (one OR over the bytes, vectorised).
    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var seen: UInt8 = 0
        for byte in bytes { seen |= byte }
        return seen < 0x80
    }

    /// The 1-based number of the first field (counting commas outside quotes) that holds
    /// bytes that are not UTF-8: the slow path of a refused record.
    static func firstInvalidField(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var field = 1
        var start = 0
        var inQuotes = false
        for index in 0...bytes.count {
            let atEnd = index == bytes.count
            if !atEnd, bytes[index] == UInt8(ascii: "\"") { inQuotes.toggle() }
            guard atEnd || (!inQuotes && bytes[index] == UInt8(ascii: ",")) else { continue }
            if String(validating: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self) == nil { return field }
            field += 1
            start = index + 1
        }
        return field
    }
}

/// A malformed CSV record.
struct CSVProblem: Error {
    let message: String

    /// Field `field` (1-based) holds bytes that are not UTF-8.
    static func invalidUTF8(field: Int) -> CSVProblem {
        CSVProblem(message: "field \(field) is not valid UTF-8; export the file as UTF-8")
    }
}
