import Foundation

/// The Python that holds the vendors' own packages the tests check payloads with (PyPI's
/// `prometheus_client`, ...): the virtualenv `scripts/test` makes under `.build/test-python`.
/// A test that needs it fails, never skips, when it is missing.
package enum VendorPython {
    package static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    package static var interpreter: String { root.appendingPathComponent(".build/test-python/bin/python").path }

    package struct Missing: Error, CustomStringConvertible {
        package var description: String
    }

    /// Runs `script` with `arguments`: its standard output.
    /// - Throws: `Missing` when the virtualenv is not there, or the script fails.
    package static func run(_ script: String, _ arguments: [String] = []) throws -> String {
        guard FileManager.default.isExecutableFile(atPath: interpreter) else {
            throw Missing(description: "\(interpreter) is missing: run scripts/test once, which makes it")
        }
        let outcome = try CommandRunner.runTool(interpreter, ["-c", script] + arguments, environment: ProcessInfo.processInfo.environment)
        guard outcome.status == 0 else { throw Missing(description: "the vendor check failed: \(outcome.stderr)") }
        return outcome.stdout
    }
}
