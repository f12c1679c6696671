
/// What `verify` found.
package struct VerifyReport: Sendable {
    /// Events whose links were checked.
    package var eventsChecked = 0
    /// Versions in the history.
    package var versions = 0
    /// The first break found, or `nil` when the history holds.
    package var firstProblem: String?

    package var isValid: Bool { firstProblem == nil }
}
