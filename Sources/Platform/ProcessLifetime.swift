import Foundation

/// Values a command keeps until its process exits, unfreed: an ingest's snapshot, open
/// versions and change set are millions of small objects, and freeing them one by one just
/// before the kernel takes all the process's memory back at once is time for nothing. A
/// command runs once per process, so what it keeps is bounded by what it held anyway.
package enum ProcessLifetime {
    private static let lock = NSLock()
    /// Audited: read and written only while `lock` is held.
    nonisolated(unsafe) private static var kept: [Any] = []

    /// Keeps `value` alive until the process exits.
    package static func keepUntilExit(_ value: Any) {
        lock.withLock { kept.append(value) }
    }
}
