import Foundation
import SecretRedaction
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP response: status, headers (names lowercased), body.
package struct HTTPResponse: Sendable {
    package var status: Int
    package var headers: [String: String]
    package var body: Data
    /// The request's secrets (credentials, signatures, tokens): a body that echoes them is
    /// printed with them masked.
    package var secrets: [String] = []

    package init(status: Int, headers: [String: String], body: Data, secrets: [String] = []) {
        self.status = status
        self.headers = headers
        self.body = body
        self.secrets = secrets
    }

    /// A header's value, by case-insensitive name.
    package func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The start of the body as text, for error messages: the request's secrets masked.
    package var bodyPreview: String { redacted(String(decoding: body.prefix(500), as: UTF8.self)) }

    /// `text` (from this response) with the request's secrets masked.
    package func redacted(_ text: String) -> String { Redaction.secrets(in: text, known: secrets) }
}

/// A request that got no usable HTTP response: DNS, connection, TLS, a deadline passed, a
/// body too large, a redirect not followed.
package struct NetworkError: Error, Sendable, CustomStringConvertible {
    /// What went wrong.
    package enum Kind: Sendable {
        /// No answer: DNS, connection, TLS, or the request's own time limit.
        case noAnswer
        /// The command's deadline passed.
        case commandDeadline
        /// The server answered what this client never accepts: a redirect, an oversized body.
        case refusedAnswer
    }

    package var kind: Kind
    package var description: String

    /// Whether trying again within this command cannot help.
    package var isFinal: Bool { kind != .noAnswer }

    package init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}

