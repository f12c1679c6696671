import AuditModel
import Dispatch
import Foundation

/// The DDSQL API's column-major response: `data.attributes.columns[{name, type, values}]`,
/// with `state` `completed` (a `running` response holds only a `query_id` to poll: shapes
/// from Datadog's API reference and `datadog-api-client-python`'s
/// `DdsqlTabularQueryResponseAttributes`).
enum DDSQLColumns {
    static func records(from document: Any, file: String) -> ObjectDecoding.Outcome {
        var outcome = ObjectDecoding.Outcome()
        let attributes = ((document as? [String: Any])?["data"] as? [String: Any])?["attributes"] as? [String: Any]
        if let state = attributes?["state"] as? String, state != "completed" {
            let queryID = attributes?["query_id"] as? String
            outcome.issues.add(SnapshotIssue(
                file: file, line: 1, field: "state",
                message: "the DDSQL query is \(state), not completed: this response holds no rows yet. "
                    + "Poll POST /api/v2/ddsql/query/tabular/fetch with query_id \(queryID.map(FieldDecoder.quote) ?? "(none given)") until its state is completed, "
                    + "then ingest that response (or use `connect-audit pull ddsql`, which polls)"))
            return outcome
        }
        guard let columns = ((document as? [String: Any])?["data"] as? [String: Any])
            .flatMap({ ($0["attributes"] as? [String: Any])?["columns"] as? [Any] })
        else {
            outcome.issues.add(SnapshotIssue(file: file, line: 1, message: "expected a DDSQL tabular response: {\"data\": {\"attributes\": {\"columns\": [...]}}}"))
            return outcome
        }
        guard columns.count <= InputLimits.fieldsPerRecord else {
            outcome.issues.add(SnapshotIssue(
                file: file, line: 1, message: "\(columns.count) columns; more than \(InputLimits.fieldsPerRecord) is not a profile export"))
            return outcome
        }
        var names: [String] = []
        var values: [[Any]] = []
        for (index, column) in columns.enumerated() {
            guard let column = column as? [String: Any], let name = column["name"] as? String,
                  let columnValues = column["values"] as? [Any]
            else {
                outcome.issues.add(SnapshotIssue(file: file, line: 1, field: "columns[\(index)]", message: "expected {\"name\": ..., \"values\": [...]}"))
                continue
            }
            if names.contains(name) {
                outcome.issues.add(SnapshotIssue(
                    file: file, line: 1, field: "columns[\(index)]",
                    message: "column \(FieldDecoder.quote(name)) appears twice; which one is meant is unknowable"))
                continue
            }
            names.append(name)
            values.append(columnValues)
        }
        let rowCount = values.first?.count ?? 0
        for (name, column) in zip(names, values) where column.count != rowCount {
            outcome.issues.add(SnapshotIssue(file: file, line: 1, field: name, message: "has \(column.count) values, but the first column has \(rowCount)"))
        }
        guard outcome.issues.isEmpty else { return outcome }
        for row in 0..<rowCount {
            let fields = names.indices.lazy.map { (key: names[$0], value: values[$0][row]) }
            let (profile, problems) = RecordBuilder.fromDDSQL(fields, unit: .milliseconds)
            // Column-major data has no line per row: the row number stands in for it.
            if let profile { outcome.records.append(ParsedRecord(profile: profile, file: file, line: row + 1)) }
            for problem in problems {
                outcome.issues.add(SnapshotIssue(file: file, line: 1, field: problem.field, message: "row \(row + 1): \(problem.message)"))
            }
        }
        return outcome
    }
}
