import AuditModel
import SnapshotReading
import AuditTime

/// Classifies a change by the rules of DESIGN §4. Pure: the same change always gets the
/// same class and severity.
///
/// An event's severity is the highest of its parts; its drift is the most concerning part
/// (widened before unobserved before changed before narrowed). Two decisions beyond the
/// table: a `created` or `recreated` profile that grants administrative permissions is
/// critical, and adding restrictions (allowed tags, a hierarchy group, restricted
/// resources) is narrowed/low like removing permissions.
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
        catalog: PermissionCatalog = .standard
    ) -> (drift: DriftClass, severity: Severity) {
        let parts = self.parts(kind: kind, old: old, new: new, diff: diff, catalog: catalog)
        let severity = parts.map(\.severity).max() ?? .info
        let drift = parts.map(\.drift).max() ?? .none
        return (drift, severity)
    }

    /// Every part of a change; the classification is their maximum.
    static func parts(
        kind: ChangeKind, old: SecurityProfile?, new: SecurityProfile?, diff: ProfileDiff,
        catalog: PermissionCatalog = .standard
    ) -> [Part] {
        switch kind {
        case .deleted:
            return [Part(field: "_key", drift: .narrowed, severity: .low)]
        case .touched:
            return [Part(field: "last_modified_time", drift: .unobserved, severity: .medium)]
        case .created:
            var parts = [Part(field: "_key", drift: .widened, severity: .medium)]
            if let new, new.permissions.contains(where: catalog.isAdministrative) {
                parts.append(Part(field: "permissions", drift: .widened, severity: .critical))
            }
            return parts
        case .recreated:
            return [Part(field: "_key", drift: .widened, severity: .medium)]
                + fieldParts(old: old, new: new, diff: diff, catalog: catalog)
        case .modified:
            let parts = fieldParts(old: old, new: new, diff: diff, catalog: catalog)
            return parts.isEmpty ? [Part(field: "", drift: .none, severity: .info)] : parts
        }
    }

    private static func fieldParts(old: SecurityProfile?, new: SecurityProfile?, diff: ProfileDiff, catalog: PermissionCatalog) -> [Part] {
        var parts: [Part] = []
        for (field, change) in diff.changes.sorted(by: { $0.key < $1.key }) {
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
                let before = catalog.normalized(old?.permissions ?? [])
                let after = catalog.normalized(new?.permissions ?? [])
                let gained = after.subtracting(before)
                if !gained.isEmpty {
                    let admin = gained.contains(where: catalog.isAdministrative)
                    parts.append(Part(field: field, drift: .widened, severity: admin ? .critical : .high))
                }
                if !before.subtracting(after).isEmpty { parts.append(Part(field: field, drift: .narrowed, severity: .low)) }
                if gained.isEmpty && before == after { parts.append(Part(field: field, drift: .none, severity: .info)) }
            default:
                // Name, description, tags, region, ids, extra fields, the timestamp.
                parts.append(Part(field: field, drift: .none, severity: .info))
            }
        }
        return parts
    }
}
