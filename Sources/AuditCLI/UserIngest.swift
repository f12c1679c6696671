import AuditCore
import AuditModel
import AuditStore
import AuditTime
import Foundation
import Platform
import SnapshotReading

/// `ingest` of a user export (`aws.connect_user` rows, or the Connect API's users): told
/// from a profile export by its first record's keys, read whole, written by `UserIngestor`.
enum UserIngest {
    /// How much of a file is looked at to tell a user export from a profile export: enough
    /// for a first record of any real size.
    static let sniffBytes = 1 << 20

    /// Whether `file` (a path; standard input is never a user export) holds users.
    static func isUserExport(_ file: String) -> Bool {
        guard file != "-", let handle = FileHandle(forReadingAtPath: file) else { return false }
        defer { try? handle.close() }
        guard let start = try? handle.read(upToCount: sniffBytes) else { return false }
        return UserExport.isUserExport(Array(start))
    }

    /// Reads and ingests one user export.
    static func run(
        file: String, capturedAt: Instant, scope: SnapshotScope?, maxDeleteFraction: Double, dryRun: Bool,
        rules: AlertRules? = nil, policy: DriftPolicy = .standard, connection: UserIngestor
    ) throws -> (users: Int, outcome: UserIngestOutcome) {
        // The open versions load on a thread of their own while the file is read, split and
        // hashed; the connection is that thread's alone until its result is taken.
        let load = Future(lending: connection) { connection in Result { try connection.openUsers() } }
        let scanned: ScannedUsers
        do {
            scanned = UserExport.scan(try wholeFile(file), file: file)
        } catch {
            _ = try? load.get()
            throw error
        }
        let (open, asOf) = try load.get()
        let reading: UserReading
        do {
            // Rows that are an open version's, byte for byte, are recognised, not decoded.
            reading = try scanned.resolve(against: open)
        } catch let error as SnapshotReadError {
            throw CLIError(error.description)
        }
        var request = UserIngestRequest(
            users: reading.users.map { ($0.user, $0.rowDigest) }, source: file, capturedAt: capturedAt, scope: scope,
            maxDeleteFraction: maxDeleteFraction, dryRun: dryRun)
        (request.open, request.openAsOf) = (open, asOf)
        request.rules = rules
        request.catalog = policy.catalog
        request.recognized = reading.recognized.map(\.position)
        return (reading.count, try connection.ingest(request))
    }

    /// The bytes of `file`, read whole (a user export is a document).
    static func wholeFile(_ file: String) throws -> [UInt8] {
        do {
            return try WholeFile.read(file, limit: InputLimits.documentBytes)
        } catch let error as FileReadError {
            throw CLIError(error.description)
        }
    }

    /// One line for the terminal.
    static func text(source: String, users: Int, outcome: UserIngestOutcome) -> String {
        switch outcome {
        case .unchanged(let id):
            return "\(source): \(users) users, the same as user snapshot #\(id); nothing written"
        case .ingested(let id, let changes):
            return "\(source): \(users) users, user snapshot #\(id): " + counts(changes)
        case .dryRun(let changes):
            return "\(source): \(users) users (dry run, nothing written): " + counts(changes)
        }
    }

    /// The outcome as a JSON object, beside the profile snapshots' objects of `ingest --output json`.
    static func json(source: String, users: Int, outcome: UserIngestOutcome) -> [String: Any] {
        var object: [String: Any] = ["source": source, "subject": "users", "rows": users]
        switch outcome {
        case .unchanged(let id):
            object["status"] = "already_ingested"
            object["user_snapshot_id"] = id
        case .ingested(let id, let changes):
            object["status"] = "ingested"
            object["user_snapshot_id"] = id
            object["counts"] = eventCounts(changes)
        case .dryRun(let changes):
            object["status"] = "dry_run"
            object["counts"] = eventCounts(changes)
        }
        return object
    }

    private static func eventCounts(_ changes: UserChangeSet) -> [String: Int] {
        var counts = Dictionary(uniqueKeysWithValues: UserChangeKind.allCases.map { ($0.rawValue, changes.count($0)) })
        counts["unchanged"] = changes.unchanged
        return counts
    }

    private static func counts(_ changes: UserChangeSet) -> String {
        let moved = UserChangeKind.allCases.map { "\(changes.count($0)) \($0.rawValue)" }
        return (moved + ["\(changes.unchanged) unchanged"]).joined(separator: ", ")
    }
}
