import CLibPQ
import Foundation

extension PostgresConnection {
    /// Runs a statement that returns no rows, with `$1`, `$2`, ... bound to `parameters`.
    @discardableResult
    package func execute(_ sql: String, _ parameters: [(any PostgresEncodable)?] = []) throws -> PostgresCommandResult {
        let result = try run(sql, parameters)
        return PostgresCommandResult(tag: result.commandTag, affectedRows: result.affectedRows)
    }

    /// Runs a query with `$1`, `$2`, ... bound to `parameters`, and copies out every row.
    ///
    /// The whole result is held in memory: for large results use `copyOut`.
    package func query(_ sql: String, _ parameters: [(any PostgresEncodable)?] = []) throws -> PostgresRows {
        try run(sql, parameters).rows()
    }

    /// Runs one or more statements without parameters (a migration script).
    ///
    /// Several statements run in one implicit transaction unless they contain their own.
    package func executeScript(_ sql: String) throws {
        let connection = try connection()
        guard let pointer = PQexec(connection, sql) else {
            throw PostgresError(.connectionClosed, lastErrorMessage())
        }
        let result = OwnedResult(pointer, counter: results)
        try check(result)
    }

    /// Sends one statement in text format and checks its status.
    private func run(_ sql: String, _ parameters: [(any PostgresEncodable)?]) throws -> OwnedResult {
        let connection = try connection()
        // strdup'd copies, freed below: libpq reads them only during PQexecParams.
        let values: [UnsafeMutablePointer<CChar>?] = parameters.map { parameter in
            parameter.map { strdup($0.postgresText) }
        }
        defer { values.forEach { free($0) } }
        let pointer: OpaquePointer? = values.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: UnsafePointer<CChar>?.self) { constValues in
                PQexecParams(connection, sql, Int32(values.count), nil, constValues.baseAddress, nil, nil, 0)
            }
        }
        guard let pointer else { throw PostgresError(.connectionClosed, lastErrorMessage()) }
        let result = OwnedResult(pointer, counter: results)
        try check(result)
        return result
    }

    /// Throws the server's error unless the result is a success.
    func check(_ result: borrowing OwnedResult) throws {
        switch result.status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return
        case PGRES_FATAL_ERROR, PGRES_NONFATAL_ERROR:
            throw result.error(fallback: lastErrorMessage())
        default:
            throw PostgresError(.unexpectedResponse, "unexpected result status \(result.status.rawValue): \(lastErrorMessage())")
        }
    }
}
