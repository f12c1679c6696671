
/// What `verify` found.
package struct VerifyReport: Sendable {
    /// Events whose links were checked.
    package var eventsChecked = 0
    /// Versions in the history.
    package var versions = 0
    /// User events whose links were checked (their chain is separate).
    package var userEventsChecked = 0
    /// The chain's head: the last event's id and hash (anchor it elsewhere to detect a
    /// history rewritten and re-chained from there back).
    package var head: (id: Int64, hash: String)?
    /// The first break found, or `nil` when the history holds.
    package var firstProblem: String?

    package var isValid: Bool { firstProblem == nil }
}
