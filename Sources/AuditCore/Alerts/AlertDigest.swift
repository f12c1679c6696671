import AuditModel
import AuditTime

/// One message standing for many alerts: what one ingest matched for one channel when it
/// was more than the channel's `digest_over`. The outbox still holds every alert.
package struct AlertDigest: Sendable {
    package var id: Int64
    package var channel: String
    package var snapshotID: Int64
    /// Every alert's event, most severe first (then widened first, then by event id).
    package private(set) var events: [AlertEvent]

    /// How many of the most severe a message lists.
    package static let shown = 10

    package init(id: Int64, channel: String, snapshotID: Int64, events: [AlertEvent]) {
        self.id = id
        self.channel = channel
        self.snapshotID = snapshotID
        self.events = events.sorted { ($1.severity, $1.drift, $0.eventID) < ($0.severity, $0.drift, $1.eventID) }
    }

    /// The most severe, at most `shown`.
    package var top: [AlertEvent] { Array(events.prefix(Self.shown)) }

    /// How many of each severity, most severe first, zeros left out.
    package var bySeverity: [(Severity, Int)] {
        Severity.allCases.reversed().map { severity in (severity, events.count { $0.severity == severity }) }.filter { $0.1 > 0 }
    }

    /// How many of each drift class, most concerning first, zeros left out.
    package var byDrift: [(DriftClass, Int)] {
        DriftClass.allCases.reversed().map { drift in (drift, events.count { $0.drift == drift }) }.filter { $0.1 > 0 }
    }

    /// The headline: `62 alerts: 3 critical, 9 high, 50 medium`.
    package var headline: String {
        "\(events.count) alerts from one ingest: " + bySeverity.map { "\($0.1) \($0.0.rawValue)" }.joined(separator: ", ")
    }

    /// How to see them all.
    package var howToSeeTheRest: String {
        "all \(events.count): connect-audit alerts list --digest \(id), or SELECT * FROM connect_audit.profile_timeline WHERE snapshot_id = \(snapshotID)"
    }
}
