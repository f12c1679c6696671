import AuditModel
import AuditTime
import Foundation
import Platform

/// A pulled snapshot on disk: written whole or not at all (a partial snapshot reads as
/// deletions), with a record beside it, `FILE.pull.json`, of when the pull started (what
/// `ingest` takes as `captured_at`), where from, how many rows, and the file's SHA-256 so
/// an edited file is never taken for the pulled one.
package final class PulledFile {
    /// What `FILE.pull.json` holds.
    package struct Record: Codable, Equatable, Sendable {
        /// `ddsql` or `aws`.
        package var source: String
        /// When the pull started (ISO-8601): the snapshot's `captured_at`.
        package var startedAt: String
        package var finishedAt: String
        package var rows: Int
        /// SHA-256 of the file, hex.
        package var sha256: String
        /// The API endpoint (no credentials).
        package var endpoint: String
        /// Accounts the pull was asked for but could not read (absent: every account read).
        package var unreadAccounts: [AWSPuller.UnreadAccount]?

        enum CodingKeys: String, CodingKey {
            case source, rows, sha256, endpoint
            case startedAt = "started_at"
            case finishedAt = "finished_at"
            case unreadAccounts = "unread_accounts"
        }
    }

    /// Where the record of `path` is.
    package static func recordPath(for path: String) -> String { path + ".pull.json" }

    private let path: String
    private let temporary: String
    private let handle: FileHandle
    private let digest = SHA256.Stream()
    private var buffer: [UInt8] = []
    private var committed = false

    /// Starts writing `path`: the bytes go to a temporary file beside it until `commit`.
    package init(path: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw PullError("the folder of \(path) does not exist; create it first")
        }
        self.path = path
        let (descriptor, temporary) = try PullError.naming { try PrivateFile.create(beside: path, mode: 0o640) }
        self.temporary = temporary
        PartialFiles.shared.remember(temporary)
        handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
    }

    /// Appends bytes (buffered).
    package func write(_ bytes: some Sequence<UInt8>) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { digest.update($0) }
        do {
            try handle.write(contentsOf: buffer)
        } catch {
            throw PullError("cannot write \(path): \(error.localizedDescription)")
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Makes the file whole at `path` (flushed to disk, then renamed over any old one) and
    /// writes its record; returns the record.
    /// - Parameter validate: reads the finished file as `ingest` will, before it takes its
    ///   name: what ingest would refuse is never written (it throws).
    package func commit(
        source: String, startedAt: Instant, finishedAt: Instant, rows: Int, endpoint: String,
        unreadAccounts: [AWSPuller.UnreadAccount]? = nil, validate: PulledFileCheck? = nil
    ) throws -> Record {
        try flush()
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            throw PullError("cannot write \(path): \(error.localizedDescription)")
        }
        try validate?(temporary)
        let record = Record(
            source: source, startedAt: startedAt.iso8601, finishedAt: finishedAt.iso8601, rows: rows,
            sha256: digest.finish().hex, endpoint: endpoint, unreadAccounts: unreadAccounts)
        // An old record must never vouch for the new file, even for a moment.
        unlink(Self.recordPath(for: path))
        guard rename(temporary, path) == 0 else {
            throw PullError("cannot move the pulled file into place at \(path): \(String(cString: strerror(errno)))")
        }
        committed = true
        PartialFiles.shared.forget(temporary)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let bytes = Array(try encoder.encode(record))
        try PullError.naming { try PrivateFile.write(bytes, to: Self.recordPath(for: path), mode: 0o640) }
        return record
    }

    /// Removes the temporary file of a pull that did not finish: no file is left.
    package func abandon() {
        guard !committed else { return }
        try? handle.close()
        unlink(temporary)
        PartialFiles.shared.forget(temporary)
    }

    /// When the pull that wrote `path` started, from its record; `nil` when it has none.
    /// - Throws: `PullError` when the record does not match the file (edited after the pull?).
    package static func capturedAt(of path: String) throws -> Instant? {
        try record(of: path).flatMap { Instant(parsing: $0.startedAt) }
    }

    /// The record of the pull that wrote `path`, checked against the file; `nil` when it has none.
    /// - Throws: `PullError` when the record does not match the file (edited after the pull?).
    package static func record(of path: String) throws -> Record? {
        let recordPath = recordPath(for: path)
        guard let data = FileManager.default.contents(atPath: recordPath) else { return nil }
        guard let record = try? JSONDecoder().decode(Record.self, from: data), Instant(parsing: record.startedAt) != nil else {
            throw PullError("\(recordPath) is not a pull record; remove it, or pass --captured-at")
        }
        guard let actual = try fileDigest(path), actual == record.sha256 else {
            throw PullError("\(path) is not the file its pull record \(recordPath) describes (changed after the pull?): pass --captured-at, or pull again")
        }
        return record
    }

    /// SHA-256 of a file's bytes, hex; `nil` when it cannot be read.
    static func fileDigest(_ path: String) throws -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let digest = SHA256.Stream()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            chunk.withUnsafeBytes { digest.update($0) }
        }
        return digest.finish().hex
    }
}

/// Reads a pulled file (at the path given) as `ingest` would; throws what it would refuse.
package typealias PulledFileCheck = @Sendable (String) throws -> Void

/// A pull that failed: what happened and what to do.
package struct PullError: Error, Sendable, CustomStringConvertible {
    package var description: String
    /// Whether the whole pull must stop (its deadline passed, an answer refused outright),
    /// rather than only the account that failed.
    package var endsThePull: Bool
    package init(_ description: String, endsThePull: Bool = false) {
        self.description = description
        self.endsThePull = endsThePull
    }

    /// `body`'s result, a file it could not write reported as the pull's error.
    static func naming<Value>(_ body: () throws -> Value) throws -> Value {
        do { return try body() } catch let error as FileWriteError { throw PullError(error.description) }
    }
}
