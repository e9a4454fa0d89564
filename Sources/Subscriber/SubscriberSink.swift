public import BoxBridgeProtocol

/// What a subscriber does with the bus: index, alert, archive. Driven by ``SubscriberRunner``.
///
/// The whole exactly-once promise rests on one rule: the sink persists `batch.nextCursors`
/// atomically WITH the batch's output, and hands them back from ``loadCursors()`` on start.
public protocol SubscriberSink: Sendable {
    /// Per topic, the next sequence wanted, as persisted WITH the output (empty on first start).
    func loadCursors() async throws -> [String: UInt64]
    /// Writes the batch's output AND `batch.nextCursors` atomically (one SQLite transaction,
    /// one fsynced file + rename, ...). Called serially, never concurrently.
    func apply(_ batch: SubscriberBatch) async throws
}

/// Envelopes delivered since the last batch, with the cursors that follow them.
public struct SubscriberBatch: Sendable {
    /// In delivery order; each topic gap-free and continuing exactly where its cursor stood.
    public var envelopes: [Boxbridge_V1_Envelope]
    /// Per topic touched: last sequence + 1 (or the oldest retained one after a `gone`).
    public var nextCursors: [String: UInt64]
    /// Sequences retention dropped before this subscriber read them (already counted and logged).
    public var gone: [Boxbridge_V1_ReplayGone]

    public init(envelopes: [Boxbridge_V1_Envelope] = [], nextCursors: [String: UInt64] = [:], gone: [Boxbridge_V1_ReplayGone] = []) {
        self.envelopes = envelopes
        self.nextCursors = nextCursors
        self.gone = gone
    }

    /// A batch of `items` in delivery order, its cursors derived from them.
    init(items: some Sequence<SubscriberItem>) {
        self.init()
        for item in items {
            switch item {
            case .envelope(let envelope):
                envelopes.append(envelope)
                nextCursors[envelope.topic] = envelope.sequence + 1
            case .gone(let gone):
                self.gone.append(gone)
                nextCursors[gone.topic] = max(nextCursors[gone.topic] ?? 0, gone.oldestRetained)
            }
        }
    }

    public var isEmpty: Bool { envelopes.isEmpty && gone.isEmpty }
}

/// One unit of delivery waiting to be batched.
enum SubscriberItem: Sendable {
    case envelope(Boxbridge_V1_Envelope)
    case gone(Boxbridge_V1_ReplayGone)
}
