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
