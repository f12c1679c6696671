import AuditModel
import AuditTime
import Foundation

/// Reads RFC 4180 CSV in two steps, so the costly one can run on every core:
///
/// 1. `CSVRecordSplitter` finds where each record ends as bytes stream in (a newline
///    outside quotes), tracking only quote state and line numbers;
/// 2. `CSVRecordFields.parse` splits one complete record into its fields: quoted fields
///    may hold commas, doubled quotes and line breaks; CRLF and LF both end a record.
struct CSVRecordSplitter {
    private var inQuotes = false
    private var record: [UInt8] = []
    private var line = 1
    private var recordLine = 1
    /// The line of a record that grew past `InputLimits.recordBytes` (an unclosed quote,
    /// a file with no line breaks): the reader refuses the file and stops reading.
    private(set) var oversizedRecordLine: Int?

    /// Feeds bytes; `emit` receives each complete record's bytes (without its line break)
    /// and the line it started on. Blank lines are skipped.
    ///
    /// Jumps between quotes and line breaks with `memchr` (vectorised in libc) instead of
    /// looking at every byte: most records hold no quote at all.
    mutating func consume(_ bytes: UnsafeBufferPointer<UInt8>, emit: (UnsafeBufferPointer<UInt8>, Int) -> Void) {
        guard let base = bytes.baseAddress else { return }
        let count = bytes.count
        /// The offset of the first `byte` in `from..<upTo`.
        func find(_ byte: UInt8, from: Int, upTo: Int) -> Int? {
            guard from < upTo, let found = memchr(base + from, Int32(byte), upTo - from) else { return nil }
            return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }
        func lineBreaks(from: Int, upTo: Int) -> Int {
            var breaks = 0
            var index = from
            while let found = find(UInt8(ascii: "\n"), from: index, upTo: upTo) {
                breaks += 1
                index = found + 1
            }
            return breaks
        }
        var start = 0
        var index = 0
        while index < count {
            if inQuotes {
                // The next quote ends the quoted run (a doubled quote reopens it at once).
                let close = find(UInt8(ascii: "\""), from: index, upTo: count) ?? count
                line += lineBreaks(from: index, upTo: close)
                if close < count { inQuotes = false }
                index = close + 1
                continue
            }
            let lineEnd = find(UInt8(ascii: "\n"), from: index, upTo: count) ?? count
            if let quote = find(UInt8(ascii: "\""), from: index, upTo: lineEnd) {
                inQuotes = true
                index = quote + 1
                continue
            }
            guard lineEnd < count else { break }
            line += 1
            finishRecord(UnsafeBufferPointer(rebasing: bytes[start..<lineEnd]), emit: emit)
            recordLine = line
            start = lineEnd + 1
            index = lineEnd + 1
        }
        record.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<count]))
        if record.count > InputLimits.recordBytes { oversizedRecordLine = recordLine }
    }

    /// Ends the input: emits a last record that has no line break.
    /// - Returns: the line of a quoted field that never closes, if any.
    mutating func finish(emit: (UnsafeBufferPointer<UInt8>, Int) -> Void) -> Int? {
        let unclosed = inQuotes ? recordLine : nil
        if !inQuotes { finishRecord(UnsafeBufferPointer(start: nil, count: 0), emit: emit) }
        return unclosed
    }

    private mutating func finishRecord(_ tail: UnsafeBufferPointer<UInt8>, emit: (UnsafeBufferPointer<UInt8>, Int) -> Void) {
        if record.isEmpty {
            emitUnlessBlank(tail, emit: emit)
        } else {
            record.append(contentsOf: tail)
            let whole = record
            whole.withUnsafeBufferPointer { emitUnlessBlank($0, emit: emit) }
            record.removeAll(keepingCapacity: true)
        }
    }

    private func emitUnlessBlank(_ bytes: UnsafeBufferPointer<UInt8>, emit: (UnsafeBufferPointer<UInt8>, Int) -> Void) {
        var end = bytes.count
        if end > 0, bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        guard end > 0 else { return }
        emit(UnsafeBufferPointer(rebasing: bytes[0..<end]), recordLine)
    }
}

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
