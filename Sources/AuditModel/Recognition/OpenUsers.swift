/// A user version as stored and open, as much of it as recognising and diffing needs; the
/// rest of the row is read only for the users whose changes need it (`UserDiffer.priorRowsNeeded`).
package struct OpenUser: Sendable, Equatable {
    package var key: String
    package var version: Int
    package var contentHash: String
    package var rowDigest: SHA256Digest?
    /// The instance and account, as stored: what scope decides on.
    package var instance: String
    package var accountID: String?

    package init(key: String, version: Int, contentHash: String, rowDigest: SHA256Digest?, instance: String, accountID: String?) {
        self.key = key
        self.version = version
        self.contentHash = contentHash
        self.rowDigest = rowDigest
        self.instance = instance
        self.accountID = accountID
    }
}

/// Every open user version, by position, by key and by the digest of its row.
package struct OpenUsers: Sendable {
    package let all: [OpenUser]
    private let positionOfKey: [String: Int]
    /// The position of the version whose row has this digest: what a reader recognises an
    /// unchanged row by.
    package let positionOfRow: [SHA256Digest: Int]
    /// The distinct (instance, account) pairs of the open users, and each position's pair:
    /// what scope is decided by, asked once a pair rather than once a user.
    package let places: [(instance: String, accountID: String?)]
    package let placeOf: [Int32]

    package init(_ users: [OpenUser]) {
        all = users
        var byKey: [String: Int] = [:], byRow: [SHA256Digest: Int] = [:]
        byKey.reserveCapacity(users.count)
        byRow.reserveCapacity(users.count)
        var places: [(instance: String, accountID: String?)] = []
        var placeIndex: [[String?]: Int32] = [:]
        var placeOf: [Int32] = []
        placeOf.reserveCapacity(users.count)
        var last: (instance: String, accountID: String?, index: Int32)?
        for (position, user) in users.enumerated() {
            byKey[user.key] = position
            if let digest = user.rowDigest { byRow[digest] = position }
            // The open users of one instance arrive together: most lookups are the last pair's.
            if let last, last.instance == user.instance, last.accountID == user.accountID {
                placeOf.append(last.index)
                continue
            }
            let index = placeIndex[[user.instance, user.accountID]] ?? {
                places.append((user.instance, user.accountID))
                placeIndex[[user.instance, user.accountID]] = Int32(places.count - 1)
                return Int32(places.count - 1)
            }()
            placeOf.append(index)
            last = (user.instance, user.accountID, index)
        }
        positionOfKey = byKey
        positionOfRow = byRow
        self.places = places
        self.placeOf = placeOf
    }

    /// Whether each place is inside `contains` (a snapshot's scope), by place.
    package func placesInside(_ contains: (String, String?) -> Bool) -> [Bool] {
        places.map { contains($0.instance, $0.accountID) }
    }

    package static let none = OpenUsers([])

    package var count: Int { all.count }
    package func position(of key: String) -> Int? { positionOfKey[key] }
    package subscript(key: String) -> OpenUser? { positionOfKey[key].map { all[$0] } }
}
