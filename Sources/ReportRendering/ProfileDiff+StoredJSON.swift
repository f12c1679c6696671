import AuditCore
import AuditModel
import AuditTime
import ByteKernels
import Foundation
import SnapshotReading

extension ProfileDiff {
    /// Where each change of a stored diff lies in its bytes, while `writeJSON(stored:into:)`
    /// reads it: kept between calls, so that reading millions of diffs allocates nothing.
    package struct StoredFields: Sendable {
        fileprivate var fields: [StoredChange] = []
        fileprivate var order: [Int] = []
        package init() {}
    }

    /// One field's change as the stored bytes hold it.
    fileprivate struct StoredChange {
        var name: Range<Int>
        var from: StoredText?
        var to: StoredText?
        /// Where the elements of `added` and `removed` begin (after the `[`).
        var added: Int?
        var removed: Int?
    }

    /// A `from` or `to` value: `null`, or a string's text and whether it holds escapes.
    fileprivate enum StoredText {
        case null
        case text(Range<Int>, escaped: Bool)
    }

    /// Appends `ProfileDiff(json: stored)!.json` to `out`, read straight from `stored` (as
    /// `json` wrote it, or as `jsonb` prints it): the names and text copied where they need
    /// no change, none of them made into a `String` or a dictionary entry. For the shape
    /// `scanned` reads, which holds every diff the ingest writes, and exactly as `scanned`
    /// reads it (`StoredDiffTests` compares the two on generated and mutated diffs);
    /// `false`, with `out` as it was, for anything else, which the caller decodes. A year of
    /// 1,000,000 profiles is millions of diffs: decoding each and writing it again would be
    /// a large share of its JSON report.
    package static func writeJSON(stored: UnsafeBufferPointer<UInt8>, fields: inout StoredFields, into out: inout [UInt8]) -> Bool {
        guard read(stored, into: &fields.fields) else { return false }
        let changes = fields.fields
        // By name, as `json` orders them (the names are ASCII, where `String`'s order is the
        // bytes' order); a diff has a few.
        fields.order.removeAll(keepingCapacity: true)
        fields.order.append(contentsOf: changes.indices)
        let order = sortedByName(&fields.order, changes, stored)
        let start = out.count
        out.append(UInt8(ascii: "{"))
        for (position, index) in order.enumerated() {
            let change = changes[index]
            if position > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: UnsafeBufferPointer(rebasing: stored[change.name]))
            out.append(contentsOf: "\":".utf8)
            if let added = change.added, let removed = change.removed {
                out.append(contentsOf: "{\"added\":[".utf8)
                writeStrings(stored, from: added, into: &out)
                out.append(contentsOf: "],\"removed\":[".utf8)
                writeStrings(stored, from: removed, into: &out)
                out.append(contentsOf: "]}".utf8)
                continue
            }
            let isInstant = change.name.count == lastModifiedTime.count
                && memcmp(stored.baseAddress! + change.name.lowerBound, lastModifiedTime, lastModifiedTime.count) == 0
            out.append(contentsOf: "{\"from\":".utf8)
            guard write(change.from, of: stored, instant: isInstant, into: &out) else {
                out.removeSubrange(start...)
                return false
            }
            out.append(contentsOf: ",\"to\":".utf8)
            guard write(change.to, of: stored, instant: isInstant, into: &out) else {
                out.removeSubrange(start...)
                return false
            }
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "}"))
        return true
    }

    /// Calls `body` with the name of each change of `stored` in name order (that of
    /// `changedFields`: the names are ASCII), read as `writeJSON(stored:fields:into:)` reads
    /// it; `false`, without calling it, where that reading gives up (the caller decodes).
    /// What a report takes an event's changed fields from when the store sends its diff's
    /// canonical text and not the list (`HistoryQueries`).
    package static func fieldNames(
        of stored: UnsafeBufferPointer<UInt8>, fields: inout StoredFields, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void
    ) rethrows -> Bool {
        guard read(stored, into: &fields.fields) else { return false }
        let changes = fields.fields
        fields.order.removeAll(keepingCapacity: true)
        fields.order.append(contentsOf: changes.indices)
        for index in sortedByName(&fields.order, changes, stored) {
            try body(UnsafeBufferPointer(rebasing: stored[changes[index].name]))
        }
        return true
    }

    private static func sortedByName(_ order: inout [Int], _ changes: [StoredChange], _ stored: UnsafeBufferPointer<UInt8>) -> [Int] {
        for position in order.indices.dropFirst() {
            var index = position
            while index > 0, compare(stored, changes[order[index]].name, changes[order[index - 1]].name) < 0 {
                order.swapAt(index, index - 1)
                index -= 1
            }
        }
        return order
    }

    private static let lastModifiedTime = Array(ProfileField.lastModifiedTime.rawValue.utf8)

    /// The changes of `stored`, checked as `scanned` checks them; `false` where it gives up.
    private static func read(_ stored: UnsafeBufferPointer<UInt8>, into fields: inout [StoredChange]) -> Bool {
        fields.removeAll(keepingCapacity: true)
        var json = JSONScanner(bytes: stored)
        json.skipSpace()
        guard json.take(UInt8(ascii: "{")) else { return false }
        json.skipSpace()
        if !json.take(UInt8(ascii: "}")) {
            while true {
                guard json.take(UInt8(ascii: "\"")), let name = json.rawKey(),
                      !fields.contains(where: { compare(stored, $0.name, name) == 0 }),
                      json.member(), let change = readChange(name, &json)
                else { return false }
                fields.append(change)
                guard let more = json.nextMember() else { return false }
                if !more { break }
            }
        }
        json.skipSpace()
        return json.isAtEnd
    }

    /// One change, as `scannedChange` reads it: `added` and `removed` make a set (whatever
    /// else it holds), else `from` or `to` a text.
    private static func readChange(_ name: Range<Int>, _ json: inout JSONScanner) -> StoredChange? {
        guard json.take(UInt8(ascii: "{")) else { return nil }
        var change = StoredChange(name: name)
        json.skipSpace()
        if !json.take(UInt8(ascii: "}")) {
            while true {
                guard json.take(UInt8(ascii: "\"")), let key = json.rawKey(), json.member() else { return nil }
                // One member name per length: "to", "from", "added", "removed"; each given once.
                let isFrom = key.count == 4 && json.bytes(key, are: "from")
                if isFrom || (key.count == 2 && json.bytes(key, are: "to")) {
                    let value: StoredText
                    if json.takeNull() {
                        value = .null
                    } else if json.take(UInt8(ascii: "\"")), let text = readText(&json) {
                        value = text
                    } else {
                        return nil
                    }
                    guard isFrom ? setOnce(&change.from, value) : setOnce(&change.to, value) else { return nil }
                } else if (key.count == 5 && json.bytes(key, are: "added")) || (key.count == 7 && json.bytes(key, are: "removed")) {
                    let elements = json.index + 1
                    guard json.take(UInt8(ascii: "[")), skipStrings(&json),
                          key.count == 5 ? setOnce(&change.added, elements) : setOnce(&change.removed, elements)
                    else { return nil }
                } else {
                    return nil
                }
                guard let more = json.nextMember() else { return nil }
                if !more { break }
            }
        }
        if change.added != nil, change.removed != nil { return change }
        return change.from != nil || change.to != nil ? change : nil
    }

    /// Sets `slot` to `value`; `false` when it was set (a member given twice).
    private static func setOnce<Value>(_ slot: inout Value?, _ value: Value) -> Bool {
        guard slot == nil else { return false }
        slot = value
        return true
    }

    /// A string whose opening quote is taken, when `JSONScanner.string` reads it: escapes
    /// among `\" \\ \/ \b \f \n \r \t`, and valid UTF-8.
    private static func readText(_ json: inout JSONScanner) -> StoredText? {
        guard let text = json.skipString() else { return nil }
        let bytes = UnsafeBufferPointer(rebasing: json.bytes[text.range])
        if text.escaped {
            var index = 0
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "\\") {
                    switch bytes[index + 1] {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                         UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        index += 2
                    default:
                        return nil
                    }
                } else {
                    index += 1
                }
            }
        }
        if !text.ascii, String(validating: bytes, as: UTF8.self) == nil { return nil }
        return .text(text.range, escaped: text.escaped)
    }

    /// The elements of an array of strings whose `[` is taken, and its `]`.
    private static func skipStrings(_ json: inout JSONScanner) -> Bool {
        json.skipSpace()
        if json.take(UInt8(ascii: "]")) { return true }
        while true {
            guard json.take(UInt8(ascii: "\"")), readText(&json) != nil else { return false }
            json.skipSpace()
            if json.take(UInt8(ascii: ",")) {
                json.skipSpace()
                continue
            }
            return json.take(UInt8(ascii: "]"))
        }
    }

    /// The elements of an array `read` checked, from `start`, each as `json` writes it.
    private static func writeStrings(_ stored: UnsafeBufferPointer<UInt8>, from start: Int, into out: inout [UInt8]) {
        var json = JSONScanner(bytes: stored)
        json.index = start
        json.skipSpace()
        var first = true
        while json.take(UInt8(ascii: "\"")), let text = json.skipString() {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            writeText(UnsafeBufferPointer(rebasing: stored[text.range]), escaped: text.escaped, into: &out)
            json.skipSpace()
            guard json.take(UInt8(ascii: ",")) else { return }
            json.skipSpace()
        }
    }

    /// A `from` or `to` value as `json` writes it (`null` when absent); `last_modified_time`
    /// as the instant it names (`null` when it names none), which escapes never spell.
    private static func write(_ value: StoredText?, of stored: UnsafeBufferPointer<UInt8>, instant: Bool, into out: inout [UInt8]) -> Bool {
        guard case .text(let range, let escaped) = value else {
            out.append(contentsOf: "null".utf8)
            return true
        }
        let text = UnsafeBufferPointer(rebasing: stored[range])
        guard instant else {
            writeText(text, escaped: escaped, into: &out)
            return true
        }
        guard !escaped else { return false }
        if let time = Instant(parsingUTF8: text) {
            out.append(UInt8(ascii: "\""))
            // Text in `iso8601`'s own form that names an instant is that instant's text (the
            // form the ingest writes): copied, not written again.
            if isISO8601Form(text) { out.append(contentsOf: text) } else { time.writeISO8601(into: &out) }
            out.append(UInt8(ascii: "\""))
        } else {
            out.append(contentsOf: "null".utf8)
        }
        return true
    }

    /// Whether `text` has the form of `Instant.iso8601` (`2026-11-20T14:03:27.512000Z`):
    /// digits where it has digits, its separators where it has them.
    private static func isISO8601Form(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard text.count == 27 else { return false }
        for (index, byte) in text.enumerated() {
            switch index {
            case 4, 7: guard byte == UInt8(ascii: "-") else { return false }
            case 10: guard byte == UInt8(ascii: "T") else { return false }
            case 13, 16: guard byte == UInt8(ascii: ":") else { return false }
            case 19: guard byte == UInt8(ascii: ".") else { return false }
            case 26: guard byte == UInt8(ascii: "Z") else { return false }
            default: guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return false }
            }
        }
        return true
    }

    /// A string's text as `CanonicalJSON.writeString` writes what it means: unchanged
    /// without escapes (it holds no quote, backslash or control character), else each
    /// escape as that writer writes its character (the same, but `\/`, which it leaves `/`).
    private static func writeText(_ text: UnsafeBufferPointer<UInt8>, escaped: Bool, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        if escaped {
            var run = 0
            var index = 0
            while index < text.count {
                guard text[index] == UInt8(ascii: "\\"), text[index + 1] == UInt8(ascii: "/") else {
                    index += text[index] == UInt8(ascii: "\\") ? 2 : 1
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: text[run..<index]))
                out.append(UInt8(ascii: "/"))
                index += 2
                run = index
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: text[run...]))
        } else {
            out.append(contentsOf: text)
        }
        out.append(UInt8(ascii: "\""))
    }

    /// The order of two names' bytes.
    private static func compare(_ stored: UnsafeBufferPointer<UInt8>, _ a: Range<Int>, _ b: Range<Int>) -> Int {
        let common = min(a.count, b.count)
        let compared = common == 0 ? 0 : memcmp(stored.baseAddress! + a.lowerBound, stored.baseAddress! + b.lowerBound, common)
        return compared != 0 ? Int(compared) : a.count - b.count
    }
}
