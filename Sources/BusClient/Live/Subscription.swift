public import BoxBridgeProtocol
import ZeroMQ

/// What a subscription delivers, in order.
public enum SubscriptionEvent: Sendable {
    /// The next envelope of its topic: sequences per topic arrive gap-free and exactly once.
    case envelope(Boxbridge_V1_Envelope)
    /// Retention dropped what was asked for this topic; delivery continues at `oldest_retained`.
    case gone(Boxbridge_V1_ReplayGone)
    /// The replay reached the journal's end: from here on envelopes come live.
    case caughtUp
    /// A live envelope skipped ahead of `expected` on its topic (this subscriber was cut off at
    /// its HWM, or subscribed late): the gap is being replayed from the journal now.
    case gapDetected(topic: String, expected: UInt64, received: UInt64)
}

/// Replay from a cursor, then live, with no gap and no duplicate per topic.
///
/// How: subscribe live first (so nothing published after the replay's end can be missed), replay
/// from `next`, and after `caught_up` drop live envelopes at or below `end_sequences`. A live
/// envelope beyond the next expected sequence (a slow subscriber cut off at its HWM, or a
/// subscription that reached the broker late) triggers another replay from where delivery
/// stands. Memory is bounded by the SUB socket's HWM and the replay credit.
public struct Subscription: Sendable {
    public var subscriberID: String
    public var topicPrefix: String
    /// Per topic, the next sequence wanted; topics missing start per `start`.
    public var next: [String: UInt64]
    public var start: Boxbridge_V1_StartPolicy
    public var credit: UInt32
    /// Live messages the SUB socket buffers before the broker drops for it. Default 100,000.
    public var receiveHighWaterMark: Int32

    public init(
        subscriberID: String, topicPrefix: String, next: [String: UInt64] = [:], start: Boxbridge_V1_StartPolicy = .earliest,
        credit: UInt32 = 2_048, receiveHighWaterMark: Int32 = 100_000
    ) {
        self.subscriberID = subscriberID
        self.topicPrefix = topicPrefix
        self.next = next
        self.start = start
        self.credit = credit
        self.receiveHighWaterMark = receiveHighWaterMark
    }

    /// Starts delivering; cancel the consuming task (or stop iterating) to end it.
    ///
    /// Up to `bufferedEvents` events wait for the consumer; beyond that the socket task waits too.
    public func events(client: BusClient, bufferedEvents: Int = 256) -> AsyncThrowingStream<SubscriptionEvent, any Error> {
        let buffer = SubscriptionBuffer<SubscriptionEvent>(capacity: bufferedEvents)
        let task = Task {
            do {
                try await run(client: client, buffer: buffer)
                buffer.finish(nil)
            } catch {
                buffer.finish(error)
            }
        }
        let producer = SubscriptionProducer(task: task, buffer: buffer)
        return AsyncThrowingStream(unfolding: { try await producer.next() })
    }

    private func run(client: BusClient, buffer: SubscriptionBuffer<SubscriptionEvent>) async throws {
        let endpoints = await client.endpoints
        let live = try AsyncSocket(context: await client.context, type: .sub)
        defer { Task { await live.close() } }
        if let curve = endpoints.curve {
            try await live.setOption(.curveServerKey, curve.serverPublicKey)
            try await live.setOption(.curvePublicKey, curve.publicKey)
            try await live.setOption(.curveSecretKey, curve.secretKey)
        }
        try await live.setOption(.receiveHighWaterMark, receiveHighWaterMark)
        try await live.subscribe(topicPrefix)
        try await live.connect(endpoints.publish)

        var next = self.next
        var policy = start

        /// Hands the event over, waiting (suspended) while the consumer's buffer is full.
        func emit(_ event: SubscriptionEvent) async throws {
            try Task.checkCancellation()
            try await buffer.put(event)
        }

        func replay() async throws {
            var request = Boxbridge_V1_ReplayRequest()
            request.subscriberID = subscriberID
            request.topicPrefix = topicPrefix
            request.nextSequences = next
            request.start = policy
            request.credit = credit
            for try await batch in try await client.replay(request) {
                for gone in batch.gone {
                    next[gone.topic] = gone.oldestRetained
                    try await emit(.gone(gone))
                }
                for envelope in batch.envelopes {
                    let expected = next[envelope.topic] ?? 1
                    guard envelope.sequence >= expected else { continue }
                    next[envelope.topic] = envelope.sequence + 1
                    try await emit(.envelope(envelope))
                }
                if batch.caughtUp {
                    // Only topics with no cursor yet start after the end (START_LATEST). A known
                    // topic is never advanced past what was delivered: if the replay fell short,
                    // the next live envelope shows the gap and it is replayed, never skipped.
                    for (topic, end) in batch.endSequences where next[topic] == nil { next[topic] = end + 1 }
                    try await emit(.caughtUp)
                }
            }
            // Later replays fill gaps only: every topic known so far has an explicit cursor.
            policy = .earliest
        }

        try await replay()
        while !Task.isCancelled {
            let message = try await live.receive()
            guard message.count == 2, let bytes = message.frame(1),
                let envelope = try? Boxbridge_V1_Envelope(serializedBytes: bytes)
            else { continue }
            let expected = next[envelope.topic] ?? 1
            if envelope.sequence < expected { continue }
            if envelope.sequence > expected {
                try await emit(.gapDetected(topic: envelope.topic, expected: expected, received: envelope.sequence))
                try await replay()
                if envelope.sequence != next[envelope.topic] ?? 1 { continue }
            }
            next[envelope.topic] = envelope.sequence + 1
            try await emit(.envelope(envelope))
        }
    }
}
