public import BoxAPI
public import BoxBridgeConfig
public import BoxBridgeProtocol
public import BusClient
public import Foundation
public import Logging
public import ServiceLifecycle
import BoxBridgeRuntime
import Synchronization

/// How a collector process runs, beyond bridge.conf.
public struct CollectorOptions: Sendable {
    /// Lease identity (`[collector] id`, else `<hostname>-<pid>`).
    public var collectorID: String
    /// Most connections this collector takes (0 = no limit).
    public var capacity: Int
    /// Heartbeat interval until the broker's first grant says otherwise.
    public var heartbeatInterval: Duration
    /// Wait before heartbeating again after the broker did not answer.
    public var heartbeatRetry: Duration
    public var health: HealthMonitor.Thresholds
    /// How often the terminal progress lines are written (when a writer is given).
    public var progressInterval: Duration
    public var pipeline: PipelineOptions

    public init(config: BridgeConfig, collectorID: String, capacity: Int = 0) {
        self.collectorID = collectorID
        self.capacity = capacity
        heartbeatInterval = config.broker.heartbeatInterval
        heartbeatRetry = .milliseconds(500)
        health = HealthMonitor.Thresholds(lagWarning: config.collector.lagWarning, silenceAfter: config.collector.silenceAfter)
        progressInterval = .seconds(2)
        pipeline = PipelineOptions()
    }
}

/// `boxbridge collector`: leases connections from the broker and runs one `ConnectionPipeline`
/// per connection it holds.
///
/// - Heartbeats the broker at the interval the grant names, reporting each connection's progress;
///   starts a pipeline for every lease (from `config.activeConnections`), cancels it when the
///   lease goes, restarts it from the new checkpoint when the epoch changes, and heartbeats at
///   once when a pipeline loses its lease (`LeaseReconciler` decides; this type does the I/O).
/// - All Box calls of one credential share one `RequestScheduler` (`RequestSchedulerRegistry`).
/// - Connections the state store marks deauthorized or failed are not polled; a pipeline that
///   hits the 500,000-drive limit is recorded there as failed with the exact message.
/// - Publishes auth failures, 429 pauses, lag and silence on `ops/<connection>/<kind>` through the
///   ingest path (journaled, fenced by the lease epoch), once per condition (`HealthMonitor`).
/// - On graceful shutdown cancels its pipelines (nothing not durable was acknowledged) and sends
///   `leaving = true`, so another collector takes the connections over at once.
public final class CollectorService: Service, Sendable {
    public let config: BridgeConfig
    public let options: CollectorOptions
    let bus: BusClient
    let states: any ConnectionStateSource
    let registry: RequestSchedulerRegistry
    let progressWriter: (@Sendable (String) -> Void)?
    let logger: Logger
    let metrics = CollectorMetrics()
    private let doorbell = Doorbell()
    private let shared = Mutex(Shared())
    private let stopping = Atomic<Bool>(false)
    /// Wall time of the last answered heartbeat, and how long a lease lasts without one.
    private let lastHeartbeatMillis = Atomic<Int64>(0)
    private let leaseTimeoutMillis = Atomic<Int64>(10_000)

    /// A pipeline that was started, as the service tracks it.
    private struct Running: Sendable {
        var pipeline: ConnectionPipeline
        var task: Task<Void, Never>
        var generation: Int
        var epoch: UInt64
        var countedSoFar = PipelineCounters()
    }

    private struct Ended: Sendable {
        var connection: String
        var generation: Int
        var epoch: UInt64
        var outcome: LeaseReconciler.Outcome
    }

    private struct Shared: Sendable {
        var running: [String: Running] = [:]
        /// Cancelled pipelines not yet finished: a new one for the connection waits for them.
        var draining: [String: Task<Void, Never>] = [:]
        var ended: [Ended] = []
        var nextGeneration = 1
        var authFailures: [String: String] = [:]
        var lastEventAt: [String: Int64] = [:]
        var clients: [String: BoxClient] = [:]
    }

