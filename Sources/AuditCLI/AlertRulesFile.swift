import AuditCore
import Foundation

/// Reads an alert rules file from disk.
enum AlertRulesFile {
    static func load(_ path: String) throws -> AlertRules {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("cannot read the rules file \(path); check the path")
        }
        return try AlertRules.parse(String(decoding: data, as: UTF8.self), file: path)
    }
}
