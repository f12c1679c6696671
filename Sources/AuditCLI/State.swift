import ArgumentParser
import AuditCore
import AuditModel
import AuditStore
import AuditTime
import Foundation
import SnapshotReading

/// `connect-audit state --as-of T`: every profile as it was at T.
struct State: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List every profile as it was at a time (default: now).")

    @OptionGroup var database: DatabaseOptions

    @Option(name: .customLong("as-of"), help: "The time (ISO-8601; default: now).")
    var asOf: Instant?

    @Option(help: "text or json.")
    var output: OutputFormat = .text

    func validate() throws {
    }

    func run() throws {
        let connection = try database.connect()
        defer { connection.close() }
        let records = try HistoryQueries(connection: connection).profiles(asOf: asOf)
        switch output {
        case .json:
            let objects: [[String: Any]] = records.map { record in
                [
                    "profile_key": record.profile.key, "version": record.version,
                    "security_profile_name": record.profile.securityProfileName ?? NSNull(),
                    "account_id": record.profile.accountID ?? NSNull(),
                    "tag_restricted_resources": record.profile.tagRestrictedResources,
                    "allowed_access_control_tags": record.profile.allowedAccessControlTags,
                    "permissions": record.profile.permissions,
                    "applications": record.profile.applications,
                    "granular_access_control": record.profile.granularAccessControl ?? NSNull(),
                    "valid_from": record.validFrom.iso8601,
                ]
            }
            let data = try JSONSerialization.data(withJSONObject: objects, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        case .text:
            print("\(records.count) profile(s) as of \(asOf?.iso8601 ?? "now")")
            for record in records {
                printRow([record.profile.securityProfileName ?? "-", "v\(record.version)", record.profile.accountID ?? "-", record.profile.key])
            }
        }
    }
}
