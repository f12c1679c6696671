import AuditCore
import AuditModel
import Foundation
import SnapshotSources
import Yams

/// The `nightly` job's configuration file (YAML): where from, where to, and what to check.
///
/// ```yaml
/// database: ${DATABASE_URL}
/// source:
///   ddsql: {endpoint: https://api.datadoghq.eu}      # or aws: {regions: [eu-west-1], accounts: [...], role_name: ...}
/// policy: policy.yaml          # optional
/// rules: alerts.yaml           # optional
/// pulls: /var/lib/connect-audit/nights                # where pulled files are kept (evidence)
/// reports: {dir: /var/lib/connect-audit/reports, formats: [html, json, markdown]}
/// fail_on: high                # optional
/// users: true                  # optional (default true): the users too, from the same source
/// metrics_file: /var/lib/node_exporter/textfile/connect_audit.prom   # optional: the run's metrics
/// metrics_datadog: {tags: ["env:prod"]}   # optional: the same to Datadog (DD_API_KEY, DD_SITE; `url` overrides)
/// ```
///
/// `${NAME}` in any value is the environment variable's value (secrets stay out of the
/// file); an unset one is an error naming the line. Relative paths are relative to the
/// file's folder.
struct NightlyConfig {
    enum Source {
        case ddsql(endpoint: String?, pageSize: Int)
        case aws(AWSPullSettings)
    }

    var database: String?
    var source: Source
    var policy: String?
    var rules: String?
    var pulls: String
    var reportsDir: String
    var formats: [ReportFormat]
    var failOn: Severity?
    /// The lock file that keeps two runs from overlapping.
    var lock: String
    /// Whether the run pulls and ingests the instances' users beside their profiles
    /// (`aws.connect_user`, or `SearchUsers`): who holds each profile, and who gained what.
    var users = true
    /// Where each run writes its metrics (Prometheus text format), if anywhere.
    var metricsFile: String?
    /// Whether each run sends its metrics to Datadog, with these tags, at this intake
    /// (`nil`: `https://api.<DD_SITE>`).
    var metricsDatadog: (url: String?, tags: [String])?

    static func load(_ path: String, environment: [String: String]) throws -> NightlyConfig {
        try parse(try YAMLFile.contents(of: path, what: "nightly configuration"), file: path, environment: environment)
    }

