public import BoxAPI
public import BoxBridgeConfig
import Foundation
public import Logging

/// One line of `boxbridge connection verify`: what was checked and how it went.
public struct ConnectionCheck: Sendable, Hashable, Codable {
    public enum Status: String, Sendable, Hashable, Codable {
        case pass
        case fail
        /// Not run because an earlier check failed (no token).
        case skipped
        /// Nothing to check: the setting is empty (the emulator's demo connection has no admin email).
        case notConfigured = "not_configured"
    }

    /// Stable identifier for scripts: `credentials`, `enterprise`, `admin_email`, `event_stream`.
    public var name: String
    public var status: Status
    /// What was found, naming what is wrong on failure; never a secret.
    public var detail: String

    public init(name: String, status: Status, detail: String) {
        self.name = name
        self.status = status
        self.detail = detail
    }
}

/// The result of verifying one connection.
public struct ConnectionVerification: Sendable, Hashable {
    public var connection: String
    public var enterpriseID: String
    public var apiBaseURL: String
    public var auth: String
    public var checks: [ConnectionCheck]

    /// True when no check failed or was skipped.
    public var passed: Bool { !checks.contains { $0.status == .fail || $0.status == .skipped } }

    public func check(_ name: String) -> ConnectionCheck? { checks.first { $0.name == name } }
}

/// Checks that a connection's settings work against Box, as `boxbridge connection verify` does.
///
/// In order: the credentials give a token; the token's enterprise (`GET /users/me`) is the
/// configured `enterprise_id`; `admin_email` is an admin or co-admin there (`GET /users?filter_term=`);
/// the enterprise event stream can be read (`GET /events?stream_position=now`). A check that needs
/// a token is skipped when there is none. Every call goes through a scheduler; no secret is ever
/// put in a detail (Box's own error code and message are).
public struct ConnectionVerifier: Sendable {
    public let connection: ConnectionSection
    let client: BoxClient

    /// A verifier with its own scheduler and short retries (an operator is waiting).
    public init(connection: ConnectionSection, scheduler: SchedulerSection = SchedulerSection(), logger: Logger) throws(ConnectionCredentialsError) {
        var configuration = SchedulerConfiguration(section: scheduler)
        configuration.retry = RetryPolicy(maxAttempts: 2, base: .milliseconds(250), networkRetries: 1, maximumDelay: .seconds(2), maxRateLimitedRetries: 2)
        configuration.maximumRetryAfter = .seconds(10)
        let schedulerInstance = RequestScheduler(credential: connection.credentialKey, configuration: configuration, logger: logger)
        self.connection = connection
        self.client = BoxClient(
            endpoint: BoxEndpoint(baseURL: connection.apiBaseURL), credentials: try connection.boxCredentials(),
            scheduler: schedulerInstance, requestTimeout: .seconds(20), logger: logger, flow: connection.name)
    }

    /// A verifier using an existing client (tests, or a collector that has one).
    public init(connection: ConnectionSection, client: BoxClient) {
        self.connection = connection
        self.client = client
    }

    /// The verification of a connection whose credentials cannot even be built (a bad JWT key).
    public static func unusableCredentials(_ connection: ConnectionSection, _ error: ConnectionCredentialsError) -> ConnectionVerification {
        var result = emptyResult(connection)
        result.checks.append(ConnectionCheck(name: "credentials", status: .fail, detail: error.reason))
        result.checks += skippedAfterCredentials(connection)
        return result
    }

    /// Runs every check.
    public func verify() async -> ConnectionVerification {
        var result = Self.emptyResult(connection)
        do {
            try await client.authenticate()
            result.checks.append(ConnectionCheck(
                name: "credentials", status: .pass,
                detail: "Box issued an access token to client_id \(connection.clientID) for enterprise \(connection.enterpriseID) (\(connection.auth.rawValue))"))
        } catch {
            result.checks.append(ConnectionCheck(name: "credentials", status: .fail, detail: credentialFailure(error)))
            result.checks += Self.skippedAfterCredentials(connection)
            return result
        }
        result.checks.append(await enterpriseCheck())
        result.checks.append(await adminCheck())
        result.checks.append(await eventStreamCheck())
        return result
    }

    // MARK: Checks

    func enterpriseCheck() async -> ConnectionCheck {
        let expected = connection.enterpriseID
        do {
            let me = try await client.me(fields: ["id", "name", "login", "enterprise", "role"], priority: .scope)
            guard let enterprise = me.enterprise else {
                return ConnectionCheck(
                    name: "enterprise", status: .fail,
                    detail: "the token acts as user \(me.id) (\(me.login ?? "no login")), which belongs to no enterprise; "
                        + "enterprise_id in bridge.conf is \(expected)")
            }
            let label = enterprise.name.map { " (\($0))" } ?? ""
            guard enterprise.id.rawValue == expected else {
                return ConnectionCheck(
                    name: "enterprise", status: .fail,
                    detail: "the token belongs to enterprise \(enterprise.id)\(label), but enterprise_id in bridge.conf is \(expected)")
            }
            return ConnectionCheck(
                name: "enterprise", status: .pass,
                detail: "the token belongs to enterprise \(enterprise.id)\(label), the configured enterprise_id (acting as \(me.login ?? me.id.rawValue))")
        } catch {
            return ConnectionCheck(name: "enterprise", status: .fail, detail: "cannot read the token's user (GET /users/me): \(Self.describe(error))")
        }
    }

