import AuditModel
import AuditTime
import Foundation
import SnapshotReading

/// A drift report: the events of a window, or the drift from a baseline, most severe first.
package struct DriftReport: Sendable {
    /// What the report covers, in words.
    package var title: String
    /// The window, when the report is one.
    package var from: Instant?
    package var to: Instant?
    /// The baseline, when the report compares with one.
    package var baseline: String?
    /// When the report was made (the shell's clock).
    package var generatedAt: Instant
    /// The items, most severe first, widened before other drift, then by time and profile.
    /// Discovered profiles are not among them: see `discoveries`.
    package private(set) var items: [ReportItem]
    /// Profiles discovered (an instance's first snapshot), one line per instance: an initial
    /// load is listed, not itemised.
    package private(set) var discoveries: [Discovery] = []

    /// The profiles of one instance first seen in the window.
    package struct Discovery: Hashable, Sendable {
        package var instance: String
        package var accountID: String?
        package var profiles: Int
        /// When the first of them was observed.
        package var observedAt: Instant?

        package init(instance: String, accountID: String?, profiles: Int, observedAt: Instant?) {
            self.instance = instance
            self.accountID = accountID
            self.profiles = profiles
            self.observedAt = observedAt
        }
    }

    /// A report of `items`; their `discovered` events and `discovered` (counted elsewhere,
    /// by the database) are shown as discoveries per instance, not as changes.
    package init(
        title: String, from: Instant? = nil, to: Instant? = nil, baseline: String? = nil, generatedAt: Instant, items: [ReportItem],
        discovered: [Discovery] = []
    ) {
        self.title = title
        self.from = from
        self.to = to
        self.baseline = baseline
        self.generatedAt = generatedAt
        var byInstance: [String: Discovery] = [:]
        func count(_ found: Discovery) {
            var entry = byInstance[found.instance] ?? Discovery(instance: found.instance, accountID: found.accountID, profiles: 0, observedAt: found.observedAt)
            entry.profiles += found.profiles
            if let time = found.observedAt, entry.observedAt.map({ time < $0 }) ?? true { entry.observedAt = time }
            byInstance[found.instance] = entry
        }
        discovered.forEach(count)
        // By index, here and below: a `for item in items` loop copies each item (a dozen
        // retains); two such counts were 8% of a year-long JSON report.
        for index in items.indices where items[index].kind == .discovered {
            let (key, accountID) = (items[index].key, items[index].accountID)
            count(Discovery(
                instance: SecurityProfile.instance(inKey: key) ?? accountID ?? key, accountID: accountID,
                profiles: 1, observedAt: items[index].observedAt))
        }
        discoveries = byInstance.values.sorted { ($0.observedAt?.microsecondsSinceEpoch ?? 0, $0.instance) < ($1.observedAt?.microsecondsSinceEpoch ?? 0, $1.instance) }
        // Most severe first; then widened before other drift; then time, name, key, event. Sorted
        // by index over small keys, discoveries left out, and each item copied once, at
        // the end: moving whole items while sorting cost a quarter of a year-long report,
        // and filtering them first another tenth. Names and keys in the order of their
        // UTF-8 bytes (of their code points), not of Unicode's canonical equivalence: the
        // names, laid end to end in one buffer, compared with `memcmp` (String's comparison
        // of names with a non-ASCII dash was 7.6% of a month's JSON report at 1,000,000
        // profiles, `perf`: more than the rest of the sort).
        let ranks = items.indices.map { index in
            (severity: items[index].severity.rank,
             drift: items[index].drift.rank,
             time: items[index].observedAt?.microsecondsSinceEpoch ?? 0)
        }
        var nameBytes: [UInt8] = []
        var nameSpans: [(start: Int, count: Int)] = []
        nameSpans.reserveCapacity(items.count)
        for index in items.indices {
            let start = nameBytes.count
            nameBytes.append(contentsOf: (items[index].name ?? "").utf8)
            nameSpans.append((start, nameBytes.count - start))
        }
        nameBytes.append(0)  // never empty: its base address is never nil
        let order = nameBytes.withUnsafeBufferPointer { names in
            items.indices.filter { items[$0].kind != .discovered }.sorted { a, b in
                let (x, y) = (ranks[a], ranks[b])
                if x.severity != y.severity { return x.severity > y.severity }
                if x.drift != y.drift { return x.drift > y.drift }
                if x.time != y.time { return x.time < y.time }
                let (nameA, nameB) = (nameSpans[a], nameSpans[b])
                let compared = memcmp(names.baseAddress! + nameA.start, names.baseAddress! + nameB.start, min(nameA.count, nameB.count))
                if compared != 0 { return compared < 0 }
                if nameA.count != nameB.count { return nameA.count < nameB.count }
                let (keyA, keyB) = (items[a].key.utf8, items[b].key.utf8)
                if !keyA.elementsEqual(keyB) { return keyA.lexicographicallyPrecedes(keyB) }
                return (items[a].eventID ?? 0) < (items[b].eventID ?? 0)
            }
        }
        self.items = order.map { items[$0] }
        var bySeverity = [Severity: Int]()
        var byDrift = [DriftClass: Int]()
        for index in order {
            bySeverity[items[index].severity, default: 0] += 1
            byDrift[items[index].drift, default: 0] += 1
        }
        countsBySeverity = Severity.allCases.reversed().map { ($0, bySeverity[$0] ?? 0) }
        countsByDrift = DriftClass.allCases.reversed().map { ($0, byDrift[$0] ?? 0) }
    }

    /// How many items of each severity, most severe first (every severity, zero included).
    package private(set) var countsBySeverity: [(Severity, Int)] = []

    /// How many items of each drift class (every class, zero included).
    package private(set) var countsByDrift: [(DriftClass, Int)] = []

    /// Whether an item at or above `severity` is in the report (`--fail-on`).
    package func hasItem(atLeast severity: Severity) -> Bool {
        items.contains { $0.severity >= severity }
    }
}
