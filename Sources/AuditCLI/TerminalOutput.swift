import AuditModel
import Foundation

/// Prints one line for a person: text from outside (names, keys, descriptions, stored
/// errors) has its control characters escaped (`TextEscaping.terminal`).
func printForTerminal(_ line: String) {
    print(TextEscaping.terminal(line))
}

/// Prints one tab-separated row for a person: each cell escaped on its own, so a tab or a
/// line break inside a name can neither shift the columns nor forge a row.
func printRow(_ cells: [String]) {
    print(cells.map(TextEscaping.terminal).joined(separator: "\t"))
}
