import ArgumentParser
import AuditCore
import AuditModel
import AuditStore
import PostgresClient
import Foundation
import SnapshotReading
import SnapshotSources

/// `connect-audit alerts deliver|list|retry`.
struct Alerts: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Deliver, list and retry the alerts that ingest --rules wrote.",
        subcommands: [Deliver.self, List.self, Retry.self])

    struct Deliver: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Send pending alerts in event order, at least once, retrying with backoff.",
            discussion: """
                Each alert is sent in its own transaction holding its outbox row (FOR UPDATE SKIP LOCKED), so two \
                deliverers never send one alert at once and a crash re-sends at most the alert in flight. Requests carry \
                the outbox id as Idempotency-Key. Network errors, timeouts, 408, 429 and 5xx are retried with \
                exponential backoff and jitter (Retry-After honoured); another 4xx marks the alert failed. It keeps \
                going while retries fall due within --max-wait seconds.
                """)

        @OptionGroup var database: DatabaseOptions
        @Option(help: "The rules file that names the channels.") var rules: String
        @Option(name: .customLong("max-wait"), help: "Wait at most this many seconds for retries that are not yet due.")
        var maxWait = 60.0
        @Option(name: .customLong("max-attempts"), help: "Attempts before an alert is marked failed.")
        var maxAttempts = 8
        @Option(name: .customLong("max-time"), help: "Seconds the whole run may take; what is not sent by then stays pending for the next run.")
        var maxTime = 600.0

        func validate() throws {
            try Seconds.check(maxWait, option: "--max-wait")
            try Seconds.check(maxTime, option: "--max-time")
            if maxAttempts < 1 || maxAttempts > 1_000 { throw ValidationError("--max-attempts must be from 1 to 1000") }
        }

        func run() throws {
            let alertRules = try AlertRulesFile.load(rules)
            let connection = try database.connect()
            defer { connection.close() }
            let totals = try Self.deliverPending(
                connection: connection, rules: alertRules, rulesFile: rules, maxWait: maxWait, maxAttempts: maxAttempts, maxTime: maxTime)
            FileHandle.standardError.write(Data("\(totals.line)\n".utf8))
        }

        /// What a delivery run did.
        struct Totals {
            var delivered = 0, retried = 0, failed = 0, pending = 0
            var line: String { "delivered \(delivered), retried \(retried), failed \(failed); \(pending) still pending" }
        }

        /// Sends pending digests and alerts until none is due within `maxWait` seconds, or
        /// `maxTime` seconds have passed (every request ends by then; what is left stays pending).
        static func deliverPending(
            connection: PostgresConnection, rules alertRules: AlertRules, rulesFile rules: String, maxWait: Double, maxAttempts: Int,
            maxTime: Double = 600
        ) throws -> Totals {
            let outbox = AlertOutbox(connection: connection)
            let policy = RetryPolicy(maxAttempts: maxAttempts)
            let deadline = ContinuousClock.now + .seconds(maxWait)
            let stop = ContinuousClock.now + .seconds(maxTime)
            var random = SystemRandomNumberGenerator()
            var totals = Totals()
            /// What became of one attempt (a digest's or an alert's), through `mark`.
            enum Mark { case delivered, failed(String), retry(after: Double, String) }
            func settle(_ result: DeliveryResult, attempts: Int, _ mark: (Mark) throws -> Void) throws {
                switch result {
                case .delivered:
                    try mark(.delivered)
                    totals.delivered += 1
                case .failed(let reason):
                    try mark(.failed(reason))
                    totals.failed += 1
                case .retry(let reason, let retryAfter):
                    if attempts + 1 >= policy.maxAttempts {
                        try mark(.failed("gave up after \(attempts + 1) attempts: \(reason)"))
                        totals.failed += 1
                    } else {
                        let delay = policy.delay(afterAttempts: attempts + 1, retryAfter: retryAfter, jitter: Double.random(in: 0..<1, using: &random))
                        try mark(.retry(after: delay, reason))
                        totals.retried += 1
                    }
                }
            }
            while ContinuousClock.now < stop {
                let claimed: Bool = try connection.withTransaction { _ in
                    if let (digest, attempts) = try outbox.claimNextDigest() {
                        let result = alertRules.channels[digest.channel].map { Self.send(digest, via: $0, until: stop) }
                            ?? .failed(reason: "channel \(digest.channel) is not in \(rules)")
                        try settle(result, attempts: attempts) { mark in
                            switch mark {
                            case .delivered: try outbox.markDigest(digest.id, delivered: true)
                            case .failed(let reason): try outbox.markDigest(digest.id, delivered: false, error: reason)
                            case .retry(let delay, let reason): try outbox.markDigest(digest.id, delivered: false, retryAfter: delay, error: reason)
                            }
                        }
                        return true
                    }
                    guard let alert = try outbox.claimNext() else { return false }
                    let result = alertRules.channels[alert.channel].map { Self.send(alert, via: $0, until: stop) }
                        ?? .failed(reason: "channel \(alert.channel) is not in \(rules)")
                    try settle(result, attempts: alert.attempts) { mark in
                        switch mark {
                        case .delivered: try outbox.markDelivered(alert.id)
                        case .failed(let reason): try outbox.markFailed(alert.id, error: reason)
                        case .retry(let delay, let reason): try outbox.markRetry(alert.id, after: delay, error: reason)
                        }
                    }
                    return true
                }
                if claimed { continue }
                // Nothing due now: wait for the next retry if it falls due before the deadline.
                guard let wait = try outbox.secondsUntilNextDue() else { break }
                let remaining = deadline - ContinuousClock.now
                guard Duration.seconds(wait) < remaining else { break }
                Thread.sleep(forTimeInterval: max(0.01, wait))
            }
            totals.pending = try outbox.list(states: ["pending"]).count
            return totals
        }


        static func send(_ alert: OutboxAlert, via channel: AlertChannel, until deadline: ContinuousClock.Instant? = nil) -> DeliveryResult {
            let key = String(alert.id)
            switch channel.kind {
            case .stdout:
                print(AlertPayload.json(alert.event, rule: alert.rule, alertID: alert.id))
                fflush(nil)
                return .delivered
            case .notify:
                return .delivered  // sent by the ingest's own transaction
            case .webhook(let url, let style, let headersFromEnvironment, let timeout):
                let headers: [String: String]
                switch Self.environmentValues(headersFromEnvironment) {
                case .success(let values): headers = values
                case .failure(let missing): return .failed(reason: missing.reason)
                }
                // A receiver may echo the request's headers: their values never reach the outbox.
                return WebhookSender.send(alert, url: url, style: style, headers: headers, timeout: timeout, deadline: deadline)
                    .redacting(known: Array(headers.values))
            case .slack(let variable, let timeout):
                return Self.post(ChannelPayloads.slack(alert.event, rule: alert.rule), urlFrom: variable, timeout: timeout, deadline: deadline, key: key)
            case .teams(let variable, let timeout):
                return Self.post(ChannelPayloads.teams(alert.event, rule: alert.rule), urlFrom: variable, timeout: timeout, deadline: deadline, key: key)
            case .pagerduty(let variable, let url, let timeout):
                guard let routingKey = ProcessInfo.processInfo.environment[variable], !routingKey.isEmpty else {
                    return .failed(reason: "environment variable \(variable) (the PagerDuty routing key) is not set")
                }
                return WebhookSender.post(
                    ChannelPayloads.pagerDuty(alert.event, rule: alert.rule, alertID: alert.id, routingKey: routingKey),
                    to: url, headers: [:], timeout: timeout, deadline: deadline, idempotencyKey: key).redacting(known: [routingKey])
            case .splunk(let url, let variable, let index, let sourcetype, let timeout):
                let event = AlertPayload.json(alert.event, rule: alert.rule, alertID: alert.id)
                return Self.postToSplunk(
                    ChannelPayloads.splunk(event: event, at: alert.event.observedAt, fields: ChannelPayloads.splunkFields(alert.event), index: index, sourcetype: sourcetype),
                    url: url, tokenFrom: variable, timeout: timeout, deadline: deadline, key: key)
            case .datadog(let url, let timeout):
                return Self.postToDatadog(
                    ChannelPayloads.datadog(alert.event, rule: alert.rule, alertID: alert.id), url: url, timeout: timeout, deadline: deadline, key: key)
            }
        }

        /// One digest over its channel.
        static func send(_ digest: AlertDigest, via channel: AlertChannel, until deadline: ContinuousClock.Instant? = nil) -> DeliveryResult {
            let key = "digest-\(digest.id)"
            switch channel.kind {
            case .stdout:
                print(ChannelPayloads.json(digest))
                fflush(nil)
                return .delivered
            case .notify:
                return .delivered  // notify channels never digest
            case .webhook(let url, _, let headersFromEnvironment, let timeout):
                switch Self.environmentValues(headersFromEnvironment) {
                case .success(let headers):
                    return WebhookSender.post(ChannelPayloads.json(digest), to: url, headers: headers, timeout: timeout, deadline: deadline, idempotencyKey: key)
                        .redacting(known: Array(headers.values))
                case .failure(let missing):
                    return .failed(reason: missing.reason)
                }
            case .slack(let variable, let timeout):
                return Self.post(ChannelPayloads.slack(digest), urlFrom: variable, timeout: timeout, deadline: deadline, key: key)
            case .teams(let variable, let timeout):
                return Self.post(ChannelPayloads.teams(digest), urlFrom: variable, timeout: timeout, deadline: deadline, key: key)
            case .pagerduty(let variable, let url, let timeout):
                guard let routingKey = ProcessInfo.processInfo.environment[variable], !routingKey.isEmpty else {
                    return .failed(reason: "environment variable \(variable) (the PagerDuty routing key) is not set")
                }
                return WebhookSender.post(ChannelPayloads.pagerDuty(digest, routingKey: routingKey), to: url, headers: [:], timeout: timeout, deadline: deadline, idempotencyKey: key)
                    .redacting(known: [routingKey])
            case .splunk(let url, let variable, let index, let sourcetype, let timeout):
                return Self.postToSplunk(
                    ChannelPayloads.splunk(event: ChannelPayloads.json(digest), at: .now, fields: ["subject": "digest"], index: index, sourcetype: sourcetype),
                    url: url, tokenFrom: variable, timeout: timeout, deadline: deadline, key: key)
            case .datadog(let url, let timeout):
                return Self.postToDatadog(ChannelPayloads.datadog(digest), url: url, timeout: timeout, deadline: deadline, key: key)
            }
        }

        /// A missing environment variable.
        struct Missing: Error {
            var reason: String
        }

        /// The values of header → variable, or which variable is not set.
        static func environmentValues(_ headersFromEnvironment: [String: String]) -> Result<[String: String], Missing> {
            var headers: [String: String] = [:]
            for (header, variable) in headersFromEnvironment {
                guard let value = ProcessInfo.processInfo.environment[variable] else {
                    return .failure(Missing(reason: "environment variable \(variable) (header \(header)) is not set"))
                }
                headers[header] = value
            }
            return .success(headers)
        }

        /// POSTs to the URL held by an environment variable (a Slack or Teams webhook URL is a secret).
        /// Posts one HEC event: `Authorization: Splunk <token>` (Splunk's "Format events for
        /// HTTP Event Collector"), the token from the environment and never printed.
        static func postToSplunk(
            _ body: String, url: String, tokenFrom variable: String, timeout: Double, deadline: ContinuousClock.Instant?, key: String
        ) -> DeliveryResult {
            guard let token = ProcessInfo.processInfo.environment[variable], !token.isEmpty else {
                return .failed(reason: "environment variable \(variable) (the Splunk HEC token) is not set")
            }
            let base = url.hasSuffix("/") ? String(url.dropLast()) : url
            let endpoint = base.hasSuffix(AlertChannel.splunkEventPath) ? base : base + AlertChannel.splunkEventPath
            return WebhookSender.post(
                body, to: endpoint, headers: ["Authorization": "Splunk \(token)"], timeout: timeout, deadline: deadline, idempotencyKey: key
            ).redacting(known: [token])
        }

        /// Posts one Datadog event: the keys in `DD-API-KEY` and `DD-APPLICATION-KEY` (the
        /// client's `apiKeyAuth` and `appKeyAuth`), from the environment, never printed; the
        /// intake of `DD_SITE` (default datadoghq.com) unless the channel names a `url`.
        static func postToDatadog(_ body: String, url: String?, timeout: Double, deadline: ContinuousClock.Instant?, key: String) -> DeliveryResult {
            let environment = ProcessInfo.processInfo.environment
            guard let apiKey = environment["DD_API_KEY"], !apiKey.isEmpty, let appKey = environment["DD_APP_KEY"], !appKey.isEmpty else {
                return .failed(reason: "set DD_API_KEY and DD_APP_KEY in the environment for the datadog channel")
            }
            let site = environment["DD_SITE"].flatMap { $0.isEmpty ? nil : $0 } ?? "datadoghq.com"
            guard url != nil || DDSQLPuller.endpoint(site: site) != nil else {
                return .failed(reason: "DD_SITE is not a site name; use e.g. datadoghq.com or datadoghq.eu")
            }
            var base = url ?? AlertChannel.datadogEventIntake(site: site)
            if base.hasSuffix("/") { base.removeLast() }
            let endpoint = base.hasSuffix(AlertChannel.datadogEventPath) ? base : base + AlertChannel.datadogEventPath
            return WebhookSender.post(
                body, to: endpoint, headers: ["DD-API-KEY": apiKey, "DD-APPLICATION-KEY": appKey], timeout: timeout, deadline: deadline,
                idempotencyKey: key
            ).redacting(known: [apiKey, appKey])
        }

        static func post(_ body: String, urlFrom variable: String, timeout: Double, deadline: ContinuousClock.Instant?, key: String) -> DeliveryResult {
            guard let url = ProcessInfo.processInfo.environment[variable], !url.isEmpty else {
                return .failed(reason: "environment variable \(variable) (the webhook URL) is not set")
            }
            return WebhookSender.post(body, to: url, headers: [:], timeout: timeout, deadline: deadline, idempotencyKey: key).redacting(known: [url])
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List pending and failed alerts.")
        @OptionGroup var database: DatabaseOptions
        @Flag(help: "Delivered and digested alerts too.") var all = false
        @Option(help: "Only the alerts of this digest (its message names it).") var digest: Int64?

        func run() throws {
            let connection = try database.connect()
            defer { connection.close() }
            let states = all || digest != nil ? ["pending", "failed", "delivered", "digested"] : ["pending", "failed"]
            let alerts = try AlertOutbox(connection: connection).list(states: states, digest: digest)
            if alerts.isEmpty { print("no pending or failed alerts") }
            for alert in alerts {
                printRow([
                    "#\(alert.id)", alert.state, "\(alert.attempts) attempt(s)", "\(alert.rule) -> \(alert.channel)",
                    "\(alert.event.kind.rawValue) \(alert.event.name ?? alert.event.key)", alert.lastError ?? "",
                ])
            }
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put a failed alert back in the queue.")
        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The alert's id (see `alerts list`).") var id: Int64

        func run() throws {
            let connection = try database.connect()
            defer { connection.close() }
            guard try AlertOutbox(connection: connection).retry(id) else {
                throw CLIError("alert #\(id) is not a failed alert; `connect-audit alerts list` shows them")
            }
            print("alert #\(id) is pending again")
        }
    }
}
