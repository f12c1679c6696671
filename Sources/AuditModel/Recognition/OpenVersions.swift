/// The open versions of the history as one ingest loaded them, indexed by key and by
/// source fingerprint. A snapshot is read *against* them: records they recognise point
/// here by position instead of being decoded.
package final class OpenVersions: Sendable {
    /// Every open version, in the order loaded.
    package let all: [OpenVersion]
    /// The distinct (instance, account) pairs of the versions: what scoping looks at.
    package let scopeCells: [ScopeCell]
    /// The position in `scopeCells` of each version's pair.
    package let scopeCellOf: [Int]
    private let byKey: [String: Int]
    private let bySource: [SourceFingerprint: Int]

    /// Indexes `versions` (one per key).
    package convenience init(_ versions: [OpenVersion]) {
        var builder = Builder(capacity: versions.count)
        for version in versions { builder.add(version) }
        self.init(builder)
    }

    /// Takes what `builder` gathered.
    package init(_ builder: Builder) {
        all = builder.all
        scopeCells = builder.scopeCells
        scopeCellOf = builder.scopeCellOf
        byKey = builder.byKey
        bySource = builder.bySource
    }

    /// Gathers open versions one by one (as rows arrive from the server), indexing each.
    package struct Builder {
        fileprivate var all: [OpenVersion] = []
        fileprivate var byKey: [String: Int] = [:]
        fileprivate var bySource: [SourceFingerprint: Int] = [:]
        fileprivate var scopeCells: [ScopeCell] = []
        fileprivate var scopeCellOf: [Int] = []
        private var cellIndex: [ScopeCell: Int] = [:]

        /// A builder with room for `capacity` versions.
        package init(capacity: Int = 0) {
            all.reserveCapacity(capacity)
            scopeCellOf.reserveCapacity(capacity)
            byKey.reserveCapacity(capacity)
            bySource.reserveCapacity(capacity)
        }

        /// Adds the open version of a key not added before.
        package mutating func add(_ version: OpenVersion) {
            byKey[version.key] = all.count
            if let source = version.sourceFingerprint { bySource[source] = all.count }
            // Versions of one instance tend to come together: try the last pair first.
            if let last = scopeCellOf.last, scopeCells[last].instance == version.scopeInstance,
               scopeCells[last].account == version.accountID {
                scopeCellOf.append(last)
            } else if let index = cellIndex[ScopeCell(instance: version.scopeInstance, account: version.accountID)] {
                scopeCellOf.append(index)
            } else {
                let cell = ScopeCell(instance: version.scopeInstance, account: version.accountID)
                cellIndex[cell] = scopeCells.count
                scopeCellOf.append(scopeCells.count)
                scopeCells.append(cell)
            }
            all.append(version)
        }
    }

    /// No open versions (an empty history; tests).
    package static let none = OpenVersions([])

    package var count: Int { all.count }

    /// The position of `key`'s open version.
    package func index(of key: String) -> Int? { byKey[key] }

    /// The open version of `key`.
    package subscript(key: String) -> OpenVersion? { byKey[key].map { all[$0] } }

    /// The position of the open version read from a record with `fingerprint`.
    package func index(ofSource fingerprint: SourceFingerprint) -> Int? { bySource[fingerprint] }
}

/// An (instance, account) pair: where a profile sits, for scoping. A history has few of
/// them and many profiles, so scope questions are asked once per pair, not per profile.
package struct ScopeCell: Hashable, Sendable {
    package var instance: String
    package var account: String?
}
