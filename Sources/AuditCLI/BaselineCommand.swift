import ArgumentParser
import AuditCore
import AuditStore
import AuditTime

/// `connect-audit baseline approve NAME` and `baseline list`.
struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Name approved points in time to compare drift with.",
        subcommands: [Approve.self, List.self])

    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Approve the state at a time (default: now) under a name.")

        @OptionGroup var database: DatabaseOptions
        @Argument(help: "The baseline's name.") var name: String
        @Option(help: "The approved time (ISO-8601; default: now).") var at: Instant?
        @Option(help: "Why it was approved, by whom.") var note: String?

        func validate() throws {
            if name.isEmpty { throw ValidationError("the baseline needs a name") }
        }

        func run() throws {
            let connection = try database.connect()
            defer { connection.close() }
            let baseline = try HistoryQueries(connection: connection)
                .approveBaseline(name, at: at ?? Instant.now, note: note)
            print("approved baseline \(baseline.name) at \(baseline.approvedAt.iso8601)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the baselines, oldest first.")

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            let connection = try database.connect()
            defer { connection.close() }
            let baselines = try HistoryQueries(connection: connection).baselines()
            if baselines.isEmpty { print("no baselines; `connect-audit baseline approve NAME` makes one") }
            for baseline in baselines {
                printRow([baseline.name, baseline.approvedAt.iso8601, baseline.note ?? ""])
            }
        }
    }
}
