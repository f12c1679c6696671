import Foundation

/// A local stand-in for an external service (a webhook receiver, Datadog's DDSQL API, the
/// Amazon Connect API): a Python script under `Tests/` serving on 127.0.0.1 only.
///
/// Every script takes `LOG_FILE BEHAVIOUR_JSON`, prints its port as its first line once it
/// listens, appends one JSON line per request to the log, and serves until killed.
package final class StandInServer {
    /// The repository's root folder.
    package static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private let process = Process()
    package let port: Int
    package let log: URL

    /// Starts `script` (a path from the repository's root) with `behaviour`, under `python`
    /// (a command, or the path of `VendorPython.interpreter` for a stand-in that checks
    /// payloads with a vendor's own package).
    package init(script: String, behaviour: String, python: String = "python3") throws {
        log = FileManager.default.temporaryDirectory.appendingPathComponent("stand-in-\(UUID().uuidString).jsonl")
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, Self.root.appendingPathComponent(script).path, log.path, behaviour]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        // The first line is the port; reading blocks until the server is listening.
        var text = ""
        while !text.contains("\n") {
            let chunk = out.fileHandleForReading.availableData
            guard !chunk.isEmpty else { throw TestSetupError("\(script) exited before listening") }
            text += String(decoding: chunk, as: UTF8.self)
        }
        guard let port = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw TestSetupError("bad port \(text)") }
        self.port = port
    }

    /// Runs `script` with `behaviour` (as JSON) for the length of `body`.
    package static func with<T>(script: String, behaviour: [String: Any], _ body: (StandInServer) throws -> T) throws -> T {
        let json = String(decoding: try JSONSerialization.data(withJSONObject: behaviour), as: UTF8.self)
        let server = try StandInServer(script: script, behaviour: json)
        defer { server.stop() }
        return try body(server)
    }

    /// `http://127.0.0.1:PORT`.
    package var base: String { "http://127.0.0.1:\(port)" }

    /// The requests logged so far, in order.
    package func requests() throws -> [[String: Any]] {
        guard let text = try? String(contentsOf: log, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { line in
            try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
        }
    }

    /// Stops the server and removes its log.
    package func stop() {
        // SIGKILL: the test runner's children may inherit a blocked SIGTERM.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: log)
    }
}
