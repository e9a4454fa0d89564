import CZeroMQ

/// A CURVE key pair as 40-character Z85 strings (the form libzmq and key files use).
///
/// `description` never shows the secret key.
public struct CurveKeyPair: Sendable, Hashable, CustomStringConvertible {
    /// The public key, Z85 (40 characters). Safe to share and log.
    public let publicKey: String
    /// The secret key, Z85 (40 characters). Never log it.
    public let secretKey: String

    /// Generates a new key pair (`zmq_curve_keypair`).
    ///
    /// - Throws: ``ZMQError`` with `ENOTSUP` when libzmq lacks CURVE.
    public static func generate() throws(ZMQError) -> CurveKeyPair {
        var publicKey = [CChar](repeating: 0, count: 41)
        var secretKey = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&publicKey, &secretKey) == 0 else { throw ZMQError.last("zmq_curve_keypair") }
        return CurveKeyPair(
            publicKey: String(decoding: publicKey.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self),
            secretKey: String(decoding: secretKey.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    /// The pair for a known secret key, deriving its public key (`zmq_curve_public`).
    ///
    /// - Throws: ``ZMQError`` with `EINVAL` when `secretKey` is not 40 characters of Z85.
    public init(secretKey: String) throws(ZMQError) {
        guard Z85.isKey(secretKey) else {
            throw ZMQError(code: EINVAL, function: "zmq_curve_public", detail: "secret key is not 40 Z85 characters")
        }
        var publicKey = [CChar](repeating: 0, count: 41)
        guard zmq_curve_public(&publicKey, secretKey) == 0 else { throw ZMQError.last("zmq_curve_public") }
        self.publicKey = String(decoding: publicKey.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self.secretKey = secretKey
    }

    private init(publicKey: String, secretKey: String) {
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    public var description: String { "CurveKeyPair(public: \(publicKey), secret: <redacted>)" }
}

/// Z85, ZeroMQ's printable encoding of binary keys (RFC 32).
public enum Z85 {
    private static let alphabet = Set(
        "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8)

    /// Whether `text` is a 40-character Z85 CURVE key.
    public static func isKey(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == 40 && bytes.allSatisfy(alphabet.contains)
    }

    /// Encodes bytes whose count is a multiple of 4 (`zmq_z85_encode`); nil otherwise.
    public static func encode(_ bytes: [UInt8]) -> String? {
        guard bytes.count % 4 == 0 else { return nil }
        var out = [CChar](repeating: 0, count: bytes.count * 5 / 4 + 1)
        guard zmq_z85_encode(&out, bytes, bytes.count) != nil else { return nil }
        return String(decoding: out.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Decodes Z85 text whose length is a multiple of 5 (`zmq_z85_decode`); nil when invalid.
    public static func decode(_ text: String) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 5 == 0, utf8.allSatisfy(alphabet.contains) else { return nil }
        var out = [UInt8](repeating: 0, count: utf8.count * 4 / 5)
        guard zmq_z85_decode(&out, text) != nil else { return nil }
        return out
    }
}
