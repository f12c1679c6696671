import Foundation

/// Reads RFC 4180 CSV in two steps, so the costly one can run on every core:
///
/// 1. `CSVRecordSplitter` finds where each record ends as bytes stream in (a newline
///    outside quotes), tracking only quote state and line numbers;
/// 2. `CSVRecordFields.parse` splits one complete record into its fields: quoted fields
///    may hold commas, doubled quotes and line breaks; CRLF and LF both end a record.
package struct CSVRecordSplitter {
    private var inQuotes = false
    private var record: [UInt8] = []
    private var line = 1
    private var recordLine = 1
    /// The most bytes a record may have.
    private let recordLimit: Int
    /// The line of a record that grew past `recordLimit` (an unclosed quote, a file with no
    /// line breaks): the reader refuses the file and stops reading.
    package private(set) var oversizedRecordLine: Int?

    /// A splitter that stops at a record of more than `recordLimit` bytes.
    package init(recordLimit: Int) { self.recordLimit = recordLimit }

    /// Feeds bytes; `emit` receives each complete record's bytes (without its line break)
    /// and the line it started on. Blank lines are skipped.
    ///
    /// Jumps between quotes and line breaks with `memchr` (vectorised in libc) instead of
    /// looking at every byte: most records hold no quote at all.
    package mutating func consume(_ bytes: UnsafeBufferPointer<UInt8>, emit: (UnsafeBufferPointer<UInt8>, Int) -> Void) {
        guard bytes.baseAddress != nil else { return }
        let count = bytes.count
        func find(_ byte: UInt8, from: Int, upTo: Int) -> Int? { bytes.offset(of: byte, from: from, upTo: upTo) }
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
        // The first line break at or after some earlier `index`, so at or after this one
        // while `index` has not passed it: found once per line, not once per quoted run (a
        // record of array cells has dozens of doubled quotes, and searching from each to the
        // line's end is quadratic in them).
        var nextBreak = -1
        while index < count {
            if inQuotes {
                // The next quote ends the quoted run (a doubled quote reopens it at once).
                let close = find(UInt8(ascii: "\""), from: index, upTo: count) ?? count
                if close > nextBreak { line += lineBreaks(from: index, upTo: close) }
                if close < count { inQuotes = false }
                index = close + 1
                continue
            }
            if index > nextBreak { nextBreak = find(UInt8(ascii: "\n"), from: index, upTo: count) ?? count }
            let lineEnd = nextBreak
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
        if record.count > recordLimit { oversizedRecordLine = recordLine }
    }

    /// Ends the input: emits a last record that has no line break.
    /// - Returns: the line of a quoted field that never closes, if any.
    package mutating func finish(emit: (UnsafeBufferPointer<UInt8>, Int) -> Void) -> Int? {
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
