public import BoxBridgeProtocol

/// Which connection pipelines a collector runs, decided from the broker's lease grants: pure
/// state, injected time, no I/O (tested in LeaseReconcilerTests).
///
/// Promises:
/// - At most one pipeline per connection, always at the epoch of the latest grant: a lease that
///   disappears stops its pipeline, an epoch change restarts it from the new grant's checkpoint.
/// - A pipeline that ended is only restarted from a *fresh* grant (the checkpoint in an older
///   grant may be behind what the broker has made durable since), so every end asks for a
///   heartbeat now.
/// - A retriable failure backs off per connection (1 s, 2 s, 4 s … 60 s); a failure that retrying
///   cannot fix (the 500,000-drive limit, bad scope configuration) blocks the connection until the
///   operator resumes it; deauthorized, failed and unconfigured connections are never polled.
public struct LeaseReconciler: Sendable {
    /// One lease from a grant: what a pipeline starts from.
    public struct Assignment: Sendable, Equatable {
        public var connection: String
        public var epoch: UInt64
        /// The broker's checkpoint ("" = first start: the connection's configured start point).
        public var checkpoint: String
        /// The broker's dedupe window for the connection, oldest first.
        public var recentEventIDs: [String]

        public init(connection: String, epoch: UInt64, checkpoint: String = "", recentEventIDs: [String] = []) {
            self.connection = connection
            self.epoch = epoch
            self.checkpoint = checkpoint
            self.recentEventIDs = recentEventIDs
        }

        public init(_ lease: Boxbridge_V1_Lease) {
            self.init(
                connection: lease.connection, epoch: lease.epoch, checkpoint: lease.checkpoint,
                recentEventIDs: lease.recentEventIds)
        }
    }

    /// Why a held connection is not polled.
    public enum Block: Sendable, Equatable {
        case deauthorized
        case failed(reason: String)
        /// Leased by the broker (e.g. found in its journal) but not in this collector's bridge.conf.
        case notConfigured

        /// The `ConnectionProgress.state` reported for it.
        public var progressState: String {
            switch self {
            case .deauthorized: "deauthorized"
            case .failed(let reason): "failed: \(reason)"
            case .notConfigured: "failed: not configured in this collector's bridge.conf"
            }
        }
    }

    public enum StopReason: Sendable, Equatable {
        /// The grant no longer lists the connection.
        case leaseLost
        /// The grant lists it at another epoch (the old pipeline is fenced anyway).
        case epochChanged
        case blocked(Block)
        case shuttingDown
    }

    /// How a pipeline ended, as the service reports it.
    public enum Outcome: Sendable, Equatable {
        /// The broker refused a batch as stale: another collector holds the connection now.
        case leaseLost
        /// It failed; `retriable` false blocks the connection until it is resumed.
        case failed(message: String, retriable: Bool)
        /// It returned or was cancelled.
        case stopped
    }

    public enum Action: Sendable, Equatable {
        /// Start a pipeline for this lease (after the previous one for the connection has ended).
        case start(Assignment)
        /// Cancel the connection's pipeline at `epoch`.
        case stop(connection: String, epoch: UInt64, reason: StopReason)
        /// Heartbeat at once instead of at the next interval.
        case heartbeatNow
        /// Record a permanent failure in the connection state store (and publish it as health).
        case recordFailure(connection: String, reason: String)
    }

    /// Connections this collector may poll (bridge.conf's active connections).
    public var configured: Set<String>
    /// Pipelines started and not yet reported ended, by connection: their epoch.
    public private(set) var running: [String: UInt64] = [:]
    /// The latest grant, by connection.
    public private(set) var held: [String: Assignment] = [:]
    /// Connections held but not polled, and why.
    public private(set) var blocked: [String: Block] = [:]
    /// Failures in a row per connection and the earliest restart after the last one.
    public private(set) var failures: [String: (count: Int, retryAtMillis: Int64, message: String)] = [:]
    private var startedAtMillis: [String: Int64] = [:]
    /// Permanent failures recorded here and not yet seen in the state store's view.
    private var unconfirmedFailures: [String: String] = [:]
    /// When each connection's last pipeline ended: a grant requested before that carries a
    /// checkpoint that may be stale, so it restarts nothing.
    private var endedAtMillis: [String: Int64] = [:]
    private var shuttingDown = false

    /// A pipeline that ran this long before failing starts its backoff again from 1 s.
    public static let healthyRunMillis: Int64 = 60_000

    public init(configured: Set<String>) {
        self.configured = configured
    }

    /// Backoff before restart number `failures` (1-based): 1 s doubling, capped at 60 s.
    public static func backoffMillis(failures: Int) -> Int64 {
        let exponent = min(max(failures - 1, 0), 6)
        return min(1_000 << Int64(exponent), 60_000)
    }

