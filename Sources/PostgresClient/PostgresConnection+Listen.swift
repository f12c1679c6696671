import CLibPQ
import Foundation

/// A notification received on a channel this connection listens to.
package struct PostgresNotification: Sendable, Equatable {
    /// The channel name.
    package let channel: String
    /// The payload text (empty when none was given).
    package let payload: String
    /// The process id of the notifying server session.
    package let senderPID: Int32
}

extension PostgresConnection {
    /// Starts listening on `channel`.
    package func listen(_ channel: String) throws {
        try execute("LISTEN " + escapeIdentifier(channel))
    }

    /// Stops listening on `channel`.
    package func unlisten(_ channel: String) throws {
        try execute("UNLISTEN " + escapeIdentifier(channel))
    }

    /// Sends `payload` on `channel` (delivered when the current transaction commits).
    package func notify(_ channel: String, payload: String) throws {
        _ = try query("SELECT pg_notify($1, $2)", [channel, payload])
    }

    /// Waits at most `timeout` for a notification; `nil` when none came in time.
    package func waitForNotification(timeout: Duration) throws -> PostgresNotification? {
        let connection = try connection()
        let deadline = ContinuousClock.now + timeout
        while true {
            guard PQconsumeInput(connection) == 1 else {
                throw PostgresError(.connectionClosed, "lost the connection while listening: \(lastErrorMessage())")
            }
            if let notification = PQnotifies(connection) {
                defer { PQfreemem(notification) }  // Owner: this function.
                return PostgresNotification(
                    channel: String(cString: notification.pointee.relname),
                    payload: String(cString: notification.pointee.extra),
                    senderPID: notification.pointee.be_pid)
            }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { return nil }
            let (seconds, attoseconds) = remaining.components
            let milliseconds = Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000 + 1)
            var descriptor = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, milliseconds)
            if ready < 0, errno != EINTR {
                throw PostgresError(.connectionClosed, "waiting for a notification failed: errno \(errno)")
            }
        }
    }
}
