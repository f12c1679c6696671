import AuditTime
import Foundation
import Platform
import SecretRedaction

/// A profile's `credential_process`, run as botocore's `ProcessProvider` runs it: the
/// command split into words as a POSIX shell would (`shlex.split`; no shell runs), its
/// standard output one JSON object with `"Version": 1`, `AccessKeyId`, `SecretAccessKey`
/// and optionally `SessionToken` and `Expiration` (ISO-8601); a non-zero exit is a failure
/// whose standard error is the reason.
///
/// Bounded as every source is: `timeout` seconds (then the process is killed) and
/// `maxOutputBytes` of output. Its output is never printed: it holds the secret.
package struct CredentialProcess: Sendable {
    package var command: String
    package var timeout: Double = 60
    package var maxOutputBytes = 1 << 20

    package init(command: String) { self.command = command }

    /// Runs the command; its credentials.
    package func run(profile: String) throws -> AWSCredentials {
        let words = try Self.words(of: command)
        guard let program = words.first else { throw PullError("profile \(profile)'s credential_process is empty") }
        let process = Process()
        // As shlex + Popen: a bare name is looked up on PATH, a path is run as given.
        if program.contains("/") {
            process.executableURL = URL(fileURLWithPath: program)
            process.arguments = Array(words.dropFirst())
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = words
        }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let finished = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in finished.signal() }
        do {
            try process.run()
        } catch {
            throw PullError("profile \(profile)'s credential_process could not start \(program): \(error.localizedDescription)")
        }
        let reading = Self.collect(output.fileHandleForReading, limit: maxOutputBytes)
        let readingErrors = Self.collect(errors.fileHandleForReading, limit: 4096)
        guard finished.wait(timeout: .now() + timeout) == .success else {
            process.terminate()
            kill(process.processIdentifier, SIGKILL)
            throw PullError("profile \(profile)'s credential_process did not finish within \(Int(timeout)) s; it was stopped")
        }
        let (stdout, overflowed) = reading.value
        let stderr = String(decoding: readingErrors.value.bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0 else {
            throw PullError("profile \(profile)'s credential_process exited with \(process.terminationStatus): \(Redaction.secrets(in: String(stderr.prefix(500))))")
        }
        guard !overflowed else { throw PullError("profile \(profile)'s credential_process wrote more than \(maxOutputBytes) bytes") }
        return try Self.credentials(from: Data(stdout), profile: profile)
    }

    /// The credentials in the process's output (its text is never put in a message).
    static func credentials(from data: Data, profile: String) throws -> AWSCredentials {
        guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
            throw PullError("profile \(profile)'s credential_process did not print one JSON object")
        }
        guard (object["Version"] as? NSNumber)?.doubleValue == 1 else {
            throw PullError("profile \(profile)'s credential_process printed Version \(object["Version"].map { "\($0)" } ?? "(none)"); the supported version is 1")
        }
        guard let key = object["AccessKeyId"] as? String, let secret = object["SecretAccessKey"] as? String else {
            throw PullError("profile \(profile)'s credential_process printed no AccessKeyId and SecretAccessKey")
        }
        var expiration: Instant?
        if let text = object["Expiration"] as? String {
            guard let parsed = Instant(parsing: text) else { throw PullError("profile \(profile)'s credential_process printed an Expiration that is not ISO-8601") }
            expiration = parsed
        }
        return AWSCredentials(
            accessKeyID: key, secretAccessKey: secret, sessionToken: object["SessionToken"] as? String, expiration: expiration,
            source: "credential_process of profile \(profile)")
    }

    /// Reads `handle` to its end on a thread of its own, keeping at most `limit` bytes.
    private static func collect(_ handle: FileHandle, limit: Int) -> Future<(bytes: [UInt8], overflowed: Bool)> {
        Future {
            var bytes: [UInt8] = []
            var overflowed = false
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                if bytes.count + chunk.count > limit { overflowed = true } else { bytes += chunk }
            }
            return (bytes, overflowed)
        }
    }

    /// `command` split into words as a POSIX shell splits them (Python's `shlex.split`):
    /// blanks separate words; `'...'` keeps everything; `"..."` keeps all but `\"`, `\\`,
    /// `\$` and `` \` ``; a backslash outside quotes keeps the next character.
    package static func words(of command: String) throws -> [String] {
        var words: [String] = []
        var word = ""
        var inWord = false
        var characters = command.makeIterator()
        while let character = characters.next() {
            switch character {
            case " ", "\t", "\n":
                if inWord { words.append(word) }
                word = ""
                inWord = false
            case "'":
                inWord = true
                while true {
                    guard let next = characters.next() else { throw PullError("credential_process has an unclosed ' quote") }
                    if next == "'" { break }
                    word.append(next)
                }
            case "\"":
                inWord = true
                while true {
                    guard let next = characters.next() else { throw PullError("credential_process has an unclosed \" quote") }
                    if next == "\"" { break }
                    if next == "\\" {
                        guard let escaped = characters.next() else { throw PullError("credential_process ends inside a quote") }
                        if !["\"", "\\", "$", "`"].contains(escaped) { word.append("\\") }
                        word.append(escaped)
                    } else {
                        word.append(next)
                    }
                }
            case "\\":
                inWord = true
                if let escaped = characters.next() { word.append(escaped) }
            default:
                inWord = true
                word.append(character)
            }
        }
        if inWord { words.append(word) }
        return words
    }
}
