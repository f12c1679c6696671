import AuditCore
import AuditModel
import AuditTime
import Foundation
import Platform
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
    /// The changes (`ReportRows`), and the order they are reported in: most severe first,
    /// widened before other drift, then by time and profile. Discovered profiles are not
    /// among them: see `discoveries`.
    package let rows: ReportRows
    package let order: [Int32]
    /// How many changes the report lists.
    package var itemCount: Int { order.count }
    /// The changes as items, in report order: made from `rows` at each use (bind it once).
    /// - Throws: `ReportRows.UnreadableDiff` when a row's diff does not read back.
    package var items: [ReportItem] { get throws { try order.map { try rows.item(at: Int($0)) } } }
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

    /// Tracked fields a source carried for the first time for an instance with history, in
    /// the report's snapshots: their values were recorded as observed, not as drift.
    package var firstObservations: [FirstObservation] = []

    /// Users whose effective permissions moved in the window (by an assignment or by an edit
    /// of a profile they hold), in report order (`UserAccessChange.grouped`).
    package var userChanges: [UserAccessChange] = []

    /// A tracked field first carried for an instance, by a snapshot.
    package struct FirstObservation: Hashable, Sendable {
        package var instance: String
        package var field: String
        package var snapshotID: Int64
        package var observedAt: Instant

        package init(instance: String, field: String, snapshotID: Int64, observedAt: Instant) {
            self.instance = instance
            self.field = field
            self.snapshotID = snapshotID
            self.observedAt = observedAt
        }
    }

    /// A report of `items`; their `discovered` events and `discovered` (counted elsewhere,
    /// by the database) are shown as discoveries per instance, not as changes.
    package init(
        title: String, from: Instant? = nil, to: Instant? = nil, baseline: String? = nil, generatedAt: Instant, items: [ReportItem],
        discovered: [Discovery] = []
    ) {
        let found = items.filter { $0.kind == .discovered }.map { item in
            Discovery(
                instance: SecurityProfile.instance(inKey: item.key) ?? item.accountID ?? item.key, accountID: item.accountID,
                profiles: 1, observedAt: item.observedAt)
        }
        self.init(
            title: title, from: from, to: to, baseline: baseline, generatedAt: generatedAt,
            rows: ReportRows(items.filter { $0.kind != .discovered }), discovered: discovered + found)
    }

    /// A report of the changes `rows` (none of them `discovered`), and the profiles
    /// `discovered`, shown as discoveries per instance.
    package init(
        title: String, from: Instant? = nil, to: Instant? = nil, baseline: String? = nil, generatedAt: Instant, rows: ReportRows,
        discovered: [Discovery] = []
    ) {
        self.title = title
        self.from = from
        self.to = to
        self.baseline = baseline
        self.generatedAt = generatedAt
        var byInstance: [String: Discovery] = [:]
        for found in discovered {
            var entry = byInstance[found.instance] ?? Discovery(instance: found.instance, accountID: found.accountID, profiles: 0, observedAt: found.observedAt)
            entry.profiles += found.profiles
            if let time = found.observedAt, entry.observedAt.map({ time < $0 }) ?? true { entry.observedAt = time }
            byInstance[found.instance] = entry
        }
        discoveries = byInstance.values.sorted { ($0.observedAt?.microsecondsSinceEpoch ?? 0, $0.instance) < ($1.observedAt?.microsecondsSinceEpoch ?? 0, $1.instance) }
        self.rows = rows
        order = Self.order(rows)
        // Counted by rank, not in dictionaries (hashed twice a row, on one core).
        var bySeverity = [Int](repeating: 0, count: Severity.allCases.count)
        var byDrift = [Int](repeating: 0, count: DriftClass.allCases.count)
        for row in rows.rows {
            bySeverity[row.severity.rank] += 1
            byDrift[row.drift.rank] += 1
        }
        countsBySeverity = Severity.allCases.reversed().map { ($0, bySeverity[$0.rank]) }
        countsByDrift = DriftClass.allCases.reversed().map { ($0, byDrift[$0.rank]) }
    }

    /// The order of the report (the rule: `ReportOrder.precedes`), fast. Names and keys are
    /// compared with `memcmp` where they lie in the rows' bytes (String's comparison of
    /// names with a non-ASCII dash costs more than the rest of the sort). The rows are
    /// counted into groups of one severity, drift and time (a night's changes of one class:
    /// a few thousand groups in a year), the groups put in order, then each group sorted on
    /// its own by small keys (the name's first bytes beside the row's number, the rows
    /// themselves read only where two keys tie), the groups shared out between the cores.
    private static func order(_ rows: ReportRows) -> [Int32] {
        rows.withParts { parts in
            // Audited: the parts are read, never written, while the workers sort.
            struct Shared: @unchecked Sendable {
                let parts: [UnsafeBufferPointer<UInt8>]
                let rows: [ReportRows.Row]
            }
            let shared = Shared(parts: parts, rows: rows.rows)
            let all = rows.rows
            // Each row's group, numbered as first met; then the groups in report order. Each
            // time met has a place for the group of each class, found by the time once for the
            // rows of one time that come together (the store's come in time order), instead of
            // hashing each row's class and time into a dictionary on one core.
            var groupOf: [Int32] = []
            groupOf.reserveCapacity(all.count)
            var timePlaces: [Int64: Int] = [:]
            var places: [Int32] = []
            var groups: [Group] = []
            let classes = Severity.allCases.count * DriftClass.allCases.count
            var (lastTime, firstPlace): (Int64?, Int) = (nil, 0)
            for row in all {
                let time = row.time ?? 0
                if time != lastTime {
                    if let known = timePlaces[time] {
                        firstPlace = known
                    } else {
                        firstPlace = places.count
                        timePlaces[time] = firstPlace
                        places.append(contentsOf: repeatElement(-1, count: classes))
                    }
                    lastTime = time
                }
                let (severity, drift) = (row.severity.rank, row.drift.rank)
                let place = firstPlace + severity * DriftClass.allCases.count + drift
                if places[place] < 0 {
                    places[place] = Int32(groups.count)
                    groups.append(Group(ranks: Int32(severity * 16 + drift), time: time))
                }
                groupOf.append(places[place])
            }
            let groupOrder = groups.indices.sorted { a, b in
                groups[a].ranks != groups[b].ranks ? groups[a].ranks > groups[b].ranks : groups[a].time < groups[b].time
            }
            // Where each group starts among the ordered rows (a counting sort).
            var starts = [Int](repeating: 0, count: groups.count + 1)
            for group in groupOf { starts[Int(group) + 1] += 1 }
            var position = [Int](repeating: 0, count: groups.count)
            var total = 0
            for group in groupOrder {
                position[group] = total
                total += starts[group + 1]
            }
            let firstOf = position
            var grouped = [Int32](repeating: 0, count: all.count)
            for index in all.indices {
                let group = Int(groupOf[index])
                grouped[position[group]] = Int32(index)
                position[group] += 1
            }
            // The groups' bounds in report order, shared out by rows between the workers.
            let bounds = groupOrder.map { firstOf[$0]..<(firstOf[$0] + starts[$0 + 1]) }
            let inGroups = grouped
            let workers = ParallelWork.workers(for: all.count)
            let shares = ParallelWork.map(all.count, workers: workers) { range in
                var out: [Int32] = []
                var keys: [SortKey] = []
                for bounds in bounds where range.contains(bounds.lowerBound) {
                    keys.removeAll(keepingCapacity: true)
                    for index in bounds {
                        let row = Int(inGroups[index])
                        keys.append(sortKey(of: shared.rows[row], number: row, in: shared.parts))
                    }
                    keys.sort { precedes($0, $1, shared.rows, shared.parts) }
                    out.append(contentsOf: keys.lazy.map(\.row))
                }
                return out
            }
            return Array(shares.joined())
        }
    }

    /// Rows of one severity, drift and time.
    private struct Group {
        var ranks: Int32
        var time: Int64
    }

    /// What a row is sorted by within its group, small: the first 24 bytes of its name
    /// (names such as "Workforce Manager – BILLING 913127" share their first sixteen), where
    /// the rest of it lies, and its number. Two keys that tie on the words compare the names
    /// where they lie; only keys whose names tie read the rows (by number), since each tie
    /// reads two rows and two names anywhere in a gigabyte.
    private struct SortKey {
        var row: Int32
        var nameCount: Int32
        var words: (UInt64, UInt64, UInt64)
        var name: UnsafePointer<UInt8>?
    }

    private static func text(_ parts: [UnsafeBufferPointer<UInt8>], _ part: Int, _ start: Int, _ count: Int32) -> UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(rebasing: parts[part][start..<(start + Int(max(count, 0)))])
    }

    private static func sortKey(of row: ReportRows.Row, number: Int, in parts: [UnsafeBufferPointer<UInt8>]) -> SortKey {
        // Big-endian words of the name's bytes, zeros after its end: ordered as the bytes are
        // (a name never holds a zero byte; a shorter name that ties goes first, as below).
        let name = text(parts, row.part, row.nameStart, row.nameCount)
        func word(_ from: Int) -> UInt64 {
            if name.count - from >= 8 { return UInt64(bigEndian: UnsafeRawPointer(name.baseAddress! + from).loadUnaligned(as: UInt64.self)) }
            var value: UInt64 = 0
            for index in from..<(from + 8) { value = value << 8 | UInt64(index < name.count ? name[index] : 0) }
            return value
        }
        return SortKey(
            row: Int32(number), nameCount: Int32(name.count), words: (word(0), word(8), word(16)),
            name: name.isEmpty ? nil : name.baseAddress)
    }

    /// Whether `x` comes before `y` in one group (one severity, drift and time): names as
    /// bytes, then keys as bytes, then ids.
    private static func precedes(_ x: SortKey, _ y: SortKey, _ rows: [ReportRows.Row], _ parts: [UnsafeBufferPointer<UInt8>]) -> Bool {
        if x.words.0 != y.words.0 { return x.words.0 < y.words.0 }
        if x.words.1 != y.words.1 { return x.words.1 < y.words.1 }
        if x.words.2 != y.words.2 { return x.words.2 < y.words.2 }
        func compare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int {
            let common = min(a.count, b.count)
            let compared = common == 0 ? 0 : memcmp(a.baseAddress!, b.baseAddress!, common)
            return compared != 0 ? Int(compared) : a.count - b.count
        }
        let byName = compare(UnsafeBufferPointer(start: x.name, count: Int(x.nameCount)), UnsafeBufferPointer(start: y.name, count: Int(y.nameCount)))
        if byName != 0 { return byName < 0 }
        let (a, b) = (rows[Int(x.row)], rows[Int(y.row)])
        let byKey = compare(text(parts, a.part, a.keyStart, a.keyCount), text(parts, b.part, b.keyStart, b.keyCount))
        if byKey != 0 { return byKey < 0 }
        return (a.id ?? 0) < (b.id ?? 0)
    }

    /// How many items of each severity, most severe first (every severity, zero included).
    package private(set) var countsBySeverity: [(Severity, Int)] = []

    /// How many items of each drift class (every class, zero included).
    package private(set) var countsByDrift: [(DriftClass, Int)] = []

    /// Whether an item at or above `severity` is in the report (`--fail-on`).
    package func hasItem(atLeast severity: Severity) -> Bool {
        rows.rows.contains { $0.severity >= severity } || userChanges.contains { $0.severity >= severity }
    }
}
