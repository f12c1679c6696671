import AuditCore
import AuditModel
import AuditStore
import Foundation
import SnapshotSources
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Sends alerts and digests over HTTP: POST of JSON, an idempotency key (the outbox or
/// digest id) so a receiver can de-duplicate at-least-once deliveries.
enum WebhookSender {
    /// One alert to a `webhook` channel, in its style.
    static func send(
        _ alert: OutboxAlert, url: String, style: AlertChannel.Style, headers: [String: String], timeout: Double,
        deadline: ContinuousClock.Instant? = nil
    ) -> DeliveryResult {
        let body: String
        switch style {
        case .json: body = AlertPayload.json(alert.event, rule: alert.rule, alertID: alert.id)
        case .slack: body = "{\"text\":" + CanonicalJSON.text(AlertPayload.slackText(alert.event, rule: alert.rule)) + "}"
        }
        return post(body, to: url, headers: headers, timeout: timeout, deadline: deadline, idempotencyKey: String(alert.id))
    }

    /// POSTs a JSON body; 2xx delivered; network errors, 408, 429 and 5xx retried; a
    /// redirect, an oversized answer and any other answer failed (a redirect is never
    /// followed: the body and headers go only to the configured receiver).
    static func post(
        _ body: String, to url: String, headers: [String: String], timeout: Double, deadline: ContinuousClock.Instant? = nil,
        idempotencyKey: String
    ) -> DeliveryResult {
        guard let endpoint = URL(string: url), endpoint.scheme == "https" || endpoint.scheme == "http" else { return .failed(reason: "invalid URL") }
        var request = URLRequest(url: endpoint, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        // Receivers de-duplicate on this: deliveries are at least once.
        request.setValue(idempotencyKey, forHTTPHeaderField: "Idempotency-Key")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = Data(body.utf8)

        let response: HTTPResponse
        do throws(NetworkError) {
            response = try HTTPClient(timeout: timeout, maxBodyBytes: 1 << 20, deadline: deadline).send(request, secrets: Array(headers.values) + [url])
        } catch where error.kind == .refusedAnswer {
            return .failed(reason: error.description)
        } catch {
            return .retry(reason: "network error: \(error.description)", retryAfter: nil)
        }
        switch response.status {
        case 200..<300: return .delivered
        case 408, 429, 500...599:
            return .retry(reason: "HTTP \(response.status): \(response.bodyPreview)", retryAfter: retryAfter(response))
        default: return .failed(reason: "HTTP \(response.status): \(response.bodyPreview)")
        }
    }

    /// `Retry-After` in seconds, or as an HTTP date; `nil` when it is neither or not a
    /// finite number (`inf`, `nan`; `RetryPolicy` bounds what is left).
    static func retryAfter(_ response: HTTPResponse) -> Double? {
        guard let value = response.header("Retry-After") else { return nil }
        if let seconds = Double(value.trimmingCharacters(in: .whitespaces)) { return seconds.isFinite ? seconds : nil }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: value).map { max(0, $0.timeIntervalSinceNow) }
    }
}
