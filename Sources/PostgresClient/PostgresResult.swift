import CLibPQ

/// Counts the `PGresult` handles a connection has alive, so tests can prove none leak.
final class HandleCounter {
    var live = 0
}

/// The sole owner of one `PGresult`: it is cleared when this value goes out of scope.
///
/// Non-copyable, so the handle can never be cleared twice or outlive its owner.
struct OwnedResult: ~Copyable {
    let pointer: OpaquePointer
    private let counter: HandleCounter

    init(_ pointer: OpaquePointer, counter: HandleCounter) {
        self.pointer = pointer
        self.counter = counter
        counter.live += 1
    }

    deinit {
        // Owner: this value. Cleared exactly once, here.
        PQclear(pointer)
        counter.live -= 1
    }

    var status: ExecStatusType { PQresultStatus(pointer) }

    /// The command tag, such as `INSERT 0 1` or `COMMIT`.
    var commandTag: String { String(cString: PQcmdStatus(pointer)) }

    /// The rows the command touched, or 0 when it reports none.
    var affectedRows: Int { Int(String(cString: PQcmdTuples(pointer))) ?? 0 }

    /// Copies the server's error fields into a `PostgresError`.
    func error(fallback: String) -> PostgresError {
        func field(_ code: Int32) -> String? {
            guard let value = PQresultErrorField(pointer, code) else { return nil }
            return String(cString: value)
        }
        var error = PostgresError(.server, field(CA_PG_DIAG_MESSAGE_PRIMARY) ?? fallback)
        error.sqlState = field(CA_PG_DIAG_SQLSTATE)
        error.severity = field(CA_PG_DIAG_SEVERITY_NONLOCALIZED)
        error.detail = field(CA_PG_DIAG_MESSAGE_DETAIL)
        error.hint = field(CA_PG_DIAG_MESSAGE_HINT)
        error.schema = field(CA_PG_DIAG_SCHEMA_NAME)
        error.table = field(CA_PG_DIAG_TABLE_NAME)
        error.column = field(CA_PG_DIAG_COLUMN_NAME)
        error.constraint = field(CA_PG_DIAG_CONSTRAINT_NAME)
        return error
    }

    /// Copies every row into Swift values, keeping `NULL` distinct from the empty string.
    func rows() -> PostgresRows {
        let columnCount = Int(PQnfields(pointer))
        let rowCount = Int(PQntuples(pointer))
        var names: [String] = []
        names.reserveCapacity(columnCount)
        for column in 0..<columnCount {
            names.append(String(cString: PQfname(pointer, Int32(column))))
        }
        var rows: [PostgresRow] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for column in 0..<columnCount {
                if PQgetisnull(pointer, Int32(row), Int32(column)) == 1 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(pointer, Int32(row), Int32(column))))
                }
            }
            rows.append(PostgresRow(columns: names, values: values))
        }
        return PostgresRows(columns: names, rows: rows)
    }
}
