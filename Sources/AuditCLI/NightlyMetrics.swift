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

    /// One gauge: its name (after the prefix), help, and samples (labels, value).
    struct Gauge {
        var name: String
        var help: String
        var samples: [(labels: [(String, String)], value: Double)]
    }

    /// Every metric a gauge, those not known tonight left out: what both formats write.
    var gauges: [Gauge] {
        func seconds(_ instant: Instant?) -> [([(String, String)], Double)] {
            instant.map { [([], Double($0.microsecondsSinceEpoch) / 1_000_000)] } ?? []
        }
        func count(_ value: Int?) -> [([(String, String)], Double)] { value.map { [([], Double($0))] } ?? [] }
        var alerts: [([(String, String)], Double)] = []
        if let alertsDelivered { alerts.append(([("outcome", "delivered")], Double(alertsDelivered))) }
        if let alertsFailed { alerts.append(([("outcome", "failed")], Double(alertsFailed))) }
        let all = [
            Gauge(name: "last_run_timestamp_seconds", help: "When the last nightly run ended (Unix time).", samples: seconds(finishedAt)),
            Gauge(name: "last_success_timestamp_seconds", help: "When the last nightly run that succeeded ended (Unix time).", samples: seconds(lastSuccessAt)),
            Gauge(name: "success", help: "1 when the last run did everything it was asked, else 0.", samples: [([], succeeded ? 1 : 0)]),
            Gauge(name: "duration_seconds", help: "How long the last run took.", samples: [([], durationSeconds)]),
            Gauge(name: "profiles", help: "Security profiles the last run pulled.", samples: count(profiles)),
            Gauge(name: "users", help: "Users the last run pulled.", samples: count(users)),
            Gauge(name: "changes", help: "Changes the last run's snapshot recorded, by severity.", samples: changes.isEmpty ? [] : Severity.allCases.map {
                ([("severity", $0.rawValue)], Double(changes[$0] ?? 0))
            }),
            Gauge(name: "alerts", help: "Alerts the last run delivered and gave up on.", samples: alerts),
        ]
        return all.filter { !$0.samples.isEmpty }
    }

    /// The exposition text.
    func prometheusText() -> String {
        var out = ""
        for gauge in gauges {
            out += "# HELP \(Self.prefix)\(gauge.name) \(gauge.help)\n# TYPE \(Self.prefix)\(gauge.name) gauge\n"
            for sample in gauge.samples {
                let labels = sample.labels.isEmpty ? "" : "{" + sample.labels.map { "\($0.0)=\"\($0.1)\"" }.joined(separator: ",") + "}"
                out += "\(Self.prefix)\(gauge.name)\(labels) \(Self.number(sample.value))\n"
            }
        }
        return out
    }

    /// The same metrics as one Datadog series submission (datadog-api-client's v2
    /// `MetricPayload`: `series` of `metric`, `type` 3 (gauge), `points` of `timestamp`, in
    /// whole seconds, and `value`, and `tags`), named `connect_audit.nightly.NAME`, with the
    /// labels as tags beside `tags`.
    func datadogSeries(tags: [String]) -> String {
        let timestamp = finishedAt.microsecondsSinceEpoch / 1_000_000
        let series: [[String: Any]] = gauges.flatMap { gauge in
            gauge.samples.map { sample -> [String: Any] in
                [
                    "metric": "connect_audit.nightly." + gauge.name, "type": 3,
                    "points": [["timestamp": timestamp, "value": sample.value]],
                    "tags": tags + sample.labels.map { "\($0.0):\($0.1)" },
                ]
            }
        }
        return CanonicalJSON.text(["series": series])
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
