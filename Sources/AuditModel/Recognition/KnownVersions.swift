import Foundation

/// The open versions a reader recognises records as, which may still be loading: an ingest
/// loads them from the database on one thread while it reads the file on the others.
///
/// Until they arrive, a reader does what needs no open versions (splitting records and
/// fingerprinting them) and keeps the batches; it decodes them, in order, once they are
/// here (or when it holds `SnapshotReader.waitingLimit` bytes, or at the end): the load and
/// the read take about as long as each other, so side by side they take half the time.
package final class KnownVersions: @unchecked Sendable {
    private let condition = NSCondition()
    private var versions: OpenVersions?

    /// Open versions to come (`provide` them).
    package init() {}

    /// Open versions already at hand.
    package init(_ versions: OpenVersions) {
        self.versions = versions
    }

    /// Hands over the loaded versions (`.none` when loading failed: the caller reports the
    /// failure, and nothing is recognised meanwhile).
    package func provide(_ versions: OpenVersions) {
        condition.withLock {
            self.versions = versions
            condition.broadcast()
        }
    }

    /// The versions, if they are here.
    package var ready: OpenVersions? {
        condition.withLock { versions }
    }

    /// The versions, waiting for them.
    package func wait() -> OpenVersions {
        condition.withLock {
            while versions == nil { condition.wait() }
            return versions!
        }
    }
}
