import Foundation

/// The restrictions of a `GranularAccessControlConfiguration` (botocore's Connect model:
/// `DataTableAccessControlConfiguration.PrimaryAttributeAccessControlConfiguration
/// .PrimaryAttributeValues[{AccessType: ALLOW, AttributeName, Values}]`): per attribute,
/// the values a user is allowed to see. No entry for an attribute means no restriction.
struct GranularAccess: Equatable {
    /// Allowed values by attribute name.
    var allowed: [String: Set<String>]

    /// Reads the canonical JSON text; `nil` when its shape is not the one above.
    init?(json: String) {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return nil }
        let known: Set<String> = ["DataTableAccessControlConfiguration"]
        guard Set(object.keys).isSubset(of: known) else { return nil }
        var allowed: [String: Set<String>] = [:]
        if let table = object["DataTableAccessControlConfiguration"] {
            guard let table = table as? [String: Any], Set(table.keys).isSubset(of: ["PrimaryAttributeAccessControlConfiguration"]) else { return nil }
            if let primary = table["PrimaryAttributeAccessControlConfiguration"] {
                guard let primary = primary as? [String: Any], Set(primary.keys).isSubset(of: ["PrimaryAttributeValues"]),
                      let values = (primary["PrimaryAttributeValues"] ?? [Any]()) as? [[String: Any]]
                else { return nil }
                for entry in values {
                    guard let name = entry["AttributeName"] as? String, (entry["AccessType"] as? String ?? "ALLOW") == "ALLOW",
                          let list = (entry["Values"] ?? [String]()) as? [String]
                    else { return nil }
                    allowed[name, default: []].formUnion(list)
                }
            }
        }
        self.allowed = allowed
    }

    /// How the restrictions moved from `old` to `new`: `widened` when an attribute lost its
    /// restriction or allows more values, else `narrowed` when anything changed.
    static func compare(_ old: GranularAccess, _ new: GranularAccess) -> (widened: Bool, narrowed: Bool) {
        var widened = false
        var narrowed = false
        for (name, values) in old.allowed {
            guard let now = new.allowed[name] else {
                widened = true
                continue
            }
            if !now.isSubset(of: values) { widened = true }
            if !values.isSubset(of: now) { narrowed = true }
        }
        if new.allowed.keys.contains(where: { old.allowed[$0] == nil }) { narrowed = true }
        return (widened, narrowed)
    }
}
