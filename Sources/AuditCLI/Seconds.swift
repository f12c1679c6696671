import ArgumentParser
import AuditCore
import Foundation

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
