import ArgumentParser
import AuditCore
import AuditModel
import AuditTime
import SnapshotReading

/// A time window: `--since 24h`, or `--from`/`--to`.
struct WindowOptions: ParsableArguments {
    @Option(help: "How far back: 30m, 24h, 7d, 2w (default 24h unless --from is given).")
    var since: String?

    @Option(help: "Start of the window (ISO-8601).")
    var from: Instant?

    @Option(help: "End of the window (ISO-8601; default: now).")
    var to: Instant?

    func validate() throws {
        if since != nil, from != nil { throw ValidationError("give --since or --from, not both") }
        if let since, Self.duration(since) == nil {
            throw ValidationError("--since must look like 30m, 24h, 7d or 2w (at most 10,000 years)")
        }
    }

    /// The window `[from, to)` as of `now`.
    func window(now: Instant) -> (from: Instant, to: Instant) {
        let end = to ?? now
        if let from { return (from, end) }
        let back = Self.duration(since ?? "24h") ?? 86_400_000_000
        // A window reaching before year 1 starts there (`--since 106751992d` used to trap).
        return (end.adding(microseconds: -back) ?? Instant.validRange.lowerBound, end)
    }

    /// Microseconds in `30m`, `24h`, `7d`, `2w`; `nil` for anything else, or past 10,000 years.
    static func duration(_ text: String) -> Int64? {
        guard let unit = text.last, let count = Int64(text.dropLast()), count > 0, count <= 10_000 * 527_040 else { return nil }
        let seconds: Int64
        switch unit {
        case "m": seconds = 60
        case "h": seconds = 3600
        case "d": seconds = 86_400
        case "w": seconds = 604_800
        default: return nil
        }
        let (micros, overflow) = count.multipliedReportingOverflow(by: seconds * 1_000_000)
        return overflow || micros > 10_000 * 366 * 86_400_000_000 ? nil : micros
    }
}
