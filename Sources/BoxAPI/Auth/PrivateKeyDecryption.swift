import COpenSSL

/// Opens the encrypted private key of a Box app config with its passphrase.
enum PrivateKeyDecryption {
    /// Returns the key as unencrypted PKCS#8 PEM, which swift-crypto (and so jwt-kit) reads.
    ///
    /// - Throws: a message naming OpenSSL's reason (wrong passphrase, unsupported cipher, not a
    ///   key); never the key or the passphrase.
    static func decrypt(pem: String, passphrase: Secret) throws(PrivateKeyError) -> Secret {
        var pemBytes = Array(pem.utf8)
        var out: UnsafeMutablePointer<CChar>?
        var outLength = 0
        var reason = [CChar](repeating: 0, count: 256)
        let code = passphrase.reveal().withCString { passphrasePointer in
            pemBytes.withUnsafeMutableBufferPointer { pemBuffer in
                pemBuffer.withMemoryRebound(to: CChar.self) { pemChars in
                    boxbridge_decrypt_private_key_pem(
                        pemChars.baseAddress, pemChars.count, passphrasePointer, &out, &outLength, &reason, reason.count)
                }
            }
        }
        guard code == 0, let out else {
            let text = String(decoding: reason.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw PrivateKeyError(reason: text.isEmpty ? "OpenSSL error \(code)" : text)
        }
        defer {
            // Wipe the plaintext key before handing the buffer back to the allocator.
            out.update(repeating: 0, count: outLength)
            free(out)
        }
        let buffer = UnsafeRawBufferPointer(start: out, count: outLength)
        return Secret(String(decoding: buffer, as: UTF8.self))
    }
}

/// The private key could not be opened.
public struct PrivateKeyError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public var description: String { "cannot read the private key: \(reason)" }
}
