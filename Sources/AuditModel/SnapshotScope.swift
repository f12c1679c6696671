/// What a snapshot speaks for: which open profiles its absence of a key deletes (DESIGN §3).
package enum SnapshotScope: Hashable, Sendable, CustomStringConvertible {
    /// The full inventory: every open profile not in it is deleted.
    case all
    /// Only profiles of these accounts.
    case accounts(Set<String>)
    /// Only profiles of these Amazon Connect instances (the default: those the snapshot contains).
    case instances(Set<String>)

    /// Parses `--scope`: `all`, `account:ID,...` or `instance:ID,...`.
    package init?(argument: String) {
        if argument == "all" {
            self = .all
            return
        }
        let parts = argument.split(separator: ":", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        let ids = Set(parts[1].split(separator: ",").map { String(String($0).trimmedSpaces) }.filter { !$0.isEmpty })
        guard !ids.isEmpty else { return nil }
        switch parts[0] {
        case "account": self = .accounts(ids)
        case "instance": self = .instances(ids)
        default: return nil
        }
    }

    /// The kind, as stored: `all`, `account` or `instance`.
    package var kind: String {
        switch self {
        case .all: return "all"
        case .accounts: return "account"
        case .instances: return "instance"
        }
    }

    /// The ids, sorted (empty for `all`).
    package var ids: [String] {
        switch self {
        case .all: return []
        case .accounts(let ids), .instances(let ids): return ids.sorted()
        }
    }

    /// Whether an open profile of `instance` and `account` falls inside this scope.
    package func contains(instance: String, account: String?) -> Bool {
        switch self {
        case .all: return true
        case .accounts(let ids): return account.map(ids.contains) ?? false
        case .instances(let ids): return ids.contains(instance)
        }
    }

    package var description: String { ids.isEmpty ? kind : kind + ":" + ids.joined(separator: ",") }
}

extension SecurityProfile {
    /// The Amazon Connect instance the profile belongs to, for scoping: the
    /// `organization_resource_id`, else the instance in the ARN, else the account.
    package var scopeInstance: String {
        organizationResourceID ?? instanceFromARN ?? accountID ?? (arn.flatMap(SecurityProfile.account(fromARN:)) ?? "unknown")
    }
}
