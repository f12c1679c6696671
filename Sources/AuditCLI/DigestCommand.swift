import ArgumentParser
import AuditStore
import AuditTime
import Platform
import PostgresClient
import Foundation

/// `connect-audit digest` (signed snapshot digests) and `digest keygen`.
struct DigestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "Signed snapshot digests, kept outside the database (after CloudTrail's digest files).",
        subcommands: [Write.self, Keygen.self], defaultSubcommand: Write.self)

    struct Write: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "write", abstract: "Write a signed digest for every snapshot that has none in the folder.")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var signing: DigestOptions

        func run() throws {
            guard let target = try signing.target() else {
                throw CLIError("name the folder and the key: --digest-dir DIR --signing-key FILE (or CONNECT_AUDIT_DIGEST_DIR, CONNECT_AUDIT_SIGNING_KEY)")
            }
            let connection = try database.connect()
            defer { connection.close() }
            let written = try target.write(connection)
            print("wrote \(written.count) digest(s) to \(target.folder)" + (written.isEmpty ? "" : ": snapshots #\(written.map(String.init).joined(separator: ", #"))"))
        }
    }

    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make an Ed25519 key pair: PREFIX.key (private, mode 600) and PREFIX.pub.")
        @Option(help: "Where to write PREFIX.key and PREFIX.pub.") var out: String

        func run() throws {
            let (privatePEM, publicPEM) = try Ed25519.generate()
            let keyPath = out + ".key"
            do {
                // Mode 600 from the first byte; never over an existing key, never through a link.
                try PrivateFile.write(Array(privatePEM.utf8), to: keyPath, mode: 0o600, replacing: false)
                try PrivateFile.write(Array(publicPEM.utf8), to: out + ".pub", mode: 0o644)
            } catch let error as FileWriteError {
                throw CLIError(error.description)
            }
            print("wrote \(keyPath) (keep it off the database host's reach: it signs the digests) and \(out).pub (for verify)")
        }
    }
}

/// `--digest-dir` and `--signing-key` (else `CONNECT_AUDIT_DIGEST_DIR`, `CONNECT_AUDIT_SIGNING_KEY`).
struct DigestOptions: ParsableArguments {
    @Option(name: .customLong("digest-dir"), help: "Write signed snapshot digests to this folder (sync it to write-once storage).")
    var digestDir: String?
    @Option(name: .customLong("signing-key"), help: "The Ed25519 private key (PEM) that signs them (`digest keygen`).")
    var signingKey: String?

    /// Where and with what to sign, when both are given.
    struct Target {
        var folder: String
        var privatePEM: String

        func write(_ connection: PostgresConnection) throws -> [Int64] {
            let key = privatePEM
            return try SnapshotDigests(connection: connection).writeMissing(to: folder, sign: { try Ed25519.sign($0, privateKeyPEM: key) }, now: .now)
        }
    }

    func target() throws -> Target? {
        let environment = ProcessInfo.processInfo.environment
        let folder = digestDir ?? environment["CONNECT_AUDIT_DIGEST_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        let key = signingKey ?? environment["CONNECT_AUDIT_SIGNING_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        switch (folder, key) {
        case (nil, nil): return nil
        case (let folder?, let key?):
            guard !PrivateFile.isReadableByOthers(key) else {
                throw CLIError("the signing key \(key) is readable by its group or others: make it private (chmod 600 \(key)), or make a new one with `digest keygen`")
            }
            guard let pem = try? String(contentsOfFile: key, encoding: .utf8) else { throw CLIError("cannot read the signing key \(key)") }
            return Target(folder: folder, privatePEM: pem)
        default:
            throw CLIError("signed digests need both a folder and a key: --digest-dir and --signing-key")
        }
    }
}
