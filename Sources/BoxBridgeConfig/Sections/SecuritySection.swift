/// `[security]`: optional CURVE encryption and authentication on every bus endpoint.
public struct SecuritySection: Sendable, Equatable {
    /// CURVE on every endpoint; plain (loopback only is advised) when false.
    public var curve = false
    /// Z85 key files (absolute once loaded); which are needed depends on the process.
    public var brokerPublicKeyFile: String?
    public var brokerSecretKeyFile: String?
    public var clientPublicKeyFile: String?
    public var clientSecretKeyFile: String?
    /// One Z85 client public key per line; `#` comments and blank lines are ignored.
    public var allowedClientsFile: String?
    /// The keys themselves, read from the files above when `curve` is on.
    public var keys: CurveKeys?

    public init() {}
}

/// CURVE keys read from the `[security]` files, in Z85 (40 characters each).
public struct CurveKeys: Sendable, Equatable {
    public var brokerPublicKey: String
    /// Present when the broker's key pair is configured on this machine.
    public var brokerSecretKey: ConfigSecret?
    public var clientPublicKey: String?
    public var clientSecretKey: ConfigSecret?
    /// The broker's allowlist (empty when `allowed_clients_file` is not set).
    public var allowedClientKeys: [String]

    public init(
        brokerPublicKey: String, brokerSecretKey: ConfigSecret? = nil, clientPublicKey: String? = nil,
        clientSecretKey: ConfigSecret? = nil, allowedClientKeys: [String] = []
    ) {
        self.brokerPublicKey = brokerPublicKey
        self.brokerSecretKey = brokerSecretKey
        self.clientPublicKey = clientPublicKey
        self.clientSecretKey = clientSecretKey
        self.allowedClientKeys = allowedClientKeys
    }
}
