public import BoxAPI
public import BoxBridgeConfig
public import BoxBridgeProtocol
public import BusClient
public import Foundation
public import Logging
import BoxBridgeRuntime
import Synchronization
import SwiftProtobuf

/// Runs one leased connection: scope, poll, normalize, dedupe, coalesce, enrich, publish.
///
/// ## Contract for the collector service
///
/// ```swift
/// let pipeline = ConnectionPipeline(
///     connection: section, collector: config.collector, lease: lease, collectorID: id,
///     box: client.forFlow(section.name),          // calls go through the credential's scheduler
///     bus: busClient, scopeStore: ScopeStore(config: config),
///     enricher: enricher,                          // nil = no enrichment
///     onSignal: { signal in ... },                 // health timing hooks (see `PipelineSignal`)
///     logger: logger)
/// let task = Task { try await pipeline.run() }     // cancel it when the lease goes away
/// pipeline.status                                  // any time, without awaiting: progress + counters
/// pipeline.progress                                // the heartbeat's ConnectionProgress
/// ```
///
/// `status` (`PipelineStatus`) carries what a terminal progress line needs during a backfill:
/// `backfilling` (the last page came full), `counters.boxEvents` (read so far), `newestEventAt`
/// (how far in Box time the backfill has come), `position`/`fetchPosition`, `heldGroups`, and
/// `lagSeconds` (wall time minus the newest `created_at` while backfilling, 0 once caught up, so
/// a quiet enterprise is never reported as lagging; silence is the service's to time).
///
/// `run()` only returns by throwing:
/// - `CancellationError`: the task was cancelled. Nothing held is published, so nothing that is
///   not durable is ever acknowledged: the next holder re-reads it from the broker's checkpoint.
/// - `LeaseLost`: the broker answered `STALE_LEASE`; drop the connection.
/// - `CheckpointMismatch`: the broker's checkpoint moved under us; heartbeat again and start a new
///   pipeline from the lease.
/// - `DriveLimitExceeded`: more than `max_drives` in scope; the pipeline already published
///   `ops/<connection>/scope-limit-exceeded` with the specification's exact message. The
///   connection is failed until resumed.
/// - `BatchRefused` (broker said `INVALID`), a non-retriable `BusError`, or a scope
///   configuration error (`ScopeConfigurationError`, `ScopeListError`): bugs or bad setup, logged.
///
/// Box failures never end `run()`: a failed poll is signalled (`.pollFailed`, with the
/// `BoxAPIError` so 401/403 can be reported as auth failures) and retried with backoff from the
/// same position. Bus timeouts are retried with the same batch id (the broker answers `DUPLICATE`
/// when the first attempt was journaled).
///
/// Health this pipeline publishes itself (on `ops/<connection>/<kind>`): `quarantined` (the
/// `QuarantinedEvent` with its raw bytes), `service-account-activity`,
/// `shield-blocked-service-account`, `scope-refreshed`, `scope-limit-exceeded`. Auth failures,
/// 429 pauses, lag and silence are timed by the service from the signals and `status`; it can
/// publish them with `BatchAssembler.healthBatch(_:)` (empty `next_position`: the checkpoint is untouched).
///
/// ## Scope
///
/// An event is collected when its file's owner (the drive) is a monitored, active user
/// (`ScopeResolver`, re-resolved every `group_relookup_interval`, re-reading the imported list).
/// Events whose source names no owner (file-level collaborations) get it from
/// `GET /files/{id}?fields=owned_by` at scope priority, cached (`OwnerLookup`); events with no
/// file (logins, group changes, Shield alerts) are out of scope. The bridge's own account
/// (`users/me`, or `service_account_login`) is never a user actor: its events go to `ops/…` as health.
///
/// ## Checkpoint after durability
///
/// Positions are opaque strings. Each batch goes from the durable checkpoint; the checkpoint
/// moves to the end of the newest page only when the coalescer holds nothing, else to the start
/// of the oldest page with a held event (`CheckpointTracker`). Each batch lists every Box id it
/// publishes in `consumed_event_ids`; the broker returns them in `Lease.recent_event_ids`, which
/// seed the dedupe window, so a restart from the checkpoint drops what was already published and
/// publishes what was held.
public final class ConnectionPipeline: Sendable {
    public let connection: ConnectionSection
    public let collector: CollectorSection
    public let lease: Boxbridge_V1_Lease
    public let collectorID: String
    public let options: PipelineOptions
    let box: BoxClient
    let bus: BusClient
    let scopeStore: ScopeStore
    let enricher: (any EventEnriching)?
    let clock: any SchedulerClock
    let wallClock: @Sendable () -> Date
    let onSignal: @Sendable (PipelineSignal) -> Void
    let logger: Logger
    let assembler: BatchAssembler
    let state: Mutex<PipelineStatus>
    private let started = Atomic<Bool>(false)

