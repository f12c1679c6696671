import AuditCore
import AuditModel
import AuditStore
import Foundation
import PostgresClient
import SecretRedaction
import SnapshotReading

/// What one delivery attempt came to.
enum DeliveryResult: Equatable {
    case delivered
    /// Worth trying again (network error, timeout, 5xx, 408, 429); `retryAfter` in seconds.
    case retry(reason: String, retryAfter: Double?)
    /// Not worth trying again (another 4xx): the response is recorded.
    case failed(reason: String)

    /// The same result with every secret in its reason masked (`Redaction`) and its control
    /// characters shown as escapes: a remote body is stored and printed only so, and a NUL
    /// in it can no longer make the outbox write fail (and stop every delivery).
    func redacting(known secrets: [String]) -> DeliveryResult {
        func clean(_ reason: String) -> String { TextEscaping.terminal(Redaction.secrets(in: reason, known: secrets)) }
        switch self {
        case .delivered: return self
        case .retry(let reason, let after): return .retry(reason: clean(reason), retryAfter: after)
        case .failed(let reason): return .failed(reason: clean(reason))
        }
    }
}
