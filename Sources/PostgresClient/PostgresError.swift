/// An error from libpq or the server, with the server's diagnostic fields copied out.
///
/// The fields are copied before the result they came from is cleared. Bound values and
/// passwords never appear here: messages come from the server or from libpq, and a
/// connection failure has its password scrubbed (see `PostgresConnection.init`).
package struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is: a struct over a private enum (as postgres-nio's
    /// `PSQLError.Code`), so a new kind breaks no caller's exhaustive `switch`.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case connectionFailed, connectionClosed, server, transactionRolledBack, copyFailed, decoding, timeout
            case unexpectedResponse
        }

        private let base: Base

        private init(_ base: Base) { self.base = base }

        /// The connection could not be established.
        package static let connectionFailed = Code(.connectionFailed)
        /// The connection was lost, or was used after `close()`.
        package static let connectionClosed = Code(.connectionClosed)
        /// The server rejected a statement; `sqlState` says why.
        package static let server = Code(.server)
        /// `COMMIT` did not commit: the transaction had failed and was rolled back.
        package static let transactionRolledBack = Code(.transactionRolledBack)
        /// A `COPY` failed on our side (the server's failures are `.server`).
        package static let copyFailed = Code(.copyFailed)
        /// A value from the server could not be read as the type asked for.
        package static let decoding = Code(.decoding)
        /// Waiting for the server took longer than allowed.
        package static let timeout = Code(.timeout)
        /// libpq answered in a way this wrapper does not expect.
        package static let unexpectedResponse = Code(.unexpectedResponse)

        package var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    package internal(set) var code: Code
    /// The primary message, in one line.
    package internal(set) var message: String
    /// The five-character SQLSTATE, when the server sent one.
    package internal(set) var sqlState: String?
    /// The server's severity (`ERROR`, `FATAL`, ...), not localized.
    package internal(set) var severity: String?
    /// The server's detail line.
    package internal(set) var detail: String?
    /// The server's hint line.
    package internal(set) var hint: String?
    /// The schema of the object involved.
    package internal(set) var schema: String?
    /// The table involved.
    package internal(set) var table: String?
    /// The column involved.
    package internal(set) var column: String?
    /// The constraint involved.
    package internal(set) var constraint: String?

    /// Creates an error of `code` with `message` and no server fields.
    package init(_ code: Code, _ message: String, sqlState: String? = nil) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
    }

    /// One line: the message, the SQLSTATE, the object involved and the detail.
    package var description: String {
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
