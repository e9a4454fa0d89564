/// Which live collector holds each connection: pure state, injected time, no I/O.
///
/// Invariants (tested in LeaseTableTests, in simulated time):
/// - Each connection is held by at most one collector, and only by one that heartbeated within
///   `leaseTimeout` and has not said it is leaving.
/// - Every reassignment bumps the connection's epoch above every epoch it ever had, even across
///   broker restarts (epochs start from the wall clock in milliseconds), so a collector that
///   lost its lease is fenced: its batches carry an older epoch and are refused.
/// - Connections are balanced: a collector never holds more than ceil(connections / collectors)
///   when another live collector has room (capacity permitting).
public struct LeaseTable: Sendable {
    public struct Holder: Sendable, Equatable {
        public var collectorID: String
        public var epoch: UInt64
    }

    public struct Collector: Sendable, Equatable {
        public var id: String
        public var lastHeartbeatMillis: Int64
        public var capacity: Int
        public var leaving: Bool
    }

    public var leaseTimeoutMillis: Int64
    public private(set) var connections: Set<String> = []
    public private(set) var holders: [String: Holder] = [:]
    public private(set) var collectors: [String: Collector] = [:]
    /// The highest epoch ever issued or seen per connection.
    private var highestEpoch: [String: UInt64] = [:]

    public init(leaseTimeoutMillis: Int64) {
        self.leaseTimeoutMillis = leaseTimeoutMillis
    }

    /// Adds a connection to be leased (from config or found in the journal).
    public mutating func addConnection(_ connection: String, knownEpoch: UInt64 = 0) {
        connections.insert(connection)
        highestEpoch[connection] = max(highestEpoch[connection] ?? 0, knownEpoch)
    }

    /// Records a heartbeat and returns the connections this collector holds afterwards.
    public mutating func heartbeat(collectorID: String, capacity: Int, leaving: Bool, nowMillis: Int64) -> [String: UInt64] {
        collectors[collectorID] = Collector(
            id: collectorID, lastHeartbeatMillis: nowMillis, capacity: capacity, leaving: leaving)
        if leaving {
            for (connection, holder) in holders where holder.collectorID == collectorID {
                holders[connection] = nil
            }
        }
        rebalance(nowMillis: nowMillis)
        if leaving { collectors[collectorID] = nil }
        return held(by: collectorID)
    }

    /// Expires silent collectors and assigns free connections; call on a timer too.
    public mutating func rebalance(nowMillis: Int64) {
        let live = liveCollectors(nowMillis: nowMillis)
        let liveIDs = Set(live.map(\.id))
        for (connection, holder) in holders where !liveIDs.contains(holder.collectorID) {
            holders[connection] = nil
        }
        guard !live.isEmpty else { return }
        var counts: [String: Int] = [:]
        for holder in holders.values { counts[holder.collectorID, default: 0] += 1 }
        let fair = (connections.count + live.count - 1) / live.count
        func room(_ collector: Collector) -> Bool {
            let count = counts[collector.id] ?? 0
            return count < fair && (collector.capacity == 0 || count < collector.capacity)
        }
        // Shed from collectors above their fair share, so free connections go to those below.
        for collector in live where (counts[collector.id] ?? 0) > fair || (collector.capacity > 0 && (counts[collector.id] ?? 0) > collector.capacity) {
            let limit = collector.capacity > 0 ? min(fair, collector.capacity) : fair
            let held = holders.filter { $0.value.collectorID == collector.id }.keys.sorted()
            for connection in held.dropFirst(limit) where live.contains(where: { $0.id != collector.id && room($0) }) {
                holders[connection] = nil
                counts[collector.id, default: 0] -= 1
            }
        }
        for connection in connections.sorted() where holders[connection] == nil {
            let candidates = live.filter(room).sorted {
                (counts[$0.id] ?? 0, $0.id) < (counts[$1.id] ?? 0, $1.id)
            }
            guard let chosen = candidates.first else { break }
            let epoch = max((highestEpoch[connection] ?? 0) + 1, UInt64(max(0, nowMillis)))
            highestEpoch[connection] = epoch
            holders[connection] = Holder(collectorID: chosen.id, epoch: epoch)
            counts[chosen.id, default: 0] += 1
        }
    }

    /// Connections (and their epochs) held by `collectorID`.
    public func held(by collectorID: String) -> [String: UInt64] {
        var result: [String: UInt64] = [:]
        for (connection, holder) in holders where holder.collectorID == collectorID {
            result[connection] = holder.epoch
        }
        return result
    }

    public func liveCollectors(nowMillis: Int64) -> [Collector] {
        collectors.values.filter { !$0.leaving && nowMillis - $0.lastHeartbeatMillis <= leaseTimeoutMillis }
            .sorted { $0.id < $1.id }
    }

    /// Whether a batch with `epoch` may write to `connection` (fencing).
    ///
    /// Epoch 0 means "not a leased writer" (e.g. alerts) and is always allowed; otherwise the
    /// epoch must be the current holder's, or, when nobody holds the connection (e.g. right
    /// after a broker restart), at least the highest one seen.
    public func admits(connection: String, epoch: UInt64) -> Bool {
        guard epoch != 0 else { return true }
        if let holder = holders[connection] { return holder.epoch == epoch }
        return epoch >= (highestEpoch[connection] ?? 0)
    }

    /// Notes an epoch seen on a durable batch.
    public mutating func observe(connection: String, epoch: UInt64) {
        highestEpoch[connection] = max(highestEpoch[connection] ?? 0, epoch)
    }
}
