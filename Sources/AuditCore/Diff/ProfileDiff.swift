import AuditModel
import AuditTime
import Foundation
import ByteKernels

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
        var out = ""
        writeJSON(into: &out)
        return out
    }

    /// Appends `json` to `out`.
    package func writeJSON(into out: inout String) {
        out += "{"
        // Each change with its name, sorted by name: no second lookup by name, and no sort
        // for the one change most diffs have (each event's hash covers this text).
        if changes.count == 1, let (name, change) = changes.first {
            Self.write(name, change, into: &out)
        } else {
            for (index, (name, change)) in changes.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { out += "," }
                Self.write(name, change, into: &out)
            }
        }
        out += "}"
    }

    /// `"name":change`.
    private static func write(_ name: String, _ change: FieldChange, into out: inout String) {
        CanonicalJSON.writeString(name, into: &out)
        out += ":"
        switch change {
        case .text(let from, let to):
            writeFromTo(from, to, into: &out)
        case .set(let added, let removed):
            out += "{\"added\":"
            CanonicalJSON.write(added, into: &out)
            out += ",\"removed\":"
            CanonicalJSON.write(removed, into: &out)
            out += "}"
        case .instant(let from, let to):
            writeFromTo(from?.iso8601, to?.iso8601, into: &out)
        }
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
        guard let diff = JSONScanner.scanning(text, Self.scanned) ?? Self.parsed(text) else { return nil }
        self = diff
    }

    /// The diff read by Foundation's `JSONSerialization`: any JSON, every rule.
    package static func parsed(_ text: String) -> ProfileDiff? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return nil }
        var changes: [String: FieldChange] = [:]
        for (field, value) in object {
            guard let change = value as? [String: Any] else { return nil }
            if let added = change["added"] as? [String], let removed = change["removed"] as? [String] {
                changes[field] = .set(added: added, removed: removed)
            } else if change.keys.contains("from") || change.keys.contains("to") {
                changes[field] = Self.change(field, from: change["from"] as? String, to: change["to"] as? String)
            } else {
                return nil
            }
        }
        return ProfileDiff(changes: changes)
    }

    /// A `{"from", "to"}` change of `field`.
    private static func change(_ field: String, from: String?, to: String?) -> FieldChange {
        field == ProfileField.lastModifiedTime.rawValue
            ? .instant(from: from.flatMap(Instant.init(parsing:)), to: to.flatMap(Instant.init(parsing:)))
            : .text(from: from, to: to)
    }

    /// The diff read straight from its bytes, when it is the shape `json` writes and
    /// `jsonb` prints (members `from`/`to` of text or `null`, `added`/`removed` arrays of
    /// text; ASCII field names without escapes; no repeated key); `nil` for anything else,
    /// which `parsed` reads. It reads a diff as `parsed` does (`DiffScannerTests`
    /// compares them on generated and mutated diffs). Decoding every diff with Foundation
    /// was a fifth of a year-long report.
    package static func scanned(_ json: inout JSONScanner) -> ProfileDiff? {
        var changes: [String: FieldChange] = [:]
        json.skipSpace()
        guard json.take(UInt8(ascii: "{")) else { return nil }
        json.skipSpace()
        if !json.take(UInt8(ascii: "}")) {
            while true {
                guard json.take(UInt8(ascii: "\"")), let key = json.rawKey() else { return nil }
                let field = json.text(key)
                guard changes[field] == nil, json.member(), let change = scannedChange(of: field, &json) else { return nil }
                changes[field] = change
                guard let more = json.nextMember() else { return nil }
                if !more { break }
            }
        }
        json.skipSpace()
        return json.isAtEnd ? ProfileDiff(changes: changes) : nil
    }

    private static func scannedChange(of field: String, _ json: inout JSONScanner) -> FieldChange? {
        guard json.take(UInt8(ascii: "{")) else { return nil }
        var from: String??
        var to: String??
        var added: [String]?
        var removed: [String]?
        json.skipSpace()
        if !json.take(UInt8(ascii: "}")) {
            while true {
                guard json.take(UInt8(ascii: "\"")), let key = json.rawKey(), json.member() else { return nil }
                if json.bytes(key, are: "from") || json.bytes(key, are: "to") {
                    let value: String?
                    if json.takeNull() {
                        value = nil
                    } else if json.take(UInt8(ascii: "\"")), let text = json.string() {
                        value = text
                    } else {
                        return nil
                    }
                    if json.bytes(key, are: "from") {
                        guard from == nil else { return nil }
                        from = .some(value)
                    } else {
                        guard to == nil else { return nil }
                        to = .some(value)
                    }
                } else if json.bytes(key, are: "added") || json.bytes(key, are: "removed") {
                    guard json.take(UInt8(ascii: "[")), let list = json.strings() else { return nil }
                    if json.bytes(key, are: "added") {
                        guard added == nil else { return nil }
                        added = list
                    } else {
                        guard removed == nil else { return nil }
                        removed = list
                    }
                } else {
                    return nil
                }
                guard let more = json.nextMember() else { return nil }
                if !more { break }
            }
        }
        if let added, let removed { return .set(added: added, removed: removed) }
        guard from != nil || to != nil else { return nil }
        return change(field, from: from ?? nil, to: to ?? nil)
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
