import ArgumentParser

/// The `connect-audit` command and its subcommands.
public struct ConnectAudit: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "connect-audit",
        abstract: "Change-tracking audit of Amazon Connect security profiles.")
    public init() {}
}
