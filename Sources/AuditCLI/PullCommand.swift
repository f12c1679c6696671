import ArgumentParser
import AuditTime
import Foundation
import SnapshotSources

/// `connect-audit pull ddsql` (and, later, `pull aws`): a snapshot from the source into a file.
struct PullCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Fetch a snapshot from its source into a file, which `ingest` then reads.",
        discussion: "The file is written whole or not at all; FILE.pull.json beside it records when the pull started (ingest's captured_at).",
        subcommands: [DDSQL.self])

    struct DDSQL: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ddsql",
            abstract: "Pull aws.connect_security_profile through Datadog's DDSQL API into NDJSON.",
            discussion: """
                Keys come from DD_API_KEY and DD_APP_KEY (an application key with the timeseries_query permission), \
                the site from DD_SITE (default datadoghq.com); --endpoint overrides the site. Keys are never printed.
                """)

        @Option(help: "The file to write (NDJSON, DDSQL field names).") var out: String
        @Option(help: "The API's base URL (default: https://api.$DD_SITE).") var endpoint: String?
        @Option(name: .customLong("page-size"), help: "Rows per page, 1 to 10,000.") var pageSize = DDSQLPuller.largestPage
        @Option(name: .customLong("query-timeout"), help: "Seconds to wait for one page's query to complete.") var queryTimeout = 600.0
        @Option(name: .customLong("retry-base"), help: .hidden) var retryBase = 0.5

        func validate() throws {
            guard (1...DDSQLPuller.largestPage).contains(pageSize) else {
                throw ValidationError("--page-size must be from 1 to \(DDSQLPuller.largestPage) (the DDSQL API's largest row_limit)")
            }
            try Seconds.check(queryTimeout, option: "--query-timeout")
            try Seconds.check(retryBase, option: "--retry-base")
        }

        func run() throws {
            let environment = ProcessInfo.processInfo.environment
            guard let apiKey = environment["DD_API_KEY"], !apiKey.isEmpty,
                  let applicationKey = environment["DD_APP_KEY"], !applicationKey.isEmpty
            else { throw CLIError("set DD_API_KEY and DD_APP_KEY (an application key with the timeseries_query permission) in the environment") }
            let base = try PullEndpoint.url(endpoint, default: DDSQLPuller.endpoint(site: environment["DD_SITE"] ?? "datadoghq.com"), what: "DD_SITE")
            var puller = DDSQLPuller(endpoint: base, apiKey: apiKey, applicationKey: applicationKey)
            puller.pageSize = pageSize
            puller.queryTimeout = queryTimeout
            puller.backoff.base = retryBase
            puller.progress = { rows in Progress.say("pulled \(rows) rows") }
            let summary: DDSQLPuller.Summary
            do {
                summary = try puller.pull(to: out)
            } catch let error as PullError {
                throw CLIError(error.description)
            }
            print("pulled \(summary.rows) profiles from \(base.absoluteString) into \(out) (\(summary.pages) page(s), \(summary.polls) poll(s), \(summary.retries) retr(ies)); captured_at \(summary.record?.startedAt ?? "-")")
        }
    }
}

/// The base URL of a puller: the option, else the default; plain `http` only to this machine.
enum PullEndpoint {
    static func url(_ option: String?, default fallback: URL?, what: String) throws -> URL {
        guard let text = option else {
            guard let fallback else { throw CLIError("\(what) is not a valid site name; use e.g. datadoghq.com or datadoghq.eu") }
            return fallback
        }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, url.user == nil, url.password == nil else {
            throw CLIError("--endpoint must be a URL such as https://api.datadoghq.com, without credentials in it")
        }
        let loopback = host == "127.0.0.1" || host == "localhost" || host == "::1" || host == "[::1]"
        guard scheme == "https" || (scheme == "http" && loopback) else {
            throw CLIError("--endpoint must use https (plain http only to 127.0.0.1 or localhost): the keys must not cross the network in clear")
        }
        return url
    }
}
