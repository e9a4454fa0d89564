import Foundation
import JWTKit

/// Signs the RS256 assertions of Box's JWT grant (API-NOTES §1).
///
/// Claims: `iss` = client id, `sub` = enterprise or user id, `box_sub_type`, `aud` = Box's token
/// URL, a fresh random `jti`, `iat`, and `exp` at most 60 s later; header `kid` = public key id.
public struct JWTAssertionSigner: Sendable {
    /// Box's token endpoint, the audience Box requires even when the token URL is elsewhere.
    public static let audience = "https://api.box.com/oauth2/token"

    struct Claims: JWTPayload {
        var iss: String
        var sub: String
        var box_sub_type: String
        var aud: String
        var jti: String
        var iat: Int64
        var exp: Int64

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    private let keys: JWTKeyCollection
    private let credentials: JWTCredentials

    /// Loads the private key; fails when it is not an RSA key of at least 2,048 bits.
    public init(credentials: JWTCredentials) async throws(PrivateKeyError) {
        let key: Insecure.RSA.PrivateKey
        do {
            key = try Insecure.RSA.PrivateKey(pem: credentials.privateKeyPEM.reveal())
        } catch {
            throw PrivateKeyError(reason: "not an RSA private key of at least 2048 bits in PEM (\(type(of: error)))")
        }
        self.credentials = credentials
        self.keys = JWTKeyCollection()
        await keys.add(rsa: key, digestAlgorithm: .sha256, kid: JWKIdentifier(string: credentials.publicKeyID))
    }

    /// A new assertion valid from `unixNow` for the credentials' assertion lifetime.
    public func assertion(unixNow: Int64) async throws -> String {
        let claims = Claims(
            iss: credentials.clientID,
            sub: credentials.subject.id,
            box_sub_type: credentials.subject.type,
            aud: Self.audience,
            jti: Self.newJTI(),
            iat: unixNow,
            exp: unixNow + Int64(credentials.assertionLifetime)
        )
        return try await keys.sign(claims, kid: JWKIdentifier(string: credentials.publicKeyID))
    }

    /// 32 random hex characters (Box wants 16–128), from the system's secure generator.
    static func newJTI() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in
            let byte = UInt8.random(in: 0...255, using: &generator)
            return String(byte, radix: 16).leftPadded(to: 2)
        }.joined()
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
