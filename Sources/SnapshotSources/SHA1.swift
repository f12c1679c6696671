import CLibCrypto

/// SHA-1 from libcrypto, for one purpose only: the AWS CLI names its IAM Identity Center
/// token cache files by the SHA-1 of the session name (botocore's `SSOTokenLoader`). Not a
/// security use: the name only finds the file.
enum SHA1 {
    /// The 20-byte digest of `bytes` as 40 lowercase hex digits.
    static func hex(of bytes: [UInt8]) -> String {
        var output = [UInt8](repeating: 0, count: 20)
        var length: UInt32 = 0
        let ok = bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { output in
                EVP_Digest(input.baseAddress, input.count, output.baseAddress, &length, EVP_sha1(), nil) == 1
            }
        }
        precondition(ok && length == 20, "libcrypto's SHA-1 failed")
        return output.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }
}
