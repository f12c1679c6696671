import AuditModel
import AuditTime
import Foundation
import SnapshotReading

/// The field-by-field difference between two versions of a profile, by field name.
package struct ProfileDiff: Hashable, Sendable {
    /// Changes by field name (`extra.<name>` for unknown fields).
    package var changes: [String: FieldChange]

    /// Creates a diff from its changes.
    package init(changes: [String: FieldChange] = [:]) { self.changes = changes }

    /// The changed field names, sorted.
    package var changedFields: [String] { changes.keys.sorted() }

    package var isEmpty: Bool { changes.isEmpty }

    /// Compares every field of `old` (nil: nothing before) with `new`.
    package static func between(_ old: SecurityProfile?, _ new: SecurityProfile) -> ProfileDiff {
        let old = old ?? SecurityProfile(key: new.key)
        var changes: [String: FieldChange] = [:]
        for field in ProfileField.allCases where field != .key {
            switch field.kind {
            case .key: break
            case .text:
                let (from, to) = (old.text(field), new.text(field))
                if from != to { changes[field.rawValue] = .text(from: from, to: to) }
            case .stringSet, .tagSet:
                let (added, removed) = setDifference(old.set(field), new.set(field))
                if !added.isEmpty || !removed.isEmpty { changes[field.rawValue] = .set(added: added, removed: removed) }
            case .instant:
                if old.lastModifiedTime != new.lastModifiedTime {
                    changes[field.rawValue] = .instant(from: old.lastModifiedTime, to: new.lastModifiedTime)
                }
            }
        }
        for name in Set(old.extra.keys).union(new.extra.keys) where old.extra[name] != new.extra[name] {
            changes["extra." + name] = .text(from: old.extra[name], to: new.extra[name])
        }
        return ProfileDiff(changes: changes)
    }

    /// Elements only in `new` and only in `old`, both sorted (inputs are canonical sets).
    static func setDifference(_ old: [String], _ new: [String]) -> (added: [String], removed: [String]) {
        var added: [String] = []
        var removed: [String] = []
        var i = 0
        var j = 0
        while i < old.count || j < new.count {
            if j == new.count || (i < old.count && old[i] < new[j]) {
                removed.append(old[i])
                i += 1
            } else if i == old.count || new[j] < old[i] {
                added.append(new[j])
                j += 1
            } else {
                i += 1
                j += 1
            }
        }
        return (added, removed)
    }

    /// The diff as DESIGN §3's JSON: text `{"from", "to"}`, sets `{"added", "removed"}`,
    /// in canonical form (the event hash covers it). `extra.<name>` values are their JSON
    /// text, as strings, so a diff holds only strings and nulls.
    package var json: String {
        var out = "{"
        for (index, name) in changes.keys.sorted().enumerated() {
            if index > 0 { out += "," }
            CanonicalJSON.writeString(name, into: &out)
            out += ":"
            switch changes[name]! {
            case .text(let from, let to):
                Self.writeFromTo(from, to, into: &out)
            case .set(let added, let removed):
                out += "{\"added\":"
                CanonicalJSON.write(added, into: &out)
                out += ",\"removed\":"
                CanonicalJSON.write(removed, into: &out)
                out += "}"
            case .instant(let from, let to):
                Self.writeFromTo(from?.iso8601, to?.iso8601, into: &out)
            }
        }
        return out + "}"
    }

    /// `{"from": a, "to": b}`, `null` for absent.
    private static func writeFromTo(_ from: String?, _ to: String?, into out: inout String) {
        out += "{\"from\":"
        if let from { CanonicalJSON.writeString(from, into: &out) } else { out += "null" }
        out += ",\"to\":"
        if let to { CanonicalJSON.writeString(to, into: &out) } else { out += "null" }
        out += "}"
    }

    /// Reads the diff back from its JSON (as `json` writes it, or as `jsonb` prints it):
    /// `last_modified_time` as instants, other `{"from", "to"}` as text, `{"added",
    /// "removed"}` as sets; `nil` when the text is not such a diff.
    package init?(json text: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return nil }
        var changes: [String: FieldChange] = [:]
        for (field, value) in object {
            guard let change = value as? [String: Any] else { return nil }
            if let added = change["added"] as? [String], let removed = change["removed"] as? [String] {
                changes[field] = .set(added: added, removed: removed)
            } else if change.keys.contains("from") || change.keys.contains("to") {
                let from = change["from"] as? String
                let to = change["to"] as? String
                if field == ProfileField.lastModifiedTime.rawValue {
                    changes[field] = .instant(from: from.flatMap(Instant.init(parsing:)), to: to.flatMap(Instant.init(parsing:)))
                } else {
                    changes[field] = .text(from: from, to: to)
                }
            } else {
                return nil
            }
        }
        self.init(changes: changes)
    }

    /// Each change as a line for people, by field name: `-removed, +added` for sets,
    /// `"from" -> "to"` (or `(none)`) otherwise.
    package var lines: [(field: String, change: String)] {
        changes.keys.sorted().map { field in
            switch changes[field]! {
            case .set(let added, let removed):
                return (field, (removed.map { "-" + $0 } + added.map { "+" + $0 }).joined(separator: ", "))
            case .text(let from, let to):
                return (field, Self.quoted(from) + " -> " + Self.quoted(to))
            case .instant(let from, let to):
                return (field, Self.quoted(from?.iso8601) + " -> " + Self.quoted(to?.iso8601))
            }
        }
    }

    private static func quoted(_ text: String?) -> String { text.map { "\"\($0)\"" } ?? "(none)" }

    /// Re-canonicalizes JSON text (as `jsonb` prints it) for hashing; `nil` if not JSON.
    package static func canonicalJSON(text: String) -> String? {
        guard let value = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) else { return nil }
        return CanonicalJSON.text(value)
    }
}