    /// - Parameters:
    ///   - states: the connection state store (deauthorized / failed connections).
    ///   - registry: one scheduler per credential; pass a shared one when several services run in
    ///     one process.
    ///   - progressWriter: where backfill progress lines go (standard error when it is a
    ///     terminal); nil writes none.
    public init(
        config: BridgeConfig,
        options: CollectorOptions,
        bus: BusClient,
        states: any ConnectionStateSource = InMemoryConnectionStates(),
        registry: RequestSchedulerRegistry? = nil,
        progressWriter: (@Sendable (String) -> Void)? = nil,
        logger: Logger
    ) {
        self.config = config
        self.options = options
        self.bus = bus
        self.states = states
        var logger = logger
        logger[metadataKey: LogKey.collectorID] = "\(options.collectorID)"
        self.logger = logger
        self.registry = registry ?? RequestSchedulerRegistry(logger: logger)
        self.progressWriter = progressWriter
    }

    /// Where every running pipeline stands (for tests and the terminal line).
    public var statuses: [PipelineStatus] {
        shared.withLock { $0.running.values.map(\.pipeline.status) }.sorted { $0.connection < $1.connection }
    }

    /// Whether the broker answered a heartbeat within the lease timeout (`/healthz`).
    public var isHealthy: Bool {
        Self.nowMillis() - lastHeartbeatMillis.load(ordering: .relaxed) <= leaseTimeoutMillis.load(ordering: .relaxed)
    }

    public func run() async throws {
        var reconciler = LeaseReconciler(configured: Set(config.activeConnections.map(\.name)))
        var interval = options.heartbeatInterval
        var held: [String: LeaseReconciler.Assignment] = [:]
        var monitors: [String: HealthMonitor] = [:]
        var progress = BackfillProgress()
        var lastProgressMillis: Int64 = .min / 2
        logger.info("collector starting", metadata: [LogKey.connections: "\(config.activeConnections.map(\.name))"])

        await withGracefulShutdownHandler {
            while !stopping.load(ordering: .relaxed), !Task.isCancelled {
                for end in takeEnded() {
                    let actions = reconciler.pipelineEnded(
                        connection: end.connection, epoch: end.epoch, outcome: end.outcome, nowMillis: Self.nowMillis())
                    await execute(actions)
                }
                let sentAt = Self.nowMillis()
                let grant: Boxbridge_V1_LeaseGrant
                do {
                    grant = try await bus.heartbeat(await heartbeat(reconciler: reconciler, held: held, leaving: false))
                } catch {
                    metrics.heartbeatFailures.increment()
                    logger.warning("heartbeat failed; retrying", metadata: [LogKey.error: "\(error)"])
                    await doorbell.wait(upTo: options.heartbeatRetry)
                    continue
                }
                lastHeartbeatMillis.store(Self.nowMillis(), ordering: .relaxed)
                if grant.leaseTimeoutMs > 0 { leaseTimeoutMillis.store(Int64(grant.leaseTimeoutMs), ordering: .relaxed) }
                if grant.heartbeatIntervalMs > 0 { interval = .milliseconds(Int64(grant.heartbeatIntervalMs)) }
                let leases = grant.leases.map(LeaseReconciler.Assignment.init)
                held = Dictionary(leases.map { ($0.connection, $0) }, uniquingKeysWith: { _, last in last })
                let blocks = await states.blockedConnections()
                await execute(reconciler.apply(grant: leases, stateBlocks: blocks, nowMillis: sentAt))
                metrics.leasesHeld.record(held.count)
                metrics.pipelinesRunning.record(reconciler.running.count)

                await publishHealth(held: held, reconciler: reconciler, monitors: &monitors)
                countMetrics()
                let now = Self.nowMillis()
                if let progressWriter, now - lastProgressMillis >= options.progressInterval.wholeMilliseconds {
                    lastProgressMillis = now
                    for line in progress.lines(for: statuses, nowMillis: now, wallNow: Date()) { progressWriter(line + "\n") }
                }
                await doorbell.wait(upTo: interval)
            }
        } onGracefulShutdown: {
            self.stopping.store(true, ordering: .relaxed)
            self.doorbell.ring()
        }

        // Stop polling first so nothing more is published, then hand the leases back at once.
        await execute(reconciler.shutdown())
        let tasks = shared.withLock { Array($0.draining.values) + $0.running.values.map(\.task) }
        for task in tasks { await task.value }
        countMetrics()
        do {
            _ = try await bus.heartbeat(await heartbeat(reconciler: reconciler, held: [:], leaving: true))
            logger.info("collector stopped; leases released")
        } catch {
            logger.warning(
                "could not release the leases; they expire after the broker's lease timeout", metadata: [LogKey.error: "\(error)"])
        }
    }

