import CLibCrypto

/// A SHA-256 digest held as four words: no allocation, cheap to hash, compare and sort.
package struct SHA256Digest: Hashable, Comparable, Sendable, CustomStringConvertible {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// The digest `write` puts into 32 bytes.
    init(_ write: (UnsafeMutableRawBufferPointer) -> Void) {
        withUnsafeMutableBytes(of: &words, write)
    }

    /// The digest of `bytes`.
    package init(of bytes: UnsafeRawBufferPointer) {
        self.init { SHA256.digest(of: bytes, into: $0) }
    }

    /// The digest whose 32 bytes are `bytes`; `nil` for any other length.
    package init?(bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count == 32 else { return nil }
        self.init { $0.copyMemory(from: UnsafeRawBufferPointer(bytes)) }
    }

    /// Parses 64 hex digits (as stored in `content_hash`).
    package init?(hex: String) {
        var hex = hex
        guard let digest = hex.withUTF8({ Self(hex: $0) }) else { return nil }
        self = digest
    }

    /// Parses 64 hex digits given as UTF-8 bytes.
    package init?(hex digits: UnsafeBufferPointer<UInt8>) {
        guard digits.count == 64 else { return nil }
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        let parsed = withUnsafeMutableBytes(of: &words) { bytes in
            for index in 0..<32 {
                guard let high = Self.value(digits[2 * index]), let low = Self.value(digits[2 * index + 1]) else { return false }
                bytes[index] = high << 4 | low
            }
            return true
        }
        guard parsed else { return nil }
        self.words = words
    }

    private static func value(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// 64 lowercase hex digits.
    package var hex: String { withBytes { SHA256.hex($0) } }
    package var description: String { hex }

    /// The 32 bytes.
    package func withBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result { Swift.withUnsafeBytes(of: words, body) }

    package static func == (lhs: SHA256Digest, rhs: SHA256Digest) -> Bool { lhs.words == rhs.words }

    /// An arbitrary but fixed total order (by words), for sorting digests.
    package static func < (lhs: SHA256Digest, rhs: SHA256Digest) -> Bool { lhs.words < rhs.words }

    /// The digest is uniform already: one word is as good a hash as all four.
    package func hash(into hasher: inout Hasher) { hasher.combine(words.0) }
}
