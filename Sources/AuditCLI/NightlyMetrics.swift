import AuditCore
import AuditModel
import AuditTime
import Foundation
import Platform

/// What a nightly run reports of itself, so that a missed or failed night is an alert on
/// "no data" or on a value, not an absence: written after every run, whether it succeeded
/// or not, as a Prometheus text-format file for node_exporter's textfile collector
/// (`metrics_file:`; the Prometheus "Exposition formats" page: `# HELP`, `# TYPE`, one
/// sample a line, label values quoted).
struct NightlyMetrics: Equatable {
    /// When the run ended.
    var finishedAt: Instant
    /// Whether it did everything it was asked (a change at or above `fail_on` is a success:
    /// the job ran; an account or the users left unread is not).
    var succeeded = false
    /// The end of the last run that succeeded: this one, or the one the previous file names.
    var lastSuccessAt: Instant?
    var durationSeconds = 0.0
    var profiles: Int?
    var users: Int?
    /// Tonight's changes by severity (every severity, zeros included), once reported.
    var changes: [Severity: Int] = [:]
    var alertsDelivered: Int?
    var alertsFailed: Int?

    static let prefix = "connect_audit_nightly_"

    /// The exposition text: every metric a gauge, those not known tonight left out.
    func prometheusText() -> String {
        var out = ""
        func gauge(_ name: String, _ help: String, _ samples: [(labels: String, value: Double)]) {
            guard !samples.isEmpty else { return }
            out += "# HELP \(Self.prefix)\(name) \(help)\n# TYPE \(Self.prefix)\(name) gauge\n"
            for sample in samples { out += "\(Self.prefix)\(name)\(sample.labels) \(Self.number(sample.value))\n" }
        }
        func seconds(_ instant: Instant?) -> [(String, Double)] {
            instant.map { [("", Double($0.microsecondsSinceEpoch) / 1_000_000)] } ?? []
        }
        gauge("last_run_timestamp_seconds", "When the last nightly run ended (Unix time).", seconds(finishedAt))
        gauge("last_success_timestamp_seconds", "When the last nightly run that succeeded ended (Unix time).", seconds(lastSuccessAt))
        gauge("success", "1 when the last run did everything it was asked, else 0.", [("", succeeded ? 1 : 0)])
        gauge("duration_seconds", "How long the last run took.", [("", durationSeconds)])
        gauge("profiles", "Security profiles the last run pulled.", profiles.map { [("", Double($0))] } ?? [])
        gauge("users", "Users the last run pulled.", users.map { [("", Double($0))] } ?? [])
        gauge("changes", "Changes the last run's snapshot recorded, by severity.", changes.isEmpty ? [] : Severity.allCases.map {
            ("{severity=\"\($0.rawValue)\"}", Double(changes[$0] ?? 0))
        })
        var alerts: [(String, Double)] = []
        if let alertsDelivered { alerts.append(("{outcome=\"delivered\"}", Double(alertsDelivered))) }
        if let alertsFailed { alerts.append(("{outcome=\"failed\"}", Double(alertsFailed))) }
        gauge("alerts", "Alerts the last run delivered and gave up on.", alerts)
        return out
    }

    /// A sample's value as the format writes it: whole numbers without a fraction.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// The last success a previous file names, so that a failed run keeps it.
    static func lastSuccess(in text: String) -> Instant? {
        let name = prefix + "last_success_timestamp_seconds "
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(name) }),
              let seconds = Double(line.dropFirst(name.count))
        else { return nil }
        return Instant(epochSeconds: seconds)
    }

    /// Writes the metrics to `path`, replacing the file whole (a collector never reads half
    /// of one: the new file is written beside it, under a name not ending in `.prom`, then
    /// renamed into place), readable by the collector.
    func write(to path: String) throws {
        try PrivateFile.write(Array(prometheusText().utf8), to: path, mode: 0o644)
    }
}
