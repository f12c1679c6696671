import AuditCore
import AuditModel
import AuditStore
import Foundation
import PostgresClient
import SnapshotReading
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Sends one alert to a webhook: HTTP POST of JSON, the outbox id as the idempotency key.
enum WebhookSender {
    static func send(
        _ alert: OutboxAlert, url: String, style: AlertChannel.Style, headers: [String: String], timeout: Double
    ) -> DeliveryResult {
        guard let endpoint = URL(string: url) else { return .failed(reason: "invalid URL") }
        var request = URLRequest(url: endpoint, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        // Receivers de-duplicate on this: deliveries are at least once.
        request.setValue(String(alert.id), forHTTPHeaderField: "Idempotency-Key")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let body: String
        switch style {
        case .json: body = AlertPayload.json(alert.event, rule: alert.rule, alertID: alert.id)
        case .slack: body = "{\"text\":" + CanonicalJSON.text(AlertPayload.slackText(alert.event, rule: alert.rule)) + "}"
        }
        request.httpBody = Data(body.utf8)

        let outcome = Outcome()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        let session = URLSession(configuration: configuration)
        defer { session.finishTasksAndInvalidate() }
        session.dataTask(with: request) { data, response, error in
            outcome.finish(data: data, response: response as? HTTPURLResponse, error: error)
        }.resume()
        return outcome.wait()
    }

    /// Hands the completion handler's result to the waiting thread.
    private final class Outcome: @unchecked Sendable {
        private let condition = NSCondition()
        private var result: DeliveryResult?

        func finish(data: Data?, response: HTTPURLResponse?, error: (any Error)?) {
            let value: DeliveryResult
            if let error {
                value = .retry(reason: "network error: \(error.localizedDescription)", retryAfter: nil)
            } else if let response {
                let status = response.statusCode
                let text = String(decoding: (data ?? Data()).prefix(500), as: UTF8.self)
                switch status {
                case 200..<300: value = .delivered
                case 408, 429, 500...599:
                    value = .retry(reason: "HTTP \(status): \(text)", retryAfter: Self.retryAfter(response))
                default: value = .failed(reason: "HTTP \(status): \(text)")
                }
            } else {
                value = .retry(reason: "no response", retryAfter: nil)
            }
            condition.lock()
            result = value
            condition.signal()
            condition.unlock()
        }

        func wait() -> DeliveryResult {
            condition.lock()
            defer { condition.unlock() }
            while result == nil { condition.wait() }
            return result ?? .retry(reason: "no response", retryAfter: nil)
        }

        /// `Retry-After` in seconds, or as an HTTP date; `nil` when it is neither or not a
        /// finite number (`inf`, `nan`; `RetryPolicy` bounds what is left).
        static func retryAfter(_ response: HTTPURLResponse) -> Double? {
            guard let value = response.value(forHTTPHeaderField: "Retry-After") else { return nil }
            if let seconds = Double(value.trimmingCharacters(in: .whitespaces)) { return seconds.isFinite ? seconds : nil }
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
            return formatter.date(from: value).map { max(0, $0.timeIntervalSinceNow) }
        }
    }
}
