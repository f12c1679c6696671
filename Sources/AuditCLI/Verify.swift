import ArgumentParser
import AuditStore

/// `connect-audit verify`: walks the event hash chain and the history invariants.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the event hash chain and the history's invariants; exit 1 at the first break.")

    @OptionGroup var database: DatabaseOptions
    @Option(help: "Check the history against the signed digests in this folder too.") var digests: String?
    @Option(name: .customLong("public-key"), help: "The Ed25519 public key (PEM) the digests are signed with.") var publicKey: String?

    func validate() throws {
        if (digests == nil) != (publicKey == nil) { throw ValidationError("--digests and --public-key go together") }
    }

    func run() throws {
        let connection = try database.connect()
        defer { connection.close() }
        let report = try HistoryVerifier(connection: connection).verify()
        if let problem = report.firstProblem {
            throw CLIError("verify failed: \(problem)")
        }
        if let digests, let publicKey {
            guard let pem = try? String(contentsOfFile: publicKey, encoding: .utf8) else { throw CLIError("cannot read the public key \(publicKey)") }
            let files = try SnapshotDigests.read(digests)
            if let problem = try SnapshotDigests(connection: connection).check(files, verifySignature: { signature, message in
                try Ed25519.verify(signature, of: message, publicKeyPEM: pem)
            }) {
                throw CLIError("verify failed against the digests in \(digests): \(problem)")
            }
            print("digests: \(files.count) signed digest(s) in \(digests) match the history")
        }
        print("ok: \(report.eventsChecked) events chained, \(report.versions) versions consistent, \(report.userEventsChecked) user events chained")
        if let head = report.head {
            print("chain head: event #\(head.id) \(head.hash) (keep it elsewhere: a history rewritten back from here would not match it)")
        } else {
            print("chain head: none (no events yet)")
        }
    }
}
