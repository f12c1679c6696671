import AuditModel

/// The order of a report, as a rule: most severe first; then by drift (widened first);
/// then by time of observation, then name, key and event id. Names and keys compare by
/// their UTF-8 bytes (code points), not by Unicode's canonical equivalence, so that
/// canonically equivalent names still have one order. `DriftReport`'s fast ordering of its
/// rows is tested against this.
package enum ReportOrder {
    /// Whether `a` comes before `b` in a report.
    package static func precedes(_ a: ReportItem, _ b: ReportItem) -> Bool {
        if a.severity != b.severity { return a.severity > b.severity }
        if a.drift != b.drift { return a.drift > b.drift }
        let (timeA, timeB) = (a.observedAt?.microsecondsSinceEpoch ?? .min, b.observedAt?.microsecondsSinceEpoch ?? .min)
        if timeA != timeB { return timeA < timeB }
        let (nameA, nameB) = (Array((a.name ?? "").utf8), Array((b.name ?? "").utf8))
        if nameA != nameB { return nameA.lexicographicallyPrecedes(nameB) }
        let (keyA, keyB) = (Array(a.key.utf8), Array(b.key.utf8))
        if keyA != keyB { return keyA.lexicographicallyPrecedes(keyB) }
        return (a.eventID ?? .min) < (b.eventID ?? .min)
    }
}
