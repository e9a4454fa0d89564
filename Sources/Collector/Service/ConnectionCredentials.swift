public import BoxAPI
public import BoxBridgeConfig
import Foundation

/// A connection's credentials could not be turned into Box credentials (bad JWT key, ...).
public struct ConnectionCredentialsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var connection: String
    public var reason: String
    /// Retrying cannot help; bridge.conf or the key file must change.
    public var isRetryable: Bool { false }
    public var description: String { "connection \(connection): \(reason)" }
}

extension ConnectionSection {
    /// The Box credentials of this connection, acting as the enterprise's service account.
    public func boxCredentials() throws(ConnectionCredentialsError) -> BoxCredentials {
        switch auth {
        case .ccg:
            return .clientCredentials(
                clientID: clientID, clientSecret: Secret(clientSecret.reveal()), subject: .enterprise(enterpriseID))
        case .jwt:
            guard let jwt else { throw ConnectionCredentialsError(connection: name, reason: "auth = \"jwt\" without JWT credentials") }
            // BoxAppConfig knows how to open an encrypted key; hand it the fields in its own shape.
            let document: [String: Any] = [
                "boxAppSettings": [
                    "clientID": clientID, "clientSecret": clientSecret.reveal(),
                    "appAuth": [
                        "publicKeyID": jwt.publicKeyID, "privateKey": jwt.privateKeyPEM.reveal(),
                        "passphrase": jwt.privateKeyPassphrase?.reveal() ?? "",
                    ],
                ],
                "enterpriseID": enterpriseID,
            ]
            do {
                let bytes = try JSONSerialization.data(withJSONObject: document)
                let app = try BoxAppConfig.parse(Array(bytes), source: jwt.source)
                return .jwt(try app.jwtCredentials(subject: .enterprise(enterpriseID)))
            } catch let error as BoxAppConfigError {
                throw ConnectionCredentialsError(connection: name, reason: error.description)
            } catch {
                throw ConnectionCredentialsError(connection: name, reason: "cannot read the JWT credentials")
            }
        }
    }

    /// The non-secret name of this connection's credential: connections with the same one share a
    /// scheduler, so they share Box's per-user budget (DESIGN invariant 5).
    public var credentialKey: String {
        "\(clientID)@\(apiBaseURL)/enterprise/\(enterpriseID)"
    }
}

extension SchedulerConfiguration {
    /// A credential's budget from `[scheduler]`.
    public init(section: SchedulerSection) {
        let retry = RetryPolicy(
            maxAttempts: section.maxAttempts, base: section.backoffBase, networkRetries: section.networkRetries,
            maximumDelay: section.backoffCap)
        self.init(
            callsPerMinute: Double(section.callsPerMinute), safetyMargin: section.safetyMargin,
            enrichmentMaximumWait: section.enrichmentShedAfter, retry: retry)
    }
}
