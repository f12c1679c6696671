/// Splits RFC 4180 CSV into records as bytes stream in: quoted fields may hold commas,
/// doubled quotes and line breaks; CRLF and LF both end a record; blank lines are skipped.
struct CSVRecordScanner {
    /// A complete record: its fields and the line it started on.
    struct Record {
        var fields: [String]
        var line: Int
    }

    /// A malformed spot: a quote closed and followed by something other than `,` or the
    /// end of the record, or a quoted field never closed.
    struct Problem {
        var line: Int
        var message: String
    }

    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted, skipping }

    private var state = State.fieldStart
    private var field: [UInt8] = []
    private var fields: [String] = []
    private var line = 1
    private var recordLine = 1
    private var quoteLine = 1

    /// Feeds bytes; `emit` receives each complete record or problem, in order.
    mutating func consume(_ bytes: UnsafeRawBufferPointer, emit: (Result<Record, ProblemBox>) -> Void) {
        for byte in bytes {
            switch state {
            case .fieldStart:
                switch byte {
                case UInt8(ascii: "\""):
                    state = .quoted
                    quoteLine = line
                case UInt8(ascii: ","): endField()
                case UInt8(ascii: "\n"): endRecord(emit)
                case UInt8(ascii: "\r"): break
                default:
                    field.append(byte)
                    state = .unquoted
                }
            case .unquoted:
                switch byte {
                case UInt8(ascii: ","):
                    endField()
                    state = .fieldStart
                case UInt8(ascii: "\n"): endRecord(emit)
                case UInt8(ascii: "\r"): break
                default: field.append(byte)
                }
            case .quoted:
                if byte == UInt8(ascii: "\"") {
                    state = .quoteInQuoted
                } else {
                    if byte == UInt8(ascii: "\n") { line += 1 }
                    field.append(byte)
                }
            case .quoteInQuoted:
                switch byte {
                case UInt8(ascii: "\""):
                    field.append(byte)
                    state = .quoted
                case UInt8(ascii: ","):
                    endField()
                    state = .fieldStart
                case UInt8(ascii: "\n"): endRecord(emit)
                case UInt8(ascii: "\r"): break
                default:
                    emit(.failure(ProblemBox(Problem(line: line, message: "unexpected character after a closing quote: quotes inside a quoted field must be doubled"))))
                    state = .skipping
                }
            case .skipping:
                // Drop the rest of a malformed record, up to its end of line.
                if byte == UInt8(ascii: "\n") {
                    line += 1
                    field.removeAll(keepingCapacity: true)
                    fields.removeAll(keepingCapacity: true)
                    recordLine = line
                    state = .fieldStart
                }
            }
        }
    }

    /// Ends the input: a last record without a newline is emitted; an open quote is a problem.
    mutating func finish(emit: (Result<Record, ProblemBox>) -> Void) {
        switch state {
        case .quoted:
            emit(.failure(ProblemBox(Problem(line: quoteLine, message: "a quoted field starting here is never closed"))))
        case .skipping:
            break
        case .fieldStart where fields.isEmpty:
            break
        default:
            line -= 1  // endRecord counts a newline that is not there
            endRecord(emit)
        }
    }

    private mutating func endField() {
        fields.append(String(decoding: field, as: UTF8.self))
        field.removeAll(keepingCapacity: true)
    }

    private mutating func endRecord(_ emit: (Result<Record, ProblemBox>) -> Void) {
        let blank = state == .fieldStart && fields.isEmpty
        if !blank {
            endField()
            emit(.success(Record(fields: fields, line: recordLine)))
            fields.removeAll(keepingCapacity: true)
        }
        state = .fieldStart
        line += 1
        recordLine = line
    }
}

/// A `CSVRecordScanner.Problem` as an `Error`, for `Result`.
struct ProblemBox: Error {
    let problem: CSVRecordScanner.Problem
    init(_ problem: CSVRecordScanner.Problem) { self.problem = problem }
}