    /// Applies a grant and the connection state store's view (`stateBlocks`: deauthorized or
    /// failed connections). Returns what to stop and start, stops first.
    ///
    /// - Parameter nowMillis: when the heartbeat that got this grant was *sent*.
    public mutating func apply(grant leases: [Assignment], stateBlocks: [String: Block], nowMillis: Int64) -> [Action] {
        guard !shuttingDown else { return [] }
        var actions: [Action] = []
        let granted = Dictionary(leases.map { ($0.connection, $0) }, uniquingKeysWith: { _, last in last })
        held = granted
        for (connection, epoch) in running.sorted(by: { $0.key < $1.key }) where granted[connection] == nil {
            actions.append(.stop(connection: connection, epoch: epoch, reason: .leaseLost))
            running[connection] = nil
        }
        // A permanent failure recorded here holds until the store shows it; from then on the
        // store decides (`connection resume` clears it there).
        for connection in unconfirmedFailures.keys where stateBlocks[connection] != nil {
            unconfirmedFailures[connection] = nil
        }
        var newBlocks: [String: Block] = [:]
        for connection in granted.keys {
            if !configured.contains(connection) {
                newBlocks[connection] = .notConfigured
            } else if let block = stateBlocks[connection] {
                newBlocks[connection] = block
            } else if let reason = unconfirmedFailures[connection] {
                newBlocks[connection] = .failed(reason: reason)
            }
        }
        for (connection, block) in stateBlocks where granted[connection] == nil { newBlocks[connection] = block }
        // A resumed connection starts clean.
        for (connection, old) in blocked where newBlocks[connection] == nil {
            if case .failed = old { failures[connection] = nil }
        }
        blocked = newBlocks
        for connection in granted.keys.sorted() {
            let lease = granted[connection]!
            if let block = blocked[connection] {
                if let epoch = running[connection] {
                    actions.append(.stop(connection: connection, epoch: epoch, reason: .blocked(block)))
                    running[connection] = nil
                }
                continue
            }
            if let epoch = running[connection] {
                guard epoch != lease.epoch else { continue }
                actions.append(.stop(connection: connection, epoch: epoch, reason: .epochChanged))
                running[connection] = nil
            }
            if let failure = failures[connection], failure.retryAtMillis > nowMillis { continue }
            if let ended = endedAtMillis[connection], ended > nowMillis { continue }
            actions.append(.start(lease))
            running[connection] = lease.epoch
            startedAtMillis[connection] = nowMillis
        }
        return actions
    }

    /// Records that the connection's pipeline at `epoch` ended, and why.
    public mutating func pipelineEnded(connection: String, epoch: UInt64, outcome: Outcome, nowMillis: Int64) -> [Action] {
        guard running[connection] == epoch else { return [] }  // already stopped or superseded
        running[connection] = nil
        endedAtMillis[connection] = nowMillis
        guard !shuttingDown else { return [] }
        if let started = startedAtMillis[connection], nowMillis - started >= Self.healthyRunMillis {
            failures[connection] = nil
        }
        switch outcome {
        case .leaseLost:
            return [.heartbeatNow]
        case .stopped:
            // Returning on its own is unexpected: restart from a fresh grant, but not in a tight loop.
            noteFailure(connection, message: "pipeline stopped", nowMillis: nowMillis)
            return [.heartbeatNow]
        case .failed(let message, true):
            noteFailure(connection, message: message, nowMillis: nowMillis)
            return [.heartbeatNow]
        case .failed(let message, false):
            failures[connection] = (count: (failures[connection]?.count ?? 0) + 1, retryAtMillis: .max, message: message)
            blocked[connection] = .failed(reason: message)
            unconfirmedFailures[connection] = message
            return [.recordFailure(connection: connection, reason: message), .heartbeatNow]
        }
    }

    private mutating func noteFailure(_ connection: String, message: String, nowMillis: Int64) {
        let count = (failures[connection]?.count ?? 0) + 1
        failures[connection] = (count: count, retryAtMillis: nowMillis + Self.backoffMillis(failures: count), message: message)
    }

    /// Stops every pipeline for a graceful shutdown; later grants start nothing.
    public mutating func shutdown() -> [Action] {
        shuttingDown = true
        let actions = running.sorted { $0.key < $1.key }.map {
            Action.stop(connection: $0.key, epoch: $0.value, reason: .shuttingDown)
        }
        running = [:]
        return actions
    }

    /// The progress state of a held connection that has no running pipeline (nil when it runs:
    /// the pipeline's own state applies).
    public func idleState(of connection: String, nowMillis: Int64) -> String? {
        if running[connection] != nil { return nil }
        if let block = blocked[connection] { return block.progressState }
        if let failure = failures[connection] {
            let seconds = max(0, (failure.retryAtMillis - nowMillis + 999) / 1000)
            return "paused: retrying in \(seconds) s after: \(failure.message)"
        }
        return "starting"
    }
}
