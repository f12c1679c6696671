import CLibCrypto

/// SHA-256 from OpenSSL's libcrypto (the library libpq already links), never hand-written.
package enum SHA256 {
    /// The algorithm, fetched from libcrypto's provider once. `EVP_sha256()` makes every
    /// digest fetch it again under a read-write lock (OpenSSL 3), contended on every core.
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
    /// A digest over bytes that arrive in pieces (a file as it is written or read); one
    /// owner, one digest.
    package final class Stream {
        private let context: OpaquePointer
        private var finished = false

        package init() {
            guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, SHA256.algorithm, nil) == 1 else {
                preconditionFailure("libcrypto cannot start a SHA-256 digest")
            }
            self.context = context
        }

        deinit { EVP_MD_CTX_free(context) }

        /// Adds the next bytes.
        package func update(_ bytes: UnsafeRawBufferPointer) {
            precondition(!finished, "a finished digest takes no more bytes")
            precondition(EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) == 1, "libcrypto's SHA-256 failed")
        }

        /// The digest of every byte added; the stream takes no more.
        package func finish() -> SHA256Digest {
            finished = true
            return SHA256Digest { output in
                var length: UInt32 = 0
                let ok = EVP_DigestFinal_ex(context, output.baseAddress?.assumingMemoryBound(to: UInt8.self), &length) == 1
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