    func adminCheck() async -> ConnectionCheck {
        let email = connection.adminEmail.lowercased()
        guard !email.isEmpty else {
            return ConnectionCheck(
                name: "admin_email", status: .notConfigured,
                detail: "admin_email is not configured for this connection (the emulator's demo connection has none); nothing to check")
        }
        do {
            let page = try await client.users(
                offset: 0, limit: 100, filterTerm: email, fields: ["id", "name", "login", "role", "status", "enterprise"], priority: .scope)
            guard let user = page.entries.first(where: { ($0.login ?? "").lowercased() == email }) else {
                return ConnectionCheck(
                    name: "admin_email", status: .fail,
                    detail: "no Box user with login \(email) in enterprise \(connection.enterpriseID) (admin_email must be the login of an admin or co-admin)")
            }
            if let enterprise = user.enterprise, enterprise.id.rawValue != connection.enterpriseID {
                return ConnectionCheck(
                    name: "admin_email", status: .fail,
                    detail: "\(email) belongs to enterprise \(enterprise.id), not the configured \(connection.enterpriseID)")
            }
            let role = user.role ?? "unknown"
            guard role == "admin" || role == "coadmin" else {
                return ConnectionCheck(
                    name: "admin_email", status: .fail,
                    detail: "\(email) has role \"\(role)\" in enterprise \(connection.enterpriseID); it must be an admin or co-admin")
            }
            guard user.isActive else {
                return ConnectionCheck(
                    name: "admin_email", status: .fail,
                    detail: "\(email) is \(role == "admin" ? "an admin" : "a co-admin") of enterprise \(connection.enterpriseID) but the account is inactive")
            }
            return ConnectionCheck(
                name: "admin_email", status: .pass,
                detail: "\(email) is \(role == "admin" ? "an admin" : "a co-admin") of enterprise \(connection.enterpriseID)")
        } catch {
            return ConnectionCheck(name: "admin_email", status: .fail, detail: "cannot look up \(email) (GET /users): \(Self.describe(error))")
        }
    }

    func eventStreamCheck() async -> ConnectionCheck {
        let stream: EnterpriseStreamType = connection.streamType == .adminLogs ? .adminLogs : .adminLogsStreaming
        do {
            _ = try await client.events(EventsQuery(streamType: stream, position: .now, limit: 1), priority: .events)
            return ConnectionCheck(name: "event_stream", status: .pass, detail: "the enterprise event stream (\(stream.rawValue)) can be read")
        } catch {
            var detail = "cannot read the enterprise event stream (\(stream.rawValue)): \(Self.describe(error))"
            if let error = error as? BoxAPIError, error.status == 403 {
                detail += "; the app needs the manage_enterprise_properties scope and an admin token"
            }
            return ConnectionCheck(name: "event_stream", status: .fail, detail: detail)
        }
    }

    // MARK: Helpers

    static func emptyResult(_ connection: ConnectionSection) -> ConnectionVerification {
        ConnectionVerification(
            connection: connection.name, enterpriseID: connection.enterpriseID, apiBaseURL: connection.apiBaseURL,
            auth: connection.auth.rawValue, checks: [])
    }

    static func skippedAfterCredentials(_ connection: ConnectionSection) -> [ConnectionCheck] {
        var checks = [ConnectionCheck(name: "enterprise", status: .skipped, detail: "not checked: no access token")]
        if connection.adminEmail.isEmpty {
            checks.append(ConnectionCheck(
                name: "admin_email", status: .notConfigured,
                detail: "admin_email is not configured for this connection (the emulator's demo connection has none); nothing to check"))
        } else {
            checks.append(ConnectionCheck(name: "admin_email", status: .skipped, detail: "not checked: no access token"))
        }
        checks.append(ConnectionCheck(name: "event_stream", status: .skipped, detail: "not checked: no access token"))
        return checks
    }

    /// Box's refusal of the credentials, with what to look at for its usual causes.
    func credentialFailure(_ error: any Error) -> String {
        var detail = "Box refused the credentials: \(Self.describe(error))"
        guard let error = error as? BoxAPIError else { return detail }
        switch (error.kind, error.code) {
        case (.http, "invalid_grant"):
            detail += "; check client_id, the client secret and enterprise_id \(connection.enterpriseID) (the token's subject), "
                + "and that the app is authorized in that enterprise's Admin Console (Apps > Custom Apps)"
        case (.http, "invalid_client"):
            detail += "; check client_id and the client secret"
        case (.network, _):
            detail = "cannot reach Box at \(connection.apiBaseURL): \(error.message ?? "network error")"
        default:
            break
        }
        return detail
    }

    /// An error as shown to the operator: Box's status, code, message and request id.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? BoxAPIError else { return "\(error)" }
        var parts: [String] = []
        if let status = error.status { parts.append("HTTP \(status)") }
        if let code = error.code { parts.append(code) }
        if let message = error.message { parts.append("\"\(message)\"") }
        if let requestID = error.requestID ?? error.boxRequestID { parts.append("request_id \(requestID)") }
        return parts.isEmpty ? error.description : parts.joined(separator: " ")
    }
}
