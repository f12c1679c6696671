import ArgumentParser
import AuditCore
import AuditModel
import AuditTime
import Foundation
import SnapshotReading

/// How a command prints its results.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Progress lines on stderr, only when stderr is a terminal (DESIGN §6).
enum Progress {
    static let enabled = isatty(2) == 1

    static func say(_ line: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// Prints one line for a person: text from outside (names, keys, descriptions, stored
/// errors) has its control characters escaped (`TextEscaping.terminal`), while the line's
/// own tabs stay (they separate columns).
func printForTerminal(_ line: String) {
    print(line.split(separator: "\t", omittingEmptySubsequences: false)
        .map { TextEscaping.terminal(String($0)) }.joined(separator: "\t"))
}

/// Checks of options given in seconds.
enum Seconds {
    /// The longest wait an option may ask for: a week.
    static let maximum = 604_800.0

    /// Refuses a value that is not a finite number from 0 to a week (`inf`, `nan` and
    /// `1e300` used to trap when turned into a `Duration`).
    static func check(_ value: Double, option: String) throws {
        guard value.isFinite, value >= 0, value <= maximum else {
            throw ValidationError("\(option) must be a number of seconds from 0 to \(Int(maximum)) (a week)")
        }
    }
}