    // MARK: Actions

    private func execute(_ actions: [LeaseReconciler.Action]) async {
        for action in actions {
            switch action {
            case .start(let assignment):
                await start(assignment)
            case .stop(let connection, _, let reason):
                stop(connection, reason: reason)
            case .heartbeatNow:
                doorbell.ring()
            case .recordFailure(let connection, let reason):
                logger.error("connection failed; not polled until resumed", metadata: [LogKey.connection: "\(connection)", LogKey.error: "\(reason)"])
                await states.recordFailure(connection: connection, reason: reason)
            }
        }
    }

    private func start(_ assignment: LeaseReconciler.Assignment) async {
        let name = assignment.connection
        let generation = shared.withLock { state -> Int in
            defer { state.nextGeneration += 1 }
            return state.nextGeneration
        }
        guard let section = config.activeConnection(named: name) else { return }
        let client: BoxClient
        do {
            client = try await self.client(for: section)
        } catch {
            logger.error("cannot build the connection's Box client", metadata: [LogKey.connection: "\(name)", LogKey.error: "\(error)"])
            pipelineEnded(Ended(connection: name, generation: generation, epoch: assignment.epoch,
                                outcome: .failed(message: "\(error)", retriable: false)), generation: nil)
            return
        }
        var lease = Boxbridge_V1_Lease()
        lease.connection = name
        lease.epoch = assignment.epoch
        lease.checkpoint = assignment.checkpoint
        lease.recentEventIds = assignment.recentEventIDs
        let flow = client.forFlow(name)
        let enricher = config.collector.enrichment ? Enricher(client: flow, collector: config.collector, logger: logger) : nil
        let pipeline = ConnectionPipeline(
            connection: section, collector: config.collector, lease: lease, collectorID: options.collectorID, box: flow,
            bus: bus, scopeStore: ScopeStore(config: config), enricher: enricher, options: options.pipeline,
            onSignal: { [weak self] signal in self?.observe(signal, connection: name, generation: generation) },
            logger: logger)
        logger.info(
            "lease gained; collecting",
            metadata: [LogKey.connection: "\(name)", LogKey.leaseEpoch: "\(assignment.epoch)", LogKey.streamPosition: "\(assignment.checkpoint)"])
        shared.withLock { state in
            let previous = state.draining.removeValue(forKey: name)
            let task = Task { [weak self] in
                await previous?.value
                let outcome: LeaseReconciler.Outcome
                do {
                    try await pipeline.run()
                    outcome = .stopped
                } catch {
                    outcome = Self.classify(error)
                }
                self?.pipelineEnded(Ended(connection: name, generation: generation, epoch: assignment.epoch, outcome: outcome),
                                    generation: generation)
            }
            state.running[name] = Running(pipeline: pipeline, task: task, generation: generation, epoch: assignment.epoch)
        }
    }

    private func stop(_ connection: String, reason: LeaseReconciler.StopReason) {
        let running = shared.withLock { state -> Running? in
            guard let running = state.running.removeValue(forKey: connection) else { return nil }
            state.draining[connection] = running.task
            state.authFailures[connection] = nil
            return running
        }
        guard let running else { return }
        running.task.cancel()
        metrics.add(connection: connection, from: running.countedSoFar, to: running.pipeline.status.counters)
        let label: String
        switch reason {
        case .leaseLost: label = "lease_lost"
        case .epochChanged: label = "epoch_changed"
        case .blocked: label = "blocked"
        case .shuttingDown: label = "shutdown"
        }
        if reason != .shuttingDown { metrics.restart(connection: connection, reason: label) }
        logger.info("stopping pipeline", metadata: [LogKey.connection: "\(connection)", LogKey.pipelineStopReason: "\(label)"])
    }

