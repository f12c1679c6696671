/// JSON string literals written from UTF-8 bytes, the way `CanonicalJSON` writes them:
/// `"`, `\` and the control characters escaped (every byte that needs an escape is ASCII),
/// `/` and everything else as it is.
package enum JSONString {
    /// The escapes, also for `String`s (`ByteEscapes.write(_:into:)`).
    package static let escapes = ByteEscapes { byte in
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

    /// The JSON string of `text` appended to `out`.
    package static func write(_ text: UnsafeBufferPointer<UInt8>, into out: inout [UInt8]) {
        out.append(contentsOf: [UInt8](unsafeUninitializedCapacity: bound(text.count)) { room, written in
            written = write(text, to: room.baseAddress!)
        })
    }

    /// The most bytes `write(_:to:)` writes for a text of `count` bytes.
    package static func bound(_ count: Int) -> Int { 2 + count * escapes.longestReplacement }

    /// The JSON string of `text` written to `out`, which has room for `bound(text.count)`
    /// bytes; the count written. For a writer that makes room once for many texts.
    package static func write(_ text: UnsafeBufferPointer<UInt8>, to out: UnsafeMutablePointer<UInt8>) -> Int {
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

    /// Whether a byte of `text` needs an escape: eight bytes at a time, the last ones as one
    /// word padded with spaces (never escaped).
    @inline(__always)
    package static func needsEscapes(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
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

    /// The plain rule `needsEscapes` answers a word at a time: one byte after another.
    package static func needsEscapesByByte(_ text: some Sequence<UInt8>) -> Bool {
        text.contains { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 < 0x20 }
    }

    /// Whether any of the eight bytes of `word` is `"`, `\` or below 0x20 (what a JSON
    /// string escapes): the tests of "Bit Twiddling Hacks" (Sean Eron Anderson, "Determine
    /// if a word has a zero byte" and "... a byte less than n"), exact as yes-or-no answers,
    /// whatever the byte order. Inlinable: the readers call it for every eight bytes.
    @inlinable
    package static func holdsQuoteBackslashOrControl(_ word: UInt64) -> Bool {
        let (lowBits, highBits): (UInt64, UInt64) = (0x0101_0101_0101_0101, 0x8080_8080_8080_8080)
        func hasZeroByte(_ value: UInt64) -> Bool { (value &- lowBits) & ~value & highBits != 0 }
        let quotes = word ^ (lowBits &* UInt64(UInt8(ascii: "\"")))
        let backslashes = word ^ (lowBits &* UInt64(UInt8(ascii: "\\")))
        let control = (word &- lowBits &* 0x20) & ~word & highBits != 0
        return control || hasZeroByte(quotes) || hasZeroByte(backslashes)
    }
}
