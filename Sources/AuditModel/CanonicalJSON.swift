import Foundation

/// Writes the JSON that event hashes cover: strings, `null`, arrays and objects with keys
/// in Swift string order, no spaces, `/` unescaped, control characters as `\uXXXX`
/// (except `\n`, `\t`, `\r`, `\b`, `\f`).
///
/// Only a writer (reading is Foundation's): `JSONSerialization`'s own writer with
/// `.sortedKeys` bridges every dictionary to `NSDictionary` and took 80% of a first
/// ingest (20,000 events: 5.6 s of 7.0 s, measured with perf).
package enum CanonicalJSON {
    /// The canonical text of a value made of strings, `NSNull`, numbers, arrays and
    /// string-keyed objects (what `JSONSerialization` reads). Other values are written as
    /// strings of their description, which no JSON value read is.
    package static func text(_ value: Any) -> String {
        var out = ""
        write(value, into: &out)
        return out
    }

    package static func write(_ value: Any, into out: inout String) {
        switch value {
        case let text as String:
            writeString(text, into: &out)
        case let array as [Any]:
            out += "["
            for (index, element) in array.enumerated() {
                if index > 0 { out += "," }
                write(element, into: &out)
            }
            out += "]"
        case let object as [String: Any]:
            out += "{"
            for (index, key) in object.keys.sorted().enumerated() {
                if index > 0 { out += "," }
                writeString(key, into: &out)
                out += ":"
                write(object[key] as Any, into: &out)
            }
            out += "}"
        case is NSNull:
            out += "null"
        case let number as NSNumber:
            // Numbers and booleans as Foundation writes them (as `extra` values are written).
            if let data = try? JSONSerialization.data(withJSONObject: number, options: [.fragmentsAllowed]) {
                out += String(decoding: data, as: UTF8.self)
            } else {
                out += "null"  // not finite: JSON has no such number
            }
        default:
            writeString("\(value)", into: &out)
        }
    }

    /// An array of strings, without the dynamic casts of `write(_:into:)`.
    package static func write(_ strings: [String], into out: inout String) {
        out += "["
        for index in strings.indices {
            if index > 0 { out += "," }
            writeString(strings[index], into: &out)
        }
        out += "]"
    }

    /// A JSON string literal: `"`, `\` and the control characters escaped (on the bytes:
    /// every character that needs an escape is ASCII).
    package static func writeString(_ text: String, into out: inout String) {
        out += "\""
        escapes.write(text, into: &out)
        out += "\""
    }

    /// `writeString` of UTF-8 bytes into bytes (`writeString(_:to:)`, through room of its bound).
    package static func writeString(_ text: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.append(contentsOf: [UInt8](unsafeUninitializedCapacity: stringBound(text.count)) { room, written in
            written = writeString(text, to: room.baseAddress!)
        })
    }

    /// The most bytes `writeString(_:to:)` writes for a text of `count` bytes.
    package static func stringBound(_ count: Int) -> Int { 2 + count * escapes.longestReplacement }

    /// `writeString` of UTF-8 bytes to `out`, which has room for `stringBound(text.count)`
    /// bytes; the count written. For a writer that makes room once for many texts (the JSON
    /// report's: appending to an array checked its room and its uniqueness for each piece).
    package static func writeString(_ text: UnsafeBufferPointer<UInt8>, to out: UnsafeMutablePointer<UInt8>) -> Int {
        out[0] = UInt8(ascii: "\"")
        let written: Int
        if needsEscapes(text) {
            written = escapes.write(text, to: out + 1)
        } else {
            if let base = text.baseAddress { (out + 1).update(from: base, count: text.count) }
            written = text.count
        }
        out[1 + written] = UInt8(ascii: "\"")
        return written + 2
    }

    /// Whether a byte of `text` needs an escape in a JSON string: eight bytes at a time, the
    /// last ones as one word padded with spaces (never escaped). Byte by byte, it was 8% of
    /// the JSON report's CPU over a year of 10,000 profiles (`perf`); its time is mostly its
    /// first load of each text (`perf annotate`).
    @inline(__always)
    private static func needsEscapes(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        while text.count - index >= 8 {
            if holdsQuoteBackslashOrControl(UnsafeRawPointer(text.baseAddress! + index).loadUnaligned(as: UInt64.self)) { return true }
            index += 8
        }
        let left = text.count - index
        guard left > 0 else { return false }
        var tail: UInt64 = 0x2020_2020_2020_2020
        withUnsafeMutableBytes(of: &tail) { $0.baseAddress!.copyMemory(from: text.baseAddress! + index, byteCount: left) }
        return holdsQuoteBackslashOrControl(tail)
    }

    /// Whether any of the eight bytes of `word` is `"`, `\` or below 0x20 (what a JSON
    /// string escapes): the tests of "Bit Twiddling Hacks" (Sean Eron Anderson, "Determine
    /// if a word has a zero byte" and "... a byte less than n"), exact as yes-or-no answers,
    /// whatever the byte order. Inlinable: the readers' string scanning calls it for every
    /// eight bytes, from another module.
    @inlinable
    package static func holdsQuoteBackslashOrControl(_ word: UInt64) -> Bool {
        let (lowBits, highBits): (UInt64, UInt64) = (0x0101_0101_0101_0101, 0x8080_8080_8080_8080)
        func hasZeroByte(_ value: UInt64) -> Bool { (value &- lowBits) & ~value & highBits != 0 }
        let quotes = word ^ (lowBits &* UInt64(UInt8(ascii: "\"")))
        let backslashes = word ^ (lowBits &* UInt64(UInt8(ascii: "\\")))
        let control = (word &- lowBits &* 0x20) & ~word & highBits != 0
        return control || hasZeroByte(quotes) || hasZeroByte(backslashes)
    }

    /// `writeString` of a string into bytes.
    package static func writeString(_ text: String, into out: inout [UInt8]) {
        var text = text
        text.withUTF8 { writeString($0, into: &out) }
    }

    /// `write(_ strings:)` into bytes.
    package static func write(_ strings: [String], into out: inout [UInt8]) {
        out.append(UInt8(ascii: "["))
        for index in strings.indices {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            writeString(strings[index], into: &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    private static let escapes = ByteEscapes { byte in
        switch byte {
        case UInt8(ascii: "\""): return "\\\""
        case UInt8(ascii: "\\"): return "\\\\"
        case UInt8(ascii: "\n"): return "\\n"
        case UInt8(ascii: "\t"): return "\\t"
        case UInt8(ascii: "\r"): return "\\r"
        case 0x08: return "\\b"
        case 0x0C: return "\\f"
        case ..<0x20:
            let hex = String(byte, radix: 16)
            return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        default: return nil
        }
    }
}
