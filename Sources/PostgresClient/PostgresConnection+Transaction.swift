import CLibPQ

/// A transaction's isolation level, as PostgreSQL spells it in `BEGIN ISOLATION LEVEL`.
package enum PostgresIsolationLevel: String, Sendable {
    case readCommitted = "READ COMMITTED"
    case repeatableRead = "REPEATABLE READ"
    case serializable = "SERIALIZABLE"
}

extension PostgresConnection {
    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws.
    ///
    /// A `COMMIT` that the server turns into a `ROLLBACK` (because a statement failed and
    /// the error was swallowed) throws `.transactionRolledBack`: it is never reported as
    /// success.
    package func withTransaction<T>(
        isolation: PostgresIsolationLevel = .readCommitted,
        _ body: (PostgresConnection) throws -> T
    ) throws -> T {
        try execute("BEGIN ISOLATION LEVEL \(isolation.rawValue)")
        let value: T
        do {
            value = try body(self)
        } catch {
            rollbackAfterFailure()
            throw error
        }
        try commit()
        return value
    }

    /// Commits the open transaction, throwing if the server rolled it back instead.
    package func commit() throws {
        let result = try execute("COMMIT")
        guard result.tag == "COMMIT", PQtransactionStatus(try connection()) == PQTRANS_IDLE else {
            throw PostgresError(
                .transactionRolledBack,
                "the transaction was rolled back, not committed: an earlier statement in it failed")
        }
    }

    /// Rolls back after an error; a failure here leaves the connection to be closed.
    private func rollbackAfterFailure() {
        guard let handle = try? connection(), PQtransactionStatus(handle) != PQTRANS_IDLE else { return }
        do {
            try execute("ROLLBACK")
        } catch {
            logger.warning("ROLLBACK failed, closing the connection: \(error)")
            close()
        }
    }
}
