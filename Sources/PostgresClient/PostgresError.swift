/// An error from libpq or the server, with the server's diagnostic fields copied out.
///
/// The fields are copied before the result they came from is cleared. Bound values and
/// passwords never appear here: messages come from the server or from libpq, and a
/// connection failure has its password scrubbed (see `PostgresConnection.init`).
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Code: String, Sendable {
        /// The connection could not be established.
        case connectionFailed
        /// The connection was lost, or was used after `close()`.
        case connectionClosed
        /// The server rejected a statement; `sqlState` says why.
        case server
        /// `COMMIT` did not commit: the transaction had failed and was rolled back.
        case transactionRolledBack
        /// A `COPY` failed on our side (the server's failures are `.server`).
        case copyFailed
        /// A value from the server could not be read as the type asked for.
        case decoding
        /// Waiting for the server took longer than allowed.
        case timeout
        /// libpq answered in a way this wrapper does not expect.
        case unexpectedResponse
    }

    /// What kind of failure this is.
    public var code: Code
    /// The primary message, in one line.
    public var message: String
    /// The five-character SQLSTATE, when the server sent one.
    public var sqlState: String?
    /// The server's severity (`ERROR`, `FATAL`, ...), not localized.
    public var severity: String?
    /// The server's detail line.
    public var detail: String?
    /// The server's hint line.
    public var hint: String?
    /// The schema of the object involved.
    public var schema: String?
    /// The table involved.
    public var table: String?
    /// The column involved.
    public var column: String?
    /// The constraint involved.
    public var constraint: String?

    /// Creates an error of `code` with `message` and no server fields.
    public init(_ code: Code, _ message: String, sqlState: String? = nil) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
    }

    /// One line: the message, the SQLSTATE, the object involved and the detail.
    public var description: String {
        var text = message
        if let sqlState { text += " (SQLSTATE \(sqlState))" }
        if let table {
            text += " on " + (schema.map { "\($0)." } ?? "") + table
            if let constraint { text += ", constraint \(constraint)" }
        }
        if let detail { text += ": \(detail)" }
        if let hint { text += " Hint: \(hint)" }
        return text
    }
}
