/// What the collector service needs from the connection state store (`Collector/Control`):
/// which connections must not be polled, and a place to record a permanent failure.
public protocol ConnectionStateSource: Sendable {
    /// Connections not to poll now: deauthorized, or failed with a reason. Read every heartbeat,
    /// so `boxbridge connection deauthorize|resume` takes effect within one interval.
    func blockedConnections() async -> [String: LeaseReconciler.Block]
    /// Records that a connection failed for good (e.g. the 500,000-drive limit, with its exact message).
    func recordFailure(connection: String, reason: String) async
}

/// A state source that remembers failures in memory only (tests, and before a store is wired).
public actor InMemoryConnectionStates: ConnectionStateSource {
    public private(set) var blocks: [String: LeaseReconciler.Block]

    public init(_ blocks: [String: LeaseReconciler.Block] = [:]) {
        self.blocks = blocks
    }

    public func blockedConnections() async -> [String: LeaseReconciler.Block] { blocks }

    public func recordFailure(connection: String, reason: String) async {
        blocks[connection] = .failed(reason: reason)
    }

    public func set(_ connection: String, _ block: LeaseReconciler.Block?) {
        blocks[connection] = block
    }
}