/// The one way this program sends HTTP: every request, to every service, under one policy.
///
/// - A total deadline per request (`timeout`, connection to last byte, however slowly the
///   bytes trickle in) and per command (`deadline`): a hung server never hangs a command.
/// - Bodies capped at `maxBodyBytes`: an endless answer is cut and refused, not buffered.
/// - No redirect is followed: a 3xx is an error naming the host and where it pointed, so a
///   credential, a signature or an alert's body never goes to a host it was not meant for.
///   (The sources and receivers this program speaks to answer where they are asked.)
/// - Errors name the host; bodies printed in messages have the request's secrets masked.
///
/// Copies share one session, so connections are kept alive across requests: a pull of the
/// Connect API makes thousands of small calls to one host.
package struct HTTPClient: Sendable {
    /// Seconds for one request, connection to last byte.
    package let timeout: Double
    /// The largest body accepted, in bytes.
    package let maxBodyBytes: Int
    /// When every request of this client must have finished (the command's deadline).
    package let deadline: ContinuousClock.Instant?
    private let connections: Connections

    /// The default body cap, for the small answers of the Connect API, STS and the metadata
    /// services (a profile with every documented permission is about 20 KiB).
    package static let defaultMaxBodyBytes = 16 << 20
    /// The cap for a DDSQL page: 10,000 rows of the widest profiles are tens of MiB.
    package static let ddsqlMaxBodyBytes = 128 << 20

    package init(timeout: Double = 60, maxBodyBytes: Int = defaultMaxBodyBytes, deadline: ContinuousClock.Instant? = nil) {
        self.timeout = timeout
        self.maxBodyBytes = maxBodyBytes
        self.deadline = deadline
        self.connections = Connections()
    }

    /// The header names whose values are secrets: credentials and signatures.
    static let secretHeaders: Set<String> = [
        "authorization", "x-amz-security-token", "dd-api-key", "dd-application-key", "x-aws-ec2-metadata-token",
    ]

    /// The secrets `request` carries: the values of `secretHeaders` (and each part of a
    /// SigV4 `Authorization`, so an echoed signature alone is masked too) and `extra`.
    static func secrets(of request: URLRequest, extra: [String]) -> [String] {
        var found = extra
        for (name, value) in request.allHTTPHeaderFields ?? [:] where secretHeaders.contains(name.lowercased()) {
            found.append(value)
            for part in value.split(whereSeparator: { $0 == "," || $0 == " " }) {
                if let equals = part.firstIndex(of: "=") { found.append(String(part[part.index(after: equals)...])) }
            }
        }
        return found
    }

    /// Sends `request` and returns the response, whatever its status but a redirect.
    /// - Parameter secrets: values besides the request's secret headers to mask in what
    ///   this request's errors say (a webhook URL's token, a header from the environment).
    /// - Throws: `NetworkError` when no usable response came in time.
    package func send(_ request: URLRequest, secrets extra: [String] = []) throws(NetworkError) -> HTTPResponse {
        let host = request.url.map(Self.origin) ?? "the server"
        let secrets = Self.secrets(of: request, extra: extra)
        var limit = Duration.seconds(timeout)
        if let deadline {
            let left = deadline - .now
            guard left > .zero else {
                throw NetworkError(.commandDeadline, "the command's time limit passed before a request to \(host) could be sent")
            }
            limit = min(limit, left)
        }
        let seconds = Double(limit.components.seconds) + Double(limit.components.attoseconds) / 1e18
        // Fixed before the task exists: making one waits on the sessions' shared work queue.
        let end = Date(timeIntervalSinceNow: seconds)
        var request = request
        request.timeoutInterval = timeout
        request.cachePolicy = .reloadIgnoringLocalCacheData
        let exchange = Exchange(maxBodyBytes: maxBodyBytes)
        let task = connections.session.dataTask(with: request)
        connections.delegate.register(exchange, for: task.taskIdentifier)
        task.resume()
        guard let outcome = exchange.wait(until: end) else {
            task.cancel()
            connections.delegate.forget(task.taskIdentifier)
            let which = limit < .seconds(timeout) ? "the command's time limit" : "its limit of \(Self.seconds(timeout)) s"
            throw NetworkError(
                limit < .seconds(timeout) ? .commandDeadline : .noAnswer,
                "\(host) did not finish answering within \(which) (a total limit, however slowly it sends); check the service, or raise the timeout")
        }
        connections.delegate.forget(task.taskIdentifier)
        switch outcome {
        case .tooLarge:
            throw NetworkError(
                .refusedAnswer, "\(host) sent more than \(maxBodyBytes >> 20) MiB in one answer; refused rather than held in memory: check the endpoint")
        case .failed(let message):
            throw NetworkError(.noAnswer, "\(host): " + Redaction.secrets(in: message, known: secrets))
        case .response(let response, let body):
            var headers: [String: String] = [:]
            for (name, value) in response.allHeaderFields {
                if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
            }
            if (300..<400).contains(response.statusCode) && response.statusCode != 304 {
                let location = headers["location"].map { " to \(Redaction.secrets(in: $0, known: secrets))" } ?? ""
                throw NetworkError(
                    .refusedAnswer,
                    "\(host) answered HTTP \(response.statusCode), a redirect\(location); redirects are not followed "
                        + "(credentials and bodies go only where they were meant): configure the final address")
            }
            return HTTPResponse(status: response.statusCode, headers: headers, body: body, secrets: secrets)
        }
    }

    /// `scheme://host:port` of `url`, for messages (never its path, query or user part).
    package static func origin(_ url: URL) -> String {
        let scheme = url.scheme ?? "https"
        let port = url.port.map { ":\($0)" } ?? ""
        return "\(scheme)://\(url.host ?? "?")\(port)"
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    /// The one session of a client and its copies, invalidated when the last copy goes.
    private final class Connections: Sendable {
        let session: URLSession
        let delegate = SessionDelegate()

        init() {
            let configuration = URLSessionConfiguration.ephemeral
            // The deadline is this client's own (URLSession's reset with each byte received).
            configuration.timeoutIntervalForRequest = 24 * 3600
            configuration.timeoutIntervalForResource = 24 * 3600
            session = URLSession(configuration: configuration, delegate: delegate, delegateQueue: nil)
        }

        deinit { session.invalidateAndCancel() }
    }

    /// How one request ended.
    enum Outcome {
        case response(HTTPURLResponse, Data)
        case failed(String)
        case tooLarge
    }

    /// One request's answer as it arrives, and the thread waiting for it.
    final class Exchange: @unchecked Sendable {
        private let condition = NSCondition()
        private let maxBodyBytes: Int
        private var response: HTTPURLResponse?
        private var body = Data()
        private var outcome: Outcome?

        init(maxBodyBytes: Int) { self.maxBodyBytes = maxBodyBytes }

        /// Takes the response head; `false` when its declared length is already too large.
        func receive(_ response: HTTPURLResponse) -> Bool {
            condition.withLock { self.response = response }
            if response.expectedContentLength > Int64(maxBodyBytes) {
                finish(.tooLarge)
                return false
            }
            return true
        }

        /// Takes body bytes; `false` once the body passes the cap.
        func receive(_ data: Data) -> Bool {
            condition.lock()
            defer { condition.unlock() }
            guard outcome == nil else { return false }
            if body.count + data.count > maxBodyBytes {
                body = Data()
                outcome = .tooLarge
                condition.broadcast()
                return false
            }
            body.append(data)
            return true
        }

        /// The request completed, with `error` or without.
        func complete(error: (any Error)?) {
            condition.lock()
            let current = response
            let received = body
            condition.unlock()
            if let current, error == nil {
                finish(.response(current, received))
            } else {
                finish(.failed(error?.localizedDescription ?? "no response"))
            }
        }

        private func finish(_ value: Outcome) {
            condition.lock()
            if outcome == nil { outcome = value }
            condition.broadcast()
            condition.unlock()
        }

        /// The outcome, or `nil` when `limit` passed first.
        func wait(until limit: Date) -> Outcome? {
            condition.lock()
            defer { condition.unlock() }
            while outcome == nil {
                if !condition.wait(until: limit) { break }
            }
            return outcome
        }
    }

    /// Routes the session's callbacks to each request's `Exchange`.
    final class SessionDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
        private let lock = NSLock()
        private var exchanges: [Int: Exchange] = [:]

        func register(_ exchange: Exchange, for task: Int) { lock.withLock { exchanges[task] = exchange } }
        func forget(_ task: Int) { _ = lock.withLock { exchanges.removeValue(forKey: task) } }
        private func exchange(_ task: URLSessionTask) -> Exchange? { lock.withLock { exchanges[task.taskIdentifier] } }

        func urlSession(
            _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
            newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
        ) {
            completionHandler(nil)  // never followed: the 3xx itself is the answer (see HTTPClient)
        }

        func urlSession(
            _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
            completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
        ) {
            guard let http = response as? HTTPURLResponse, let exchange = exchange(dataTask) else { return completionHandler(.cancel) }
            completionHandler(exchange.receive(http) ? .allow : .cancel)
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            guard let exchange = exchange(dataTask) else { return dataTask.cancel() }
            if !exchange.receive(data) { dataTask.cancel() }
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
            exchange(task)?.complete(error: error)
        }
    }
}
