

/// The outcome of a statement that returns no rows.
package struct PostgresCommandResult: Sendable, Equatable {
    /// The command tag, such as `INSERT 0 1` or `COMMIT`.
    package let tag: String
    /// The number of rows the command touched.
    package let affectedRows: Int
}
