import Foundation

/// Runs the built `connect-audit` binary as a separate process, as a user would.
package struct CommandRunner {
    /// The outcome of one run.
    package struct Outcome: Sendable {
        package let status: Int32
        package let stdout: String
        package let stderr: String
    }

    /// The binary: `CONNECT_AUDIT_BIN`, else `connect-audit` beside the test bundle
    /// (`swift build --build-tests` puts both in the same folder).
    package static var binary: URL {
        if let path = ProcessInfo.processInfo.environment["CONNECT_AUDIT_BIN"] { return URL(fileURLWithPath: path) }
        let bundle = Bundle.main.bundleURL
        let folder = bundle.pathExtension == "xctest" ? bundle.deletingLastPathComponent() : bundle
        return folder.appendingPathComponent("connect-audit")
    }

    /// Starts the binary with `arguments` and `environment` added to this process's, its
    /// standard input read from the file `input` when given.
    package static func start(
        _ arguments: [String], environment: [String: String] = [:], input: String? = nil
    ) throws -> (Process, Pipe, Pipe) {
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw TestSetupError("\(binary.path) is not built: run `swift build --build-tests` (scripts/test does)")
        }
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        if let input {
            guard let file = FileHandle(forReadingAtPath: input) else { throw TestSetupError("cannot open \(input)") }
            process.standardInput = file
        }
        try process.run()
        return (process, stdout, stderr)
    }

    /// Runs the binary to the end and returns its status and output.
    package static func run(_ arguments: [String], environment: [String: String] = [:], input: String? = nil) throws -> Outcome {
        let (process, stdout, stderr) = try start(arguments, environment: environment, input: input)
        return finish(process, stdout, stderr)
    }

    /// Runs another program (`executable`, a path or a command looked up in `PATH`) with
    /// exactly `environment`, to the end: the AWS CLI, the vendors' Python.
    package static func runTool(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : "/usr/bin/env")
        process.arguments = executable.hasPrefix("/") ? arguments : [executable] + arguments
        process.environment = environment
        let stdout = Pipe(), stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        try process.run()
        return finish(process, stdout, stderr)
    }

    /// Reads a started process's output and waits for it to exit.
    package static func finish(_ process: Process, _ stdout: Pipe, _ stderr: Pipe) -> Outcome {
        // Read both pipes before waiting, so a full pipe cannot block the child.
        let errorData = LockedData()
        let thread = Thread { errorData.set(stderr.fileHandleForReading.readDataToEndOfFile()) }
        thread.start()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let err = errorData.wait()
        return Outcome(
            status: process.terminationStatus,
            stdout: String(decoding: out, as: UTF8.self),
            stderr: String(decoding: err, as: UTF8.self))
    }
}

/// Data handed from a reader thread, waited for with a condition (no sleeps).
final class LockedData: @unchecked Sendable {
    private let condition = NSCondition()
    private var data: Data?

    func set(_ value: Data) {
        condition.lock()
        data = value
        condition.signal()
        condition.unlock()
    }

    func wait() -> Data {
        condition.lock()
        defer { condition.unlock() }
        while data == nil { condition.wait() }
        return data ?? Data()
    }
}