    /// - Parameters:
    ///   - connection: the leased connection's section (`BridgeConfig.activeConnection(named:)`).
    ///   - collector: `[collector]`: page size, idle interval, windows, batch size, drive limit.
    ///   - lease: the broker's lease: epoch (fencing), checkpoint ("" = first start, then
    ///     `start_position` applies), recent event ids (the dedupe window).
    ///   - box: a client whose scheduler is the credential's; events are polled at `.events`
    ///     priority, owners and scope at `.scope`.
    ///   - scopeStore: where `boxbridge scope import` keeps lists (`ScopeStore(config:)`); re-read
    ///     at every scope refresh, so an import takes effect at the next one.
    ///   - clock: monotonic time for polls, coalescing and retries (`ManualSchedulerClock` in tests).
    ///   - now: wall time, for lag, health timestamps and scope re-lookups.
    public init(
        connection: ConnectionSection,
        collector: CollectorSection,
        lease: Boxbridge_V1_Lease,
        collectorID: String,
        box: BoxClient,
        bus: BusClient,
        scopeStore: ScopeStore,
        enricher: (any EventEnriching)? = nil,
        clock: any SchedulerClock = ContinuousSchedulerClock(),
        now: @escaping @Sendable () -> Date = { Date() },
        options: PipelineOptions = PipelineOptions(),
        onSignal: @escaping @Sendable (PipelineSignal) -> Void = { _ in },
        logger: Logger
    ) {
        self.connection = connection
        self.collector = collector
        self.lease = lease
        self.collectorID = collectorID
        self.options = options
        self.box = box.flow.isEmpty ? box.forFlow(connection.name) : box
        self.bus = bus
        self.scopeStore = scopeStore
        self.enricher = enricher
        self.clock = clock
        self.wallClock = now
        self.onSignal = onSignal
        var logger = logger
        logger[metadataKey: LogKey.connection] = "\(connection.name)"
        logger[metadataKey: LogKey.leaseEpoch] = "\(lease.epoch)"
        self.logger = logger
        self.assembler = BatchAssembler(
            connection: connection.name, collectorID: collectorID, leaseEpoch: lease.epoch, maxItems: collector.batchMaxEvents)
        self.state = Mutex(PipelineStatus(connection: connection.name, position: lease.checkpoint))
    }

    /// Where the connection stands now (safe from any thread, never waits on the pipeline).
    public var status: PipelineStatus { state.withLock { $0 } }

    /// The heartbeat's view of the connection.
    public var progress: Boxbridge_V1_ConnectionProgress { status.progress }

    /// Collects until cancelled or until an error the pipeline cannot handle (see the type's documentation).
    public func run() async throws {
        guard started.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else {
            preconditionFailure("ConnectionPipeline.run() called twice; make a new pipeline from the current lease")
        }
        do {
            try await collect()
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            state.withLock { $0.state = "failed: \(error)" }
            throw error
        }
    }

    // MARK: The loop

