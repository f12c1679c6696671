import CLibPQ
import Foundation
import Logging
import SecretRedaction

/// One connection to PostgreSQL through libpq: the sole owner of its `PGconn`.
///
/// Not `Sendable`: use it from one thread at a time. Every call blocks until the server
/// answers, so keep it off Swift's cooperative pool for long waits.
package final class PostgresConnection {
    /// The `PGconn`; `nil` once closed.
    private var handle: OpaquePointer?
    /// Counts live `PGresult`s of this connection (zero between calls).
    let results = HandleCounter()
    /// Receives the server's NOTICE and WARNING messages; kept alive as long as `handle`.
    private let notices: NoticeSink
    /// Where notices and diagnostics go.
    package let logger: Logger

    /// Connects with a libpq connection string or URL (`postgresql://...`).
    ///
    /// An empty string uses libpq's `PG*` environment variables alone. The session is
    /// set to UTC, ISO dates and UTF-8, which the value codecs rely on.
    /// - Throws: `PostgresError` with code `.connectionFailed`, naming host, port and
    ///   database but never the password.
    package init(_ conninfo: String = "", logger: Logger = Logger(label: "connect-audit.postgres")) throws {
        self.logger = logger
        notices = NoticeSink(logger: logger)
        guard let connection = PQconnectdb(conninfo) else {
            throw PostgresError(.connectionFailed, "libpq could not allocate a connection")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            // Copy everything out before PQfinish frees the connection.
            let error = Self.connectFailure(connection, conninfo: conninfo)
            PQfinish(connection)  // Owner: this initializer, on the failure path.
            throw error
        }
        handle = connection
        PQsetNoticeReceiver(connection, noticeReceiver, Unmanaged.passUnretained(notices).toOpaque())
        do {
            try execute("SET TimeZone = 'UTC'")
            try execute("SET DateStyle = 'ISO, YMD'")
            try execute("SET client_encoding = 'UTF8'")
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    /// Closes the connection; calling it again does nothing.
    package func close() {
        guard let connection = handle else { return }
        handle = nil
        PQfinish(connection)  // Owner: this connection; `handle` is already nil.
    }

    /// Whether `close()` has not been called and the link is healthy.
    package var isOpen: Bool {
        guard let handle else { return false }
        return PQstatus(handle) == CONNECTION_OK
    }

    /// The number of `PGresult`s alive; zero between calls unless one leaked.
    package var liveResultCount: Int { results.live }

    /// The open handle, or an error if the connection was closed.
    func connection() throws -> OpaquePointer {
        guard let handle else { throw PostgresError(.connectionClosed, "the connection is closed") }
        return handle
    }

    /// libpq's last error message on this connection, in one line.
    func lastErrorMessage() -> String {
        guard let handle else { return "the connection is closed" }
        return Self.oneLine(String(cString: PQerrorMessage(handle)))
    }

    /// The server's process id for this session (as `pg_backend_pid()`).
    package var backendPID: Int32 {
        guard let handle else { return 0 }
        return PQbackendPID(handle)
    }

    /// Quotes an identifier (a table or channel name) with `PQescapeIdentifier`.
    package func escapeIdentifier(_ identifier: String) throws -> String {
        let connection = try connection()
        let bytes = Array(identifier.utf8)
        guard let escaped = bytes.withUnsafeBufferPointer({ buffer in
            buffer.withMemoryRebound(to: CChar.self) { PQescapeIdentifier(connection, $0.baseAddress, buffer.count) }
        }) else {
            throw PostgresError(.unexpectedResponse, lastErrorMessage())
        }
        defer { PQfreemem(escaped) }  // Owner: this function.
        return String(cString: escaped)
    }

    /// Builds the error for a failed connect: where it tried, and libpq's reason with the
    /// password scrubbed in case the message echoes any part of the connection string.
    ///
    /// A connection string libpq cannot parse leaves `PQpass` empty while the message quotes
    /// the string (`invalid percent-encoded token: "SeCr%zzEt"`), so the conninfo's own
    /// secret-looking parts are masked too.
    private static func connectFailure(_ connection: OpaquePointer, conninfo: String) -> PostgresError {
        let password = PQpass(connection).map { String(cString: $0) }
        let reason = Redaction.secrets(
            in: oneLine(String(cString: PQerrorMessage(connection))),
            known: [password].compactMap { $0 } + Redaction.urlPasswords(of: conninfo))
        let host = PQhost(connection).map { String(cString: $0) } ?? "localhost"
        let port = PQport(connection).map { String(cString: $0) } ?? "5432"
        let database = PQdb(connection).map { String(cString: $0) } ?? "?"
        let user = PQuser(connection).map { String(cString: $0) } ?? "?"
        // A connection string libpq could not parse names no host: say so instead of "at :".
        let place = host.isEmpty ? "(the connection string could not be read)" : "at \(host):\(port), database \(database), user \(user)"
        return PostgresError(
            .connectionFailed,
            "could not connect to PostgreSQL \(place): \(reason)."
                + " Check --database-url, DATABASE_URL or the PG* variables, and that the server is running")
    }

    /// Folds libpq's multi-line messages into one line.
    static func oneLine(_ message: String) -> String {
        message.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
            .joined(separator: " ")
    }

    /// Hides the password of a `postgresql://` URL or `password=` conninfo, for printing.
    package static func redacted(_ conninfo: String) -> String {
        Redaction.connectionString(conninfo)
    }
}

/// Holds the logger for libpq's notice callback, which can carry only a raw pointer.
final class NoticeSink {
    let logger: Logger
    init(logger: Logger) { self.logger = logger }
}

/// Routes a server NOTICE or WARNING to the connection's logger instead of stderr.
private func noticeReceiver(_ context: UnsafeMutableRawPointer?, _ result: OpaquePointer?) {
    guard let context, let result else { return }
    let sink = Unmanaged<NoticeSink>.fromOpaque(context).takeUnretainedValue()
    // libpq owns `result` here and clears it after the callback returns.
    let severity = PQresultErrorField(result, CA_PG_DIAG_SEVERITY_NONLOCALIZED).map { String(cString: $0) } ?? "NOTICE"
    let message = PQresultErrorField(result, CA_PG_DIAG_MESSAGE_PRIMARY).map { String(cString: $0) } ?? ""
    let level: Logger.Level = severity == "WARNING" ? .warning : .debug
    sink.logger.log(level: level, "\(severity): \(message)")
}
