import ArrayLiteral
import AuditModel
import AuditTime
import Foundation
import SnapshotReading

/// Writes canonical records back out in each input format: for round-trip tests and for
/// generating benchmark and sample snapshots. Reading the output gives the same records.
///
/// Tag sets are written as JSON arrays of `key:value` strings (or an object in `aws`,
/// when every tag has a colon and keys are unique), which every reader accepts; DDSQL
/// timestamps are milliseconds, so that format keeps only millisecond precision.
package enum SnapshotRenderer {
    /// How an export spells what a record holds: the shapes real exports have. The record
    /// read back is the same whatever the shape (tags are a set of `key:value` either way).
    package struct Shape: Sendable {
        /// Tag sets (`tags`, `allowed_access_control_tags`): JSON arrays of `key:value`
        /// (CSV: `k:v,k2:v2`), JSON objects (`{"team":"cx"}`, the natural JSON of DDSQL's
        /// `hstore`), or hstore text (`"team"=>"cx"`).
        package enum Tags: String, CaseIterable, Sendable { case list, object, hstore }
        /// `last_modified_time`: ISO-8601 text, or an epoch number as the format reads it
        /// (seconds, with their milliseconds as a fraction: a JSON number, CSV digits; the
        /// DDSQL API's pages always carry milliseconds).
        package enum Timestamps: String, CaseIterable, Sendable { case iso, epoch }

        package var tags: Tags
        package var timestamps: Timestamps
        /// The columns written (CSV, NDJSON, JSON): `ProfileField.allCases`, or the DDSQL
        /// table's own, `ProfileField.ddsqlColumns` (no permissions, applications or
        /// granular access control).
        package var columns: [ProfileField]

        package init(tags: Tags = .list, timestamps: Timestamps = .iso, columns: [ProfileField] = ProfileField.allCases) {
            self.tags = tags
            self.timestamps = timestamps
            self.columns = columns
        }

        /// Every record field written as lists and ISO text: the shape tests round-trip.
        package static let standard = Shape()
    }

    /// Renders `profiles` as one file of `format`; a CSV has a column for each of `columns`
    /// (and each `extra` name), so a DDSQL export's CSV is `ProfileField.ddsqlColumns`.
    package static func render(
        _ profiles: [SecurityProfile], as format: SnapshotFormat, columns: [ProfileField] = ProfileField.allCases
    ) -> [UInt8] {
        render(profiles, as: format, shape: Shape(columns: columns))
    }

    /// Renders `profiles` as one file of `format` in `shape` (the `aws` format has its own
    /// spelling of tags and times, and `ddsql` pages their columns' types: both ignore it).
    package static func render(_ profiles: [SecurityProfile], as format: SnapshotFormat, shape: Shape) -> [UInt8] {
        switch format {
        case .ndjson:
            var out: [UInt8] = []
            for profile in profiles {
                out.append(contentsOf: json(ddsqlObject(profile, shape: shape)))
                out.append(UInt8(ascii: "\n"))
            }
            return out
        case .json:
            return json(["data": profiles.map { ddsqlObject($0, shape: shape) }], pretty: true)
        case .aws:
            var out: [UInt8] = []
            for profile in profiles {
                out.append(contentsOf: json(awsObject(profile)))
                out.append(UInt8(ascii: "\n"))
            }
            return out
        case .csv:
            return csv(profiles, shape: shape)
        case .ddsql:
            return ddsql(profiles)
        }
    }

    private static func json(_ value: Any, pretty: Bool = false) -> [UInt8] {
        let options: JSONSerialization.WritingOptions = pretty ? [.sortedKeys, .prettyPrinted] : [.sortedKeys]
        // Our own dictionaries of strings and arrays: serializing them cannot fail.
        let data = try! JSONSerialization.data(withJSONObject: value, options: options.union(.withoutEscapingSlashes))
        return Array(data)
    }

    private static func extraValue(_ text: String) -> Any {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])) ?? text
    }

    static func ddsqlObject(_ profile: SecurityProfile, shape: Shape = .standard) -> [String: Any] {
        var object: [String: Any] = [:]
        for field in shape.columns {
            switch field.kind {
            case .key: object[field.rawValue] = profile.key
            case .text: if let text = profile.text(field) { object[field.rawValue] = text }
            case .stringSet:
                let elements = profile.set(field)
                if !elements.isEmpty { object[field.rawValue] = elements }
            case .tagSet:
                let elements = profile.set(field)
                if !elements.isEmpty { object[field.rawValue] = tagValue(elements, shape.tags) }
            case .instant:
                guard let instant = profile.lastModifiedTime else { continue }
                object[field.rawValue] = shape.timestamps == .iso ? instant.iso8601 as Any : NSNumber(value: Self.epochSeconds(instant))
            }
        }
        for (name, value) in profile.extra { object[name] = extraValue(value) }
        return object
    }

    static func awsObject(_ profile: SecurityProfile) -> [String: Any] {
        var body: [String: Any] = [:]
        for field in ProfileField.allCases where field != .permissions && field != .applications {
            guard let name = field.awsName else { continue }
            if field == .granularAccessControl {
                if let text = profile.granularAccessControl { body[name] = extraValue(text) }
                continue
            }
            switch field.kind {
            case .key: break
            case .text: if let text = profile.text(field) { body[name] = text }
            case .stringSet:
                let elements = profile.set(field)
                if !elements.isEmpty { body[name] = elements }
            case .tagSet:
                let elements = profile.set(field)
                guard !elements.isEmpty else { continue }
                let pairs = elements.map { $0.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false) }
                let keys = Set(pairs.map { $0[0] })
                if pairs.allSatisfy({ $0.count == 2 }), keys.count == pairs.count {
                    body[name] = Dictionary(uniqueKeysWithValues: pairs.map { (String($0[0]), String($0[1])) })
                } else {
                    body[name] = elements
                }
            case .instant: if let instant = profile.lastModifiedTime { body[name] = instant.iso8601 }
            }
        }
        for (name, value) in profile.extra { body[name] = extraValue(value) }
        var object: [String: Any] = ["SecurityProfile": body]
        if !profile.permissions.isEmpty { object["Permissions"] = profile.permissions }
        if !profile.applications.isEmpty {
            // ListSecurityProfileApplications' shape: one object per namespace.
            var byNamespace: [String: [String]] = [:]
            for entry in profile.applications {
                let parts = entry.split(separator: ":", maxSplits: 1)
                byNamespace[String(parts[0]), default: []].append(String(parts[1]))
            }
            object["Applications"] = byNamespace.keys.sorted().map { namespace in
                ["Namespace": namespace, "ApplicationPermissions": byNamespace[namespace] ?? [], "Type": "THIRD_PARTY_APPLICATION"] as [String: Any]
            }
        }
        return object
    }

    /// A tag set as JSON in `form`: the list itself, an object (when every tag has a colon
    /// and the keys are unique, else the list), or hstore text.
    static func tagValue(_ tags: [String], _ form: Shape.Tags) -> Any {
        switch form {
        case .list: return tags
        case .object: return tagObject(tags) ?? tags
        case .hstore: return tagObject(tags).map(hstoreText) ?? tags
        }
    }

    /// Epoch seconds to the millisecond (what survives a `Double` exactly enough to round back).
    static func epochSeconds(_ instant: Instant) -> Double {
        Double(instant.microsecondsSinceEpoch / 1000) / 1000
    }

    /// `key:value` tags as an object, when every tag has a colon and the keys are unique.
    static func tagObject(_ tags: [String]) -> [String: String]? {
        let pairs = tags.map { $0.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false) }
        guard pairs.allSatisfy({ $0.count == 2 }), Set(pairs.map { $0[0] }).count == pairs.count else { return nil }
        return Dictionary(uniqueKeysWithValues: pairs.map { (String($0[0]), String($0[1])) })
    }

    /// hstore's text of an object: `"k"=>"v", ...`, `"` and `\` escaped with a backslash.
    static func hstoreText(_ object: [String: String]) -> String {
        func quoted(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        return object.keys.sorted().map { quoted($0) + "=>" + quoted(object[$0]!) }.joined(separator: ", ")
    }

    private static func csv(_ profiles: [SecurityProfile], shape: Shape) -> [UInt8] {
        let fields = shape.columns
        let extraNames = Set(profiles.flatMap { $0.extra.keys }).sorted()
        let columns = fields.map(\.rawValue) + extraNames
        var out = [UInt8]()
        out.append(contentsOf: columns.joined(separator: ",").utf8)
        out.append(contentsOf: "\r\n".utf8)
        for profile in profiles {
            var cells: [String] = []
            for field in fields {
                switch field.kind {
                case .key: cells.append(profile.key)
                case .text: cells.append(profile.text(field) ?? "")
                case .stringSet: cells.append(postgresArray(profile.set(field)))
                case .tagSet:
                    let tags = profile.set(field)
                    switch shape.tags {
                    case .list: cells.append(tagCell(tags))
                    case .object: cells.append(tags.isEmpty ? "" : tagObject(tags).map { String(decoding: json($0), as: UTF8.self) } ?? postgresArray(tags))
                    case .hstore: cells.append(tags.isEmpty ? "" : tagObject(tags).map(hstoreText) ?? postgresArray(tags))
                    }
                case .instant:
                    guard let instant = profile.lastModifiedTime else { cells.append(""); continue }
                    cells.append(shape.timestamps == .iso ? ddsqlTimestamp(instant) : String(Self.epochSeconds(instant)))
                }
            }
            for name in extraNames {
                let value = profile.extra[name].map(extraValue)
                cells.append((value as? String) ?? profile.extra[name] ?? "")
            }
            out.append(contentsOf: cells.map(csvCell).joined(separator: ",").utf8)
            out.append(contentsOf: "\r\n".utf8)
        }
        return out
    }

    private static func ddsql(_ profiles: [SecurityProfile]) -> [UInt8] {
        var columns: [[String: Any]] = []
        for field in ProfileField.ddsqlColumns {
            let values: [Any] = profiles.map { profile in
                switch field.kind {
                case .key: return profile.key
                case .text: return profile.text(field) ?? NSNull()
                case .stringSet, .tagSet: return profile.set(field)
                case .instant:
                    guard let instant = profile.lastModifiedTime else { return NSNull() }
                    return NSNumber(value: instant.microsecondsSinceEpoch / 1000)
                }
            }
            let type = switch field.kind {
            case .stringSet, .tagSet: "VARCHAR[]"
            case .instant: "TIMESTAMP"
            default: "VARCHAR"
            }
            columns.append(["name": field.rawValue, "type": type, "values": values])
        }
        return json(["data": ["type": "ddsql_tabular_query_response", "attributes": ["columns": columns]]])
    }

    /// `2026-11-20 14:03:27.512000`, DDSQL's zoneless UTC timestamp.
    static func ddsqlTimestamp(_ instant: Instant) -> String {
        let iso = instant.iso8601
        return iso.replacingOccurrences(of: "T", with: " ").replacingOccurrences(of: "Z", with: "")
    }

    /// A PostgreSQL array literal with every element quoted (empty for no elements, as
    /// DDSQL's CSV writes an empty set).
    static func postgresArray(_ elements: [String]) -> String {
        elements.isEmpty ? "" : ArrayLiteral.render(elements)
    }

    /// A tag set as DDSQL's CSV writes it, `k:v,k2:v2`, when that spelling is unambiguous;
    /// otherwise a PostgreSQL array.
    static func tagCell(_ tags: [String]) -> String {
        let plain = tags.allSatisfy { tag in
            tag.contains(":") && !tag.contains(",") && !tag.contains("=>") && tag == String(tag.trimmedSpaces)
                && !tag.hasPrefix("{") && !tag.hasPrefix("[")
        }
        return plain ? tags.joined(separator: ",") : postgresArray(tags)
    }

    /// RFC 4180 quoting, when a cell needs it.
    static func csvCell(_ text: String) -> String {
        // By bytes: "\r\n" is one Character, equal to neither "\r" nor "\n".
        guard text.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }) || text.hasPrefix(" ") || text.hasSuffix(" ") else {
            return text
        }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
