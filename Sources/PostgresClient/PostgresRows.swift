

/// The rows of a query, copied out of libpq.
package struct PostgresRows: Sendable, RandomAccessCollection {
    /// The column names, in order.
    package let columns: [String]
    /// The rows, in the order the server sent them.
    package let rows: [PostgresRow]

    package var startIndex: Int { rows.startIndex }
    package var endIndex: Int { rows.endIndex }
    package subscript(position: Int) -> PostgresRow { rows[position] }
}
