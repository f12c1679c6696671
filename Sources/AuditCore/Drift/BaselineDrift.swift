import AuditModel
import ByteKernels

/// The net difference between the state at a baseline and now, per profile and field,
/// classified with the same rules as events (DESIGN §4).
package enum BaselineDrift {
    /// One item per profile that differs: created since, deleted since, or modified.
    package static func items(then: [SecurityProfile], now: [SecurityProfile], policy: DriftPolicy = .standard) -> [ReportItem] {
        let before = Dictionary(then.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        var items: [ReportItem] = []
        var seen = Set<String>()
        for profile in now {
            seen.insert(profile.key)
            let old = before[profile.key]
            if let old, old.contentHash == profile.contentHash { continue }
            let kind: ChangeKind = old == nil ? .created : .modified
            var diff = ProfileDiff.between(old, profile)
            // A timestamp alone is no drift from a baseline: content is what was approved.
            diff.changes[ProfileField.lastModifiedTime.rawValue] = nil
            let (drift, severity) = DriftRules.classify(kind: kind, old: old, new: profile, diff: diff, policy: policy)
            items.append(ReportItem(
                eventID: nil, key: profile.key, name: profile.securityProfileName ?? old?.securityProfileName,
                accountID: profile.accountID ?? old?.accountID, kind: kind, observedAt: nil, drift: drift, severity: severity,
                changedFields: kind == .created ? [] : diff.changedFields, diff: kind == .created ? ProfileDiff() : diff))
        }
        for old in then where !seen.contains(old.key) {
            let (drift, severity) = DriftRules.classify(kind: .deleted, old: old, new: nil, diff: ProfileDiff(), policy: policy)
            items.append(ReportItem(
                eventID: nil, key: old.key, name: old.securityProfileName, accountID: old.accountID, kind: .deleted,
                observedAt: nil, drift: drift, severity: severity, changedFields: [], diff: ProfileDiff()))
        }
        return items
    }
}
