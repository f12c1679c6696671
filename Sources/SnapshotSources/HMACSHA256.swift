import CLibCrypto

/// HMAC-SHA256 from OpenSSL's libcrypto (`HMAC()`, one shot), never hand-written.
enum HMACSHA256 {
    /// The 32-byte MAC of `data` under `key`.
    static func mac(key: [UInt8], data: [UInt8]) -> [UInt8] {
        var output = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = key.withUnsafeBufferPointer { key in
            data.withUnsafeBufferPointer { data in
                output.withUnsafeMutableBufferPointer { output in
                    HMAC(EVP_sha256(), key.baseAddress, Int32(key.count), data.baseAddress, data.count, output.baseAddress, &length) != nil
                }
            }
        }
        precondition(ok && length == 32, "libcrypto's HMAC-SHA256 failed")
        return output
    }

    /// The MAC of a string's UTF-8 bytes.
    static func mac(key: [UInt8], _ text: String) -> [UInt8] {
        mac(key: key, data: Array(text.utf8))
    }
}
