import AsyncHTTPClient
import BoxEmulator
import Foundation
import JWTKit
import CryptoExtras
import Testing

@Suite struct HTTPTests {
    @Test func eventsLimitAndPositionsOverHTTP() async throws {
        try await EmulatorServer.withRunning(testConfiguration()) { emu in
            let c = EmulatorClient(base: emu.baseURL)
            let t = try await c.token()
            let over = try await c.request(.GET, "/2.0/events?stream_type=admin_logs&limit=501", token: t)
            #expect(over.status == 400)
            #expect(over.json["type"] as? String == "error")
            #expect(over.json["status"] as? Int == 400)
            #expect(over.json["request_id"] as? String != nil)
            #expect(over.headers.first(name: "box-request-id") != nil)
            let page = try await c.request(.GET, "/2.0/events?stream_type=admin_logs_streaming&stream_position=0&limit=500", token: t)
            #expect(page.status == 200)
            let text = String(decoding: page.body, as: UTF8.self)
            #expect(text.range(of: #"\"next_stream_position\":\"[0-9]{19}\""#, options: .regularExpression) != nil)
            #expect((page.json["entries"] as? [Any])?.count ?? 0 > 250)
            let now = try await c.request(.GET, "/2.0/events?stream_type=admin_logs&stream_position=now", token: t)
            #expect(now.json["next_stream_position"] as? String == "1152922976252291186")
            #expect((now.json["entries"] as? [Any])?.isEmpty == true)
            let me = try await c.request(.GET, "/2.0/users/me", token: t)
            #expect((me.json["enterprise"] as? [String: Any])?["id"] as? String == "1234567")
            let unauth = try await c.request(.GET, "/2.0/users/me")
            #expect(unauth.status == 401)
        }
    }

