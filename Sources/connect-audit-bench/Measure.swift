import ArgumentParser
import Foundation

/// Runs the commands a benchmark times: wall seconds, the child's own peak memory, output.
enum Measure {
    /// Runs a command and fails unless it exits 0.
    static func checked(_ arguments: [String]) throws {
        let result = try run(arguments)
        guard result.status == 0 else { throw ValidationError("\(arguments[0]) failed: \(result.stderr)") }
    }

    /// Runs a command to its end: wall seconds, its own peak RSS (wait4), its output.
    static func run(_ arguments: [String]) throws -> (seconds: Double, peakKiB: Int, status: Int32, stdout: String, stderr: String) {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString).out")
        let err = out.appendingPathExtension("err")
        defer { try? FileManager.default.removeItem(at: out); try? FileManager.default.removeItem(at: err) }
        var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, out.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, err.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let start = ContinuousClock.now
        let spawned = posix_spawnp(&pid, arguments[0], &actions, nil, argv, environ)
        guard spawned == 0 else { throw ValidationError("cannot start \(arguments[0]): \(String(cString: strerror(spawned)))") }
        // The child's own peak RSS: `wait4`'s `ru_maxrss` would not do, because the kernel
        // counts the memory of this (large) process the child shared before its exec. The
        // kernel keeps the peak of the child's own memory as VmHWM; read it until the child
        // exits (every 5 ms: exiting frees, it does not grow).
        var status: Int32 = 0
        var peakKiB = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            peakKiB = max(peakKiB, Self.highWaterKiB(of: pid) ?? 0)
            usleep(5_000)
        }
        let elapsed = start.duration(to: .now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let exit = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let stdout = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
        if exit != 0 { FileHandle.standardError.write(Data("\(arguments[0]) exited \(exit): \(stderr)\n".utf8)) }
        return (seconds, peakKiB, exit, stdout, stderr)
    }

    /// VmHWM of a running process, in KiB (`nil` once it has exited).
    private static func highWaterKiB(of pid: pid_t) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return nil }
        return Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
    }
}
