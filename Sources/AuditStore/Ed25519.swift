import CLibCrypto
import Foundation

/// Ed25519 keys and signatures from OpenSSL's libcrypto (EVP_PKEY), never hand-written:
/// what signs the snapshot digests, with a key the database never holds.
package enum Ed25519 {
    /// A key pair: the private key and the public key, each as PEM text.
    package static func generate() throws -> (privatePEM: String, publicPEM: String) {
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nil) else { throw SigningError("libcrypto has no Ed25519") }
        defer { EVP_PKEY_CTX_free(context) }
        var made: OpaquePointer?
        guard EVP_PKEY_keygen_init(context) == 1, EVP_PKEY_keygen(context, &made) == 1, let key = made else {
            throw SigningError("libcrypto could not make an Ed25519 key")
        }
        defer { EVP_PKEY_free(key) }
        return (try pem { PEM_write_bio_PrivateKey($0, key, nil, nil, 0, nil, nil) }, try pem { PEM_write_bio_PUBKEY($0, key) })
    }

    /// Signs `message` with a private key in PEM: the 64-byte signature.
    package static func sign(_ message: [UInt8], privateKeyPEM: String) throws -> [UInt8] {
        let key = try load(privateKeyPEM, isPrivate: true)
        defer { EVP_PKEY_free(key) }
        guard let context = EVP_MD_CTX_new() else { throw SigningError("libcrypto could not allocate a signing context") }
        defer { EVP_MD_CTX_free(context) }
        var signature = [UInt8](repeating: 0, count: 64)
        var length = signature.count
        let ok = EVP_DigestSignInit(context, nil, nil, nil, key) == 1
            && EVP_DigestSign(context, &signature, &length, message, message.count) == 1
        guard ok, length == 64 else { throw SigningError("libcrypto could not sign with this key (is it an Ed25519 private key?)") }
        return signature
    }

    /// Whether `signature` is `message`'s under the public key in PEM.
    package static func verify(_ signature: [UInt8], of message: [UInt8], publicKeyPEM: String) throws -> Bool {
        let key = try load(publicKeyPEM, isPrivate: false)
        defer { EVP_PKEY_free(key) }
        guard let context = EVP_MD_CTX_new() else { throw SigningError("libcrypto could not allocate a verifying context") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, nil, nil, key) == 1 else { throw SigningError("not an Ed25519 public key") }
        return EVP_DigestVerify(context, signature, signature.count, message, message.count) == 1
    }

    /// A key from PEM text.
    private static func load(_ pem: String, isPrivate: Bool) throws -> OpaquePointer {
        let bytes = Array(pem.utf8)
        guard let bio = bytes.withUnsafeBytes({ BIO_new_mem_buf($0.baseAddress, Int32($0.count)) }) else {
            throw SigningError("libcrypto could not read the key")
        }
        defer { BIO_free(bio) }
        let key = isPrivate ? PEM_read_bio_PrivateKey(bio, nil, nil, nil) : PEM_read_bio_PUBKEY(bio, nil, nil, nil)
        guard let key, EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 else {
            if let key { EVP_PKEY_free(key) }
            throw SigningError(isPrivate ? "not an Ed25519 private key in PEM (make one with `connect-audit digest keygen`)" : "not an Ed25519 public key in PEM")
        }
        return key
    }

    /// What a PEM writer writes to a memory BIO.
    private static func pem(_ write: (OpaquePointer) -> Int32) throws -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw SigningError("libcrypto could not allocate a buffer") }
        defer { BIO_free(bio) }
        guard write(bio) == 1 else { throw SigningError("libcrypto could not write the key") }
        var pointer: UnsafeMutablePointer<CChar>?
        let length = BIO_ctrl(bio, BIO_CTRL_INFO, 0, &pointer)
        guard let pointer, length > 0 else { throw SigningError("libcrypto wrote no key") }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: length), as: UTF8.self)
    }
}

/// Why a key could not be made, read, or used, in words a user can act on.
package struct SigningError: Error, Sendable, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}
