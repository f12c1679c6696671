import Dispatch
import Foundation

/// What one input file yielded: its records, or the issues that refuse it.
public struct SnapshotPart: Sendable {
    /// The file's name as the user gave it.
    public let file: String
    /// The format it was read as.
    public let format: SnapshotFormat
    /// The records, in input order.
    public let records: [ParsedRecord]
    /// What is wrong with the file, up to `SnapshotIssues.limit`.
    public let issues: [SnapshotIssue]
    /// Whether more issues were found than are listed.
    public let issuesTruncated: Bool
}

/// Reads one snapshot file into canonical records, incrementally: feed it chunks of bytes
/// as they are read, then call `finish()`.
///
/// NDJSON and CSV are decoded record by record as the bytes arrive (NDJSON in batches
/// spread over every core), so the file is never held whole. JSON, AWS and DDSQL documents
/// are one JSON value each and are decoded at the end, element by element.
public struct SnapshotReader {
    /// Lines of NDJSON decoded together, spread over the cores.
    static let batchSize = 8192

    /// The format being read.
    public let format: SnapshotFormat
    /// The file's name, for messages.
    public let file: String

    private var records: [ParsedRecord] = []
    private var issues = SnapshotIssues()
    /// Whole-document formats: every byte so far. NDJSON: the unfinished last line.
    private var pending: [UInt8] = []
    private var pendingLine = 1
    /// NDJSON lines or CSV records waiting to be decoded on every core, as ranges of `batchBytes`.
    private var batchBytes: [UInt8] = []
    private var batch: [JSONStructure.Element] = []
    private var csv = CSVRecordSplitter()
    private var csvHeader: [String]?
    /// The field of each CSV column (`nil`: unknown, kept in `extra`).
    private var csvFields: [ProfileField?] = []

    /// Creates a reader of `format` for the file named `file`.
    public init(format: SnapshotFormat, file: String) {
        self.format = format
        self.file = file
    }

    /// Feeds the next bytes of the file.
    public mutating func consume(_ chunk: UnsafeRawBufferPointer) {
        switch format {
        case .ndjson: consumeLines(chunk)
        case .csv:
            var splitter = csv
            splitter.consume(chunk.bindMemory(to: UInt8.self)) { handleCSVRecord($0, line: $1) }
            csv = splitter
        case .json, .aws, .ddsql: pending.append(contentsOf: chunk)
        }
    }

    /// Feeds the next bytes of the file.
    public mutating func consume(_ chunk: [UInt8]) {
        chunk.withUnsafeBytes { consume($0) }
    }

    /// Ends the input and returns what was read.
    public mutating func finish() -> SnapshotPart {
        switch format {
        case .ndjson:
            queuePending()
            pending = []
            decodeBatch(mapping: .ddsql)
        case .csv:
            var splitter = csv
            if let line = splitter.finish(emit: { handleCSVRecord($0, line: $1) }) {
                issues.add(SnapshotIssue(file: file, line: line, message: "a quoted field starting on this record is never closed"))
            }
            csv = splitter
            decodeCSVRows()
        case .json: finishJSON()
        case .aws: finishAWS()
        case .ddsql: finishDDSQL()
        }
        if records.isEmpty && issues.isEmpty {
            issues.add(SnapshotIssue(
                file: file, line: 1,
                message: "the snapshot has no rows; an empty export is refused rather than read as \"every profile was deleted\""))
        }
        return SnapshotPart(file: file, format: format, records: records, issues: issues.issues, issuesTruncated: issues.truncated)
    }

    // MARK: NDJSON