    @Test func rateLimitAnswersExactlyLikeBox() async throws {
        var config = testConfiguration()
        config.rateLimitPerMinute = 3
        try await EmulatorServer.withRunning(config) { emu in
            let c = EmulatorClient(base: emu.baseURL)
            let t = try await c.token()
            for _ in 0..<3 { #expect(try await c.request(.GET, "/2.0/users/me", token: t).status == 200) }
            let limited = try await c.request(.GET, "/2.0/users/me", token: t)
            #expect(limited.status == 429)
            let retry = try #require(limited.headers.first(name: "retry-after"))
            #expect(Int(retry) != nil && Int(retry)! >= 1 && Int(retry)! <= 60)
            let body = String(decoding: limited.body, as: UTF8.self)
            let requestID = try #require(limited.json["request_id"] as? String)
            #expect(body == #"{"type":"error","status":429,"code":"rate_limit_exceeded","help_url":"https://developer.box.com/guides/api-calls/permissions-and-errors/common-errors/","message":"Request rate limit exceeded, please try again later","request_id":"\#(requestID)"}"#)
        }
    }

    @Test func tokenExpiryAndRevocationGive401() async throws {
        let clock = ManualClock(now: 1_790_000_000)
        var config = testConfiguration()
        config.clock = .manual(clock)
        config.tokenLifetime = 60
        try await EmulatorServer.withRunning(config) { emu in
            let c = EmulatorClient(base: emu.baseURL)
            let token = try await c.ccgToken()
            #expect(token.json["expires_in"] as? Int == 60)
            let t = token.json["access_token"] as! String
            #expect(try await c.request(.GET, "/2.0/users/me", token: t).status == 200)
            clock.advance(by: 61)
            let expired = try await c.request(.GET, "/2.0/users/me", token: t)
            #expect(expired.status == 401)
            #expect(expired.json["code"] as? String == "unauthorized")
            let t2 = try await c.token()
            #expect(try await c.request(.GET, "/2.0/users/me", token: t2).status == 200)
            let revoked = try await c.request(.POST, "/_emulator/tokens/revoke", body: "{}")
            #expect(revoked.json["revoked"] as? Int ?? 0 >= 1)
            #expect(try await c.request(.GET, "/2.0/users/me", token: t2).status == 401)
            let bad = try await c.ccgToken(secret: "wrong")
            #expect(bad.status == 400)
            #expect(bad.json["error"] as? String == "invalid_grant")
        }
    }

    struct Assertion: JWTPayload {
        var iss: String
        var sub: String
        var box_sub_type: String
        var aud: String
        var jti: String
        var exp: Double
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    @Test func jwtAssertionsAreCheckedLikeBox() async throws {
        let key = try Insecure.RSA.PrivateKey(backing: _RSA.Signing.PrivateKey(keySize: .bits2048))
        let other = try Insecure.RSA.PrivateKey(backing: _RSA.Signing.PrivateKey(keySize: .bits2048))
        let clock = ManualClock(now: 1_790_000_000)
        var config = testConfiguration()
        config.clock = .manual(clock)
        config.jwtPublicKeyPEM = key.publicKey.pemRepresentation
        config.jwtKeyID = "kid-1"
        let signer = JWTKeyCollection()
        await signer.add(rsa: key, digestAlgorithm: .sha256, kid: "kid-1")
        let wrongSigner = JWTKeyCollection()
        await wrongSigner.add(rsa: other, digestAlgorithm: .sha256, kid: "kid-1")
        try await EmulatorServer.withRunning(config) { emu in
            let c = EmulatorClient(base: emu.baseURL)
            let now = clock.now
            func post(_ jwt: String) async throws -> HTTPResult {
                try await c.request(.POST, "/oauth2/token",
                                    body: "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&client_id=emulator-client-id&client_secret=emulator-client-secret&assertion=\(jwt)",
                                    contentType: "application/x-www-form-urlencoded")
            }
            func claims(jti: String = UUID().uuidString, exp: Double? = nil, aud: String = "https://api.box.com/oauth2/token",
                        iss: String = "emulator-client-id", sub: String = "1234567") -> Assertion {
                Assertion(iss: iss, sub: sub, box_sub_type: "enterprise", aud: aud, jti: jti, exp: exp ?? now + 30)
            }
            let good = claims()
            let ok = try await post(try await signer.sign(good, kid: "kid-1"))
            #expect(ok.status == 200)
            let t = try #require(ok.json["access_token"] as? String)
            #expect(try await c.request(.GET, "/2.0/users/me", token: t).json["id"] as? String == "20000001")
            // Reused jti.
            let reused = try await post(try await signer.sign(good, kid: "kid-1"))
            #expect(reused.status == 400)
            #expect(reused.json["error"] as? String == "invalid_grant")
            for (name, bad) in [("exp too far", claims(exp: now + 120)), ("expired", claims(exp: now - 1)),
                                ("aud", claims(aud: "https://example.com")), ("iss", claims(iss: "someone-else")),
                                ("short jti", claims(jti: "short"))] {
                let r = try await post(try await signer.sign(bad, kid: "kid-1"))
                #expect(r.status == 400, "\(name)")
                #expect(r.json["error"] as? String == "invalid_grant", "\(name)")
            }
            let forged = try await post(try await wrongSigner.sign(claims(), kid: "kid-1"))
            #expect(forged.status == 400)
            #expect(forged.json["error"] as? String == "invalid_grant")
        }
    }

    @Test func faultsOnCommand() async throws {
        try await EmulatorServer.withRunning(testConfiguration()) { emu in
            let c = EmulatorClient(base: emu.baseURL)
            let t = try await c.token()
            func fault(_ json: String) async throws {
                #expect(try await c.request(.POST, "/_emulator/faults", body: json).status == 200)
            }
            try await fault(#"{"kind":"rate_limit","count":2,"retry_after":7}"#)
            for _ in 0..<2 {
                let r = try await c.request(.GET, "/2.0/users/me", token: t)
                #expect(r.status == 429)
                #expect(r.headers.first(name: "retry-after") == "7")
                #expect(r.json["code"] as? String == "rate_limit_exceeded")
            }
            #expect(try await c.request(.GET, "/2.0/users/me", token: t).status == 200)

            try await fault(#"[{"kind":"status","status":503,"retry_after":2},{"kind":"status","status":502},{"kind":"status","status":500}]"#)
            let s503 = try await c.request(.GET, "/2.0/users/me", token: t)
            #expect(s503.status == 503)
            #expect(s503.headers.first(name: "retry-after") == "2")
            #expect(s503.json["code"] as? String == "unavailable")
            let s502 = try await c.request(.GET, "/2.0/users/me", token: t)
            #expect(s502.status == 502)
            #expect(s502.headers.first(name: "retry-after") == nil)
            #expect(try await c.request(.GET, "/2.0/users/me", token: t).status == 500)

            try await fault(#"{"kind":"slow","delay_ms":300}"#)
            let start = ContinuousClock.now
            #expect(try await c.request(.GET, "/2.0/users/me", token: t).status == 200)
            #expect(ContinuousClock.now - start >= .milliseconds(300))

            try await fault(#"{"kind":"reset"}"#)
            await #expect(throws: (any Error).self) { try await c.request(.GET, "/2.0/users/me", token: t) }

            try await fault(#"{"kind":"truncate"}"#)
            await #expect(throws: (any Error).self) {
                try await c.request(.GET, "/2.0/events?stream_type=admin_logs&limit=100", token: t)
            }
            #expect(try await c.request(.GET, "/2.0/users/me", token: t).status == 200)

            try await fault(#"{"kind":"revoke"}"#)
            #expect(try await c.request(.GET, "/2.0/users/me", token: t).status == 401)
            #expect(try await c.request(.GET, "/2.0/users/me", token: t).status == 401)

            let calls = try await c.request(.GET, "/_emulator/calls")
            let recorded = try #require(calls.json["calls"] as? [[String: Any]])
            #expect(recorded.contains { $0["fault"] as? String == "truncate" })
            #expect(recorded.contains { $0["status"] as? Int == 429 })
        }
    }

    @Test func appendedEventsAreServed() async throws {
        try await EmulatorServer.withRunning(testConfiguration(backlog: 10)) { emu in
            let c = EmulatorClient(base: emu.baseURL)
            let t = try await c.token()
            let event = #"{"type":"event","event_id":"appended-1","event_type":"UPLOAD","created_at":"2026-09-21T10:00:00-07:00","source":{"item_type":"file","item_id":"1","item_name":"x.txt","parent":null,"owned_by":{"type":"user","id":"11446498"}},"created_by":{"type":"user","id":"11446498"}}"#
            let added = try await c.request(.POST, "/_emulator/events", body: "[\(event)]")
            #expect(added.json["appended"] as? Int == 1)
            let page = try await c.request(.GET, "/2.0/events?stream_type=admin_logs&stream_position=\(EventLog.position(ofIndex: 10))", token: t)
            #expect(String(decoding: page.body, as: UTF8.self).contains(#""event_id":"appended-1""#))
        }
    }
}
