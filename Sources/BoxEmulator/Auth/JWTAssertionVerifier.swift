import Foundation
import JWTKit

/// Checks a Box JWT bearer assertion: RS256 signature by the configured key, then Box's claim rules.
struct JWTAssertionVerifier: Sendable {
    struct Claims: JWTPayload {
        var iss: String?
        var sub: String?
        var box_sub_type: String?
        var aud: String?
        var jti: String?
        var exp: Double?
        var iat: Double?
        var nbf: Double?

        // Claim rules are checked against the emulator's (injectable) clock after decoding.
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// A refusal with Box's OAuth2 error code and description.
    struct Refusal: Error, Equatable {
        var error: String
        var description: String
    }

    let keys: JWTKeyCollection?
    let clientID: String

    static let audience = "https://api.box.com/oauth2/token"

    static func make(publicKeyPEM: String?, keyID: String?, clientID: String) async throws -> JWTAssertionVerifier {
        guard let publicKeyPEM else { return JWTAssertionVerifier(keys: nil, clientID: clientID) }
        let key = try Insecure.RSA.PublicKey(pem: publicKeyPEM)
        let keys = JWTKeyCollection()
        await keys.add(rsa: key, digestAlgorithm: .sha256, kid: keyID.map { JWKIdentifier(string: $0) })
        return JWTAssertionVerifier(keys: keys, clientID: clientID)
    }

    /// Verifies `assertion` at time `now` and returns its claims.
    func verify(_ assertion: String, now: Double) async throws(Refusal) -> Claims {
        guard let keys else {
            throw Refusal(error: "invalid_grant", description: "JWT authentication is not configured for this application")
        }
        let claims: Claims
        do {
            claims = try await keys.verify(assertion, as: Claims.self)
        } catch {
            let text = String(describing: error)
            if text.lowercased().contains("kid") {
                throw Refusal(error: "invalid_grant", description: "Please check the 'kid' field")
            }
            throw Refusal(error: "invalid_grant", description: "OpenSSL unable to verify data: signature does not match the public key")
        }
        guard claims.iss == clientID else {
            throw Refusal(error: "invalid_grant", description: "Please check the 'iss' claim: it must be the client ID")
        }
        guard claims.aud == JWTAssertionVerifier.audience else {
            throw Refusal(error: "invalid_grant", description: "Please check the 'aud' claim. It should be \(JWTAssertionVerifier.audience)")
        }
        guard let exp = claims.exp else {
            throw Refusal(error: "invalid_grant", description: "Please check the 'exp' claim: it is required")
        }
        guard exp > now else {
            throw Refusal(error: "invalid_grant", description: "Current date/time MUST be before the expiration date/time listed in the 'exp' claim")
        }
        guard exp <= now + 60 else {
            throw Refusal(error: "invalid_grant", description: "Please check the 'exp' claim: it cannot be more than 60 seconds in the future")
        }
        if let nbf = claims.nbf, nbf > now + 1 {
            throw Refusal(error: "invalid_grant", description: "Please check the 'nbf' claim: the assertion is not valid yet")
        }
        guard let jti = claims.jti, (16...128).contains(jti.count) else {
            throw Refusal(error: "invalid_grant", description: "Please check the 'jti' claim: a unique value of 16 to 128 characters is required")
        }
        guard claims.box_sub_type == "enterprise" || claims.box_sub_type == "user" else {
            throw Refusal(error: "invalid_grant", description: "Please check the 'box_sub_type' claim: enterprise or user")
        }
        return claims
    }
}
