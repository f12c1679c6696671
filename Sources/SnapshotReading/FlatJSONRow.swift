import AuditModel

/// The fast path for the common JSON row: one flat object whose values are text, `null` or
/// arrays of text (`{"_key":"arn:…","permissions":["BasicAgentAccess"],"tags":null}`), which
/// is every row a DDSQL export or `pull ddsql` writes. It reads such a row straight into
/// classified values, without building Foundation objects.
///
/// It is not a JSON parser: it knows that one shape, and gives up (`nil`) on anything else
/// — a nested object, a number or boolean, a `\u` escape, a `null` inside an array, a
/// repeated key, a trailing comma, a control character, invalid UTF-8, more than
/// `InputLimits.fieldsPerRecord` members — so that the strict path (`StrictJSON`, then
/// Foundation's `JSONSerialization`) reads it and says what is wrong, with the same
/// messages as ever. A row it accepts builds the same record as the strict path would:
/// `FlatJSONRowTests` checks that on generated rows, and the fuzz target checks it on
/// every input it tries.
///
/// Why it exists (issue 18): Foundation's parse and its `Any` values took 60% of reading
/// NDJSON, which read 45,000 rows/s on one core while Python's `json.loads` parsed the same
/// file at 128,000 (`scripts/bench-readers`).
package enum FlatJSONRow {
    /// One member of the object: its field (`nil`: a column the record does not know,
    /// kept in `extra` under `name`) and its value.
    struct Member {
        var field: ProfileField?
        var name: String
        var value: RawValue
    }

    /// The members of `bytes`, one flat JSON object, in order; `nil` when it is not of the
    /// shape this path reads (the strict path then reads it).
    static func members(of bytes: UnsafeBufferPointer<UInt8>) -> [Member]? {
        var scanner = Scanner(bytes: bytes)
        return scanner.object()
    }

    /// Whether the fast path reads `bytes` (else it leaves them to the strict path).
    package static func reads(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { members(of: $0) != nil }
    }

    /// Whether the fast path reads `bytes` (one NDJSON line) as the strict path does: the
    /// same record, or the same problems by field; or it gives up. For the tests and the
    /// fuzz target, which try it on generated and mutated rows.
    package static func agreesWithStrictPath(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { raw in
            guard let members = members(of: raw) else { return true }
            var fast = ObjectDecoding.Outcome()
            let (profile, problems) = RecordBuilder.fromMembers(members, unit: .seconds)
            fast.add(profile, problems, file: "row", line: 1)
            var strict = ObjectDecoding.Outcome()
            ObjectDecoding.decodeStrictly(raw, mapping: .ddsql, file: "row", line: 1, strict: true, into: &strict)
            return fast.records == strict.records && fast.issues.issues == strict.issues.issues
        }
    }

    /// Column names as bytes, for finding a member's field without making a `String`, and
    /// a bit for each, for finding repeats.
    private static let columns: [(name: [UInt8], field: ProfileField, bit: UInt64)] =
        ProfileField.allCases.enumerated().map { (Array($1.rawValue.utf8), $1, 1 << UInt64($0)) }

    /// The column a key's bytes name, if any.
    private static func column(named name: UnsafeBufferPointer<UInt8>) -> (name: [UInt8], field: ProfileField, bit: UInt64)? {
        columns.first { $0.name.count == name.count && $0.name.elementsEqual(name) }
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        /// Escaped text is unescaped here before it becomes a `String`.
        var scratch: [UInt8] = []

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func object() -> [Member]? {
            skipSpace()
            guard take(UInt8(ascii: "{")) else { return nil }
            var members: [Member] = []
            members.reserveCapacity(16)
            // Repeated keys: known columns by a bit each, other keys by their bytes.
            var seen: UInt64 = 0
            var otherKeys: [Range<Int>] = []
            skipSpace()
            if !take(UInt8(ascii: "}")) {
                while true {
                    guard members.count < InputLimits.fieldsPerRecord, take(UInt8(ascii: "\"")), let key = rawKey() else { return nil }
                    let name = UnsafeBufferPointer(rebasing: bytes[key])
                    let column = FlatJSONRow.column(named: name)
                    if let column {
                        guard seen & column.bit == 0 else { return nil }
                        seen |= column.bit
                    } else {
                        guard !otherKeys.contains(where: { bytes[$0].elementsEqual(name) }) else { return nil }
                        otherKeys.append(key)
                    }
                    skipSpace()
                    guard take(UInt8(ascii: ":")) else { return nil }
                    skipSpace()
                    guard let value = value() else { return nil }
                    members.append(column.map { Member(field: $0.field, name: $0.field.rawValue, value: value) }
                        ?? Member(field: nil, name: String(decoding: name, as: UTF8.self), value: value))
                    skipSpace()
                    if take(UInt8(ascii: ",")) {
                        skipSpace()
                        continue
                    }
                    guard take(UInt8(ascii: "}")) else { return nil }
                    break
                }
            }
            skipSpace()
            return index == bytes.count ? members : nil
        }

        /// A key of printable ASCII without escapes, as the range of its bytes; the opening
        /// quote is taken. Any other key is left to the strict path, which compares keys as
        /// Swift strings do (canonical equivalence), not byte for byte as here.
        private mutating func rawKey() -> Range<Int>? {
            let start = index
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    index += 1
                    return start..<(index - 1)
                }
                if byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 { return nil }
                index += 1
            }
            return nil
        }

        /// Text, `null` or an array of text, classified as the strict path classifies the
        /// same value (empty text and empty arrays are absent).
        private mutating func value() -> RawValue? {
            guard index < bytes.count else { return nil }
            switch bytes[index] {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = string() else { return nil }
                return text.isEmpty ? .absent : .text(text)
            case UInt8(ascii: "n"):
                guard bytes.count - index >= 4, bytes[index + 1] == UInt8(ascii: "u"), bytes[index + 2] == UInt8(ascii: "l"),
                      bytes[index + 3] == UInt8(ascii: "l")
                else { return nil }
                index += 4
                return .absent
            case UInt8(ascii: "["):
                index += 1
                skipSpace()
                if take(UInt8(ascii: "]")) { return .absent }
                var elements: [String] = []
                while true {
                    guard take(UInt8(ascii: "\"")), let text = string() else { return nil }
                    elements.append(text)
                    skipSpace()
                    if take(UInt8(ascii: ",")) {
                        skipSpace()
                        continue
                    }
                    guard take(UInt8(ascii: "]")) else { return nil }
                    return .strings(elements)
                }
            default:
                return nil
            }
        }

        /// The text of a string whose opening quote is taken: the escapes `\" \\ \/ \b \f
        /// \n \r \t` unescaped; `nil` for `\u`, a control character or invalid UTF-8.
        private mutating func string() -> String? {
            let start = index
            var escaped = false
            // Every byte OR-ed: below 0x80, the text is ASCII and needs no UTF-8 validation
            // (`String(validating:)` is not specialised, and cost a tenth of reading).
            var bits: UInt8 = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    let range = start..<index
                    index += 1
                    if escaped { return unescaped(range) }
                    let raw = UnsafeBufferPointer(rebasing: bytes[range])
                    return bits < 0x80 ? String(decoding: raw, as: UTF8.self) : String(validating: raw, as: UTF8.self)
                }
                if byte == UInt8(ascii: "\\") {
                    escaped = true
                    index += 2
                    continue
                }
                if byte < 0x20 { return nil }
                bits |= byte
                index += 1
            }
            return nil
        }

        private mutating func unescaped(_ range: Range<Int>) -> String? {
            scratch.removeAll(keepingCapacity: true)
            var run = range.lowerBound
            var position = range.lowerBound
            while position < range.upperBound {
                guard bytes[position] == UInt8(ascii: "\\") else {
                    position += 1
                    continue
                }
                // The text since the last escape in one copy, then the escape.
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<position]))
                guard position + 1 < range.upperBound else { return nil }
                let escape = bytes[position + 1]
                position += 2
                run = position
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(escape)
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "t"): scratch.append(0x09)
                default: return nil
                }
            }
            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<range.upperBound]))
            return scratch.withUnsafeBufferPointer { String(validating: $0, as: UTF8.self) }
        }

        private mutating func take(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }

        private mutating func skipSpace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x09, 0x0A, 0x0D: index += 1
                default: return
                }
            }
        }
    }
}
