import BoxAPI
import BoxBridgeConfig
import BoxEmulator
import Foundation
import Logging
import Testing

@testable import Collector

/// `connection verify`'s checks against the real emulator over loopback HTTP.
@Suite("Connection verifier against the Box emulator")
struct ConnectionVerifierTests {
    static func configuration() -> EmulatorConfiguration {
        var configuration = EmulatorConfiguration()
        configuration.users = 6
        configuration.groups = 1
        configuration.backlogSize = 5
        configuration.malformedShare = 0
        configuration.rateLimitPerMinute = 100_000
        return configuration
    }

    static var quiet: Logger {
        var logger = Logger(label: "test.verify")
        logger.logLevel = .critical
        return logger
    }

    static func connection(_ running: RunningEmulator, secret: String? = nil, enterprise: String? = nil, admin: String) -> ConnectionSection {
        let configuration = running.server.configuration
        var connection = ConnectionSection(
            name: "acme", clientID: configuration.clientID, clientSecret: ConfigSecret(secret ?? configuration.clientSecret),
            enterpriseID: enterprise ?? configuration.enterpriseID, adminEmail: admin)
        connection.apiBaseURL = running.baseURL
        return connection
    }

    static func verify(_ connection: ConnectionSection) async throws -> ConnectionVerification {
        try await ConnectionVerifier(connection: connection, logger: quiet).verify()
    }

    @Test("good credentials, the right enterprise, an admin and a co-admin email: every check passes")
    func passes() async throws {
        try await EmulatorServer.withRunning(Self.configuration(), logger: Self.quiet) { running in
            let enterprise = running.core.enterprise
            for admin in [enterprise.users[0].login, enterprise.users[1].login.uppercased()] {
                let result = try await Self.verify(Self.connection(running, admin: admin))
                #expect(result.passed, "\(result.checks)")
                #expect(result.checks.map(\.name) == ["credentials", "enterprise", "admin_email", "event_stream"])
                #expect(result.checks.allSatisfy { $0.status == .pass })
            }
            let coadmin = try await Self.verify(Self.connection(running, admin: enterprise.users[1].login))
            #expect(coadmin.check("admin_email")?.detail.contains("co-admin") == true)
        }
    }

    @Test("an empty admin email (the demo connection) is reported as not configured, not as a failure")
    func adminNotConfigured() async throws {
        try await EmulatorServer.withRunning(Self.configuration(), logger: Self.quiet) { running in
            let result = try await Self.verify(Self.connection(running, admin: ""))
            #expect(result.check("admin_email")?.status == .notConfigured)
            #expect(result.passed)
        }
    }

    @Test("an ordinary user or an unknown login as admin email fails, naming the login")
    func adminNotAdmin() async throws {
        try await EmulatorServer.withRunning(Self.configuration(), logger: Self.quiet) { running in
            let user = running.core.enterprise.users[2]
            #expect(user.role == "user")
            let plain = try await Self.verify(Self.connection(running, admin: user.login))
            #expect(!plain.passed)
            let check = try #require(plain.check("admin_email"))
            #expect(check.status == .fail)
            #expect(check.detail.contains(user.login) && check.detail.contains("\"user\""), "\(check.detail)")

            let unknown = try await Self.verify(Self.connection(running, admin: "nobody@nowhere.example"))
            #expect(unknown.check("admin_email")?.status == .fail)
            #expect(unknown.check("admin_email")?.detail.contains("no Box user with login nobody@nowhere.example") == true)
        }
    }

    @Test("a bad secret fails the credentials with Box's error, skips the rest, and never shows the secret")
    func badSecret() async throws {
        try await EmulatorServer.withRunning(Self.configuration(), logger: Self.quiet) { running in
            let secret = "s3cret-that-must-not-show"
            let result = try await Self.verify(Self.connection(running, secret: secret, admin: running.core.enterprise.users[0].login))
            #expect(!result.passed)
            let check = try #require(result.check("credentials"))
            #expect(check.status == .fail)
            #expect(check.detail.contains("invalid_grant"), "\(check.detail)")
            #expect(result.check("enterprise")?.status == .skipped)
            #expect(result.check("event_stream")?.status == .skipped)
            #expect(!result.checks.contains { $0.detail.contains(secret) })
        }
    }

    @Test("a wrong enterprise id: Box refuses a token for it, and the failure names the configured id")
    func wrongEnterpriseRefused() async throws {
        try await EmulatorServer.withRunning(Self.configuration(), logger: Self.quiet) { running in
            let result = try await Self.verify(Self.connection(running, enterprise: "7654321", admin: ""))
            #expect(!result.passed)
            let check = try #require(result.check("credentials"))
            #expect(check.detail.contains("invalid_grant") && check.detail.contains("7654321"), "\(check.detail)")
        }
    }

    @Test("a token of another enterprise: the enterprise check fails showing both ids")
    func tokenOfAnotherEnterprise() async throws {
        let configuration = Self.configuration()
        try await EmulatorServer.withRunning(configuration, logger: Self.quiet) { running in
            // The client holds working credentials of enterprise 1234567 while bridge.conf says 7654321,
            // as when a connection is given another enterprise's app credentials.
            let working = Self.connection(running, admin: "")
            let client = BoxClient(
                endpoint: BoxEndpoint(baseURL: running.baseURL), credentials: try working.boxCredentials(),
                scheduler: RequestScheduler(credential: "test", logger: Self.quiet), requestTimeout: .seconds(5), logger: Self.quiet)
            var configured = working
            configured.enterpriseID = "7654321"
            let result = await ConnectionVerifier(connection: configured, client: client).verify()
            #expect(!result.passed)
            let check = try #require(result.check("enterprise"))
            #expect(check.status == .fail)
            #expect(check.detail.contains(configuration.enterpriseID) && check.detail.contains("7654321"), "\(check.detail)")
        }
    }
}
