import AuditModel
import Foundation
import ByteKernels

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
        /// A Slack incoming webhook, Block Kit message; its URL (a secret) from the environment.
        case slack(urlFromEnvironment: String, timeoutSeconds: Double)
        /// A Microsoft Teams Workflows webhook, Adaptive Card; its URL from the environment.
        case teams(urlFromEnvironment: String, timeoutSeconds: Double)
        /// PagerDuty Events API v2 (`url`, default `https://events.pagerduty.com/v2/enqueue`);
        /// the routing key from the environment.
        case pagerduty(routingKeyFromEnvironment: String, url: String, timeoutSeconds: Double)
        /// A Splunk HTTP Event Collector (`url` its base, `https://splunk.example.com:8088`;
        /// events go to `/services/collector/event`), the token from the environment.
        case splunk(url: String, tokenFromEnvironment: String, index: String?, sourcetype: String, timeoutSeconds: Double)
        /// Datadog events (`POST /api/v2/events` at `https://event-management-intake.<DD_SITE>`,
        /// or `url` for a proxy), the keys from `DD_API_KEY` and `DD_APP_KEY`.
        case datadog(url: String?, timeoutSeconds: Double)
    }

    /// Where Datadog's event intake is for a site (datadog-api-client's `EventsApi.create_event`
    /// servers: `https://{subdomain}.{site}` with `event-management-intake`).
    package static func datadogEventIntake(site: String) -> String { "https://event-management-intake.\(site)" }
    package static let datadogEventPath = "/api/v2/events"

    /// The path under a Splunk HEC base URL that takes JSON events (Splunk's "HTTP Event
    /// Collector REST API endpoints").
    package static let splunkEventPath = "/services/collector/event"

    package var name: String
    package var kind: Kind
    /// When one ingest matches more alerts than this for the channel, it gets one digest
    /// message instead of one each (`notify` channels never digest: machines read them).
    package var digestOver: Int

    /// PagerDuty's Events API v2 endpoint.
    package static let pagerDutyEvents = "https://events.pagerduty.com/v2/enqueue"

    package init(name: String, kind: Kind, digestOver: Int = 20) {
        self.name = name
        self.kind = kind
        self.digestOver = digestOver
    }

    /// Whether the channel may get digests.
    package var digests: Bool {
        if case .notify = kind { return false }
        return true
    }
}
