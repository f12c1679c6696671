import ArgumentParser
import AuditCore
import AuditModel
import AuditTime
import SnapshotReading

// Options are typed where they are parsed: a command's `run()` never parses text again.

extension Instant: ExpressibleByArgument {
    /// An ISO-8601 time (`2026-11-20T02:00:00Z`, an offset, or a zoneless UTC time) within
    /// 0001-01-01 .. 9999-12-31.
    package init?(argument: String) {
        self.init(parsing: argument)
    }
}

extension SnapshotScope: ExpressibleByArgument {}

extension Severity: ExpressibleByArgument {}

extension ReportFormat: ExpressibleByArgument {}

/// `--format` of `ingest`: a snapshot format, or `auto` (decided per file by its name and keys).
enum InputFormat: ExpressibleByArgument, Equatable {
    case auto
    case fixed(SnapshotFormat)

    init?(argument: String) {
        if argument == "auto" {
            self = .auto
        } else if let format = SnapshotFormat(rawValue: argument) {
            self = .fixed(format)
        } else {
            return nil
        }
    }

    static var allValueStrings: [String] { ["auto"] + SnapshotFormat.allCases.map(\.rawValue) }

    /// The format to read every file as, or `nil` to detect it per file.
    var format: SnapshotFormat? {
        if case .fixed(let format) = self { return format }
        return nil
    }

    /// What the `snapshots` row records.
    var name: String { format?.rawValue ?? "auto" }
}
