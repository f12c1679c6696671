import AuditModel
import ByteKernels
import AuditTime

/// Classifies a change by the rules of DESIGN §4 under a policy. Pure: the same change and
/// policy always get the same class and severity.
///
/// An event's severity is the highest of its parts; its drift is the most concerning part
/// (widened before unobserved before changed before narrowed). Decisions beyond the table:
/// a `created` or `recreated` profile that holds administrative or sensitive permissions
/// is critical; adding restrictions (allowed tags, a hierarchy group, restricted resources,
/// granular access) is narrowed/low like removing permissions; a granular access
/// configuration whose shape connect-audit does not know is `changed`/medium.
package enum DriftRules {
    /// One part of a change and what it means.
    struct Part: Hashable, Sendable {
        var field: String
        var drift: DriftClass
        var severity: Severity
    }

    /// The drift and severity of a change from `old` to `new` (either may be absent).
    package static func classify(
        kind: ChangeKind, old: SecurityProfile?, new: SecurityProfile?, diff: ProfileDiff,
        policy: DriftPolicy = .standard
    ) -> (drift: DriftClass, severity: Severity) {
        var parts = self.parts(kind: kind, old: old, new: new, diff: diff, policy: policy)
        if policy.isCritical(new?.securityProfileName) || policy.isCritical(old?.securityProfileName) {
            for index in parts.indices where parts[index].drift == .widened { parts[index].severity = .critical }
        }
        let severity = parts.map(\.severity).max() ?? .info
        let drift = parts.map(\.drift).max() ?? .none
        return (drift, severity)
    }

    /// Whether a `modified` change lies only in what the policy ignores (fields, tag keys;
    /// the timestamp moving with them): such an event is recorded but raises no alert.
    package static func isIgnored(kind: ChangeKind, diff: ProfileDiff, policy: DriftPolicy) -> Bool {
        guard kind == .modified, !diff.isEmpty, !policy.ignoredFields.isEmpty || !policy.ignoredTagKeys.isEmpty else { return false }
        var ignoredSomething = false
        for (field, change) in diff.changes {
            if field == ProfileField.lastModifiedTime.rawValue { continue }
            if policy.ignoredFields.contains(field) {
                ignoredSomething = true
                continue
            }
            guard field == ProfileField.tags.rawValue, case .set(let added, let removed) = change,
                  policy.unignoredTags(added).isEmpty, policy.unignoredTags(removed).isEmpty
            else { return false }
            ignoredSomething = true
        }
        return ignoredSomething
    }

    /// Every part of a change; the classification is their maximum.
    static func parts(
        kind: ChangeKind, old: SecurityProfile?, new: SecurityProfile?, diff: ProfileDiff, policy: DriftPolicy
    ) -> [Part] {
        switch kind {
        case .discovered:
            return [Part(field: "_key", drift: .none, severity: .info)]
        case .deleted:
            return [Part(field: "_key", drift: .narrowed, severity: .low)]
        case .touched:
            return [Part(field: "last_modified_time", drift: .unobserved, severity: .medium)]
        case .created:
            var parts = [Part(field: "_key", drift: .widened, severity: .medium)]
            let granted = policy.catalog.normalized(new?.permissions ?? [])
            if granted.contains(where: { [.administrative, .sensitive].contains(policy.catalog.weight(of: $0)) }) {
                parts.append(Part(field: "permissions", drift: .widened, severity: .critical))
            }
            return parts
        case .recreated:
            return [Part(field: "_key", drift: .widened, severity: .medium)]
                + fieldParts(old: old, new: new, diff: diff, policy: policy)
        case .modified:
            let parts = fieldParts(old: old, new: new, diff: diff, policy: policy)
            return parts.isEmpty ? [Part(field: "", drift: .none, severity: .info)] : parts
        }
    }

    private static func fieldParts(old: SecurityProfile?, new: SecurityProfile?, diff: ProfileDiff, policy: DriftPolicy) -> [Part] {
        var parts: [Part] = []
        for (field, change) in diff.changes.sorted(by: { $0.key < $1.key }) {
            if policy.ignoredFields.contains(field) {
                parts.append(Part(field: field, drift: .none, severity: .info))
                continue
            }
            switch (ProfileField(rawValue: field), change) {
            case (.tagRestrictedResources?, .set(let added, let removed)),
                 (.hierarchyRestrictedResources?, .set(let added, let removed)):
                if !removed.isEmpty { parts.append(Part(field: field, drift: .widened, severity: .high)) }
                if !added.isEmpty { parts.append(Part(field: field, drift: .narrowed, severity: .low)) }
            case (.allowedAccessControlTags?, .set(let added, let removed)):
                if !removed.isEmpty {
                    let emptied = new?.allowedAccessControlTags.isEmpty ?? true
                    let stillRestricted = !(new?.tagRestrictedResources.isEmpty ?? true)
                    parts.append(Part(field: field, drift: .widened, severity: emptied && stillRestricted ? .critical : .high))
                }
                if !added.isEmpty { parts.append(Part(field: field, drift: .narrowed, severity: .low)) }
            case (.allowedAccessControlHierarchyGroupID?, .text(let from, let to)):
                switch (from, to) {
                case (.some, nil): parts.append(Part(field: field, drift: .widened, severity: .high))
                case (.some, .some): parts.append(Part(field: field, drift: .changed, severity: .medium))
                default: parts.append(Part(field: field, drift: .narrowed, severity: .low))
                }
            case (.permissions?, _):
                parts += permissionParts(old: old?.permissions ?? [], new: new?.permissions ?? [], catalog: policy.catalog)
            case (.applications?, .set(let added, let removed)):
                if !added.isEmpty { parts.append(Part(field: field, drift: .widened, severity: .high)) }
                if !removed.isEmpty { parts.append(Part(field: field, drift: .narrowed, severity: .low)) }
            case (.granularAccessControl?, .text(let from, let to)):
                parts.append(granularPart(from: from, to: to))
            default:
                // Name, description, tags, region, ids, extra fields, the timestamp.
                parts.append(Part(field: field, drift: .none, severity: .info))
            }
        }
        return parts
    }

    /// Permissions gained and lost, compared through the legacy aliases, weighed by class.
    static func permissionParts(old: [String], new: [String], catalog: PermissionCatalog) -> [Part] {
        let field = ProfileField.permissions.rawValue
        let before = catalog.normalized(old)
        let after = catalog.normalized(new)
        var parts: Set<Part> = []
        for gained in after.subtracting(before) {
            switch catalog.weight(of: gained) {
            case .administrative, .sensitive: parts.insert(Part(field: field, drift: .widened, severity: .critical))
            case .restrictive: parts.insert(Part(field: field, drift: .narrowed, severity: .low))
            case .readOnly: parts.insert(Part(field: field, drift: .widened, severity: .medium))
            case .other: parts.insert(Part(field: field, drift: .widened, severity: .high))
            }
        }
        for lost in before.subtracting(after) {
            if catalog.weight(of: lost) == .restrictive {
                parts.insert(Part(field: field, drift: .widened, severity: .high))
            } else {
                parts.insert(Part(field: field, drift: .narrowed, severity: .low))
            }
        }
        // Only a rename to documented equivalents: no drift.
        if parts.isEmpty { parts.insert(Part(field: field, drift: .none, severity: .info)) }
        return parts.sorted { ($0.drift, $0.severity) < ($1.drift, $1.severity) }
    }

    /// A change of the granular access configuration.
    private static func granularPart(from: String?, to: String?) -> Part {
        let field = ProfileField.granularAccessControl.rawValue
        switch (from.map(GranularAccess.init(json:)), to.map(GranularAccess.init(json:))) {
        case (nil, _): return Part(field: field, drift: .narrowed, severity: .low)
        case (.some, nil): return Part(field: field, drift: .widened, severity: .high)
        case (.some(let old?), .some(let new?)):
            let moved = GranularAccess.compare(old, new)
            if moved.widened { return Part(field: field, drift: .widened, severity: .high) }
            return Part(field: field, drift: moved.narrowed ? .narrowed : .none, severity: moved.narrowed ? .low : .info)
        default:
            return Part(field: field, drift: .changed, severity: .medium)
        }
    }
}