    static func parse(_ text: String, file: String, environment: [String: String]) throws(ConfigFileError) -> NightlyConfig {
        guard let root = try YAMLFile.compose(text, file: file), let top = root.mapping else {
            throw ConfigFileError(file: file, line: 1, message: "expected a mapping with source, pulls and reports")
        }
        let reader = NodeReader(file: file)
        try reader.allowOnly(["database", "source", "policy", "rules", "pulls", "reports", "fail_on", "lock", "users", "metrics_file", "metrics_datadog"], in: top, what: "the top level")
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent()
        func value(_ node: Node?, _ what: String) throws(ConfigFileError) -> String? {
            guard let node else { return nil }
            return try reader.expanded(try reader.string(node, what, in: root), node: node, environment: environment)
        }
        func path(_ node: Node?, _ what: String) throws(ConfigFileError) -> String? {
            guard let text = try value(node, what) else { return nil }
            return text.hasPrefix("/") ? text : folder.appendingPathComponent(text).path
        }
        guard let sourceNode = top["source"], let sourceMapping = sourceNode.mapping, sourceMapping.count == 1,
              let (kindNode, settingsNode) = sourceMapping.first.map({ ($0.key, $0.value) })
        else { throw reader.error(top["source"] ?? root, "`source` must name one source: ddsql or aws") }
        let settings = settingsNode.mapping ?? Node.Mapping([])
        let source: Source
        switch kindNode.string {
        case "ddsql":
            try reader.allowOnly(["endpoint", "page_size"], in: settings, what: "source ddsql")
            let pageSize = settings["page_size"]?.int ?? 10_000
            guard (1...10_000).contains(pageSize) else { throw reader.error(settings["page_size"] ?? settingsNode, "`page_size` must be from 1 to 10000") }
            source = .ddsql(endpoint: try value(settings["endpoint"], "`endpoint`"), pageSize: pageSize)
        case "aws":
            try reader.allowOnly(
                ["regions", "instances", "endpoint_url", "profile", "accounts", "role_name", "concurrency", "rate_per_api", "burst_per_api"],
                in: settings, what: "source aws")
            guard let regions = try reader.strings(settings["regions"], "`regions`"), !regions.isEmpty else {
                throw reader.error(settingsNode, "source aws needs `regions`")
            }
            let aws = AWSPullSettings(
                regions: regions, instances: try reader.strings(settings["instances"], "`instances`") ?? [],
                endpointURL: try value(settings["endpoint_url"], "`endpoint_url`"), profile: try value(settings["profile"], "`profile`"),
                accounts: try reader.strings(settings["accounts"], "`accounts`") ?? [], roleName: try value(settings["role_name"], "`role_name`"),
                concurrency: settings["concurrency"]?.int ?? 4,
                quota: RequestQuota(
                    perSecond: settings["rate_per_api"]?.float ?? RequestQuota.connectDefault.perSecond,
                    burst: settings["burst_per_api"]?.float ?? RequestQuota.connectDefault.burst))
            if let problem = aws.problem(accountsName: "`accounts`", roleName: "`role_name`") { throw reader.error(settingsNode, problem) }
            source = .aws(aws)
        default:
            throw reader.error(kindNode, "unknown source \(kindNode.string ?? "?"); expected ddsql or aws")
        }
        guard let reportsNode = top["reports"], let reports = reportsNode.mapping else {
            throw reader.error(top["reports"] ?? root, "`reports` must be a mapping with `dir` (and `formats`)")
        }
        try reader.allowOnly(["dir", "formats"], in: reports, what: "`reports`")
        guard let reportsDir = try path(reports["dir"], "`reports.dir`") else { throw reader.error(reportsNode, "`reports` needs a `dir`") }
        var formats: [ReportFormat] = [.html, .json, .markdown]
        if let names = try reader.strings(reports["formats"], "`reports.formats`") {
            formats = []
            for name in names {
                guard let format = ReportFormat(rawValue: name) else {
                    throw reader.error(reports["formats"] ?? reportsNode, "unknown report format \(name); expected text, markdown, json, html or ocsf")
                }
                formats.append(format)
            }
        }
        var failOn: Severity?
        if let node = top["fail_on"] {
            guard let severity = node.string.flatMap(Severity.init(rawValue:)) else {
                throw reader.error(node, "`fail_on` must be one of \(Severity.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            failOn = severity
        }
        var users = true
        if let node = top["users"] {
            guard let flag = node.bool else { throw reader.error(node, "`users` must be true or false") }
            users = flag
        }
        let pulls = try path(top["pulls"], "`pulls`") ?? URL(fileURLWithPath: reportsDir).deletingLastPathComponent().appendingPathComponent("nights").path
        return NightlyConfig(
            database: try value(top["database"], "`database`"), source: source, policy: try path(top["policy"], "`policy`"),
            rules: try path(top["rules"], "`rules`"), pulls: pulls, reportsDir: reportsDir, formats: formats, failOn: failOn,
            lock: try path(top["lock"], "`lock`") ?? URL(fileURLWithPath: reportsDir).appendingPathComponent(".nightly.lock").path,
            users: users, metricsFile: try path(top["metrics_file"], "`metrics_file`"),
            metricsDatadog: try Self.datadogMetrics(top["metrics_datadog"], reader: reader, environment: environment))
    }

    /// `metrics_datadog: {url: ..., tags: [...]}` (both optional), or absent.
    private static func datadogMetrics(
        _ node: Node?, reader: NodeReader, environment: [String: String]
    ) throws(ConfigFileError) -> (url: String?, tags: [String])? {
        guard let node else { return nil }
        guard let mapping = node.mapping else { throw reader.error(node, "`metrics_datadog` must be a mapping (`{}` for the defaults)") }
        try reader.allowOnly(["url", "tags"], in: mapping, what: "`metrics_datadog`")
        var url: String?
        if let urlNode = mapping["url"] {
            let text = try reader.expanded(try reader.string(urlNode, "`metrics_datadog.url`", in: node), node: urlNode, environment: environment)
            guard let parsed = URL(string: text), parsed.scheme == "https" || parsed.scheme == "http", parsed.host != nil else {
                throw reader.error(urlNode, "`metrics_datadog.url` must be an http or https URL")
            }
            url = text
        }
        return (url, try reader.strings(mapping["tags"], "`metrics_datadog.tags`") ?? [])
    }
}

extension NodeReader {
    /// `text` with each `${NAME}` replaced by the environment variable's value.
    func expanded(_ text: String, node: Node, environment: [String: String]) throws(ConfigFileError) -> String {
        var out = ""
        var rest = text[...]
        while let start = rest.range(of: "${") {
            out += rest[..<start.lowerBound]
            guard let end = rest[start.upperBound...].firstIndex(of: "}") else { throw error(node, "an unclosed ${ in \(text)") }
            let name = String(rest[start.upperBound..<end])
            guard let value = environment[name] else { throw error(node, "environment variable \(name) is not set") }
            out += value
            rest = rest[rest.index(after: end)...]
        }
        return out + rest
    }
}
