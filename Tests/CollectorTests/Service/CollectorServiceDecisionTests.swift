import BoxAPI
import BoxBridgeConfig
import BusClient
import Testing
@testable import Collector

@Suite("Collector service decisions (no I/O)")
struct CollectorServiceDecisionTests {
    @Test("a pipeline's error decides the connection's fate")
    func classify() {
        #expect(CollectorService.classify(CancellationError()) == .stopped)
        #expect(CollectorService.classify(LeaseLost(connection: "acme", epoch: 3, message: "held by c2")) == .leaseLost)
        #expect(CollectorService.classify(CheckpointMismatch(connection: "acme", sent: "1", brokerCheckpoint: "2")) == .leaseLost)
        let limit = DriveLimitExceeded(limit: 500_000, drives: 500_001)
        #expect(CollectorService.classify(limit) == .failed(
            message: "The number of supported user drives (500000) for this connector has been exceeded. "
                + "Deauthorize the connector and reauthorize with fewer than 500000 drives.",
            retriable: false))
        let unavailable = BoxAPIError(kind: .http, endpoint: "GET /2.0/events", status: 503)
        guard case .failed(_, true) = CollectorService.classify(unavailable) else {
            Issue.record("a Box outage must be retried")
            return
        }
        let bus = BusError(code: "bad_request", message: "no", isRetriable: false, method: "boxbridge.v1.Ingest/Publish")
        guard case .failed(_, true) = CollectorService.classify(bus) else {
            Issue.record("a bus error backs off and retries from a fresh lease")
            return
        }
    }

    @Test("auth failures: 401 after refresh, 403, and the token endpoint refusing the client; not 429 or 5xx")
    func authFailure() {
        #expect(BoxAPIError(kind: .http, endpoint: "GET /2.0/events", status: 401).isAuthFailure)
        #expect(BoxAPIError(kind: .http, endpoint: "GET /2.0/events", status: 403).isAuthFailure)
        #expect(BoxAPIError(kind: .http, endpoint: "POST /oauth2/token", status: 400, code: "invalid_grant").isAuthFailure)
        #expect(!BoxAPIError(kind: .http, endpoint: "GET /2.0/events", status: 429).isAuthFailure)
        #expect(!BoxAPIError(kind: .http, endpoint: "POST /oauth2/token", status: 503).isAuthFailure)
        #expect(!BoxAPIError(kind: .network, endpoint: "GET /2.0/events").isAuthFailure)
    }

    @Test("connections with one credential share a scheduler key; the key holds no secret")
    func credentials() throws {
        var a = ConnectionSection(name: "a", clientID: "cid", clientSecret: ConfigSecret("s3cret"), enterpriseID: "42", adminEmail: "x@y.z")
        a.apiBaseURL = "http://127.0.0.1:1"
        var b = a
        b.name = "b"
        #expect(a.credentialKey == b.credentialKey)
        #expect(!a.credentialKey.contains("s3cret"))
        b.enterpriseID = "43"
        #expect(a.credentialKey != b.credentialKey)
        guard case .clientCredentials(let id, let secret, let subject) = try a.boxCredentials() else {
            Issue.record("ccg expected")
            return
        }
        #expect(id == "cid" && secret.reveal() == "s3cret" && subject == .enterprise("42"))
        var jwt = a
        jwt.auth = .jwt
        #expect(throws: ConnectionCredentialsError.self) { try jwt.boxCredentials() }
    }

    @Test("[scheduler] becomes the credential's scheduler configuration")
    func schedulerSection() {
        var section = SchedulerSection()
        section.callsPerMinute = 600
        section.safetyMargin = 0.1
        section.maxAttempts = 3
        section.backoffBase = .milliseconds(100)
        section.backoffCap = .seconds(2)
        section.networkRetries = 1
        section.enrichmentShedAfter = .seconds(3)
        let configuration = SchedulerConfiguration(section: section)
        #expect(configuration.callsPerMinute == 600 && configuration.safetyMargin == 0.1)
        #expect(configuration.retry.maxAttempts == 3 && configuration.retry.base == .milliseconds(100))
        #expect(configuration.retry.maximumDelay == .seconds(2) && configuration.retry.networkRetries == 1)
        #expect(configuration.enrichmentMaximumWait == .seconds(3))
    }
}