    /// A pipeline task ended: queue it for the loop (only if it is still the current one).
    private func pipelineEnded(_ end: Ended, generation: Int?) {
        shared.withLock { state in
            if let generation {
                if let running = state.running[end.connection], running.generation == generation {
                    state.running[end.connection] = nil
                    metrics.add(connection: end.connection, from: running.countedSoFar, to: running.pipeline.status.counters)
                } else {
                    return  // stopped on purpose; the reconciler already knows
                }
            }
            state.ended.append(end)
        }
        switch end.outcome {
        case .leaseLost:
            logger.notice("pipeline lost its lease", metadata: [LogKey.connection: "\(end.connection)"])
        case .failed(let message, _):
            metrics.restart(connection: end.connection, reason: "failed")
            logger.warning("pipeline failed", metadata: [LogKey.connection: "\(end.connection)", LogKey.error: "\(message)"])
        case .stopped:
            break
        }
        doorbell.ring()
    }

    private func takeEnded() -> [Ended] {
        shared.withLock { state in
            defer { state.ended = [] }
            return state.ended
        }
    }

    /// How a pipeline's error decides what happens to the connection.
    static func classify(_ error: any Error) -> LeaseReconciler.Outcome {
        switch error {
        case is CancellationError: return .stopped
        case is LeaseLost, is CheckpointMismatch: return .leaseLost
        case let failure as DriveLimitExceeded: return .failed(message: failure.message, retriable: false)
        default: return .failed(message: "\(error)", retriable: true)
        }
    }

    /// The credential's client: one token cache and one scheduler per credential in this process.
    private func client(for section: ConnectionSection) async throws -> BoxClient {
        let key = section.credentialKey
        if let existing = shared.withLock({ $0.clients[key] }) { return existing }
        let credentials = try section.boxCredentials()
        let scheduler = await registry.scheduler(for: key, configuration: SchedulerConfiguration(section: config.scheduler))
        let client = BoxClient(
            endpoint: BoxEndpoint(baseURL: section.apiBaseURL), credentials: credentials, scheduler: scheduler, logger: logger)
        return shared.withLock { state in
            if let existing = state.clients[key] { return existing }
            state.clients[key] = client
            return client
        }
    }

    // MARK: Signals, health, metrics

    private func observe(_ signal: PipelineSignal, connection: String, generation: Int) {
        switch signal {
        case .polled(let events, let at, _):
            shared.withLock { state in
                state.authFailures[connection] = nil
                if events > 0 { state.lastEventAt[connection] = Int64(at.timeIntervalSince1970 * 1000) }
            }
        case .pollFailed(let error, _):
            if let box = error as? BoxAPIError, box.isAuthFailure {
                shared.withLock { $0.authFailures[connection] = box.description }
            }
        case .published, .scopeResolved, .scopeRefreshFailed, .health:
            break
        }
    }

    private func heartbeat(
        reconciler: LeaseReconciler, held: [String: LeaseReconciler.Assignment], leaving: Bool
    ) async -> Boxbridge_V1_CollectorHeartbeat {
        var beat = Boxbridge_V1_CollectorHeartbeat()
        beat.collectorID = options.collectorID
        beat.capacity = UInt32(max(0, options.capacity))
        beat.leaving = leaving
        let running = shared.withLock { $0.running.mapValues(\.pipeline) }
        let stats = await schedulerStats()
        let now = Self.nowMillis()
        for (connection, lease) in held.sorted(by: { $0.key < $1.key }) {
            var progress: Boxbridge_V1_ConnectionProgress
            if let pipeline = running[connection] {
                progress = pipeline.progress
            } else {
                progress = Boxbridge_V1_ConnectionProgress()
                progress.connection = connection
                progress.position = lease.checkpoint
                progress.state = reconciler.idleState(of: connection, nowMillis: now) ?? "starting"
            }
            if let section = config.activeConnection(named: connection), let stat = stats[section.credentialKey] {
                progress.callsPerMinute = stat.currentCallsPerMinute
                progress.rateLimitedTotal = UInt64(stat.rateLimited)
            }
            beat.progress.append(progress)
        }
        return beat
    }