    private mutating func consumeLines(_ chunk: UnsafeRawBufferPointer) {
        var start = 0
        let bytes = chunk.bindMemory(to: UInt8.self)
        while start < bytes.count {
            guard let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else {
                pending.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
                return
            }
            if pending.isEmpty {
                queueLine(UnsafeBufferPointer(rebasing: bytes[start..<newline]), line: pendingLine)
            } else {
                pending.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<newline]))
                queuePending()
                pending.removeAll(keepingCapacity: true)
            }
            pendingLine += 1
            start = newline + 1
        }
    }

    private mutating func queueLine(_ line: UnsafeBufferPointer<UInt8>, line number: Int) {
        guard line.contains(where: { !SnapshotFormat.isSpace($0) }) else { return }
        let start = batchBytes.count
        batchBytes.append(contentsOf: line)
        batch.append(JSONStructure.Element(range: start..<batchBytes.count, line: number))
        if batch.count >= Self.batchSize { decodeBatch(mapping: .ddsql) }
    }

    /// Queues the line gathered in `pending` (one that spanned chunks, or the last one).
    private mutating func queuePending() {
        let line = pending
        line.withUnsafeBufferPointer { queueLine($0, line: pendingLine) }
    }

    private mutating func decodeBatch(mapping: ObjectMapping) {
        guard !batch.isEmpty else { return }
        let decoded = batchBytes.withUnsafeBufferPointer { ObjectDecoding.decode(batch, in: $0, mapping: mapping, file: file) }
        append(decoded)
        batch.removeAll(keepingCapacity: true)
        batchBytes.removeAll(keepingCapacity: true)
    }

    private mutating func append(_ decoded: ObjectDecoding.Outcome) {
        records.append(contentsOf: decoded.records)
        issues.add(contentsOf: decoded.issues)
    }

    // MARK: CSV

    /// Takes one complete CSV record: the first is the header, the rest are queued (as
    /// bytes) to be split and built on every core.
    private mutating func handleCSVRecord(_ bytes: UnsafeBufferPointer<UInt8>, line: Int) {
        guard csvHeader != nil else {
            switch CSVRecordFields.parse(bytes) {
            case .success(let names):
                csvHeader = names.map { String($0.trimmedSpaces) }
                csvFields = csvHeader?.map { ProfileField(columnName: $0) } ?? []
                checkHeader(line: line)
            case .failure(let problem):
                csvHeader = []
                issues.add(SnapshotIssue(file: file, line: line, message: "header: " + problem.message))
            }
            return
        }
        let start = batchBytes.count
        batchBytes.append(contentsOf: bytes)
        batch.append(JSONStructure.Element(range: start..<batchBytes.count, line: line))
        if batch.count >= Self.batchSize { decodeCSVRows() }
    }

    private mutating func decodeCSVRows() {
        guard let header = csvHeader, !batch.isEmpty else { return }
        let decoded = batchBytes.withUnsafeBufferPointer {
            ObjectDecoding.decode(csvRecords: batch, in: $0, header: header, fields: csvFields, file: file)
        }
        append(decoded)
        batch.removeAll(keepingCapacity: true)
        batchBytes.removeAll(keepingCapacity: true)
    }

    private mutating func checkHeader(line: Int) {
        guard let header = csvHeader else { return }
        if !header.contains(ProfileField.key.rawValue) {
            issues.add(SnapshotIssue(
                file: file, line: line,
                message: "the header has no _key column; expected DDSQL field names such as _key,arn,security_profile_name"))
        }
        var seen = Set<String>()
        for name in header where !seen.insert(name).inserted {
            issues.add(SnapshotIssue(file: file, line: line, field: name, message: "this column appears twice in the header"))
        }
    }

    // MARK: whole documents

    private mutating func finishJSON() {
        let elements = pending.withUnsafeBufferPointer { JSONStructure.mainArrayElements(of: $0, keys: ["data", "rows", "items"]) }
        guard let elements else {
            issues.add(SnapshotIssue(file: file, line: 1, message: documentProblem(expected: "a JSON array of objects, or an object holding one under \"data\", \"rows\" or \"items\"")))
            return
        }
        append(pending.withUnsafeBufferPointer { ObjectDecoding.decode(elements, in: $0, mapping: .ddsql, file: file) })
    }

    private mutating func finishAWS() {
        if let elements = pending.withUnsafeBufferPointer({ JSONStructure.mainArrayElements(of: $0, keys: ["SecurityProfiles"]) }) {
            append(pending.withUnsafeBufferPointer { ObjectDecoding.decode(elements, in: $0, mapping: .aws, file: file) })
            return
        }
        if let object = try? JSONSerialization.jsonObject(with: Data(pending)) as? [String: Any] {
            let start = pending.firstIndex { !SnapshotFormat.isSpace($0) } ?? 0
            let line = 1 + pending[..<start].count { $0 == UInt8(ascii: "\n") }
            append(ObjectDecoding.build(object, mapping: .aws, file: file, line: line))
            return
        }
        // One object per line.
        let bytes = pending
        pending = []
        bytes.withUnsafeBytes { consumeLines($0) }
        queuePending()
        pending = []
        decodeBatch(mapping: .aws)
    }

    private mutating func finishDDSQL() {
        guard let document = try? JSONSerialization.jsonObject(with: Data(pending)) else {
            issues.add(SnapshotIssue(file: file, line: 1, message: documentProblem(expected: "a DDSQL tabular response")))
            return
        }
        let outcome = DDSQLColumns.records(from: document, file: file)
        append(outcome)
    }

    /// Says why a whole document could not be read: invalid JSON, or the wrong shape.
    private func documentProblem(expected: String) -> String {
        do {
            _ = try JSONSerialization.jsonObject(with: Data(pending), options: [.fragmentsAllowed])
            return "expected \(expected)"
        } catch {
            let reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            return "invalid JSON (\(reason)); expected \(expected)"
        }
    }
}

/// Which field names a JSON object uses.
enum ObjectMapping {
    /// DDSQL column names (`security_profile_name`).
    case ddsql
    /// AWS API names (`SecurityProfileName`), `_key` from the ARN.
    case aws
}

/// Decodes JSON objects, each on its own, over every core.
enum ObjectDecoding {
    /// Records and issues, in input order.
    struct Outcome {
        var records: [ParsedRecord] = []
        var issues = SnapshotIssues()

