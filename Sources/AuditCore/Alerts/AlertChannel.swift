import AuditModel
import Foundation
import SnapshotReading

/// Where an alert goes.
package struct AlertChannel: Hashable, Sendable {
    /// How a webhook's body is shaped.
    package enum Style: String, Sendable, CaseIterable {
        /// `{"text": "..."}`, which Slack's incoming webhooks (and many chat tools) take.
        case slack
        /// The event as JSON.
        case json
    }

    /// The kinds of channel.
    package enum Kind: Hashable, Sendable {
        /// HTTP POST; header values come from environment variables (secrets stay out of
        /// the file).
        case webhook(url: String, style: Style, headersFromEnvironment: [String: String], timeoutSeconds: Double)
        /// One JSON line per alert on standard output (of `alerts deliver`).
        case stdout
        /// PostgreSQL `NOTIFY` on the named channel, sent in the ingest's transaction.
        case notify(channel: String)
    }

    package var name: String
    package var kind: Kind

    package init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }
}
