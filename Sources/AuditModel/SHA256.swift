import CLibCrypto

/// SHA-256 from OpenSSL's libcrypto (the library libpq already links), never hand-written.
package enum SHA256 {
    /// The algorithm, fetched from libcrypto's provider once. `EVP_sha256()` makes every
    /// digest fetch it again under a read-write lock (OpenSSL 3): on 100,000 small records
    /// that lock was 8% of a nightly ingest.
    nonisolated(unsafe) fileprivate static let algorithm: OpaquePointer = {
        guard let algorithm = EVP_MD_fetch(nil, "SHA256", nil) else { preconditionFailure("libcrypto has no SHA-256") }
        return algorithm  // Owner: the process (never freed).
    }()

    /// The digest of `bytes` as 64 lowercase hex digits.
    package static func hex<Bytes: Collection>(of bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let result: [UInt8] = bytes.withContiguousStorageIfAvailable { digest(of: UnsafeRawBufferPointer($0)) }
            ?? Array(bytes).withUnsafeBytes { digest(of: $0) }
        return hexString(result)
    }

    /// The digest of a string's UTF-8 bytes as 64 lowercase hex digits.
    package static func hex(of text: String) -> String {
        var text = text
        return hexString(text.withUTF8 { digest(of: UnsafeRawBufferPointer($0)) })
    }

    /// The 32-byte digest of `buffer`.
    static func digest(of buffer: UnsafeRawBufferPointer) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 32)
        output.withUnsafeMutableBytes { digest(of: buffer, into: $0) }
        return output
    }

    /// The 32-byte digest of `buffer`, into `output`.
    static func digest(of buffer: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        precondition(output.count == 32)
        var length: UInt32 = 0
        // EVP_Digest is one-shot: no context to allocate or free.
        let ok = EVP_Digest(buffer.baseAddress, buffer.count, output.baseAddress, &length, algorithm, nil)
        precondition(ok == 1 && length == 32, "libcrypto's SHA-256 failed")
    }

    private static let digits = Array("0123456789abcdef".utf8)

    fileprivate static func hexString(_ digest: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension SHA256 {
    /// One digest context, reused for many small digests (one owner: not shared between threads).
    package final class Hasher {
        private let context: OpaquePointer

        package init() {
            guard let context = EVP_MD_CTX_new() else { preconditionFailure("libcrypto cannot allocate a digest context") }
            self.context = context
        }

        deinit { EVP_MD_CTX_free(context) }

        /// The digest of `bytes`.
        package func digest(of bytes: UnsafeRawBufferPointer) -> SHA256Digest {
            digest(of: UnsafeRawBufferPointer(start: nil, count: 0), then: bytes)
        }

        /// The digest of `prefix` followed by `bytes` (one pass, no copy).
        package func digest(of prefix: UnsafeRawBufferPointer, then bytes: UnsafeRawBufferPointer) -> SHA256Digest {
            SHA256Digest { output in
                var length: UInt32 = 0
                let ok = EVP_DigestInit_ex(context, SHA256.algorithm, nil) == 1
                    && EVP_DigestUpdate(context, prefix.baseAddress, prefix.count) == 1
                    && EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) == 1
                    && EVP_DigestFinal_ex(context, output.baseAddress?.assumingMemoryBound(to: UInt8.self), &length) == 1
                precondition(ok && length == 32, "libcrypto's SHA-256 failed")
            }
        }
    }
}

extension SHA256 {
    /// 32 digest bytes as 64 lowercase hex digits.
    package static func hex(_ digest: UnsafeRawBufferPointer) -> String {
        hexString(Array(digest))
    }
}

/// A SHA-256 digest held as four words: no allocation, cheap to hash, compare and sort.
public struct SHA256Digest: Hashable, Comparable, Sendable, CustomStringConvertible {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// The digest `write` puts into 32 bytes.
    init(_ write: (UnsafeMutableRawBufferPointer) -> Void) {
        withUnsafeMutableBytes(of: &words, write)
    }

    /// The digest of `bytes`.
    init(of bytes: UnsafeRawBufferPointer) {
        self.init { SHA256.digest(of: bytes, into: $0) }
    }

    /// The digest whose 32 bytes are `bytes`; `nil` for any other length.
    public init?(bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count == 32 else { return nil }
        self.init { $0.copyMemory(from: UnsafeRawBufferPointer(bytes)) }
    }

    /// Parses 64 hex digits (as stored in `content_hash`).
    public init?(hex: String) {
        var hex = hex
        guard let digest = hex.withUTF8({ Self(hex: $0) }) else { return nil }
        self = digest
    }

    /// Parses 64 hex digits given as UTF-8 bytes.
    public init?(hex digits: UnsafeBufferPointer<UInt8>) {
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
    public var hex: String { withBytes { SHA256.hex($0) } }
    public var description: String { hex }

    /// The 32 bytes.
    func withBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result { Swift.withUnsafeBytes(of: words, body) }

    public static func == (lhs: SHA256Digest, rhs: SHA256Digest) -> Bool { lhs.words == rhs.words }

    /// An arbitrary but fixed total order (by words), for sorting digests.
    public static func < (lhs: SHA256Digest, rhs: SHA256Digest) -> Bool { lhs.words < rhs.words }

    /// The digest is uniform already: one word is as good a hash as all four.
    public func hash(into hasher: inout Hasher) { hasher.combine(words.0) }
}

