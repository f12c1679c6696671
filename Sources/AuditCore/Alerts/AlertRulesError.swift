import AuditModel
import AuditTime
import Foundation
import SnapshotReading

/// A rules file that cannot be used: where and why.
package struct AlertRulesError: Error, Sendable, CustomStringConvertible {
    package var file: String
    package var line: Int
    package var message: String
    package var description: String { "\(file):\(line): \(message)" }

    package init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }
}
