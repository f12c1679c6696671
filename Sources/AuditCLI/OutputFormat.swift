import ArgumentParser
import AuditCore
import AuditModel
import Foundation

/// How a command prints its results.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}
