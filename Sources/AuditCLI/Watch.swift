import ArgumentParser
import AuditCore
import AuditModel
import AuditStore
import Foundation
import SnapshotReading

/// `connect-audit watch`: prints events as ingests commit them, one JSON line each.
struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print new events as they are committed, one JSON line each, until interrupted.")

    @OptionGroup var database: DatabaseOptions

    @Option(help: "Stop after this many seconds (default: run until interrupted).")
    var seconds: Double?

    func validate() throws {
        if let seconds { try Seconds.check(seconds, option: "--seconds") }
    }

    func run() throws {
        let connection = try database.connect()
        defer { connection.close() }
        try connection.listen(Ingestor.eventsChannel)
        FileHandle.standardError.write(Data("watching for events\n".utf8))
        let queries = HistoryQueries(connection: connection)
        let deadline = seconds.map { ContinuousClock.now + .seconds($0) }
        while deadline.map({ ContinuousClock.now < $0 }) ?? true {
            let wait = deadline.map { min(.seconds(1), $0 - ContinuousClock.now) } ?? .seconds(1)
            guard let notification = try connection.waitForNotification(timeout: max(.zero, wait)) else { continue }
            let parts = notification.payload.split(separator: " ").compactMap { Int64($0) }
            guard parts.count == 3 else { continue }
            for event in try queries.events(ids: parts[1]...parts[2]).compactMap(AlertEvent.init) {
                print(AlertPayload.json(event, rule: "watch", alertID: nil))
            }
            fflush(nil)
        }
    }
}
