public import BoxAPI
public import BoxBridgeConfig
public import BoxBridgeProtocol
public import Logging
import BoxBridgeRuntime
public import Metrics

/// Fills what Box events leave out — the parent folder's path, a shared link's effective access —
/// through the credential's scheduler: exposure-critical lookups are required, paths best-effort.
///
/// - Required: the item lookup of a shared-link event whose payload does not say the link's access
///   (`EnrichmentNeed.link`). Whether the link is public is only known from it, and a missed public
///   link is a missed alert, so it goes at `.scope` priority (after event polling, never shed) and
///   `enrich` waits for it past the batch deadline, up to `requiredBudget` (3 minutes by default).
///   The scheduler retries 429, 5xx and network failures; when it gives up on one of those, the
///   lookup is asked again after a pause (`requiredRetryDelay`, doubling up to 30 s). A definitive
///   answer (404 gone, 403, …) marks the event FAILED at once. At `requiredBudget` the lookup is
///   abandoned: the event goes out SKIPPED_BUDGET, a warning is logged and `requiredTimedOut` counted.
/// - Best-effort: path lookups (`GET /folders/{id}`, or the item when only its path is wanted) at
///   `.enrichment` priority, by the batch's deadline: lookups still queued or on the wire then are
///   cancelled and their events go out SKIPPED_BUDGET (the scheduler also sheds enrichment when
///   the budget is short, with the same result). An item lookup serving both is required.
///
/// A lookup Box refuses marks its events FAILED; nothing here throws. Folder paths are
/// kept in a bounded LRU cache (`[collector].enrichment_cache_entries`) with hit/miss counters;
/// link access is never cached, because it is what the event is about and changes with it.
///
/// One enricher per connection (its client carries the connection as the scheduler's flow).
public actor Enricher {
    /// The clock deadlines are measured on (`clock.now()`), injected so tests control time.
    public nonisolated let clock: any SchedulerClock
    /// Most lookups one `enrich` call runs at once; the scheduler decides when each is sent.
    public nonisolated let maxConcurrentLookups: Int
    /// Most distinct lookups one `enrich` call starts; beyond, events are SKIPPED_BUDGET at once.
    /// Required lookups are always started, and count against it (best-effort ones get the rest).
    public nonisolated let maxLookupsPerBatch: Int
    /// Longest the pipeline hook waits for required (exposure-critical) lookups; the safety cap
    /// that keeps a Box outage from freezing the stream.
    public nonisolated let requiredBudget: Duration
    /// First pause before a required lookup is asked again after the scheduler gave up on a
    /// transient failure; doubles up to 30 s.
    public nonisolated let requiredRetryDelay: Duration
    private let client: BoxClient
    private let logger: Logger
    private let connection: String
    private var folderPaths: LRUCache<String, String>
    /// Folders Box answered 404 for, until when: a trashed folder's many events cost one call.
    private var goneFolders: LRUCache<String, GoneFolder>
    private let goneFolderTTL: Duration
    private var counters = EnricherStats()
    private let metrics: EnricherMetrics

    /// - Parameters:
    ///   - client: the connection's client (`forFlow(connection)` of the credential's client).
    ///   - cacheEntries: folder paths kept (`[collector].enrichment_cache_entries`); 0 disables the cache.
    ///   - maxConcurrentLookups: lookups in flight at once per call (the scheduler still paces them).
    ///   - maxLookupsPerBatch: lookups one call may start; keeps one huge batch from queueing
    ///     thousands of requests the deadline would cancel anyway.
    ///   - goneFolderTTL: how long a folder Box answered 404 for is not asked about again (its
    ///     events go out FAILED meanwhile); a tenth of `cacheEntries` such folders are remembered.
    ///   - requiredBudget: how long a batch may wait for its required (shared-link access) lookups.
    ///     3 minutes outlasts the scheduler's own retries (5 attempts, about 30 s of backoff) and a
    ///     few Retry-After pauses; past it the event goes out SKIPPED_BUDGET rather than hold the
    ///     stream through an outage.
    ///   - requiredRetryDelay: first pause before asking again for a required lookup the scheduler gave up on.
    public init(
        client: BoxClient,
        cacheEntries: Int,
        maxConcurrentLookups: Int = 8,
        maxLookupsPerBatch: Int = 500,
        goneFolderTTL: Duration = .seconds(600),
        requiredBudget: Duration = .seconds(180),
        requiredRetryDelay: Duration = .seconds(1),
        clock: any SchedulerClock = ContinuousSchedulerClock(),
        logger: Logger,
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.client = client
        self.connection = client.flow
        self.folderPaths = LRUCache(capacity: cacheEntries)
        self.goneFolders = LRUCache(capacity: max(0, cacheEntries / 10))
        self.goneFolderTTL = goneFolderTTL
        self.maxConcurrentLookups = max(1, maxConcurrentLookups)
        self.maxLookupsPerBatch = max(0, maxLookupsPerBatch)
        self.requiredBudget = max(.zero, requiredBudget)
        self.requiredRetryDelay = max(.milliseconds(1), requiredRetryDelay)
        self.clock = clock
        self.logger = logger
        self.metrics = EnricherMetrics(connection: client.flow, factory: metricsFactory)
    }

    /// An enricher sized from `[collector]`.
    public init(client: BoxClient, collector: CollectorSection, clock: any SchedulerClock = ContinuousSchedulerClock(), logger: Logger) {
        self.init(client: client, cacheEntries: collector.enrichmentCacheEntries, clock: clock, logger: logger)
    }

    /// Counters so far, and the cache's size.
    public func stats() -> EnricherStats {
        var stats = counters
        stats.cacheEntries = folderPaths.count
        stats.cacheEvictions = folderPaths.evictions
        return stats
    }

    /// Returns `events`, in order, each with what could be learned and its status.
    ///
    /// Status per event: NOT_NEEDED (nothing to look up), COMPLETE, SKIPPED_BUDGET (a lookup was
    /// shed, rate limited, or not done by its deadline: published unenriched, saying so) or FAILED
    /// (Box refused a lookup, e.g. 404 for an item since deleted). Partial results are kept: a path
    /// from the cache stays even when the link lookup was skipped. Never throws. Best-effort
    /// (path) lookups get until `deadline`; required (link access) lookups until `requiredDeadline`,
    /// and the call returns as soon as every required lookup is done and the best-effort ones are
    /// done or past `deadline`. A cancelled caller gets its events back at once.
    ///
    /// - Parameters:
    ///   - deadline: for best-effort lookups, on `clock`'s timeline (`clock.now() + budget`).
    ///   - requiredDeadline: for required lookups; nil = `clock.now() + requiredBudget`. Never
    ///     earlier than `deadline`.
    public func enrich(
        _ events: [Boxbridge_V1_FileEvent], deadline: Duration, requiredDeadline: Duration? = nil
    ) async -> [Boxbridge_V1_FileEvent] {
        let now = clock.now()
        let requiredDeadline = max(deadline, requiredDeadline ?? now + requiredBudget)
        var needs: [EnrichmentNeed] = []
        needs.reserveCapacity(events.count)
        // Exposure depends on these item lookups: they are required, whatever else they serve.
        var requiredItems: Set<EnrichmentLookup> = []
        for event in events {
            let need = EnrichmentNeed.of(event)
            needs.append(need)
            if need.link, let item = need.item { requiredItems.insert(item) }
        }
        let required = Array(requiredItems)
        var lookups: [EnrichmentLookup] = []
        var planned: Set<EnrichmentLookup> = []
        var overflow: Set<EnrichmentLookup> = []
        let bestEffortLimit = max(0, maxLookupsPerBatch - required.count)
        // Paths served from the cache, held for this call: another call may evict them meanwhile.
        var known: [String: String] = [:]
        // Outcomes known without a call: folders recently gone, lookups beyond the batch limit.
        var preset: [EnrichmentLookup: EnrichmentOutcome] = [:]
        func plan(_ lookup: EnrichmentLookup) {
            guard !requiredItems.contains(lookup), !planned.contains(lookup), !overflow.contains(lookup) else { return }
            if lookups.count < bestEffortLimit {
                planned.insert(lookup)
                lookups.append(lookup)
            } else {
                overflow.insert(lookup)
            }
        }
        for need in needs {
            if let item = need.item { plan(item) }
            // The item lookup brings the parent's path too; a folder lookup only when it does not run.
            if let parent = need.parentFolderID, need.item == nil, parent != EnrichmentNeed.rootFolderID {
                let lookup = EnrichmentLookup.folderPath(folderID: parent)
                if let cached = known[parent] ?? folderPaths.value(for: parent) {
                    known[parent] = cached
                    counters.cacheHits += 1
                    metrics.cache(hit: true)
                } else if preset[lookup] != nil {
                    continue
                } else if let gone = goneFolders.value(for: parent), now < gone.until {
                    preset[lookup] = .failed(reason: gone.reason)
                    counters.cacheHits += 1
                    metrics.cache(hit: true)
                } else if !planned.contains(lookup) {
                    counters.cacheMisses += 1
                    metrics.cache(hit: false)
                    plan(lookup)
                }
            }
        }
        for lookup in overflow { preset[lookup] = .skipped(.tooMany) }
        var outcomes = preset
        if !lookups.isEmpty || !required.isEmpty {
            counters.lookups += UInt64(lookups.count + required.count)
            counters.requiredLookups += UInt64(required.count)
            let done = await Self.perform(
                required: required, bestEffort: lookups, client: client, clock: clock, deadline: deadline,
                requiredDeadline: requiredDeadline, concurrency: maxConcurrentLookups, retryDelay: requiredRetryDelay)
            var fetched: [EnrichmentLookup: EnrichmentOutcome] = [:]
            for lookup in lookups { fetched[lookup] = done.outcomes[lookup] ?? .skipped(.deadline) }
            for lookup in required { fetched[lookup] = done.outcomes[lookup] ?? .skipped(.deadline) }
            remember(fetched)
            outcomes.merge(fetched) { _, new in new }
            noteRequired(required, outcomes: fetched, done: done, started: now)
        }
        if !overflow.isEmpty { counters.lookupsSkipped[EnrichmentSkipReason.tooMany.rawValue, default: 0] += UInt64(overflow.count) }

        var result = events
        for index in result.indices where needs[index].isNeeded || result[index].enrichment == .unspecified {
            let status = apply(needs[index], known: known, outcomes: outcomes, to: &result[index])
            result[index].enrichment = status
            counters.record(status)
            metrics.event(status)
        }
        return result
    }

    // MARK: Internals

    /// Counts how the required lookups ended, and warns about those the cap cut off.
    private func noteRequired(
        _ required: [EnrichmentLookup], outcomes: [EnrichmentLookup: EnrichmentOutcome], done: PerformResult, started: Duration
    ) {
        guard !required.isEmpty else { return }
        counters.requiredRetries += UInt64(done.requiredRetries)
        if done.heldPastDeadline { counters.requiredHolds += 1 }
        let waited = done.requiredFinished - started
        if waited > counters.longestRequiredWait { counters.longestRequiredWait = waited }
        var timedOut: [EnrichmentLookup] = []
        for lookup in required {
            switch outcomes[lookup] {
            case .item: metrics.required(.complete)
            case .failed: metrics.required(.failed)
            default:
                timedOut.append(lookup)
                metrics.required(.timedOut)
            }
        }
        guard !timedOut.isEmpty else { return }
        counters.requiredTimedOut += UInt64(timedOut.count)
        logger.warning(
            "shared-link access lookups did not finish within the required-enrichment cap; their events go out SKIPPED_BUDGET with exposure unknown",
            metadata: [
                LogKey.connection: "\(connection)", LogKey.enrichmentLookup: "\(timedOut.prefix(5).map(\.description))",
                LogKey.enrichmentTimedOut: "\(timedOut.count)", LogKey.enrichmentWaited: "\(waited)",
            ])
    }

    /// Puts learned folder paths in the cache and counts what went wrong.
    private func remember(_ outcomes: [EnrichmentLookup: EnrichmentOutcome]) {
        for (lookup, outcome) in outcomes {
            switch (lookup, outcome) {
            case (.folderPath(let id), .folderPath(let path)):
                folderPaths.set(path, for: id)
            case (.item(let id, let isFolder), .item(let facts)):
                if let parentID = facts.parentID, let parentPath = facts.parentPath {
                    folderPaths.set(parentPath, for: parentID)
                    if isFolder { folderPaths.set(parentPath + "/" + facts.name, for: id) }
                }
            case (_, .failed(let reason)):
                counters.lookupFailures += 1
                if case .folderPath(let id) = lookup, reason.hasPrefix("status 404") {
                    goneFolders.set(GoneFolder(until: clock.now() + goneFolderTTL, reason: reason), for: id)
                }
                logger.debug(
                    "enrichment lookup failed; events go out with enrichment FAILED",
                    metadata: [LogKey.connection: "\(connection)", LogKey.enrichmentLookup: "\(lookup)", LogKey.error: "\(reason)"])
            case (_, .skipped(let reason)):
                counters.lookupsSkipped[reason.rawValue, default: 0] += 1
            default:
                break
            }
        }
    }

    /// Fills one event from the cache and the outcomes; returns its status.
    private func apply(
        _ need: EnrichmentNeed, known: [String: String], outcomes: [EnrichmentLookup: EnrichmentOutcome],
        to event: inout Boxbridge_V1_FileEvent
    ) -> Boxbridge_V1_EnrichmentStatus {
        guard need.isNeeded else { return event.enrichment == .unspecified ? .notNeeded : event.enrichment }
        var failed = false
        var skipped = false
        func note(_ outcome: EnrichmentOutcome?) {
            switch outcome {
            case .failed: failed = true
            case .skipped, nil: skipped = true
            default: break
            }
        }
        var facts: EnrichedItemFacts?
        if let item = need.item {
            if case .item(let found) = outcomes[item] { facts = found } else { note(outcomes[item]) }
        }

        if need.parentFolderID != nil || need.pathFromItem {
            let name = event.file.name.isEmpty ? (facts?.name ?? "") : event.file.name
            var parentPath: String?
            if let parent = need.parentFolderID {
                if parent == EnrichmentNeed.rootFolderID {
                    parentPath = EnrichmentNeed.rootPath
                } else if let cached = known[parent] ?? folderPaths.value(for: parent) {
                    parentPath = cached
                } else if need.item == nil {
                    let outcome = outcomes[.folderPath(folderID: parent)]
                    if case .folderPath(let path) = outcome { parentPath = path } else { note(outcome) }
                }
            }
            if parentPath == nil, let facts {
                if let fromItem = facts.parentPath {
                    parentPath = fromItem
                } else if facts.parentID == nil {
                    parentPath = ""  // the item is the root itself: its path is "/<name>"
                }
            }
            if let parentPath, !name.isEmpty {
                event.file.path = parentPath + "/" + name
                if event.file.name.isEmpty { event.file.name = name }
            }
        }

        if need.link, let facts, facts.linkAccess != .unspecified {
            event.share.linkAccess = facts.linkAccess
            switch facts.linkAccess {
            case .open:
                // Anyone with the link: the strongest exposure there is.
                event.share.external = true
                event.exposure = .public
            case .company, .collaborators:
                if event.exposure == .unspecified { event.exposure = .internal }
            default:
                break
            }
        }
        if failed { return .failed }
        if skipped { return .skippedBudget }
        return .complete
    }

    /// What `perform` learned, and how the required lookups went.
    struct PerformResult: Sendable {
        var outcomes: [EnrichmentLookup: EnrichmentOutcome] = [:]
        /// Times a required lookup was asked again after the scheduler gave up on a transient failure.
        var requiredRetries = 0
        /// Whether the call waited past the best-effort deadline for required lookups.
        var heldPastDeadline = false
        /// When the last required lookup ended (or was abandoned), on the clock.
        var requiredFinished: Duration = .zero
    }

    /// Runs `required` and `bestEffort` lookups (each at most `concurrency` at once, required
    /// first in the scheduler's eyes by priority) until all are done or their deadline passes,
    /// then cancels what is left and returns without waiting for it to wind down.
    ///
    /// Best-effort lookups are cancelled at `deadline`; required ones at `requiredDeadline`.
    private static func perform(
        required: [EnrichmentLookup], bestEffort: [EnrichmentLookup], client: BoxClient, clock: any SchedulerClock,
        deadline: Duration, requiredDeadline: Duration, concurrency: Int, retryDelay: Duration
    ) async -> PerformResult {
        var result = PerformResult()
        result.requiredFinished = clock.now()
        guard !Task.isCancelled else { return result }
        enum Message: Sendable {
            case done(EnrichmentLookup, EnrichmentOutcome, retries: Int)
            case deadline
            case requiredDeadline
        }
        let (stream, continuation) = AsyncStream.makeStream(of: Message.self)
        // Unstructured on purpose: at a deadline they are cancelled and left to finish on their
        // own, so a request slow to notice cancellation cannot hold the stream.
        func worker(_ lookups: [EnrichmentLookup], _ run: @escaping @Sendable (EnrichmentLookup) async -> (EnrichmentOutcome, Int))
            -> Task<Void, Never>?
        {
            guard !lookups.isEmpty else { return nil }
            return Task {
                await withTaskGroup(of: Void.self) { group in
                    var next = lookups.startIndex
                    func start() {
                        let lookup = lookups[next]
                        next += 1
                        group.addTask {
                            let (outcome, retries) = await run(lookup)
                            continuation.yield(.done(lookup, outcome, retries: retries))
                        }
                    }
                    while next < lookups.endIndex, next < concurrency { start() }
                    while await group.next() != nil {
                        if next < lookups.endIndex, !Task.isCancelled { start() }
                    }
                }
            }
        }
        let bestEffortOpen = clock.now() < deadline
        let requiredWorker = worker(required) { lookup in
            await fetchRequired(lookup, client: client, clock: clock, retryDelay: retryDelay)
        }
        let bestEffortWorker = bestEffortOpen ? worker(bestEffort) { lookup in (await fetch(lookup, client: client), 0) } : nil
        let timer = Task {
            if bestEffortOpen, !bestEffort.isEmpty {
                try? await clock.sleep(until: deadline)
                continuation.yield(.deadline)
            }
            guard !required.isEmpty else { return }
            try? await clock.sleep(until: requiredDeadline)
            continuation.yield(.requiredDeadline)
        }
        let requiredSet = Set(required)
        var requiredLeft = required.count
        var bestEffortLeft = bestEffortOpen ? bestEffort.count : 0
        var bestEffortClosed = !bestEffortOpen
        if requiredLeft + bestEffortLeft > 0 {
            for await message in stream {
                switch message {
                case .done(let lookup, let outcome, let retries):
                    guard result.outcomes[lookup] == nil else { continue }
                    result.outcomes[lookup] = outcome
                    if requiredSet.contains(lookup) {
                        requiredLeft -= 1
                        result.requiredRetries += retries
                        if requiredLeft == 0 { result.requiredFinished = clock.now() }
                    } else if !bestEffortClosed {
                        bestEffortLeft -= 1
                    }
                case .deadline:
                    bestEffortWorker?.cancel()
                    bestEffortClosed = true
                    bestEffortLeft = 0
                case .requiredDeadline:
                    requiredLeft = 0
                    bestEffortLeft = 0
                    result.requiredFinished = clock.now()
                }
                if requiredLeft == 0, bestEffortLeft == 0 { break }
            }
        }
        if Task.isCancelled, requiredLeft > 0 { result.requiredFinished = clock.now() }
        result.heldPastDeadline = !required.isEmpty && result.requiredFinished > deadline
        requiredWorker?.cancel()
        bestEffortWorker?.cancel()
        timer.cancel()
        continuation.finish()
        return result
    }

    /// A required lookup: at `.scope` priority, asked again (pausing `retryDelay`, doubling up to
    /// 30 s) while the failure is transient, until an answer or cancellation. Returns the retries too.
    static func fetchRequired(
        _ lookup: EnrichmentLookup, client: BoxClient, clock: any SchedulerClock, retryDelay: Duration
    ) async -> (EnrichmentOutcome, Int) {
        var delay = retryDelay
        var retries = 0
        while true {
            let outcome: EnrichmentOutcome
            do {
                outcome = try await fetchOrThrow(lookup, client: client, priority: .scope)
            } catch {
                let (failed, transient) = Self.outcome(of: error)
                guard transient, !Task.isCancelled else { return (failed, retries) }
                do { try await clock.sleep(for: delay) } catch { return (.skipped(.deadline), retries) }
                delay = min(delay * 2, .seconds(30))
                retries += 1
                continue
            }
            return (outcome, retries)
        }
    }

    /// One best-effort lookup through the scheduler at `.enrichment` priority; every failure becomes an outcome.
    static func fetch(_ lookup: EnrichmentLookup, client: BoxClient) async -> EnrichmentOutcome {
        do {
            return try await fetchOrThrow(lookup, client: client, priority: .enrichment)
        } catch {
            return outcome(of: error).outcome
        }
    }

    /// What a failed lookup means, and whether asking again may succeed (429, 5xx, network, shed).
    static func outcome(of error: any Error) -> (outcome: EnrichmentOutcome, transient: Bool) {
        switch error {
        case is CancellationError:
            return (.skipped(.deadline), false)
        case is SchedulerShedError:
            return (.skipped(.shed), true)
        case let error as BoxAPIError:
            if error.status == 429 { return (.skipped(.rateLimited), true) }
            var reason = error.status.map { "status \($0)" } ?? error.kind.rawValue
            if let code = error.code { reason += " \(code)" }
            return (.failed(reason: reason), error.isRetryable)
        default:
            return (.failed(reason: "\(type(of: error))"), false)
        }
    }

    /// One lookup through the scheduler at `priority`.
    static func fetchOrThrow(_ lookup: EnrichmentLookup, client: BoxClient, priority: PriorityClass) async throws -> EnrichmentOutcome {
        switch lookup {
        case .folderPath(let id):
            let folder = try await client.folder(BoxID(id), fields: ["name", "path_collection"], priority: priority)
            return .folderPath(path(of: folder.pathCollection, appending: folder.name ?? id))
        case .item(let id, let isFolder):
            let fields = ["name", "parent", "path_collection", "shared_link"]
            if isFolder {
                let folder = try await client.folder(BoxID(id), fields: fields, priority: priority)
                return .item(facts(name: folder.name, parent: folder.parent, paths: folder.pathCollection, link: folder.sharedLink))
            }
            let file = try await client.file(BoxID(id), fields: fields, priority: priority)
            return .item(facts(name: file.name, parent: file.parent, paths: file.pathCollection, link: file.sharedLink))
        }
    }

    /// "/All Files/A/B" from a `path_collection` (root first), plus `name` when given.
    static func path(of collection: BoxPathCollection?, appending name: String? = nil) -> String {
        var text = ""
        for entry in collection?.entries ?? [] {
            text += "/" + (entry.name ?? (entry.id.rawValue == EnrichmentNeed.rootFolderID ? "All Files" : entry.id.rawValue))
        }
        if let name { text += "/" + name }
        return text
    }

    static func facts(name: String?, parent: BoxFolderMini?, paths: BoxPathCollection?, link: BoxSharedLink?) -> EnrichedItemFacts {
        let entries = paths?.entries ?? []
        let parentID = parent?.id.rawValue ?? entries.last?.id.rawValue
        return EnrichedItemFacts(
            name: name ?? "",
            parentID: parentID,
            parentPath: entries.isEmpty ? nil : path(of: paths),
            linkAccess: linkAccess(link))
    }

    /// A link's effective access (what applies after enterprise policy), else its set access.
    static func linkAccess(_ link: BoxSharedLink?) -> Boxbridge_V1_LinkAccess {
        guard let link else { return .unspecified }
        for text in [link.effectiveAccess, link.access] {
            switch text?.lowercased() {
            case "open": return .open
            case "company": return .company
            case "collaborators": return .collaborators
            default: continue
            }
        }
        return .unspecified
    }
}

/// A folder Box said is gone (404), remembered until `until` on the enricher's clock.
struct GoneFolder: Sendable {
    var until: Duration
    var reason: String
}
