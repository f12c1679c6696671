import AuditModel
import ByteKernels
import Foundation

/// Refuses what Foundation's `JSONSerialization` lets through but a snapshot must never
/// hold: a key repeated in one object (Foundation keeps the last, so `_key` or a name could
/// be replaced unseen), a trailing comma (`[a,]`, `{"k":1,}`), content after the document,
/// and `\u0000` in a string (PostgreSQL's `text` and `jsonb` cannot hold it, and it would be
/// refused only at commit, without file and line).
///
/// It checks structure only, with no values built: strings, numbers and literals are still
/// parsed (and their errors reported) by Foundation. One pass, no allocation per value:
/// object keys are remembered as (hash, byte range) in one shared buffer and compared when
/// their object closes.
struct StrictJSON {
    /// What is wrong, and the 0-based count of line breaks before it.
    struct Problem: Equatable {
        var message: String
        var lineOffset: Int
        /// The document itself is sound, but more follows it (NDJSON, or garbage).
        var isTrailingContent = false
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var line = 0
    /// The keys of every object still open, innermost last: the hash of their text, the
    /// range of the raw key, and whether it holds an escape.
    private var keys: [(hash: UInt64, range: Range<Int>, escaped: Bool)] = []
    /// For each open object with many keys (innermost last, by its nesting depth): its keys
    /// as a set, so a record of 40,000 fields is not checked in quadratic time.
    private var largeObjects: [(depth: Int, texts: Set<String>)] = []
    /// How deep arrays and objects are nested now.
    private var depth = 0

    /// Deeper nesting is refused (no profile field nests more than a few levels; the
    /// check, like Foundation's parser, recurses).
    static let maxDepth = 64

    private init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// The first problem in `bytes`, one JSON document, or `nil` when there is none this
    /// check looks for (Foundation may still refuse it, and says why).
    static func problem(in bytes: UnsafeBufferPointer<UInt8>) -> Problem? {
        var check = StrictJSON(bytes)
        return check.document()
    }

    /// The same for a byte array.
    static func problem(in bytes: [UInt8]) -> Problem? {
        bytes.withUnsafeBufferPointer { problem(in: $0) }
    }

    private mutating func document() -> Problem? {
        skipSpace()
        if let problem = value() { return problem }
        skipSpace()
        guard index >= bytes.count else {
            return Problem(
                message: "invalid JSON: content after the end of the document; a file holds one document (or, as NDJSON, one per line)",
                lineOffset: line, isTrailingContent: true)
        }
        return nil
    }

    private func problem(_ message: String) -> Problem { Problem(message: message, lineOffset: line) }