    private func collect() async throws {
        let streamType = EnterpriseStreamType(rawValue: connection.streamType.rawValue) ?? .adminLogsStreaming
        let pageSize = min(max(collector.pageSize, 1), 500)
        var core = PipelineCore(
            connection: connection.name, collectorID: collectorID, checkpoint: lease.checkpoint,
            recentEventIDs: lease.recentEventIds, dedupeCapacity: collector.dedupeMaxEvents,
            coalesceWindow: collector.coalesceWindow, maxHeldSpanEvents: options.maxHeldSpanEvents)
        var cadence = PollCadence(idleInterval: collector.pollIntervalIdle, easeStart: options.pollEaseStart)
        var normalizer = Normalizer(
            connection: connection.name, internalDomains: connection.internalDomains, streamType: streamType.rawValue)
        normalizer.serviceAccount = try await serviceAccount(&cadence)

        var resolver = ScopeResolver(
            mode: try scopeStore.mode(for: connection), relookupInterval: collector.groupRelookupInterval,
            maxDrives: collector.maxDrives)
        while !resolver.isResolved {
            try await refreshScope(&resolver, &core)
            if !resolver.isResolved { try await clock.sleep(for: options.scopeRetryDelay) }
        }

        var owners = OwnerLookup(capacity: options.ownerCacheEntries)
        let (start, createdAfter) = startingPoint()
        var fetch = start
        logger.info("collecting", metadata: [LogKey.streamPosition: "\(fetch)", LogKey.scopeDrives: "\(resolver.monitored.count)"])
        state.withLock { $0.state = "running" }

        while true {
            try Task.checkCancellation()
            try await refreshScope(&resolver, &core)

            let isStart = !CheckpointTracker.isConcrete(fetch.rawValue)
            let query = EventsQuery(
                streamType: streamType, position: fetch, limit: pageSize, createdAfter: isStart ? createdAfter : nil)
            let page: EventsPage
            var results: [NormalizationResult]
            do {
                page = try await box.events(query, priority: .events)
                let stamp = Google_Protobuf_Timestamp(date: wallClock())
                results = page.entries.map { normalizer.normalize(raw: $0.bytes, quarantinedAt: stamp) }
                try await resolveOwners(&results, &owners, core: &core, normalizer: normalizer)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                let delay = cadence.recordFailure()
                core.counters.pollFailures += 1
                state.withLock { $0.counters = core.counters }
                logger.warning(
                    "polling Box events failed; retrying from the same position",
                    metadata: [LogKey.error: "\(error)", LogKey.streamPosition: "\(fetch)"])
                onSignal(.pollFailed(error, retryIn: delay))
                try await waitForNextPoll(after: delay, &core)
                continue
            }

            let wall = wallClock()
            core.accept(
                results, from: fetch.rawValue, next: page.nextStreamPosition.rawValue, now: PipelineInstant(clock.now()),
                wall: wall
            ) { event in
                event.hasFile && event.file.hasOwner && !event.file.owner.id.isEmpty
                    && resolver.isInScope(ownerID: BoxID(event.file.owner.id))
            }
            fetch = page.nextStreamPosition
            let full = page.entries.count >= pageSize
            let newest = results.compactMap { $0.event.map { Self.date($0.occurredAt) } }.max()
            state.withLock { status in
                status.fetchPosition = fetch.rawValue
                status.lastPoll = wall
                if let newest, newest > (status.newestEventAt ?? .distantPast) { status.newestEventAt = newest }
                status.backfilling = full
                status.state = full ? "backfilling" : "running"
                status.lagSeconds = full ? Int64(max(0, wall.timeIntervalSince(status.newestEventAt ?? wall))) : 0
                status.counters = core.counters
                status.heldGroups = core.heldGroups
            }
            onSignal(.polled(events: page.entries.count, at: wall, backfilling: full))

            try await publish(&core)
            try await waitForNextPoll(after: cadence.record(count: page.entries.count, limit: pageSize), &core)
        }
    }

    /// Where the first poll asks from: the lease's checkpoint, else the configured start.
    func startingPoint() -> (StreamPosition, createdAfter: String?) {
        if !lease.checkpoint.isEmpty { return (StreamPosition(lease.checkpoint), nil) }
        switch connection.startPosition {
        case .now: return (.now, nil)
        case .earliest: return (.beginning, nil)
        case .timestamp(let text): return (.beginning, text)
        }
    }

    /// Sleeps until the next poll, publishing held events as their coalescing window passes.
    private func waitForNextPoll(after delay: Duration, _ core: inout PipelineCore) async throws {
        let pollAt = clock.now() + delay
        while true {
            let now = clock.now()
            if let due = core.nextDeadline?.offset, due <= now {
                core.flush(now: PipelineInstant(now))
                try await publish(&core)
                continue
            }
            if now >= pollAt { return }
            try await clock.sleep(until: min(pollAt, core.nextDeadline?.offset ?? pollAt))
        }
    }

    static func date(_ timestamp: Google_Protobuf_Timestamp) -> Date {
        Date(timeIntervalSince1970: Double(timestamp.seconds) + Double(timestamp.nanos) / 1e9)
    }
}
