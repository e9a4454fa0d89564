public import BoxBridgeConfig

extension BrokerOptions {
    /// The broker's options from bridge.conf's `[broker]`, `[security]` and connections.
    public init(config: BridgeConfig) {
        self.init(journalDirectory: config.broker.journalPath)
        ingestEndpoint = config.broker.ingestEndpoint.description
        publishEndpoint = config.broker.publishEndpoint.description
        controlEndpoint = config.broker.controlEndpoint.description
        journal.segmentBytes = config.broker.segmentBytes
        // 0 / zero mean "no limit" in bridge.conf.
        journal.retentionBytes = config.broker.retentionBytes > 0 ? config.broker.retentionBytes : .max
        journal.retentionAge = config.broker.retentionAge > .zero ? config.broker.retentionAge : .seconds(Int64.max / 2_000)
        groupCommitWindow = config.broker.groupCommitWindow
        leaseTimeout = config.broker.leaseTimeout
        heartbeatInterval = config.broker.heartbeatInterval
        publishHighWaterMark = Int32(clamping: config.broker.subscriberHWM)
        connections = config.activeConnections.map(\.name)
        if config.security.curve, let keys = config.security.keys, let secret = keys.brokerSecretKey {
            curve = CurveServerOptions(
                publicKey: keys.brokerPublicKey, secretKey: secret.reveal(), allowedClientKeys: Set(keys.allowedClientKeys))
        }
    }
}
