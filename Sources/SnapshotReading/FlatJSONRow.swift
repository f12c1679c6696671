import AuditModel
import ByteKernels
import Foundation

/// The fast path for the common JSON row: one flat object whose values are text, `null` or
/// arrays of text (`{"_key":"arn:…","permissions":["BasicAgentAccess"],"tags":null}`), which
/// is every row a DDSQL export or `pull ddsql` writes; a tag set may also be an object of
/// text (`{"team":"cx"}`, the JSON of DDSQL's `hstore`) and a timestamp a number. It reads
/// such a row straight into classified values, without building Foundation objects.
///
/// It is not a JSON parser: it knows that one shape, and gives up (`nil`) on anything else
/// — another nested object, a number or boolean elsewhere, a `\u` escape, a `null` inside
/// an array, a repeated key, a trailing comma, a control character, invalid UTF-8, more than
/// `InputLimits.fieldsPerRecord` members — so that the strict path (`StrictJSON`, then
/// Foundation's `JSONSerialization`) reads it and says what is wrong, with the same
/// messages as ever. A row it accepts builds the same record as the strict path would:
/// `FlatJSONRowTests` checks that on generated rows, and the fuzz target checks it on
/// every input it tries.
///
/// Why it exists: Foundation's parse and its `Any` values were most of reading NDJSON,
/// slower than Python's `json.loads` (`scripts/bench-readers` compares them).
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
    static func members(of bytes: UnsafeBufferPointer<UInt8>, recurring: RecurringTexts? = nil) -> [Member]? {
        var scanner = Scanner(bytes: bytes, recurring: recurring)
        guard let members = scanner.object(columns: columns, unknownKeys: true) else { return nil }
        scanner.json.skipSpace()
        return scanner.json.isAtEnd ? members : nil
    }

    /// The members of one line of `pull aws` (`describe-security-profile` output with its
    /// permissions): `{"SecurityProfile": {...}, "Permissions": [...]}`, the profile's members
    /// named as the AWS API names them and flat as a DDSQL row's; `nil` for anything else —
    /// another outer member (applications, a page's `NextToken`, a list's summaries), no
    /// `SecurityProfile`, a member of it this path does not know (the granular access
    /// control configuration is an object), a field named twice — which the strict path reads.
    static func awsMembers(of bytes: UnsafeBufferPointer<UInt8>, recurring: RecurringTexts? = nil) -> [Member]? {
        var scanner = Scanner(bytes: bytes, recurring: recurring)
        return scanner.awsLine()
    }

    /// Whether the fast path reads `bytes` (else it leaves them to the strict path).
    package static func reads(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { members(of: $0) != nil }
    }

    /// Whether the fast path reads `bytes` (one NDJSON line) as the strict path does: the
    /// same record, or the same problems by field; or it gives up. For the tests and the
    /// fuzz target, which try it on generated and mutated rows.
    package static func agreesWithStrictPath(_ bytes: [UInt8]) -> Bool {
        agrees(bytes, mapping: .ddsql)
    }

    /// The tags of `text`, a JSON object of text and `null` values (a CSV cell's
    /// `{"team":"cx"}`), as the strict path makes them (`key:value`); `nil` for anything
    /// else, which Foundation reads.
    static func tags(ofObject text: Substring, recurring: RecurringTexts? = nil) -> [String]? {
        var text = text
        return text.withUTF8 { bytes in
            var scanner = Scanner(bytes: bytes, recurring: recurring)
            scanner.json.skipSpace()
            guard scanner.json.take(UInt8(ascii: "{")), let value = scanner.texts() else { return nil }
            scanner.json.skipSpace()
            guard scanner.json.isAtEnd else { return nil }
            switch value {
            case .strings(let tags): return tags
            case .absent: return []
            default: return nil
            }
        }
    }

    /// Whether the fast path reads `bytes` as a `pull aws` line (else the strict path does).
    package static func readsAWS(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { awsMembers(of: $0) != nil }
    }

    /// `agreesWithStrictPath` for one line of the `aws` format.
    package static func agreesWithStrictAWSPath(_ bytes: [UInt8]) -> Bool {
        agrees(bytes, mapping: .aws)
    }

    /// Whether the fast path of `mapping` builds from `bytes` what the strict path builds
    /// (the same record, or the same problems), or gives up.
    private static func agrees(_ bytes: [UInt8], mapping: ObjectMapping) -> Bool {
        bytes.withUnsafeBufferPointer { raw in
            let built: (SecurityProfile?, [FieldProblem])
            switch mapping {
            case .ddsql:
                guard let members = members(of: raw) else { return true }
                built = RecordBuilder.fromMembers(members, unit: .seconds)
            case .aws:
                guard let members = awsMembers(of: raw) else { return true }
                built = RecordBuilder.fromAWSMembers(members)
            }
            var fast = ObjectDecoding.Outcome()
            fast.add(built.0, built.1, file: "row", line: 1)
            var strict = ObjectDecoding.Outcome()
            ObjectDecoding.decodeStrictly(raw, mapping: mapping, file: "row", line: 1, strict: true, into: &strict)
            return fast.records == strict.records && fast.issues.issues == strict.issues.issues
        }
    }

    /// Column names as bytes, for finding a member's field without making a `String`, and
    /// a bit for each, for finding repeats.
    private static let columns: [Column] = ProfileField.allCases.enumerated().map { (Array($1.rawValue.utf8), $1.rawValue, $1, 1 << UInt64($0)) }

    /// The AWS API's names of the fields a `SecurityProfile` object carries (not the
    /// permissions, applications or granular access control, which come beside or nested).
    private static let awsColumns: [Column] = ProfileField.allCases.enumerated().compactMap { position, field in
        guard !field.isTracked, let name = field.awsName else { return nil }
        return (Array(name.utf8), name, field, 1 << UInt64(position))
    }

    /// A column's name as bytes and as text (what a problem names), its field, and a bit
    /// of its own for finding repeats.
    typealias Column = (name: [UInt8], label: String, field: ProfileField, bit: UInt64)

    /// The position in `columns` of the column a key's bytes name, if any, looking first
    /// at `expected` (rows list their columns in the same order, so the one after the last
    /// key's is nearly always it). Compared with `memcmp`, not byte by byte.
    private static func column(named name: UnsafeBufferPointer<UInt8>, expected: Int, in columns: [Column]) -> Int? {
        guard let key = name.baseAddress else { return nil }
        func matches(_ position: Int) -> Bool {
            columns[position].name.count == name.count
                && columns[position].name.withUnsafeBufferPointer { memcmp($0.baseAddress!, key, name.count) == 0 }
        }
        if expected < columns.count, matches(expected) { return expected }
        return columns.indices.first(where: matches)
    }

    /// The row's object, read with `JSONScanner`.
    private struct Scanner {
        var json: JSONScanner
        /// Where arrays' elements (permission names and the like) come from.
        let recurring: RecurringTexts?
        var bytes: UnsafeBufferPointer<UInt8> { json.bytes }

        init(bytes: UnsafeBufferPointer<UInt8>, recurring: RecurringTexts?) {
            json = JSONScanner(bytes: bytes)
            self.recurring = recurring
        }

        /// One object of `columns` (and, with `unknownKeys`, other keys kept by name), its
        /// closing brace taken.
        mutating func object(columns: [Column], unknownKeys: Bool) -> [Member]? {
            json.skipSpace()
            guard json.take(UInt8(ascii: "{")) else { return nil }
            var members: [Member] = []
            members.reserveCapacity(16)
            // Repeated keys: known columns by a bit each, other keys by their bytes.
            var seen: UInt64 = 0
            var otherKeys: [Range<Int>] = []
            var expected = 0
            json.skipSpace()
            if !json.take(UInt8(ascii: "}")) {
                while true {
                    guard members.count < InputLimits.fieldsPerRecord, json.take(UInt8(ascii: "\"")), let key = json.rawKey() else { return nil }
                    let name = UnsafeBufferPointer(rebasing: bytes[key])
                    let position = FlatJSONRow.column(named: name, expected: expected, in: columns)
                    let column = position.map { columns[$0] }
                    if let position, let column {
                        expected = position + 1
                        guard seen & column.bit == 0 else { return nil }
                        seen |= column.bit
                    } else {
                        guard unknownKeys else { return nil }
                        guard !otherKeys.contains(where: { bytes[$0].elementsEqual(name) }) else { return nil }
                        otherKeys.append(key)
                    }
                    json.skipSpace()
                    guard json.take(UInt8(ascii: ":")) else { return nil }
                    json.skipSpace()
                    guard let value = value(of: column?.field) else { return nil }
                    members.append(column.map { Member(field: $0.field, name: $0.label, value: value) }
                        ?? Member(field: nil, name: String(decoding: name, as: UTF8.self), value: value))
                    guard let more = json.nextMember() else { return nil }
                    if !more { break }
                }
            }
            return members
        }

        /// A `pull aws` line: its `SecurityProfile` object's members and its `Permissions`.
        mutating func awsLine() -> [Member]? {
            json.skipSpace()
            guard json.take(UInt8(ascii: "{")) else { return nil }
            var members: [Member]?
            var permissions: RawValue?
            json.skipSpace()
            while true {
                guard json.take(UInt8(ascii: "\"")), let key = json.rawKey() else { return nil }
                json.skipSpace()
                guard json.take(UInt8(ascii: ":")) else { return nil }
                json.skipSpace()
                if json.bytes(key, are: "SecurityProfile") {
                    guard members == nil, let profile = object(columns: FlatJSONRow.awsColumns, unknownKeys: false) else { return nil }
                    members = profile
                } else if json.bytes(key, are: "Permissions") {
                    guard permissions == nil else { return nil }
                    if json.takeNull() {
                        permissions = .absent
                    } else {
                        guard json.take(UInt8(ascii: "[")), let names = json.strings(recurring) else { return nil }
                        permissions = names.isEmpty ? .absent : .strings(names)
                    }
                } else {
                    return nil
                }
                guard let more = json.nextMember() else { return nil }
                if !more { break }
            }
            json.skipSpace()
            guard json.isAtEnd, var members else { return nil }
            if let permissions { members.append(Member(field: .permissions, name: "Permissions", value: permissions)) }
            return members
        }

        /// Text, `null` or an array of text; for a tag set also an object of text, for a
        /// timestamp a number; classified as the strict path classifies the same value (empty
        /// text, arrays and objects are absent).
        private mutating func value(of field: ProfileField?) -> RawValue? {
            if json.takeNull() { return .absent }
            if json.take(UInt8(ascii: "\"")) {
                guard let text = json.string() else { return nil }
                return text.isEmpty ? .absent : .text(text)
            }
            if json.take(UInt8(ascii: "[")) {
                guard let elements = json.strings(recurring) else { return nil }
                return elements.isEmpty ? .absent : .strings(elements)
            }
            switch field?.kind {
            case .tagSet? where json.take(UInt8(ascii: "{")): return texts()
            case .instant?: return number()
            default: return nil
            }
        }

        /// A tag set's object of text and `null` values whose opening brace is taken, as the
        /// tags the strict path makes of it (`key:value`; `key:` for `null`), each made at
        /// once from the bytes. Keys unique, none escaped (an escape can spell what another
        /// key has plainly: such objects are the strict path's).
        mutating func texts() -> RawValue? {
            var tags: [String] = []
            var keys: [Range<Int>] = []
            json.skipSpace()
            if json.take(UInt8(ascii: "}")) { return .absent }
            while true {
                guard keys.count < InputLimits.fieldsPerRecord, json.take(UInt8(ascii: "\"")), let key = json.skipString(), !key.escaped,
                      !keys.contains(where: { json.sameBytes($0, key.range) })
                else { return nil }
                keys.append(key.range)
                json.skipSpace()
                guard json.take(UInt8(ascii: ":")) else { return nil }
                json.skipSpace()
                var value: JSONScanner.TakenString?
                if !json.takeNull() {
                    guard json.take(UInt8(ascii: "\"")), let text = json.skipString() else { return nil }
                    value = text
                }
                guard let tag = json.joined(key, UInt8(ascii: ":"), value, recurring) else { return nil }
                tags.append(tag)
                guard let more = json.nextMember() else { return nil }
                if !more { return .strings(tags) }
            }
        }

        /// A number as Foundation reads it: a whole number of up to 18 digits exactly, any
        /// other as the nearest `Double` (both round to nearest); `nil` for one out of range.
        private mutating func number() -> RawValue? {
            guard let (range, whole) = json.number() else { return nil }
            let text = json.text(range)
            if whole, range.count <= 18, let value = Int64(text) { return .number(NSNumber(value: value)) }
            guard !whole, let value = Double(text), value.isFinite else { return nil }
            return .number(NSNumber(value: value))
        }
    }
}
