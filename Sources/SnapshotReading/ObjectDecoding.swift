import AuditModel
import ByteKernels
import Dispatch
import Foundation
import Platform

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
        var recognized: [RecognizedRecord] = []
        var issues = SnapshotIssues()

        /// Adds `other`'s records, recognised records and issues after these.
        mutating func add(contentsOf other: Outcome) {
            if records.isEmpty { records = other.records } else { records.append(contentsOf: other.records) }
            if recognized.isEmpty { recognized = other.recognized } else { recognized.append(contentsOf: other.recognized) }
            issues.add(contentsOf: other.issues)
        }

        /// Adds what one record built into: the profile, or its problems (by field).
        mutating func add(
            _ profile: SecurityProfile?, _ problems: [FieldProblem], file: String, line: Int, sourceFingerprint: SourceFingerprint? = nil
        ) {
            if let profile { records.append(ParsedRecord(profile: profile, file: file, line: line, sourceFingerprint: sourceFingerprint)) }
            for problem in problems.sorted(by: { $0.field < $1.field }) {
                issues.add(SnapshotIssue(file: file, line: line, field: problem.field, message: problem.message))
            }
        }
    }

    /// Runs `body` over `count` items split into one contiguous share per core, and
    /// joins the outcomes in item order.
    static func inParallel(_ count: Int, _ body: @Sendable (Range<Int>) -> Outcome) -> Outcome {
        var merged: Outcome?
        for outcome in ParallelWork.map(count, workers: ParallelWork.workers(for: count), body) {
            merged?.add(contentsOf: outcome)
            // The first share is moved, not copied record by record.
            if merged == nil { merged = outcome }
        }
        return merged ?? Outcome()
    }

    /// Records waiting to be decoded together: their bytes, where each lies in them, how
    /// to read them and, when fingerprinting, their fingerprints.
    struct Batch: Sendable {
        enum Kind: Sendable {
            /// JSON objects with these field names.
            case objects(ObjectMapping)
            /// CSV records under this header.
            case csv(header: [String], fields: [ProfileField?])
        }

        var bytes: [UInt8]
        var elements: [JSONStructure.Element]
        var kind: Kind
        var fingerprinter: SourceFingerprinter?
        /// Whether each element is a document of its own that `StrictJSON` has not seen
        /// (NDJSON lines; elements of a whole document were checked with it).
        var checkEachElement = false
        var fingerprints: [SourceFingerprint]? = nil

        /// Fingerprints every element (on every core), if there is a fingerprinter.
        mutating func fingerprint() {
            guard let fingerprinter, fingerprints == nil else { return }
            let count = elements.count
            let elements = elements
            fingerprints = bytes.withUnsafeBufferPointer { buffer in
                let shared = ParallelWork.SharedBytes(buffer: buffer)
                return ParallelWork.map(count, workers: ParallelWork.workers(for: count)) { range in
                    let hasher = SHA256.Hasher()
                    return range.map { position in
                        fingerprinter.fingerprint(UnsafeBufferPointer(rebasing: shared.buffer[elements[position].range]), using: hasher)
                    }
                }.flatMap { $0 }
            }
        }

        /// Decodes the records, recognising those whose fingerprint one of `open` has.
        func decode(file: String, against open: OpenVersions) -> Outcome {
            var batch = self
            batch.fingerprint()
            let recognition = batch.fingerprints.map { Recognition(fingerprints: $0, open: open) }
            return batch.bytes.withUnsafeBufferPointer { buffer in
                switch kind {
                case .objects(let mapping):
                    return ObjectDecoding.decode(
                        elements, in: buffer, mapping: mapping, file: file, strict: checkEachElement, recognition: recognition)
                case .csv(let header, let fields):
                    return ObjectDecoding.decode(
                        csvRecords: elements, in: buffer, header: header, fields: fields, file: file, recognition: recognition)
                }
            }
        }
    }

    /// The fingerprints of a batch's elements and the open versions to recognise them as.
    struct Recognition: Sendable {
        var fingerprints: [SourceFingerprint]
        var open: OpenVersions

        /// Whether an open version was read from element `position`'s bytes; if so it is
        /// added to `outcome` as recognised.
        func recognizes(_ position: Int, line: Int, file: String, into outcome: inout Outcome) -> Bool {
            guard let index = open.index(ofSource: fingerprints[position]) else { return false }
            outcome.recognized.append(RecognizedRecord(index: index, file: file, line: line))
            return true
        }
    }

    /// Runs `body` (on every core) on each element that `recognition` does not recognise,
    /// with its raw bytes and its share's `RecurringTexts`, and joins the outcomes in
    /// element order.
    static func forEachUnrecognized(
        _ elements: [JSONStructure.Element], in bytes: UnsafeBufferPointer<UInt8>, file: String, recognition: Recognition?,
        _ body: @Sendable (
            _ position: Int, _ element: JSONStructure.Element, _ raw: UnsafeBufferPointer<UInt8>, _ recurring: RecurringTexts, _ outcome: inout Outcome
        ) -> Void
    ) -> Outcome {
        let shared = ParallelWork.SharedBytes(buffer: bytes)
        return inParallel(elements.count) { range in
            var outcome = Outcome()
            outcome.records.reserveCapacity(range.count)
            let recurring = RecurringTexts()
            for position in range {
                let element = elements[position]
                if recognition?.recognizes(position, line: element.line, file: file, into: &outcome) == true { continue }
                body(position, element, UnsafeBufferPointer(rebasing: shared.buffer[element.range]), recurring, &outcome)
            }
            return outcome
        }
    }

    /// Decodes each element of `bytes` as one record (or recognises it, given `recognition`):
    /// a flat DDSQL row by `FlatJSONRow`, anything else by the strict path.
    static func decode(
        _ elements: [JSONStructure.Element], in bytes: UnsafeBufferPointer<UInt8>, mapping: ObjectMapping, file: String,
        strict: Bool, recognition: Recognition? = nil
    ) -> Outcome {
        forEachUnrecognized(elements, in: bytes, file: file, recognition: recognition) { position, element, raw, recurring, outcome in
            let sourceFingerprint = recognition?.fingerprints[position]
            if mapping == .ddsql, let members = FlatJSONRow.members(of: raw, recurring: recurring) {
                let (profile, problems) = RecordBuilder.fromMembers(members, unit: .seconds)
                outcome.add(profile, problems, file: file, line: element.line, sourceFingerprint: sourceFingerprint)
            } else if mapping == .aws, let members = FlatJSONRow.awsMembers(of: raw, recurring: recurring) {
                let (profile, problems) = RecordBuilder.fromAWSMembers(members)
                outcome.add(profile, problems, file: file, line: element.line, sourceFingerprint: sourceFingerprint)
            } else {
                decodeStrictly(raw, mapping: mapping, file: file, line: element.line, strict: strict, sourceFingerprint: sourceFingerprint, into: &outcome)
            }
        }
    }

    /// Decodes one JSON object with Foundation, after `StrictJSON` when `strict` (an element
    /// no whole-document check has seen).
    static func decodeStrictly(
        _ raw: UnsafeBufferPointer<UInt8>, mapping: ObjectMapping, file: String, line: Int, strict: Bool,
        sourceFingerprint: SourceFingerprint? = nil, into outcome: inout Outcome
    ) {
        if strict, let problem = StrictJSON.problem(in: raw) {
            outcome.issues.add(SnapshotIssue(file: file, line: line + problem.lineOffset, message: problem.message))
            return
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(raw))
        } catch {
            let reason = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            outcome.issues.add(SnapshotIssue(file: file, line: line, message: "invalid JSON: \(reason)"))
            return
        }
        guard let fields = object as? [String: Any] else {
            outcome.issues.add(SnapshotIssue(
                file: file, line: line, message: "expected a JSON object, found \(FieldDecoder.describe(object))"))
            return
        }
        let built = build(fields, mapping: mapping, file: file, line: line, sourceFingerprint: sourceFingerprint)
        outcome.add(contentsOf: built)
    }

    /// Splits and builds CSV records (byte ranges of `bytes`) whose columns are `header`,
    /// with each column's field resolved once.
    static func decode(
        csvRecords records: [JSONStructure.Element], in bytes: UnsafeBufferPointer<UInt8>,
        header: [String], fields: [ProfileField?], file: String, recognition: Recognition? = nil
    ) -> Outcome {
        forEachUnrecognized(records, in: bytes, file: file, recognition: recognition) { position, record, raw, recurring, outcome in
            let values: [String]
            switch CSVRecordFields.parse(raw) {
            case .failure(let problem):
                outcome.issues.add(SnapshotIssue(file: file, line: record.line, message: problem.message))
                return
            case .success(let parsed):
                values = parsed
            }
            guard values.count == header.count else {
                outcome.issues.add(SnapshotIssue(
                    file: file, line: record.line, message: "expected \(header.count) fields as in the header, found \(values.count)"))
                return
            }
            let (profile, problems) = RecordBuilder.fromColumns(header, fields, values, recurring: recurring)
            outcome.add(profile, problems, file: file, line: record.line, sourceFingerprint: recognition?.fingerprints[position])
        }
    }

    /// Builds one record from a decoded object.
    static func build(_ object: [String: Any], mapping: ObjectMapping, file: String, line: Int, sourceFingerprint: SourceFingerprint? = nil) -> Outcome {
        if let problem = RecordBuilder.tooManyFields(object.count) {
            var outcome = Outcome()
            outcome.add(nil, [problem], file: file, line: line)
            return outcome
        }
        let (profile, problems) = switch mapping {
        case .ddsql: RecordBuilder.fromDDSQL(object, unit: .seconds)
        case .aws: RecordBuilder.fromAWS(object)
        }
        var outcome = Outcome()
        outcome.add(profile, problems, file: file, line: line, sourceFingerprint: sourceFingerprint)
        return outcome
    }
}