        /// Adds what one record built into: the profile, or its problems (by field).
        mutating func add(_ profile: SecurityProfile?, _ problems: [FieldProblem], file: String, line: Int) {
            if let profile { records.append(ParsedRecord(profile: profile, file: file, line: line)) }
            for problem in problems.sorted(by: { $0.field < $1.field }) {
                issues.add(SnapshotIssue(file: file, line: line, field: problem.field, message: problem.message))
            }
        }
    }

    /// Runs `body` over `count` items split into one contiguous share per core, and
    /// joins the outcomes in item order.
    static func inParallel(_ count: Int, _ body: @Sendable (Range<Int>) -> Outcome) -> Outcome {
        let workers = count < 256 ? 1 : max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        let share = (count + workers - 1) / workers
        // Each worker writes only its own slot of `results`.
        nonisolated(unsafe) let results = UnsafeMutableBufferPointer<Outcome>.allocate(capacity: workers)
        results.initialize(repeating: Outcome())
        defer { results.deinitialize(); results.deallocate() }
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let lower = worker * share
            let upper = min(count, lower + share)
            guard lower < upper else { return }
            results[worker] = body(lower..<upper)
        }
        var merged = Outcome()
        merged.records.reserveCapacity(count)
        for outcome in results {
            merged.records.append(contentsOf: outcome.records)
            merged.issues.add(contentsOf: outcome.issues)
        }
        return merged
    }

    /// Decodes each element of `bytes` as one record.
    static func decode(
        _ elements: [JSONStructure.Element], in bytes: UnsafeBufferPointer<UInt8>, mapping: ObjectMapping, file: String
    ) -> Outcome {
        nonisolated(unsafe) let bytes = bytes
        return inParallel(elements.count) { range in
            var outcome = Outcome()
            outcome.records.reserveCapacity(range.count)
            for element in elements[range] {
                let data = Data(UnsafeBufferPointer(rebasing: bytes[element.range]))
                let object: Any
                do {
                    object = try JSONSerialization.jsonObject(with: data)
                } catch {
                    let reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
                    outcome.issues.add(SnapshotIssue(file: file, line: element.line, message: "invalid JSON: \(reason)"))
                    continue
                }
                guard let fields = object as? [String: Any] else {
                    outcome.issues.add(SnapshotIssue(
                        file: file, line: element.line,
                        message: "expected a JSON object, found \(FieldDecoder.describe(object))"))
                    continue
                }
                let built = build(fields, mapping: mapping, file: file, line: element.line)
                outcome.records.append(contentsOf: built.records)
                outcome.issues.add(contentsOf: built.issues)
            }
            return outcome
        }
    }

    /// Splits and builds CSV records (byte ranges of `bytes`) whose columns are `header`,
    /// with each column's field resolved once.
    static func decode(
        csvRecords records: [JSONStructure.Element], in bytes: UnsafeBufferPointer<UInt8>,
        header: [String], fields: [ProfileField?], file: String
    ) -> Outcome {
        nonisolated(unsafe) let bytes = bytes
        return inParallel(records.count) { range in
            var outcome = Outcome()
            outcome.records.reserveCapacity(range.count)
            for record in records[range] {
                let values: [String]
                switch CSVRecordFields.parse(UnsafeBufferPointer(rebasing: bytes[record.range])) {
                case .failure(let problem):
                    outcome.issues.add(SnapshotIssue(file: file, line: record.line, message: problem.message))
                    continue
                case .success(let parsed):
                    values = parsed
                }
                guard values.count == header.count else {
                    outcome.issues.add(SnapshotIssue(
                        file: file, line: record.line,
                        message: "expected \(header.count) fields as in the header, found \(values.count)"))
                    continue
                }
                let (profile, problems) = RecordBuilder.fromColumns(header, fields, values)
                outcome.add(profile, problems, file: file, line: record.line)
            }
            return outcome
        }
    }

    /// Builds one record from a decoded object.
    static func build(_ object: [String: Any], mapping: ObjectMapping, file: String, line: Int) -> Outcome {
        let (profile, problems) = switch mapping {
        case .ddsql: RecordBuilder.fromDDSQL(object, unit: .seconds)
        case .aws: RecordBuilder.fromAWS(object)
        }
        var outcome = Outcome()
        outcome.add(profile, problems, file: file, line: line)
        return outcome
    }
}

/// The DDSQL API's column-major response: `data.attributes.columns[{name, type, values}]`.
enum DDSQLColumns {
    static func records(from document: Any, file: String) -> ObjectDecoding.Outcome {
        var outcome = ObjectDecoding.Outcome()
        guard let columns = ((document as? [String: Any])?["data"] as? [String: Any])
            .flatMap({ ($0["attributes"] as? [String: Any])?["columns"] as? [Any] })
        else {
            outcome.issues.add(SnapshotIssue(file: file, line: 1, message: "expected a DDSQL tabular response: {\"data\": {\"attributes\": {\"columns\": [...]}}}"))
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
