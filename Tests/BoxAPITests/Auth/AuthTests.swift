import Foundation
import JWTKit
import Testing

@testable import BoxAPI

@Suite("App config, encrypted key and JWT assertion")
struct AuthTests {
    @Test("an app config with an encrypted PKCS#8 key yields a signer whose assertions Box would accept")
    func appConfigToAssertion() async throws {
        let key = try await TestKey.make()
        #expect(key.encryptedPEM.contains("BEGIN ENCRYPTED PRIVATE KEY"))
        let config = try BoxAppConfig.parse(try key.appConfig(), source: "box_config.json")
        #expect(config.clientID == "client-abc")
        #expect(config.enterpriseID == "11223344")
        let credentials = try config.jwtCredentials()
        #expect(credentials.subject == .enterprise("11223344"))
        #expect(credentials.privateKeyPEM.reveal().contains("BEGIN PRIVATE KEY"))

        let signer = try await JWTAssertionSigner(credentials: credentials)
        let now: Int64 = 1_750_000_000
        let assertion = try await signer.assertion(unixNow: now)

        // Verify the signature with the public half, as Box does.
        let verifier = JWTKeyCollection()
        await verifier.add(rsa: try Insecure.RSA.PrivateKey(pem: key.plainPEM).publicKey, digestAlgorithm: .sha256, kid: "kid-42")
        struct Anything: JWTPayload { func verify(using algorithm: some JWTAlgorithm) async throws {} }
        _ = try await verifier.verify(assertion, as: Anything.self)

        let header = try jwtSegment(assertion, 0)
        #expect(header["alg"] as? String == "RS256")
        #expect(header["kid"] as? String == "kid-42")
        let claims = try jwtSegment(assertion, 1)
        #expect(claims["iss"] as? String == "client-abc")
        #expect(claims["sub"] as? String == "11223344")
        #expect(claims["box_sub_type"] as? String == "enterprise")
        #expect(claims["aud"] as? String == "https://api.box.com/oauth2/token")
        let exp = try #require(claims["exp"] as? Int)
        #expect(exp > Int(now) && exp <= Int(now) + 60)
        let jti = try #require(claims["jti"] as? String)
        #expect((16...128).contains(jti.count))
        let second = try jwtSegment(try await signer.assertion(unixNow: now), 1)
        #expect(second["jti"] as? String != jti, "jti must be unique per assertion")
    }

    @Test("a user subject signs box_sub_type user")
    func userSubject() async throws {
        let key = try await TestKey.make()
        let credentials = try BoxAppConfig.parse(try key.appConfig(), source: "cfg").jwtCredentials(subject: .user("987"))
        let claims = try jwtSegment(try await JWTAssertionSigner(credentials: credentials).assertion(unixNow: 0), 1)
        #expect(claims["sub"] as? String == "987")
        #expect(claims["box_sub_type"] as? String == "user")
    }

    @Test("a wrong passphrase is an error naming the field, never the secrets")
    func wrongPassphrase() async throws {
        let key = try await TestKey.make()
        var config = try BoxAppConfig.parse(try key.appConfig(), source: "box_config.json")
        config.passphrase = Secret("wrong-passphrase")
        #expect {
            try config.jwtCredentials()
        } throws: { error in
            let text = String(describing: error)
            return text.hasPrefix("box_config.json: boxAppSettings.appAuth.privateKey:") && !text.contains("wrong-passphrase")
                && !text.contains("s3cret") && !text.contains("PRIVATE KEY")
        }
    }

    @Test("missing fields are named with the file", arguments: [
        (#"{}"#, "box_config.json: boxAppSettings: missing or not an object"),
        (#"{"boxAppSettings":{"clientID":"a","clientSecret":"b"}}"#, "box_config.json: boxAppSettings.appAuth: missing or not an object"),
        (#"{"boxAppSettings":{"clientID":"a","appAuth":{}}}"#, "box_config.json: boxAppSettings.clientSecret: missing"),
        (#"{"boxAppSettings":{"clientID":"a","clientSecret":"b","appAuth":{"publicKeyID":"k"}}}"#, "box_config.json: boxAppSettings.appAuth.privateKey: missing"),
        ("not json", "box_config.json: not valid JSON"),
    ])
    func missingFields(json: String, message: String) {
        #expect {
            try BoxAppConfig.parse(Array(json.utf8), source: "box_config.json")
        } throws: { error in
            String(describing: error) == message
        }
    }

    @Test("secrets print as <redacted>, in any interpolation")
    func secretsRedacted() {
        let secret = Secret("hunter2")
        #expect("\(secret)" == "<redacted>")
        #expect(String(reflecting: secret) == "<redacted>")
        let credentials = BoxCredentials.clientCredentials(clientID: "id", clientSecret: secret, subject: .enterprise("1"))
        #expect(!"\(credentials)".contains("hunter2"))
    }
}
