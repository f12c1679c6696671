import AuditCore
import AuditModel
import Foundation
import PostgresClient

/// One alert waiting in (or done with) `connect_audit.alert_outbox`, with its event.
package struct OutboxAlert: Sendable {
    package var id: Int64
    package var rule: String
    package var channel: String
    package var state: String
    package var attempts: Int
    package var lastError: String?
    package var event: AlertEvent
}
