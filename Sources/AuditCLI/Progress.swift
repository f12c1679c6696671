import ArgumentParser
import AuditCore
import AuditModel
import AuditTime
import Foundation
import SnapshotReading

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
