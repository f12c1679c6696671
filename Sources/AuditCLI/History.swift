import ArgumentParser
import AuditCore
import AuditModel
import AuditStore
import AuditTime
import Foundation
import SnapshotReading

/// `connect-audit history KEY-OR-NAME`: every version and event of one profile, newest first.
struct History: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show every version and event of one profile, newest first.")

    @OptionGroup var database: DatabaseOptions

    @Argument(help: "The profile's _key (ARN) or its name.")
    var keyOrName: String

    @Option(help: "text or json.")
    var output: OutputFormat = .text

    func run() throws {
        let connection = try database.connect()
        defer { connection.close() }
        let queries = HistoryQueries(connection: connection)
        let keys = try queries.keys(matching: keyOrName)
        guard let key = keys.first else { throw CLIError("no profile has the key or name \(keyOrName)") }
        guard keys.count == 1 else {
            throw CLIError("\(keys.count) profiles are named \(keyOrName); give one key: \(keys.joined(separator: ", "))")
        }
        let versions = try queries.versions(ofKey: key)
        let events = try queries.events(ofKey: key).reversed()
        switch output {
        case .json:
            let object: [String: Any] = [
                "profile_key": key,
                "versions": versions.map { version in
                    [
                        "version": version.version, "valid_from": version.validFrom.iso8601,
                        "valid_to": version.validTo?.iso8601 ?? NSNull(), "security_profile_name": version.profile.securityProfileName ?? NSNull(),
                        "content_hash": version.profile.contentHash,
                    ] as [String: Any]
                },
                "events": events.map { event in
                    [
                        "id": event.eventID ?? 0, "kind": event.kind.rawValue, "observed_at": event.observedAt?.iso8601 ?? NSNull(),
                        "drift": event.drift.rawValue, "severity": event.severity.rawValue, "changed_fields": event.changedFields,
                        "diff": (try? JSONSerialization.jsonObject(with: Data(event.diff.json.utf8))) ?? [:],
                        "attribution": event.attributions.map { attribution in
                            (try? JSONSerialization.jsonObject(with: Data(attribution.json.utf8))) ?? [:]
                        },
                    ] as [String: Any]
                },
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        case .text:
            let print = printForTerminal
            print(versions.first?.profile.securityProfileName ?? key)
            print(key)
            print("")
            print("versions (newest first):")
            for version in versions {
                let until = version.validTo?.minuteText ?? "now"
                print("  v\(version.version)  \(version.validFrom.minuteText) .. \(until)  "
                    + "tag-restricted: \(version.profile.tagRestrictedResources.joined(separator: ",").ifEmpty("-"))  "
                    + "allowed tags: \(version.profile.allowedAccessControlTags.joined(separator: ",").ifEmpty("-"))")
            }
            print("")
            print("events (newest first):")
            for event in events {
                print("  #\(event.eventID ?? 0)  \(event.observedAt?.minuteText ?? "-")  \(event.kind.rawValue)  \(event.drift.rawValue)/\(event.severity.rawValue)")
                for (field, change) in event.diffLines { print("      \(field): \(change)") }
                for attribution in event.attributions { print("      changed \(attribution.summary)") }
            }
        }
    }
}

extension String {
    func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
