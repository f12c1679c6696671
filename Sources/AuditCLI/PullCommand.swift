import ArgumentParser
import AuditTime
import Foundation
import Platform
import SnapshotReading
import SnapshotSources

/// `connect-audit pull ddsql` and `pull aws`: a snapshot from the source into a file.
struct PullCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Fetch a snapshot from its source into a file, which `ingest` then reads.",
        discussion: "The file is written whole or not at all; FILE.pull.json beside it records when the pull started (ingest's captured_at).",
        subcommands: [DDSQL.self, AWS.self])

    struct DDSQL: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ddsql",
            abstract: "Pull aws.connect_security_profile (or, with --table, aws.connect_user) through Datadog's DDSQL API into NDJSON.",
            discussion: """
                Of aws.connect_user only the columns that decide access are asked for: never identity_info, phone_config \
                or directory_user_id. Keys come from DD_API_KEY and DD_APP_KEY (an application key with the timeseries_query permission), \
                the site from DD_SITE (default datadoghq.com); --endpoint overrides the site. Keys are never printed.
                """)

        @Option(help: "The file to write (NDJSON, DDSQL field names).") var out: String
        @Option(help: "The table: aws.connect_security_profile or aws.connect_user.") var table = DDSQLPuller.Table.securityProfiles.name
        @Option(help: "The API's base URL (default: https://api.$DD_SITE).") var endpoint: String?
        @Option(name: .customLong("page-size"), help: "Rows per page, 1 to 10,000.") var pageSize = DDSQLPuller.largestPage
        @Option(name: .customLong("query-timeout"), help: "Seconds to wait for one page's query to complete.") var queryTimeout = 600.0
        @Option(name: .customLong("max-rows"), help: "The most rows to take; a table that never ends is refused.") var maxRows = 2_000_000
        @Option(name: .customLong("max-time"), help: "Seconds the whole pull may take.") var maxTime = 4 * 3600.0
        @Option(name: .customLong("retry-base"), help: .hidden) var retryBase = 0.5

        /// The table asked for.
        var source: DDSQLPuller.Table? { DDSQLPuller.Table.all.first { $0.name == table } }

        func validate() throws {
            guard source != nil else {
                throw ValidationError("--table must be one of \(DDSQLPuller.Table.all.map(\.name).joined(separator: ", "))")
            }
            guard maxRows > 0 else { throw ValidationError("--max-rows must be positive") }
            try Seconds.check(maxTime, option: "--max-time")
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
            let base = try PullEndpoint.url(
                endpoint, name: "--endpoint", default: DDSQLPuller.endpoint(site: environment["DD_SITE"] ?? "datadoghq.com"),
                problem: "DD_SITE is not a site name; use e.g. datadoghq.com or datadoghq.eu")
            PartialFiles.shared.removeOnInterrupt()
            var puller = DDSQLPuller(endpoint: base, apiKey: apiKey, applicationKey: applicationKey)
            let source = source ?? .securityProfiles
            puller.table = source
            puller.pageSize = pageSize
            puller.queryTimeout = queryTimeout
            puller.maxRows = maxRows
            puller.validate = source == .users ? PullEndpoint.userIngestCheck : PullEndpoint.ingestCheck(.ndjson)
            puller.client = HTTPClient(timeout: 120, maxBodyBytes: HTTPClient.ddsqlMaxBodyBytes, deadline: .now + .seconds(maxTime))
            puller.backoff.base = retryBase
            puller.progress = { rows in Progress.say("pulled \(rows) rows") }
            let summary: DDSQLPuller.Summary
            do {
                summary = try puller.pull(to: out)
            } catch let error as PullError {
                throw CLIError(error.description)
            }
            print("pulled \(summary.rows) \(source.rows) from \(base.absoluteString) into \(out) (\(summary.pages) page(s), \(summary.polls) poll(s), \(summary.retries) retr(ies)); captured_at \(summary.record?.startedAt ?? "-")")
        }
    }
}

