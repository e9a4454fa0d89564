public import BoxBridgeProtocol

/// How ``SubscriberRunner`` batches, starts and reports. Defaults suit index, alert and archive.
public struct SubscriberOptions: Sendable {
    /// A batch is applied once it holds this many envelopes. Default 1,000.
    public var maxBatch: Int
    /// ... or once its first envelope has waited this long. Default 50 ms.
    public var maxDelay: Duration
    /// Where topics without a persisted cursor start. Default `.earliest` (the whole journal).
    public var start: Boxbridge_V1_StartPolicy
    /// How often progress (cursors) goes to the broker and the lag gauge is refreshed. Default 5 s.
    public var progressInterval: Duration
    /// Replay credit per subscription (envelopes in flight from the broker). Default 2,048.
    public var credit: UInt32
    /// Envelopes buffered between the subscriptions and the sink before they wait. Default 2 × maxBatch.
    public var queueCapacity: Int?
    /// First wait before re-subscribing after a bus error; doubles up to `maxReconnectDelay`.
    public var reconnectDelay: Duration
    public var maxReconnectDelay: Duration

    public init(
        maxBatch: Int = 1_000, maxDelay: Duration = .milliseconds(50), start: Boxbridge_V1_StartPolicy = .earliest,
        progressInterval: Duration = .seconds(5), credit: UInt32 = 2_048, queueCapacity: Int? = nil,
        reconnectDelay: Duration = .milliseconds(100), maxReconnectDelay: Duration = .seconds(5)
    ) {
        self.maxBatch = max(1, maxBatch)
        self.maxDelay = maxDelay
        self.start = start
        self.progressInterval = progressInterval
        self.credit = credit
        self.queueCapacity = queueCapacity
        self.reconnectDelay = reconnectDelay
        self.maxReconnectDelay = maxReconnectDelay
    }

    var effectiveQueueCapacity: Int { max(1, queueCapacity ?? maxBatch * 2) }
}
