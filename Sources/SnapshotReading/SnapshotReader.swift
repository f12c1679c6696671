import AuditModel
import ByteKernels
import Dispatch
import Foundation

/// Reads one snapshot file into canonical records, incrementally: feed it chunks of bytes
/// as they are read, then call `finish()`.
///
/// NDJSON and CSV are decoded record by record as the bytes arrive (NDJSON in batches
/// spread over every core), so the file is never held whole. JSON, AWS and DDSQL documents
/// are one JSON value each and are decoded at the end, element by element.
///
/// Given the open versions (`known`), every record of NDJSON, a JSON array, AWS output or
/// CSV gets a source fingerprint; a record whose fingerprint an open version has is
/// recognised as that version, unchanged, and not decoded (see `SourceFingerprinter`).
package struct SnapshotReader {
    /// Lines of NDJSON decoded together, spread over the cores.
    package static let batchSize = 8192

    /// The format being read.
    package let format: SnapshotFormat
    /// How a line of a line-per-object file maps to a record, decided once from `format`:
    /// every batch of the file decodes the same way, whichever batch it is.
    private let lineMapping: ObjectMapping
    /// The file's name, for messages.
    package let file: String
    /// The open versions records are recognised as, perhaps still loading; `nil`: records
    /// are neither fingerprinted nor recognised.
    package let known: KnownVersions?

    /// Batches fingerprinted while the open versions load, to decode when they are here.
    private var waiting: [ObjectDecoding.Batch] = []
    private var waitingBytes = 0
    /// Past this many bytes of waiting batches, reading waits for the open versions (the
    /// whole file is not held while a slow database answers).
    static let waitingLimit = 256 << 20

    /// What was read so far: records, recognised records, issues.
    private var read = ObjectDecoding.Outcome()
    /// Whole-document formats: every byte so far. NDJSON: the unfinished last line.
    private var pending: [UInt8] = []
    private var pendingLine = 1
    /// NDJSON lines or CSV records waiting to be decoded on every core, as ranges of `batchBytes`.
    private var batchBytes: [UInt8] = []
    private var batch: [JSONStructure.Element] = []
    private var csv = CSVRecordSplitter(recordLimit: InputLimits.recordBytes)
    private var csvHeader: [String]?
    /// The field of each CSV column (`nil`: unknown, kept in `extra`).
    private var csvFields: [ProfileField?] = []
    /// Fingerprints CSV records with this file's header.
    private var csvFingerprinter: SourceFingerprinter?
    /// Whether no byte has been consumed yet (a UTF-8 byte order mark is skipped there).
    private var atStart = true
    /// For the `aws` format: whether the file is one object per line (read as it streams,
    /// as NDJSON is), `false` when it is one document, `nil` until its first line tells.
    private var awsLines: Bool?

    /// Whether more input is worth reading: `false` once a size limit refused the file
    /// (reading `/dev/zero` stops there instead of growing without bound).
    package private(set) var wantsMore = true

    /// The records decoded so far, in input order (a first load sends them on while the
    /// rest of the file is read; `finish()` returns them all).
    package var decodedRecords: [ParsedRecord] { read.records }

    /// Creates a reader of `format` for the file named `file`; with `known`, records are
    /// fingerprinted and those an open version was read from are recognised, not decoded.
    package init(format: SnapshotFormat, file: String, known: OpenVersions? = nil) {
        self.init(format: format, file: file, loading: known.map(KnownVersions.init))
    }

    /// Creates a reader that recognises records as the open versions `loading` provides,
    /// reading on while they load.
    package init(format: SnapshotFormat, file: String, loading: KnownVersions?) {
        self.format = format
        self.file = file
        self.known = loading
        self.lineMapping = format == .aws ? .aws : .ddsql
    }

    /// The fingerprinter for records of `format` (with `header` for CSV), when recognising.
    private func fingerprinter(_ format: SnapshotFormat, header: UnsafeBufferPointer<UInt8>? = nil) -> SourceFingerprinter? {
        known == nil ? nil : SourceFingerprinter(format: format, header: header)
    }

    /// Feeds the next bytes of the file. A UTF-8 byte order mark at its very start (as
    /// Excel writes CSV) is skipped.
    package mutating func consume(_ chunk: UnsafeRawBufferPointer) {
        guard wantsMore else { return }
        var chunk = chunk
        if atStart, !chunk.isEmpty {
            atStart = false
            if chunk.starts(with: SnapshotFormat.byteOrderMark) { chunk = UnsafeRawBufferPointer(rebasing: chunk[3...]) }
        }
        switch format {
        case .ndjson: consumeLines(chunk)
        case .aws where awsLines == true: consumeLines(chunk)
        case .csv:
            var splitter = csv
            splitter.consume(chunk.bindMemory(to: UInt8.self)) { handleCSVRecord($0, line: $1) }
            csv = splitter
            if let line = splitter.oversizedRecordLine {
                refuse(line: line, "a record longer than \(Self.megabytes(InputLimits.recordBytes)) (an unclosed quote, or not a CSV file?)")
            }
        case .json, .aws, .ddsql:
            pending.append(contentsOf: chunk)
            if format == .aws, awsLines == nil, let lines = startsWithObjectLines() {
                awsLines = lines
                if lines {
                    let bytes = pending
                    pending = []
                    bytes.withUnsafeBytes { consumeLines($0) }
                    return
                }
            }
            if pending.count > InputLimits.documentBytes {
                refuse(line: 1, "a \(format.rawValue) document larger than \(Self.megabytes(InputLimits.documentBytes)); export NDJSON or CSV, which are read as they stream")
            }
        }
    }

    /// Refuses the file for a size limit and stops reading it.
    private mutating func refuse(line: Int, _ message: String) {
        read.issues.add(SnapshotIssue(file: file, line: line, message: message))
        wantsMore = false
        pending = []
        batch = []
        batchBytes = []
    }

    static func megabytes(_ bytes: Int) -> String { "\(bytes >> 20) MiB" }

    /// Feeds the next bytes of the file.
    package mutating func consume(_ chunk: [UInt8]) {
        chunk.withUnsafeBytes { consume($0) }
    }

    /// Ends the input and returns what was read.
    package mutating func finish() -> SnapshotPart {
        if !wantsMore {
            return SnapshotPart(file: file, format: format, records: [], recognized: [], issues: read.issues.issues, issuesTruncated: read.issues.truncated)
        }
        switch format {
        case .ndjson:
            queuePending()
            pending = []
            decodeBatch()
        case .csv:
            var splitter = csv
            if let line = splitter.finish(emit: { handleCSVRecord($0, line: $1) }) {
                read.issues.add(SnapshotIssue(file: file, line: line, message: "a quoted field starting on this record is never closed"))
            }
            csv = splitter
            decodeCSVRows()
        case .json: finishJSON()
        case .aws: finishAWS()
        case .ddsql: finishDDSQL()
        }
        if let known, !waiting.isEmpty { decodeWaiting(known.wait()) }
        if read.records.isEmpty && read.recognized.isEmpty && read.issues.isEmpty {
            read.issues.add(SnapshotIssue(
                file: file, line: 1,
                message: "the snapshot has no rows; an empty export is refused rather than read as \"every profile was deleted\""))
        }
        return SnapshotPart(
            file: file, format: format, records: read.records, recognized: read.recognized, issues: read.issues.issues,
            issuesTruncated: read.issues.truncated)
    }

    // MARK: NDJSON

    private mutating func consumeLines(_ chunk: UnsafeRawBufferPointer) {
        var start = 0
        let bytes = chunk.bindMemory(to: UInt8.self)
        while start < bytes.count, wantsMore {
            // `memchr` (`offset(of:)`): a byte-at-a-time search was a measurable share of reading NDJSON.
            guard let newline = bytes.offset(of: UInt8(ascii: "\n"), from: start) else {
                pending.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
                if pending.count > InputLimits.recordBytes { refuseLongLine(pendingLine) }
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
        guard line.count <= InputLimits.recordBytes else { return refuseLongLine(number) }
        guard line.contains(where: { !SnapshotFormat.isSpace($0) }) else { return }
        let start = batchBytes.count
        batchBytes.append(contentsOf: line)
        batch.append(JSONStructure.Element(range: start..<batchBytes.count, line: number))
        if batch.count >= Self.batchSize { decodeBatch() }
    }

    private mutating func refuseLongLine(_ line: Int) {
        refuse(line: line, "a line longer than \(Self.megabytes(InputLimits.recordBytes)); one NDJSON line holds one profile (is this NDJSON?)")
    }

    /// Queues the line gathered in `pending` (one that spanned chunks, or the last one).
    private mutating func queuePending() {
        let line = pending
        line.withUnsafeBufferPointer { queueLine($0, line: pendingLine) }
    }

    private mutating func decodeBatch() {
        guard !batch.isEmpty else { return }
        take(ObjectDecoding.Batch(
            bytes: batchBytes, elements: batch, kind: .objects(lineMapping),
            fingerprinter: fingerprinter(format == .aws ? .aws : .ndjson), checkEachElement: true))
        batch.removeAll(keepingCapacity: true)
        batchBytes.removeAll(keepingCapacity: true)
    }

    /// Decodes `batch` (recognising what `known` has); while the open versions load, only
    /// fingerprints it and keeps it.
    private mutating func take(_ batch: ObjectDecoding.Batch) {
        guard let known else {
            read.add(contentsOf: batch.decode(file: file, against: .none))
            return
        }
        guard let versions = known.ready else {
            var batch = batch
            batch.fingerprint()
            waitingBytes += batch.bytes.count
            waiting.append(batch)
            if waitingBytes > Self.waitingLimit { decodeWaiting(known.wait()) }
            return
        }
        decodeWaiting(versions)
        read.add(contentsOf: batch.decode(file: file, against: versions))
    }

    /// Decodes the batches kept while the open versions loaded, in order.
    private mutating func decodeWaiting(_ versions: OpenVersions) {
        for batch in waiting { read.add(contentsOf: batch.decode(file: file, against: versions)) }
        waiting = []
        waitingBytes = 0
    }

    // MARK: CSV

    /// Takes one complete CSV record: the first is the header, the rest are queued (as
    /// bytes) to be split and built on every core.
    private mutating func handleCSVRecord(_ bytes: UnsafeBufferPointer<UInt8>, line: Int) {
        guard csvHeader != nil else {
            switch CSVRecordFields.parse(bytes) {
            case .success(let names) where names.count > InputLimits.fieldsPerRecord:
                csvHeader = []
                refuse(line: line, "the header has \(names.count) columns; more than \(InputLimits.fieldsPerRecord) is not a profile export")
            case .success(let names):
                csvFingerprinter = fingerprinter(.csv, header: bytes)
                csvHeader = names.map { String($0.trimmedSpaces) }
                csvFields = csvHeader?.map { ProfileField(columnName: $0) } ?? []
                checkHeader(line: line)
            case .failure(let problem):
                csvHeader = []
                read.issues.add(SnapshotIssue(file: file, line: line, message: "header: " + problem.message))
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
        take(ObjectDecoding.Batch(
            bytes: batchBytes, elements: batch, kind: .csv(header: header, fields: csvFields), fingerprinter: csvFingerprinter))
        batch.removeAll(keepingCapacity: true)
        batchBytes.removeAll(keepingCapacity: true)
    }

    private mutating func checkHeader(line: Int) {
        guard let header = csvHeader else { return }
        if !header.contains(ProfileField.key.rawValue) {
            read.issues.add(SnapshotIssue(
                file: file, line: line,
                message: "the header has no _key column; expected DDSQL field names such as _key,arn,security_profile_name"))
        }
        var seen = Set<String>()
        for name in header where !seen.insert(name).inserted {
            read.issues.add(SnapshotIssue(file: file, line: line, field: name, message: "this column appears twice in the header"))
        }
    }

    // MARK: whole documents

    /// Refuses a whole document that Foundation would read but must not be (see
    /// `StrictJSON`); `true` when it was refused.
    private mutating func refusedAsLoose(_ problem: StrictJSON.Problem?) -> Bool {
        guard let problem else { return false }
        read.issues.add(SnapshotIssue(file: file, line: 1 + problem.lineOffset, message: problem.message))
        return true
    }

    private mutating func finishJSON() {
        if refusedAsLoose(StrictJSON.problem(in: pending)) { return }
        let elements = pending.withUnsafeBufferPointer { JSONStructure.mainArrayElements(of: $0, keys: ["data", "rows", "items"]) }
        guard let elements else {
            read.issues.add(SnapshotIssue(file: file, line: 1, message: documentProblem(expected: "a JSON array of objects, or an object holding one under \"data\", \"rows\" or \"items\"")))
            return
        }
        take(ObjectDecoding.Batch(bytes: pending, elements: elements, kind: .objects(.ddsql), fingerprinter: fingerprinter(.json)))
    }

    /// Whether the `aws` file held so far is one object per line: its first line is a whole,
    /// sound JSON object and more follows it (what `finishAWS` would find at the end, told
    /// early, so the lines are read as they stream); `nil` while the first line, or what
    /// follows it, has not arrived.
    private func startsWithObjectLines() -> Bool? {
        guard let end = pending.firstIndex(of: UInt8(ascii: "\n")) else {
            return pending.count > InputLimits.recordBytes ? false : nil
        }
        guard pending[end...].contains(where: { !SnapshotFormat.isSpace($0) }) else { return nil }
        let first = Array(pending[..<end])
        guard first.first(where: { !SnapshotFormat.isSpace($0) }) == UInt8(ascii: "{") else { return false }
        // StrictJSON checks what Foundation lets pass; Foundation, that the object is whole.
        return StrictJSON.problem(in: first) == nil && (try? JSONSerialization.jsonObject(with: Data(first))) is [String: Any]
    }

    private mutating func finishAWS() {
        if awsLines == true {
            queuePending()
            pending = []
            decodeBatch()
            return
        }
        // One document, or (when more follows a sound first document) one object per line.
        let strictness = StrictJSON.problem(in: pending)
        if let strictness, !strictness.isTrailingContent, refusedAsLoose(strictness) { return }
        if strictness == nil, refusedAsPartialDocument() { return }
        if strictness == nil, let elements = pending.withUnsafeBufferPointer({ JSONStructure.mainArrayElements(of: $0, keys: ["SecurityProfiles"]) }) {
            take(ObjectDecoding.Batch(bytes: pending, elements: elements, kind: .objects(.aws), fingerprinter: fingerprinter(.aws)))
            return
        }
        if strictness == nil, let object = try? JSONSerialization.jsonObject(with: Data(pending)) as? [String: Any] {
            let start = pending.firstIndex { !SnapshotFormat.isSpace($0) } ?? 0
            let line = 1 + pending[..<start].count { $0 == UInt8(ascii: "\n") }
            read.add(contentsOf: ObjectDecoding.build(object, mapping: .aws, file: file, line: line))
            return
        }
        // One object per line.
        let bytes = pending
        pending = []
        bytes.withUnsafeBytes { consumeLines($0) }
        queuePending()
        pending = []
        decodeBatch()
    }

    /// Refuses, with one message, a whole AWS document that is a partial listing: a
    /// `SearchSecurityProfiles` response (it has `ApproximateTotalCount`), or any document
    /// whose top level still has a `NextToken`; `true` when it was refused.
    private mutating func refusedAsPartialDocument() -> Bool {
        let keys = pending.withUnsafeBufferPointer { JSONStructure.leadingKeys(of: $0) }.topLevel
        guard keys.contains("ApproximateTotalCount") || keys.contains("NextToken") || keys.contains("SecurityProfileSummaryList"),
              let object = try? JSONSerialization.jsonObject(with: Data(pending)) as? [String: Any]
        else { return false }
        guard let refusal = RecordBuilder.partialAWSOutput(object) else { return false }
        read.issues.add(SnapshotIssue(file: file, line: 1, field: refusal.field, message: refusal.message))
        return true
    }

    private mutating func finishDDSQL() {
        if refusedAsLoose(StrictJSON.problem(in: pending)) { return }
        guard let document = try? JSONSerialization.jsonObject(with: Data(pending)) else {
            read.issues.add(SnapshotIssue(file: file, line: 1, message: documentProblem(expected: "a DDSQL tabular response")))
            return
        }
        let outcome = DDSQLColumns.records(from: document, file: file)
        read.add(contentsOf: outcome)
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
