import CLibPQ

extension PostgresConnection {
    /// Runs `COPY ... TO STDOUT` (text format) and hands each row to `body` as it arrives,
    /// so memory stays flat however large the table.
    ///
    /// If `body` throws, the remaining rows are read and dropped, then the error is rethrown.
    /// - Returns: the number of rows read.
    @discardableResult
    package func copyOut(_ sql: String, _ body: ([String?]) throws -> Void) throws -> Int {
        var rows = 0
        try copyOutMessages(sql) { message in
            try body(PostgresCopyText.fields(of: message))
            rows += 1
        }
        return rows
    }

    /// Runs `COPY ... TO STDOUT (FORMAT binary)` and hands each row to `body` as it
    /// arrives: values in PostgreSQL's binary form, read in place (no text to format on
    /// the server, none to parse here). The row is valid only during the call.
    ///
    /// If `body` throws, the remaining rows are read and dropped, then the error is rethrown.
    /// - Returns: the number of rows read.
    @discardableResult
    package func copyOutBinary(_ sql: String, _ body: (PostgresBinaryRow) throws -> Void) throws -> Int {
        var rows = 0
        var ranges: [Range<Int>?] = []
        var headerSeen = false
        try copyOutMessages(sql) { message in
            var reader = PostgresBinaryReader(message)
            if !headerSeen {
                try reader.skipHeader()
                headerSeen = true
            }
            while !reader.atEnd {
                ranges.removeAll(keepingCapacity: true)
                guard try reader.row(into: &ranges) else { return }  // the trailer
                try body(PostgresBinaryRow(bytes: message, fields: ranges))
                rows += 1
            }
        }
        return rows
    }

    /// Runs a `COPY ... TO STDOUT` and hands each CopyData message to `body`; after a
    /// throw, the rest is read and dropped and the error rethrown.
    private func copyOutMessages(_ sql: String, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        let connection = try connection()
        try startCopy(sql, expecting: PGRES_COPY_OUT)
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
            do {
                try body(UnsafeRawBufferPointer(start: data, count: Int(length)).bindMemory(to: UInt8.self))
            } catch {
                bodyError = error
            }
        }
        try drainResults()
        if let bodyError { throw bodyError }
    }
}
