/// Everything the broker needs to run, with documented defaults (the lead maps bridge.conf here).
public struct BrokerOptions: Sendable {
    /// ROUTER for `Ingest/Publish` from collectors. Default `tcp://127.0.0.1:7301`.
    public var ingestEndpoint = "tcp://127.0.0.1:7301"
    /// XPUB for the live stream. Default `tcp://127.0.0.1:7302`.
    public var publishEndpoint = "tcp://127.0.0.1:7302"
    /// ROUTER for `Replay/*`, `Leases/Heartbeat` and `Stats/*`. Default `tcp://127.0.0.1:7303`.
    public var controlEndpoint = "tcp://127.0.0.1:7303"
    /// Where and how the journal keeps envelopes.
    public var journal: JournalOptions
    /// How long the group commit may wait to gather more batches into one fsync. Default 500 µs:
    /// the ack latency bound; batches arriving during an fsync are grouped regardless.
    public var groupCommitWindow: Duration = .zero
    /// Live messages queued per subscriber before the broker drops that subscriber's messages
    /// (it then sees a sequence gap and replays). Bounds memory. Default 10,000.
    public var publishHighWaterMark: Int32 = 10_000
    /// A collector silent for this long loses its leases. Default 15 s.
    public var leaseTimeout: Duration = .seconds(15)
    /// What collectors are told to heartbeat at. Default 3 s.
    public var heartbeatInterval: Duration = .seconds(3)
    /// Connections to lease to collectors (from bridge.conf); ones found in the journal are added.
    public var connections: [String] = []
    /// Most envelopes per replay reply. Default 512.
    public var replayBatchSize = 512
    /// Credit used when a replay request asks for 0. Default 2,048.
    public var defaultReplayCredit: UInt32 = 2_048
    /// Most replays open at once; more get an `unavailable` (retriable) error. Default 256.
    public var maxOpenReplays = 256
    /// A replay without credit for this long is closed. Default 5 minutes.
    public var replayIdleTimeout: Duration = .seconds(300)
    /// Subscriber progress reports kept for stats. Default 1,024.
    public var maxSubscribers = 1_024
    /// Larger requests disconnect their sender. Default 64 MiB.
    public var maxMessageBytes: Int64 = 64 << 20
    /// CURVE on every endpoint, or nil for plain (the loopback default).
    public var curve: CurveServerOptions?

    public init(journalDirectory: String) {
        journal = JournalOptions(directory: journalDirectory)
    }
}

/// CURVE server settings: the broker's key pair and the client keys allowed in.
public struct CurveServerOptions: Sendable {
    /// The broker's public key, Z85 (40 characters).
    public var publicKey: String
    /// The broker's secret key, Z85. Secret: never logged.
    public var secretKey: String
    /// Client public keys (Z85) allowed to connect; empty refuses everyone.
    public var allowedClientKeys: Set<String>

    public init(publicKey: String, secretKey: String, allowedClientKeys: Set<String>) {
        self.publicKey = publicKey
        self.secretKey = secretKey
        self.allowedClientKeys = allowedClientKeys
    }
}

/// Endpoints the broker actually bound (ports resolved when `*` or 0 was asked).
public struct BrokerEndpoints: Sendable, Equatable {
    public var ingest: String
    public var publish: String
    public var control: String
}
