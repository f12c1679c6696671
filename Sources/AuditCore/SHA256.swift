import CLibCrypto

/// SHA-256 from OpenSSL's libcrypto (the library libpq already links), never hand-written.
package enum SHA256 {
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
        var length: UInt32 = 0
        let ok = output.withUnsafeMutableBufferPointer { out in
            // EVP_Digest is one-shot: no context to allocate or free.
            EVP_Digest(buffer.baseAddress, buffer.count, out.baseAddress, &length, EVP_sha256(), nil)
        }
        precondition(ok == 1 && length == 32, "libcrypto's SHA-256 failed")
        return output
    }

    private static let digits = Array("0123456789abcdef".utf8)

    private static func hexString(_ digest: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity(64)
        for byte in digest {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
