import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP response: status, headers (names lowercased), body.
package struct HTTPResponse: Sendable {
    package var status: Int
    package var headers: [String: String]
    package var body: Data

    package init(status: Int, headers: [String: String], body: Data) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A header's value, by case-insensitive name.
    package func header(_ name: String) -> String? { headers[name.lowercased()] }

    /// The start of the body as text, for error messages.
    package var bodyPreview: String { String(decoding: body.prefix(500), as: UTF8.self) }
}

/// A request that got no HTTP response: DNS, connection, TLS, timeout.
package struct NetworkError: Error, Sendable, CustomStringConvertible {
    package var description: String
}

/// Sends requests and waits for each (the pullers and the webhook sender are sequential;
/// their concurrency, where there is any, is their own): URLSession underneath.
///
/// Copies share one session, so connections are kept alive across requests: a pull of the
/// Connect API makes thousands of small calls to one host.
package struct HTTPClient: Sendable {
    /// Seconds for one request, connection to last byte.
    package let timeout: Double
    private let connections: Connections

    package init(timeout: Double = 60) {
        self.timeout = timeout
        self.connections = Connections(timeout: timeout)
    }

    /// Sends `request` and returns the response, whatever its status.
    /// - Throws: `NetworkError` when no response came.
    package func send(_ request: URLRequest) throws(NetworkError) -> HTTPResponse {
        var request = request
        request.timeoutInterval = timeout
        request.cachePolicy = .reloadIgnoringLocalCacheData
        let waiter = Waiter()
        connections.session.dataTask(with: request) { data, response, error in
            waiter.finish(data: data, response: response as? HTTPURLResponse, error: error)
        }.resume()
        return try waiter.wait().get()
    }

    /// The one session of a client and its copies, invalidated when the last copy goes.
    private final class Connections: Sendable {
        let session: URLSession

        init(timeout: Double) {
            let configuration = URLSessionConfiguration.ephemeral
            configuration.timeoutIntervalForRequest = timeout
            configuration.timeoutIntervalForResource = timeout
            session = URLSession(configuration: configuration)
        }

        deinit { session.finishTasksAndInvalidate() }
    }

    /// Hands the completion handler's result to the waiting thread.
    private final class Waiter: @unchecked Sendable {
        private let condition = NSCondition()
        private var result: Result<HTTPResponse, NetworkError>?

        func finish(data: Data?, response: HTTPURLResponse?, error: (any Error)?) {
            let value: Result<HTTPResponse, NetworkError>
            if let response {
                var headers: [String: String] = [:]
                for (name, value) in response.allHeaderFields {
                    if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
                }
                value = .success(HTTPResponse(status: response.statusCode, headers: headers, body: data ?? Data()))
            } else {
                value = .failure(NetworkError(description: error?.localizedDescription ?? "no response"))
            }
            condition.lock()
            result = value
            condition.signal()
            condition.unlock()
        }

        func wait() -> Result<HTTPResponse, NetworkError> {
            condition.lock()
            defer { condition.unlock() }
            while result == nil { condition.wait() }
            return result ?? .failure(NetworkError(description: "no response"))
        }
    }
}
