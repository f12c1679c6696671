import CLibPQ

extension PostgresConnection {
    /// Runs `COPY ... TO STDOUT` (text format) and hands each row to `body` as it arrives,
    /// so memory stays flat however large the table.
    ///
    /// If `body` throws, the remaining rows are read and dropped, then the error is rethrown.
    /// - Returns: the number of rows read.
    @discardableResult
    public func copyOut(_ sql: String, _ body: ([String?]) throws -> Void) throws -> Int {
        let connection = try connection()
        try startCopy(sql, expecting: PGRES_COPY_OUT)
        var rows = 0
        var bodyError: (any Error)?
        while true {
            var data: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(connection, &data, 0)
            if length == -1 { break }
            guard length >= 0, let data else {
                let message = lastErrorMessage()
                _ = try? drainResults()
                throw PostgresError(.copyFailed, "reading COPY data failed: \(message)")
            }
            defer { PQfreemem(data) }  // Owner: this loop iteration.
            guard bodyError == nil else { continue }
            let bytes = UnsafeRawBufferPointer(start: data, count: Int(length)).bindMemory(to: UInt8.self)
            do {
                try body(PostgresCopyText.fields(of: bytes))
                rows += 1
            } catch {
                bodyError = error
            }
        }
        try drainResults()
        if let bodyError { throw bodyError }
        return rows
    }
}

/// Decodes one row of COPY's text format.
enum PostgresCopyText {
    /// Splits a row (with its trailing newline) into fields, unescaping each; `\N` is `nil`.
    static func fields(of row: UnsafeBufferPointer<UInt8>) -> [String?] {
        var end = row.count
        if end > 0, row[end - 1] == UInt8(ascii: "\n") { end -= 1 }
        var fields: [String?] = []
        var field: [UInt8] = []
        var index = 0
        var isNull = false
        while index <= end {
            if index == end || row[index] == UInt8(ascii: "\t") {
                fields.append(isNull ? nil : String(decoding: field, as: UTF8.self))
                field.removeAll(keepingCapacity: true)
                isNull = false
                index += 1
                continue
            }
            let byte = row[index]
            guard byte == UInt8(ascii: "\\"), index + 1 < end else {
                field.append(byte)
                index += 1
                continue
            }
            let next = row[index + 1]
            index += 2
            switch next {
            case UInt8(ascii: "N"): isNull = true
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
        return fields
    }
}
