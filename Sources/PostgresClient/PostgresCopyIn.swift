import CLibPQ
import Dispatch
import Synchronization

/// Encodes rows in `COPY ... FROM STDIN` text format into one reusable buffer, and sends
/// the buffer to the server whenever it passes `flushThreshold` bytes.
///
/// Append every field of a row, then call `endRow()`. Fields are escaped as the text format
/// requires: backslash, tab, newline and carriage return; `nil` is `\N`.
package struct PostgresCopyInWriter: ~Copyable {
    /// Bytes gathered before they are handed to libpq.
    package static let flushThreshold = CopyInSink.flushThreshold

    private let sink: CopyInSink
    private var buffer: [UInt8] = []
    private var fieldsInRow = 0
    /// Rows ended so far.
    package private(set) var rowCount = 0

    init(sink: CopyInSink) {
        self.sink = sink
        buffer.reserveCapacity(Self.flushThreshold + 64 * 1024)
    }

    /// Appends a text field, or `NULL` for `nil`.
    package mutating func append(_ value: String?) throws {
        separate()
        guard var value else {
            buffer.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "N")])
            return
        }
        value.withUTF8 { Self.escape($0, into: &buffer) }
    }

    /// Appends a value in its text form, or `NULL` for `nil`.
    package mutating func append(_ value: (any PostgresEncodable)?) throws {
        try append(value?.postgresText)
    }

    /// Appends an integer field.
    package mutating func append(_ value: Int) {
        separate()
        buffer.append(contentsOf: String(value).utf8)
    }

    /// Ends the current row, sending the buffer when it is full.
    package mutating func endRow() throws {
        buffer.append(UInt8(ascii: "\n"))
        fieldsInRow = 0
        rowCount += 1
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    /// Appends all fields of a row and ends it.
    package mutating func appendRow(_ values: [String?]) throws {
        for value in values { try append(value) }
        try endRow()
    }

    /// Sends what is buffered.
    mutating func flush() throws {
        try buffer.withUnsafeBytes { try sink.send($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private mutating func separate() {
        if fieldsInRow > 0 { buffer.append(UInt8(ascii: "\t")) }
        fieldsInRow += 1
    }

    /// Copies `bytes`, escaping what the text format reserves; runs of plain bytes are
    /// appended whole.
    static func escape(_ bytes: UnsafeBufferPointer<UInt8>, into buffer: inout [UInt8]) {
        var runStart = 0
        for index in 0..<bytes.count {
            let escaped: UInt8
            switch bytes[index] {
            case UInt8(ascii: "\\"): escaped = UInt8(ascii: "\\")
            case UInt8(ascii: "\t"): escaped = UInt8(ascii: "t")
            case UInt8(ascii: "\n"): escaped = UInt8(ascii: "n")
            case UInt8(ascii: "\r"): escaped = UInt8(ascii: "r")
            default: continue
            }
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            buffer.append(UInt8(ascii: "\\"))
            buffer.append(escaped)
            runStart = index + 1
        }
        buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
    }
}

/// How both `COPY ... FROM STDIN` writers hand their buffered rows to libpq: on a thread
/// of its own, so the caller goes on encoding (or reading the file the rows come from)
/// while libpq waits for the server to take the last buffer: sent in series, the client
/// would stand still whenever the socket was full.
///
/// libpq is used by one thread at a time: while sends are queued the caller only encodes,
/// and every path waits for the queue (`finish`) before it touches the connection again.
final class CopyInSink: @unchecked Sendable {
    /// Bytes gathered before they are handed to libpq.
    static let flushThreshold = 256 * 1024
    /// Buffers queued at most (8 MiB): past that, `send` waits for the server.
    private static let queuedBuffers = 32

    /// Audited: read by the sending thread only while the caller waits in `finish` or
    /// only encodes.
    private let connection: OpaquePointer
    private let lastError: () -> String
    private let queue = DispatchQueue(label: "connect-audit.copy-in")
    private let room = DispatchSemaphore(value: queuedBuffers)
    /// The first failed send's message (written on the sending thread).
    private let failure = Mutex<String?>(nil)

    init(connection: OpaquePointer, lastError: @escaping () -> String) {
        self.connection = connection
        self.lastError = lastError
    }

    /// Queues a copy of `bytes` for libpq.
    /// - Throws: `PostgresError` when an earlier send failed (the rest is not sent).
    func send(_ bytes: UnsafeRawBufferPointer) throws {
        guard !bytes.isEmpty else { return }
        try checkFailure()
        room.wait()
        let buffer = [UInt8](bytes)
        queue.async { [self] in
            defer { room.signal() }
            guard failure.withLock({ $0 == nil }) else { return }
            let status = buffer.withUnsafeBytes {
                PQputCopyData(connection, $0.baseAddress!.assumingMemoryBound(to: CChar.self), Int32($0.count))
            }
            if status != 1 {
                let message = lastError()
                failure.withLock { $0 = message }
            }
        }
    }

    /// Waits until every queued buffer is with libpq; after it, the caller may use the
    /// connection again. Every way out of a `COPY` passes here.
    /// - Throws: `PostgresError` when a send failed.
    func finish() throws {
        queue.sync {}
        try checkFailure()
    }

    private func checkFailure() throws {
        if let failure = failure.withLock({ $0 }) {
            throw PostgresError(.copyFailed, "sending COPY data failed: \(failure)")
        }
    }
}

extension PostgresConnection {
    /// Runs `COPY ... FROM STDIN` and feeds it the rows `body` writes.
    ///
    /// If `body` throws, the copy is aborted, so nothing of it is stored, and the error is
    /// rethrown. Server-side failures (a bad row, a constraint) surface after the last row,
    /// when every result is drained.
    /// - Returns: the number of rows the server stored.
    @discardableResult
    package func copyIn(_ sql: String, _ body: (inout PostgresCopyInWriter) throws -> Void) throws -> Int {
        let connection = try connection()
        try startCopy(sql, expecting: PGRES_COPY_IN)
        let sink = CopyInSink(connection: connection, lastError: { [unowned self] in self.lastErrorMessage() })
        var writer = PostgresCopyInWriter(sink: sink)
        return try endCopyIn(sink, rows: {
            try body(&writer)
            try writer.flush()
            return writer.rowCount
        })
    }

    /// Runs `COPY ... FROM STDIN (FORMAT binary)` with `columns` columns and feeds it the
    /// rows `body` writes; otherwise as `copyIn`.
    @discardableResult
    package func copyInBinary(_ sql: String, columns: Int, _ body: (inout PostgresBinaryCopyInWriter) throws -> Void) throws -> Int {
        let connection = try connection()
        try startCopy(sql, expecting: PGRES_COPY_IN)
        let sink = CopyInSink(connection: connection, lastError: { [unowned self] in self.lastErrorMessage() })
        var writer = PostgresBinaryCopyInWriter(columns: columns, sink: sink)
        return try endCopyIn(sink, rows: {
            try body(&writer)
            try writer.finish()
            return writer.rowCount
        })
    }

    /// Runs `rows` (which writes and sends every row through `sink`, and counts them) in a
    /// started `COPY ... FROM STDIN`, then ends it once `sink` has handed libpq every
    /// buffer: aborted if `rows` throws, so nothing of it is stored. Server-side failures
    /// (a bad row, a constraint) surface after the last row, when every result is drained.
    private func endCopyIn(_ sink: CopyInSink, rows: () throws -> Int) throws -> Int {
        let connection = try connection()
        let written: Int
        do {
            written = try rows()
            try sink.finish()
        } catch {
            _ = try? sink.finish()
            _ = PQputCopyEnd(connection, "aborted by the client")
            _ = try? drainResults()
            throw error
        }
        guard PQputCopyEnd(connection, nil) == 1 else {
            let message = lastErrorMessage()
            _ = try? drainResults()
            throw PostgresError(.copyFailed, "ending COPY failed: \(message)")
        }
        let tag = try drainResults()
        return Int(tag.split(separator: " ").last ?? "") ?? written
    }

    /// Sends a COPY statement and checks that the server entered the expected copy state.
    func startCopy(_ sql: String, expecting state: ExecStatusType) throws {
        let connection = try connection()
        guard let pointer = PQexec(connection, sql) else {
            throw PostgresError(.connectionClosed, lastErrorMessage())
        }
        let result = OwnedResult(pointer, counter: results)
        guard result.status == state else {
            try check(result)
            throw PostgresError(.copyFailed, "the statement did not start a COPY in the expected direction")
        }
    }

    /// Reads every pending result until libpq returns NULL; throws the first error.
    /// - Returns: the command tag of the last successful result.
    @discardableResult
    func drainResults() throws -> String {
        let connection = try connection()
        var firstError: PostgresError?
        var tag = ""
        while let pointer = PQgetResult(connection) {
            let result = OwnedResult(pointer, counter: results)
            do {
                try check(result)
                tag = result.commandTag
            } catch let error as PostgresError {
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
        return tag
    }
}
