import ArgumentParser
import AuditStore

/// `connect-audit verify`: walks the event hash chain and the history invariants.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the event hash chain and the history's invariants; exit 1 at the first break.")

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        let connection = try database.connect()
        defer { connection.close() }
        let report = try HistoryVerifier(connection: connection).verify()
        if let problem = report.firstProblem {
            throw CLIError("verify failed: \(problem)")
        }
        print("ok: \(report.eventsChecked) events chained, \(report.versions) versions consistent")
        if let head = report.head {
            print("chain head: event #\(head.id) \(head.hash) (keep it elsewhere: a history rewritten back from here would not match it)")
        } else {
            print("chain head: none (no events yet)")
        }
    }
}
