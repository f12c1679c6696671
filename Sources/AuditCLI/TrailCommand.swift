import ArgumentParser
import AuditStore
import Foundation
import AuditModel
import AuditTime
import SnapshotReading

/// `connect-audit trail ingest FILE...`: CloudTrail records of security-profile writes, for
/// attributing changes (the `change_attribution` view).
struct TrailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trail",
        abstract: "CloudTrail records: who made each change.",
        subcommands: [Ingest.self])

    struct Ingest: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Store the Amazon Connect security-profile writes of CloudTrail files.",
            discussion: """
                Reads CloudTrail log files ({"Records": [...]}, gzipped or not), `aws cloudtrail lookup-events` output and \
                EventBridge events (one per line). Read-only calls, other services and other Connect calls are dropped and \
                counted. A record already stored (same eventID) changes nothing. A bad record stops the whole ingest unless \
                --skip-bad is given.
                """)

        @OptionGroup var database: DatabaseOptions
        @Argument(help: "CloudTrail files.") var files: [String]
        @Flag(name: .customLong("skip-bad"), help: "Store the good records even when some cannot be read (they are listed).") var skipBad = false

        func validate() throws {
            if files.isEmpty { throw ValidationError("name at least one CloudTrail file") }
        }

        func run() throws {
            var reading = TrailReading()
            let now = Instant.now
            for file in files {
                let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
                guard size <= TrailReader.maxFileBytes else {
                    throw CLIError("\(file) is larger than \(TrailReader.maxFileBytes >> 20) MiB: not a CloudTrail log file, lookup-events page or EventBridge batch; split it")
                }
                guard let data = FileManager.default.contents(atPath: file) else { throw CLIError("cannot read \(file); check the path") }
                var bytes = [UInt8](data)
                if Gunzip.isGzip(bytes) { bytes = try Gunzip.inflate(bytes, file: file, limit: TrailReader.maxFileBytes) }
                reading.add(TrailReader.read(bytes, file: file, now: now))
            }
            reading.removeRepeats()
            let listed = reading.problems.prefix(20).map { "    \($0)" }.joined(separator: "\n")
            if !reading.problems.isEmpty && !skipBad {
                throw CLIError("\(reading.problems.count) record(s) could not be read, nothing was written (--skip-bad stores the rest):\n\(listed)")
            }
            let connection = try database.connect()
            defer { connection.close() }
            let inserted = try TrailStore(connection: connection).ingest(reading.events)
            for warning in reading.warnings.prefix(20) {
                FileHandle.standardError.write(Data("warning: \(TextEscaping.terminal(warning.description))\n".utf8))
            }
            if !reading.problems.isEmpty {
                FileHandle.standardError.write(Data("skipped \(reading.problems.count) bad record(s):\n\(listed)\n".utf8))
            }
            print("\(reading.events.count) security-profile write(s): \(inserted) new, \(reading.events.count - inserted) already stored; "
                + "dropped \(reading.readOnly) read-only, \(reading.otherServices) of other services, \(reading.otherWrites) other Connect call(s), "
                + "\(reading.unresolvedFailures) failed call(s) naming no profile; \(reading.problems.count) bad record(s)")
        }
    }
}
