import Foundation

/// Named points an ingest passes, where the crash-safety test kills it deterministically.
///
/// Test-only: when `CONNECT_AUDIT_FAULT_POINT` names a point, the process sends itself
/// SIGKILL there, as a power cut or the OOM killer would, so the test proves each stage
/// leaves the database as it was (or, past the commit, as it will be) without depending
/// on timing. Unset (always, outside the tests), passing a point costs one comparison.
package enum FaultPoint: String, CaseIterable, Sendable {
    case afterLock = "after-lock"
    case afterDiff = "after-diff"
    case afterSnapshotRow = "after-snapshot-row"
    /// In a streamed first load, after the first records were sent and before the rest are read.
    case whileVersionsStream = "while-versions-stream"
    case afterVersionsClosed = "after-versions-closed"
    case afterVersionsCopied = "after-versions-copied"
    case afterEventsCopied = "after-events-copied"
    case beforeCommit = "before-commit"
    case afterCommit = "after-commit"

    /// The environment variable that names the point to die at.
    package static let variable = "CONNECT_AUDIT_FAULT_POINT"

    /// The point this process dies at, read once.
    private static let armed: FaultPoint? = ProcessInfo.processInfo.environment[variable].flatMap(FaultPoint.init(rawValue:))

    /// Dies here if this is the armed point.
    package func pass() {
        if Self.armed == self { kill(getpid(), SIGKILL) }
    }
}
