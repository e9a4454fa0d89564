/// `[[connections]]`: one Box enterprise to collect from, with its credentials and scope.
public struct ConnectionSection: Sendable, Equatable {
    /// Box authentication methods.
    public enum AuthMethod: String, Sendable, CaseIterable {
        /// Client Credentials Grant: client id + client secret.
        case ccg
        /// JWT: an RS256 assertion signed with the app's private key.
        case jwt
    }

    /// Which users are monitored.
    public enum Scope: String, Sendable, CaseIterable {
        case all, users, groups
    }

    /// The enterprise event stream to poll.
    public enum StreamType: String, Sendable, CaseIterable {
        /// At-least-once and unordered, 14 days back; the default.
        case adminLogsStreaming = "admin_logs_streaming"
        /// Strictly ordered, `created_after` backfill up to a year.
        case adminLogs = "admin_logs"
    }

    /// Where a connection starts when the broker holds no checkpoint for it yet.
    public enum StartPosition: Sendable, Equatable, CustomStringConvertible {
        /// Only events from now on (`stream_position=now`).
        case now
        /// As far back as Box keeps (`stream_position=0`).
        case earliest
        /// From this RFC 3339 time (`created_after`, admin_logs only).
        case timestamp(String)

        public var description: String {
            switch self {
            case .now: return "now"
            case .earliest: return "0"
            case .timestamp(let text): return text
            }
        }
    }

    /// Topic-safe name: `box/<name>/...`.
    public var name: String
    public var auth: AuthMethod = .ccg
    public var clientID: String
    public var clientSecret: ConfigSecret
    /// Where `clientSecret` came from (nil when from the JWT app config file).
    public var clientSecretSource: SecretSource?
    /// Present exactly when `auth == .jwt`.
    public var jwt: JWTCredentials?
    public var enterpriseID: String
    /// A Box admin or co-admin of the enterprise (`connection verify` checks it).
    public var adminEmail: String
    /// Box API root, e.g. `https://api.box.com` (the emulator's URL in tests).
    public var apiBaseURL = "https://api.box.com"
    public var scope: Scope = .all
    /// CSV of users or groups (absolute once loaded); required for `users` and `groups`.
    public var scopeFile: String?
    /// Lower-case mail domains that count as internal; everyone else is external.
    public var internalDomains: [String] = []
    public var streamType: StreamType = .adminLogsStreaming
    public var startPosition: StartPosition = .now
    /// The bridge's own Box account, whose activity is health information, not user activity.
    public var serviceAccountLogin: String?

    public init(name: String, clientID: String, clientSecret: ConfigSecret, enterpriseID: String, adminEmail: String) {
        self.name = name
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.enterpriseID = enterpriseID
        self.adminEmail = adminEmail
    }
}

/// The JWT credentials of a connection, from Box's app config JSON or separate files.
public struct JWTCredentials: Sendable, Equatable {
    /// Box's id of the public key registered with the app (`kid`).
    public var publicKeyID: String
    /// The PEM private key, usually `ENCRYPTED PRIVATE KEY`.
    public var privateKeyPEM: ConfigSecret
    /// Passphrase of an encrypted PEM.
    public var privateKeyPassphrase: ConfigSecret?
    /// The file the key came from: the app config JSON or the PEM file (absolute).
    public var source: String

    public init(publicKeyID: String, privateKeyPEM: ConfigSecret, privateKeyPassphrase: ConfigSecret?, source: String) {
        self.publicKeyID = publicKeyID
        self.privateKeyPEM = privateKeyPEM
        self.privateKeyPassphrase = privateKeyPassphrase
        self.source = source
    }
}