    private func schedulerStats() async -> [String: SchedulerStats] {
        let clients = shared.withLock { $0.clients }
        var out: [String: SchedulerStats] = [:]
        for (key, client) in clients { out[key] = await client.scheduler.stats() }
        return out
    }

    private func publishHealth(
        held: [String: LeaseReconciler.Assignment], reconciler: LeaseReconciler, monitors: inout [String: HealthMonitor]
    ) async {
        let stats = await schedulerStats()
        let now = Self.nowMillis()
        let (running, auth, lastEvent) = shared.withLock { state in
            (state.running.mapValues { ($0.pipeline.status, $0.generation) }, state.authFailures, state.lastEventAt)
        }
        for connection in monitors.keys where held[connection] == nil { monitors[connection] = nil }
        for (connection, lease) in held.sorted(by: { $0.key < $1.key }) {
            var monitor = monitors[connection]
                ?? HealthMonitor(connection: connection, collectorID: options.collectorID, thresholds: options.health)
            var observation = HealthMonitor.Observation(nowMillis: now, startedAtMillis: now)
            if case .deauthorized? = reconciler.blocked[connection] {
                observation.deauthorized = true
            } else if let (status, _) = running[connection] {
                observation.startedAtMillis = monitor.watchingSinceMillis ?? now
                observation.lastEventAtMillis = lastEvent[connection]
                observation.lagSeconds = status.lagSeconds
                observation.authFailure = auth[connection]
                if let section = config.activeConnection(named: connection), let stat = stats[section.credentialKey] {
                    observation.rateLimitedTotal = stat.rateLimited
                    observation.pausedSeconds = stat.pausedSeconds
                }
            } else {
                monitors[connection] = monitor
                continue
            }
            if monitor.watchingSinceMillis == nil { monitor.watchingSinceMillis = now }
            let messages = monitor.observe(observation)
            monitors[connection] = monitor
            guard !messages.isEmpty else { continue }
            let assembler = BatchAssembler(
                connection: connection, collectorID: options.collectorID, leaseEpoch: lease.epoch, maxItems: messages.count)
            do {
                let ack = try await bus.publish(assembler.healthBatch(messages))
                if ack.status == .durable || ack.status == .duplicate {
                    for message in messages { metrics.healthPublished(kind: message.kind.topicName) }
                } else {
                    logger.notice("the broker refused a health batch", metadata: [LogKey.connection: "\(connection)", LogKey.error: "\(ack.message)"])
                }
            } catch {
                logger.warning("publishing health failed", metadata: [LogKey.connection: "\(connection)", LogKey.error: "\(error)"])
            }
        }
    }

    private func countMetrics() {
        let updates = shared.withLock { state -> [(String, PipelineCounters, PipelineCounters, Int64)] in
            var updates: [(String, PipelineCounters, PipelineCounters, Int64)] = []
            for (connection, running) in state.running {
                let status = running.pipeline.status
                updates.append((connection, running.countedSoFar, status.counters, status.lagSeconds))
                state.running[connection]?.countedSoFar = status.counters
            }
            return updates
        }
        for (connection, old, new, lag) in updates {
            metrics.add(connection: connection, from: old, to: new)
            metrics.lag(connection: connection, seconds: lag)
        }
    }

    static func nowMillis() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}

extension BoxAPIError {
    /// Box refused the credentials: a 401 that survived the token refresh, a 403, or the token
    /// endpoint refusing the client.
    var isAuthFailure: Bool {
        guard kind == .http, let status else { return false }
        return status == 401 || status == 403 || (endpoint.contains("oauth2/token") && (400..<500).contains(status))
    }
}

extension Duration {
    /// Whole milliseconds.
    var wholeMilliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}
