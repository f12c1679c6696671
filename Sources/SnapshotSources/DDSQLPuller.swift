import AuditModel
import AuditTime
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Pulls a DDSQL table (`aws.connect_security_profile`, or `aws.connect_user` for the users)
/// through Datadog's DDSQL API into an NDJSON file with DDSQL field names (DESIGN §2,
/// "Pulling from the sources").
///
/// The API, from Datadog's API reference (DDSQL: "Execute a tabular DDSQL query", "Fetch
/// the result of a DDSQL query") and `datadog-api-client-python`'s `Ddsql*` models:
/// `POST /api/v2/ddsql/query/tabular` with `{"data": {"type": "ddsql_query_request",
/// "attributes": {"query", "row_limit" (1..10,000, default 5,000), "time":
/// {"from_timestamp", "to_timestamp"} (Unix ms, required even for static tables)}}}`;
/// the answer `{"data": {"id", "type": "ddsql_query_response", "attributes": {"state":
/// "running"|"completed", "query_id" (while running), "columns": [{"name", "type",
/// "values"}] (when completed), "warnings"}}}`, TIMESTAMP values in Unix milliseconds;
/// while `running`, `POST .../tabular/fetch` with `{"data": {"type":
/// "ddsql_query_fetch_request", "attributes": {"query_id"}}}`. Keys go in the `DD-API-KEY`
/// and `DD-APPLICATION-KEY` headers. 429 answers carry `X-RateLimit-Reset`, the seconds
/// until the limit resets (Datadog's "Rate Limits" page).
///
/// The API has no cursor and no OFFSET, so pages are keyset slices: `WHERE _key > 'last'
/// ORDER BY _key LIMIT n`; a page shorter than `n` is the last.
package struct DDSQLPuller {
    /// The API's base URL, `https://api.<DD_SITE>`.
    package var endpoint: URL
    package var apiKey: String
    package var applicationKey: String
    /// Rows per page, at most 10,000 (the API's largest `row_limit`).
    package var pageSize = 10_000
    package var table = Table.securityProfiles
    package var backoff = Backoff()
    /// Longest wait for one query to complete, in seconds.
    package var queryTimeout: Double = 600
    /// First wait between polls, in seconds (it grows to 5).
    package var pollInterval: Double = 0.25
    package var client = HTTPClient(timeout: 120, maxBodyBytes: HTTPClient.ddsqlMaxBodyBytes)
    /// Reads the finished file as `ingest` will before it is written (nil: not checked).
    package var validate: PulledFileCheck?
    /// The most rows a pull takes before it stops: a server that pages forever is refused,
    /// not written to disk without end.
    package var maxRows = 2_000_000
    /// Told of each page: rows so far.
    package var progress: (Int) -> Void = { _ in }

    package static let largestPage = 10_000

    /// A table a pull reads, and the columns it selects.
    package struct Table: Sendable, Equatable {
        package var name: String
        package var columns: [String]
        /// What a row is, for messages ("profiles", "users").
        package var rows: String

        package static let securityProfiles = Table(
            name: "aws.connect_security_profile", columns: ProfileField.ddsqlColumns.map(\.rawValue), rows: "profiles")
        /// The columns of `aws.connect_user` that decide access (DDSQL Data Directory,
        /// "Connect User": `_key`, `account_id`, `arn`, `id`, `username`,
        /// `security_profile_ids`, `routing_profile_id`, `hierarchy_group_id`). Personal
        /// data (`identity_info`, `phone_config`, `directory_user_id`) is never selected, so
        /// it never reaches the file.
        package static let users = Table(
            name: "aws.connect_user",
            columns: ["_key", "account_id", "arn", "id", "username", "security_profile_ids", "routing_profile_id", "hierarchy_group_id"],
            rows: "users")

        /// The tables `pull ddsql --table` takes, by name.
        package static let all = [securityProfiles, users]
    }

    package init(endpoint: URL, apiKey: String, applicationKey: String) {
        self.endpoint = endpoint
        self.apiKey = apiKey
        self.applicationKey = applicationKey
    }

    /// The base URL for a Datadog site (`datadoghq.com`, `datadoghq.eu`, `us3.datadoghq.com`, ...).
    package static func endpoint(site: String) -> URL? {
        let site = site.trimmingCharacters(in: .whitespaces)
        guard !site.isEmpty, site.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }) else { return nil }
        return URL(string: "https://api.\(site)")
    }

    /// What a pull did.
    package struct Summary: Sendable {
        package var rows = 0
        package var pages = 0
        package var polls = 0
        package var retries = 0
        package var record: PulledFile.Record?
    }

    /// Pulls the whole table into `path` (atomically; on any error no file is written).
    package func pull(to path: String) throws -> Summary {
        let started = Instant.now
        let file = try PulledFile(path: path)
        do {
            var summary = Summary()
            var last: String?
            while true {
                let columns = try query(page(after: last), started: started, summary: &summary)
                let rows = try Self.rows(columns, after: last, limit: pageSize)
                guard summary.rows + rows.lines.count <= maxRows else {
                    throw PullError("\(table.name) gave more than \(maxRows) rows (pages that never end?); nothing was written. Raise --max-rows if the table is that large")
                }
                for row in rows.lines { try file.write(row) }
                summary.rows += rows.lines.count
                summary.pages += 1
                progress(summary.rows)
                guard rows.lines.count == pageSize, let next = rows.lastKey else { break }
                last = next
            }
            guard summary.rows > 0 else {
                throw PullError("\(table.name) returned no rows: nothing was written (an empty snapshot would read as every one of its \(table.rows) deleted). Check the Datadog AWS integration collects Amazon Connect resources")
            }
            summary.record = try file.commit(
                source: "ddsql", startedAt: started, finishedAt: .now, rows: summary.rows, endpoint: endpoint.absoluteString,
                validate: validate)
            return summary
        } catch {
            file.abandon()
            throw error
        }
    }

    /// The statement for the page after `last` (`nil`: the first page).
    package func page(after last: String?) -> String {
        let columns = table.columns.joined(separator: ", ")
        let filter = last.map { " WHERE _key > '\($0.replacingOccurrences(of: "'", with: "''"))'" } ?? ""
        return "SELECT \(columns) FROM \(table.name)\(filter) ORDER BY _key LIMIT \(pageSize)"
    }

    /// Runs one statement to completion: its columns.
    private func query(_ statement: String, started: Instant, summary: inout Summary) throws -> [[String: Any]] {
        let now = started.microsecondsSinceEpoch / 1_000
        let body: [String: Any] = ["data": ["type": "ddsql_query_request", "attributes": [
            "query": statement, "row_limit": pageSize,
            "time": ["from_timestamp": now - 86_400_000, "to_timestamp": now],
        ] as [String: Any]]]
        var attributes = try post("api/v2/ddsql/query/tabular", body, summary: &summary)
        let deadline = Date().addingTimeInterval(queryTimeout)
        var wait = pollInterval
        while (attributes["state"] as? String) == "running" {
            guard let queryID = attributes["query_id"] as? String, !queryID.isEmpty else {
                throw PullError("the DDSQL API said the query is running but gave no query_id to poll")
            }
            guard Date() < deadline else {
                throw PullError("the DDSQL query \(queryID) was still running after \(Int(queryTimeout)) s; nothing was written. Try again later")
            }
            Backoff.sleep(wait)
            wait = min(5, wait * 1.5)
            summary.polls += 1
            let fetch: [String: Any] = ["data": ["type": "ddsql_query_fetch_request", "attributes": ["query_id": queryID]]]
            attributes = try post("api/v2/ddsql/query/tabular/fetch", fetch, summary: &summary)
        }
        guard (attributes["state"] as? String) == "completed" else {
            throw PullError("the DDSQL API answered state \(attributes["state"] ?? "(none)"), expected running or completed")
        }
        guard let columns = attributes["columns"] as? [[String: Any]] else {
            throw PullError("the DDSQL API's completed answer has no columns")
        }
        return columns
    }

    /// POSTs `body` to `path`, retrying what the service may answer later; the response's
    /// `data.attributes`.
    private func post(_ path: String, _ body: [String: Any], summary: inout Summary) throws -> [String: Any] {
        var request = URLRequest(url: endpoint.appendingPathComponent(path))
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.setValue(apiKey, forHTTPHeaderField: "DD-API-KEY")
        request.setValue(applicationKey, forHTTPHeaderField: "DD-APPLICATION-KEY")
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        var attempt = 1
        while true {
            let outcome: Result<HTTPResponse, NetworkError>
            do throws(NetworkError) {
                outcome = .success(try client.send(request))
            } catch {
                outcome = .failure(error)
            }
            var hint: Double?
            let problem: String
            switch outcome {
            case .success(let response) where (200..<300).contains(response.status):
                guard let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
                      let data = object["data"] as? [String: Any], let attributes = data["attributes"] as? [String: Any]
                else { throw PullError("the DDSQL API answered HTTP \(response.status) with no data.attributes: \(response.bodyPreview)") }
                return attributes
            case .success(let response) where response.status == 429 || response.status >= 500:
                hint = response.status == 429 ? response.header("X-RateLimit-Reset").flatMap(Double.init) : nil
                problem = "HTTP \(response.status): \(Self.message(of: response))"
            case .success(let response):
                throw PullError("the DDSQL API refused the request: HTTP \(response.status): \(Self.message(of: response))"
                    + (response.status == 401 || response.status == 403 ? " (check DD_API_KEY, DD_APP_KEY and DD_SITE; the application key needs the timeseries_query permission)" : ""))
            case .failure(let error) where error.isFinal:
                throw PullError("the DDSQL API: \(error.description); nothing was written")
            case .failure(let error):
                problem = "no response: \(error.description)"
            }
            guard let delay = backoff.delay(after: attempt, hint: hint) else {
                throw PullError("the DDSQL API still failed after \(attempt) tries (\(problem)); nothing was written. Try again later")
            }
            Backoff.sleep(delay)
            attempt += 1
            summary.retries += 1
        }
    }

    /// The API's error text: `{"errors": ["..."]}` or JSON:API `{"errors": [{"title", "detail"}]}`.
    static func message(of response: HTTPResponse) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: response.body) as? [String: Any],
              let errors = object["errors"] as? [Any], !errors.isEmpty
        else { return response.bodyPreview }
        return response.redacted(errors.map { error in
            if let text = error as? String { return text }
            let object = error as? [String: Any] ?? [:]
            return [object["title"], object["detail"]].compactMap { $0 as? String }.joined(separator: ": ")
        }.joined(separator: "; "))
    }

    /// One page's NDJSON lines and its last `_key`.
    struct Page {
        var lines: [[UInt8]]
        var lastKey: String?
    }

    /// Turns column-major results into NDJSON lines (DDSQL field names in the columns' order; TIMESTAMP values
    /// from Unix milliseconds to ISO-8601, which the NDJSON reader takes as written),
    /// checking the page is what was asked for: `_key` present, ascending, after `last`,
    /// at most `limit` rows.
    static func rows(_ columns: [[String: Any]], after last: String?, limit: Int) throws -> Page {
        guard let keyColumn = columns.first(where: { $0["name"] as? String == ProfileField.key.rawValue }),
              let keys = keyColumn["values"] as? [Any]
        else { throw PullError("the DDSQL answer has no _key column") }
        guard keys.count <= limit else { throw PullError("the DDSQL API returned \(keys.count) rows for a row_limit of \(limit)") }
        // Each column's values cast once per page (a cast per row would copy the column per row).
        var named: [(name: String, values: [Any], isTime: Bool)] = []
        var names = Set<String>()
        for column in columns {
            guard let name = column["name"] as? String, let values = column["values"] as? [Any], values.count == keys.count else {
                throw PullError("a DDSQL column has no name, or not one value per row")
            }
            guard names.insert(name).inserted else {
                throw PullError("the DDSQL answer has the column \(name) twice, which ingest would refuse; nothing was written")
            }
            let isTime = (column["type"] as? String)?.uppercased() == "TIMESTAMP" || name == ProfileField.lastModifiedTime.rawValue
            named.append((name, values, isTime))
        }
        var lines: [[UInt8]] = []
        lines.reserveCapacity(keys.count)
        var previous = last
        for row in keys.indices {
            guard let key = keys[row] as? String, !key.isEmpty else { throw PullError("row \(row + 1) of a DDSQL page has no _key") }
            if let previous, !(key > previous) {
                throw PullError("the DDSQL API returned _key \(key) after \(previous): pages are not in _key order, so rows could be missed; nothing was written")
            }
            previous = key
            // Written in column order with the canonical writer: JSONSerialization's writer
            // sorts keys through ICU, which dominated a pull.
            var line = "{"
            for (index, column) in named.enumerated() {
                var value = column.values[row]
                if column.isTime, let number = value as? NSNumber, !(value is Bool), let milliseconds = Int64(exactly: number.doubleValue) {
                    guard let instant = Instant(epochMilliseconds: Double(milliseconds)) else {
                        throw PullError("row \(row + 1): \(column.name) \(milliseconds) ms is outside 0001..9999")
                    }
                    value = instant.iso8601
                }
                if index > 0 { line += "," }
                CanonicalJSON.writeString(column.name, into: &line)
                line += ":"
                CanonicalJSON.write(value, into: &line)
            }
            line += "}\n"
            lines.append(Array(line.utf8))
        }
        return Page(lines: lines, lastKey: previous)
    }
}