    /// Checks one value; leaves malformed input Foundation will describe to Foundation (a
    /// `nil` problem), except what Foundation would accept.
    private mutating func value() -> Problem? {
        guard index < bytes.count else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "\""):
            return string().problem
        case UInt8(ascii: "["):
            guard depth < Self.maxDepth else { return problem("arrays and objects nested deeper than \(Self.maxDepth) levels") }
            depth += 1
            defer { depth -= 1 }
            index += 1
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return nil
            }
            while true {
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                    return problem("invalid JSON: a comma before ] (a trailing comma): remove it")
                }
                if let problem = value() { return problem }
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: "]") {
                    index += 1
                    return nil
                }
                guard bytes[index] == UInt8(ascii: ",") else { return nil }
                index += 1
            }
        case UInt8(ascii: "{"):
            guard depth < Self.maxDepth else { return problem("arrays and objects nested deeper than \(Self.maxDepth) levels") }
            depth += 1
            index += 1
            let firstKey = keys.count
            defer {
                keys.removeSubrange(firstKey...)
                if largeObjects.last?.depth == depth { largeObjects.removeLast() }
                depth -= 1
            }
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return nil
            }
            while true {
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: "}") { return problem("invalid JSON: a comma before } (a trailing comma): remove it") }
                guard bytes[index] == UInt8(ascii: "\"") else { return nil }
                let key = string()
                if let problem = key.problem { return problem }
                if let repeated = repeatedKey(key.range, escaped: key.escaped, since: firstKey) {
                    return problem("the key \(repeated) appears twice in one object; which one is meant is unknowable, so the input is refused")
                }
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { return nil }
                index += 1
                skipSpace()
                if let problem = value() { return problem }
                skipSpace()
                guard index < bytes.count else { return nil }
                if bytes[index] == UInt8(ascii: "}") {
                    index += 1
                    return nil
                }
                guard bytes[index] == UInt8(ascii: ",") else { return nil }
                index += 1
            }
        default:
            // A number or literal: Foundation checks its spelling.
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: " "), UInt8(ascii: "\n"),
                     UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\""), UInt8(ascii: "["), UInt8(ascii: "{"):
                    return nil
                default: index += 1
                }
            }
            return nil
        }
    }

    /// Skips a string at `index` (a `"`), returning the range of its raw contents and
    /// whether it holds an escape. Jumps between quotes and backslashes with `memchr`.
    private mutating func string() -> (range: Range<Int>, escaped: Bool, problem: Problem?) {
        index += 1
        let start = index
        var escaped = false
        guard bytes.baseAddress != nil else { return (start..<start, false, nil) }
        func find(_ byte: UInt8, from: Int, upTo: Int) -> Int? { bytes.offset(of: byte, from: from, upTo: upTo) }
        while index < bytes.count {
            let quote = find(UInt8(ascii: "\""), from: index, upTo: bytes.count) ?? bytes.count
            // A raw line break is invalid in a string (Foundation says so); it still counts.
            var lineBreak = index
            while let found = find(UInt8(ascii: "\n"), from: lineBreak, upTo: quote) {
                line += 1
                lineBreak = found + 1
            }
            if let backslash = find(UInt8(ascii: "\\"), from: index, upTo: quote) {
                escaped = true
                if isNULEscape(at: backslash) {
                    return (start..<backslash, true, problem("\\u0000 (a NUL character) in a string: PostgreSQL cannot store it"))
                }
                index = backslash + 2
                continue
            }
            index = min(quote + 1, bytes.count)
            return (start..<quote, escaped, nil)
        }
        return (start..<bytes.count, escaped, nil)
    }

    private func isNULEscape(at backslash: Int) -> Bool {
        guard backslash + 5 < bytes.count, bytes[backslash + 1] == UInt8(ascii: "u") else { return false }
        return bytes[(backslash + 2)...(backslash + 5)].allSatisfy { $0 == UInt8(ascii: "0") }
    }

    /// Remembers `range` as a key of the innermost object; returns it quoted when the object
    /// already has the same key (compared after unescaping, so `"_key"` and `"\u005fkey"` match).
    ///
    /// Keys without an escape are hashed and compared as bytes, with no `String` made.
    private mutating func repeatedKey(_ range: Range<Int>, escaped: Bool, since firstKey: Int) -> String? {
        if largeObjects.last?.depth == depth {
            let text = keyText(range)
            return largeObjects[largeObjects.count - 1].texts.insert(text).inserted ? nil : FieldDecoder.quote(text)
        }
        if keys.count - firstKey >= 16 {
            var texts = Set(keys[firstKey...].map { keyText($0.range) })
            texts.reserveCapacity(64)
            keys.removeSubrange(firstKey...)
            largeObjects.append((depth, texts))
            let text = keyText(range)
            return largeObjects[largeObjects.count - 1].texts.insert(text).inserted ? nil : FieldDecoder.quote(text)
        }
        let hash = escaped ? Self.fnv1a(Array(keyText(range).utf8)) : Self.fnv1a(UnsafeBufferPointer(rebasing: bytes[range]))
        for earlier in keys[firstKey...] where earlier.hash == hash {
            let same = !escaped && !earlier.escaped
                ? bytes[range].elementsEqual(bytes[earlier.range])
                : keyText(earlier.range) == keyText(range)
            if same { return FieldDecoder.quote(keyText(range)) }
        }
        keys.append((hash, range, escaped))
        return nil
    }

    /// FNV-1a over bytes: a cheap hash for a handful of short keys (a collision only costs
    /// a comparison).
    private static func fnv1a<Bytes: Sequence<UInt8>>(_ bytes: Bytes) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3
        }
        return hash
    }

    /// A key's text: its bytes, or Foundation's reading of them when they hold an escape.
    private func keyText(_ range: Range<Int>) -> String {
        let raw = UnsafeBufferPointer(rebasing: bytes[range])
        guard raw.contains(UInt8(ascii: "\\")) else { return String(decoding: raw, as: UTF8.self) }
        let quoted = Data([UInt8(ascii: "\"")] + Array(raw) + [UInt8(ascii: "\"")])
        return (try? JSONSerialization.jsonObject(with: quoted, options: [.fragmentsAllowed]) as? String)
            ?? String(decoding: raw, as: UTF8.self)
    }

    private mutating func skipSpace() {
        JSONStructure.skipSpace(in: bytes, at: &index, line: &line)
    }
}
