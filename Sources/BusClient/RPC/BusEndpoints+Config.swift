public import BoxBridgeConfig

extension BusEndpoints {
    /// The broker's endpoints and this client's CURVE keys from bridge.conf.
    public init(config: BridgeConfig) {
        var curve: CurveClientKeys?
        if config.security.curve, let keys = config.security.keys, let publicKey = keys.clientPublicKey,
            let secret = keys.clientSecretKey
        {
            curve = CurveClientKeys(serverPublicKey: keys.brokerPublicKey, publicKey: publicKey, secretKey: secret.reveal())
        }
        self.init(
            ingest: config.broker.ingestEndpoint.description, publish: config.broker.publishEndpoint.description,
            control: config.broker.controlEndpoint.description, curve: curve)
    }
}