extension PullCommand {
    struct AWS: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "aws",
            abstract: "Pull security profiles straight from the Amazon Connect API (SigV4) into the aws format.",
            discussion: """
                Credentials as the AWS SDKs find them: the environment; the shared files' profile (static keys, role_arn with \
                source_profile or credential_source, web identity, IAM Identity Center, credential_process); web identity from \
                AWS_WEB_IDENTITY_TOKEN_FILE and AWS_ROLE_ARN; container credentials; EC2 instance metadata (IMDSv2). With \
                --account and --role-name, that role is assumed in each account and every account is read; an account that \
                cannot be read is named and left out. Endpoints as the SDKs allow (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_CONNECT, \
                AWS_ENDPOINT_URL_STS, a profile's endpoint_url). Secrets are never printed.
                """)

        @Option(help: "A region to read (repeat for several; default: $AWS_REGION or $AWS_DEFAULT_REGION).") var region: [String] = []
        @Option(help: "Only this instance id (repeat for several; default: every active instance).") var instance: [String] = []
        @Option(help: "The file to write (aws format, one profile per line).") var out: String
        @Option(name: .customLong("endpoint-url"), help: "One Connect endpoint for every region (tests, private endpoints).") var endpointURL: String?
        @Option(help: "The shared files' profile to use (default: $AWS_PROFILE, else default).") var profile: String?
        @Option(help: "An AWS account id to read by assuming --role-name in it (repeat for several).") var account: [String] = []
        @Option(name: .customLong("role-name"), help: "The IAM role to assume in each --account (arn:<partition>:iam::<account>:role/<name>).") var roleName: String?
        @Option(help: "Profiles read at once in each account and region, 1 to 32.") var concurrency = 4
        @Option(name: .customLong("rate-per-api"), help: "Requests a second per API, account and region (Amazon Connect's default quota: 2; 0: no limit).") var ratePerAPI = RequestQuota.connectDefault.perSecond
        @Option(name: .customLong("burst-per-api"), help: "Burst per API, account and region (Amazon Connect's default: 5).") var burstPerAPI = RequestQuota.connectDefault.burst
        @Option(name: .customLong("max-time"), help: "Seconds the whole pull may take.") var maxTime = 4 * 3600.0
        @Flag(help: "Pull the instances' users (SearchUsers) instead of their security profiles; personal data is not written.") var users = false
        @Option(name: .customLong("retry-base"), help: .hidden) var retryBase = 0.5

        var settings: AWSPullSettings {
            let environment = ProcessInfo.processInfo.environment
            return AWSPullSettings(
                regions: region.isEmpty ? [environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? ""].filter { !$0.isEmpty } : region,
                instances: instance, endpointURL: endpointURL, profile: profile, accounts: account, roleName: roleName,
                concurrency: concurrency, quota: RequestQuota(perSecond: ratePerAPI, burst: burstPerAPI), subject: users ? .users : .securityProfiles)
        }

        func validate() throws {
            try Seconds.check(maxTime, option: "--max-time")
            try Seconds.check(retryBase, option: "--retry-base")
            if let problem = settings.problem(accountsName: "--account", roleName: "--role-name") { throw ValidationError(problem) }
        }

        func run() throws {
            let settings = self.settings
            guard !settings.regions.isEmpty else { throw CLIError("name the regions to read with --region (or set AWS_REGION)") }
            PartialFiles.shared.removeOnInterrupt()
            let summary: AWSPuller.Summary
            do {
                var puller = try settings.puller(
                    environment: ProcessInfo.processInfo.environment, retryBase: retryBase, http: HTTPClient(timeout: 60, deadline: .now + .seconds(maxTime)))
                let what = users ? "instances' users" : "profiles"
                puller.progress = { done, total in if done % 100 == 0 || done == total { Progress.say("read \(done) of \(total) \(what)") } }
                summary = try puller.pull(to: out)
            } catch let error as PullError {
                throw CLIError(error.description)
            }
            let lines = AWSPullSettings.summaryLines(summary, out: out)
            print(lines.joined(separator: "\n"))
            if !summary.unreadAccounts.isEmpty {
                FileHandle.standardError.write(Data("pull aws: \(summary.unreadAccounts.count) account(s) not read: \(summary.unreadAccounts.map(\.account).joined(separator: ", "))\n".utf8))
            }
        }
    }
}

/// The base URL of a puller: the option, else the default; plain `http` only to this machine.
enum PullEndpoint {
    /// Reads a finished pull as `ingest` will (its `format`, every record): a source's answer
    /// that ingest would refuse (a column twice, a profile listed twice, a missing ARN) fails
    /// the pull, and no file is written.
    static func ingestCheck(_ format: SnapshotFormat) -> PulledFileCheck {
        { path in
            do {
                _ = try SnapshotFiles.read([path], format: format)
            } catch let error as SnapshotReadError {
                let said = error.description.replacingOccurrences(of: path, with: "the pulled answer")
                throw PullError("the source's answer would not ingest, so nothing was written: \(said)")
            }
        }
    }

    /// Reads a pulled user file as `ingest` will, before it is written.
    static let userIngestCheck: PulledFileCheck = { path in
        do {
            _ = try UserExport.read(try UserIngest.wholeFile(path), file: path)
        } catch let error as SnapshotReadError {
            let said = error.description.replacingOccurrences(of: path, with: "the pulled answer")
            throw PullError("the source's answer would not ingest, so nothing was written: \(said)")
        }
    }

    /// - Parameters:
    ///   - option: the option's value, if given; `name` is the option, for messages.
    ///   - fallback: the default; `problem` says why there is none.
    static func url(_ option: String?, name: String, default fallback: URL? = nil, problem: String = "") throws -> URL {
        guard let text = option else {
            guard let fallback else { throw CLIError(problem) }
            return fallback
        }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), let host = url.host, url.user == nil, url.password == nil else {
            throw CLIError("\(name) must be a URL such as https://host, without credentials in it")
        }
        let loopback = host == "127.0.0.1" || host == "localhost" || host == "::1" || host == "[::1]"
        guard scheme == "https" || (scheme == "http" && loopback) else {
            throw CLIError("\(name) must use https (plain http only to 127.0.0.1 or localhost): secrets must not cross the network in clear")
        }
        return url
    }
}
