

/// The outcome of a statement that returns no rows.
public struct PostgresCommandResult: Sendable, Equatable {
    /// The command tag, such as `INSERT 0 1` or `COMMIT`.
    public let tag: String
    /// The number of rows the command touched.
    public let affectedRows: Int
}
