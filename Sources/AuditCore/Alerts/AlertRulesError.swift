import AuditModel
import AuditTime
import Foundation
import SnapshotReading

/// A rules file that cannot be used: where and why.
public struct AlertRulesError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var message: String
    public var description: String { "\(file):\(line): \(message)" }

    package init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }
}
