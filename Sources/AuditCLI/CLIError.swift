/// A failure the command line reports as one line on stderr, with exit code 1.
package struct CLIError: Error, CustomStringConvertible {
    /// What went wrong and what to do about it.
    package let description: String

    package init(_ description: String) { self.description = description }
}
