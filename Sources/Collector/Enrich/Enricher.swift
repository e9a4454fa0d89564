public import BoxAPI
public import BoxBridgeConfig
public import BoxBridgeProtocol
public import Logging
import BoxBridgeRuntime
public import Metrics

/// Fills what Box events leave out — the parent folder's path, a shared link's effective access —
/// through the credential's scheduler at `.enrichment` priority, without ever holding the stream.
///
/// `enrich(_:deadline:)` returns by its deadline whatever happens: lookups still queued or on the
/// wire are cancelled and their events go out with status SKIPPED_BUDGET (the scheduler also
/// sheds enrichment itself when the budget is short, with the same result). A lookup Box refuses
/// (404: the item is gone, 403, …) marks its events FAILED; nothing here throws. Folder paths are
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
    public nonisolated let maxLookupsPerBatch: Int
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
    public init(
        client: BoxClient,
        cacheEntries: Int,
        maxConcurrentLookups: Int = 8,
        maxLookupsPerBatch: Int = 500,
        goneFolderTTL: Duration = .seconds(600),
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

    /// Returns `events`, in order, each with what could be learned by `deadline` and its status.
    ///
    /// Status per event: NOT_NEEDED (nothing to look up), COMPLETE, SKIPPED_BUDGET (a lookup was
    /// shed, rate limited, or not done by the deadline: published unenriched, saying so) or FAILED
    /// (Box refused a lookup, e.g. 404 for an item since deleted). Partial results are kept: a path
    /// from the cache stays even when the link lookup was skipped. Never throws, never waits past
    /// `deadline` (a cancelled caller gets its events back at once, unenriched lookups SKIPPED_BUDGET).
    ///
    /// - Parameter deadline: on `clock`'s timeline (`clock.now() + budget`).
    public func enrich(_ events: [Boxbridge_V1_FileEvent], deadline: Duration) async -> [Boxbridge_V1_FileEvent] {
        var needs: [EnrichmentNeed] = []
        needs.reserveCapacity(events.count)
        var lookups: [EnrichmentLookup] = []
        var planned: Set<EnrichmentLookup> = []
        var overflow: Set<EnrichmentLookup> = []
        // Paths served from the cache, held for this call: another call may evict them meanwhile.
        var known: [String: String] = [:]
        // Outcomes known without a call: folders recently gone, lookups beyond the batch limit.
        var preset: [EnrichmentLookup: EnrichmentOutcome] = [:]
        let now = clock.now()
        func plan(_ lookup: EnrichmentLookup) {
            guard !planned.contains(lookup), !overflow.contains(lookup) else { return }
            if lookups.count < maxLookupsPerBatch {
                planned.insert(lookup)
                lookups.append(lookup)
            } else {
                overflow.insert(lookup)
            }
        }
        for event in events {
            let need = EnrichmentNeed.of(event)
            needs.append(need)
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
        if !lookups.isEmpty {
            counters.lookups += UInt64(lookups.count)
            let done = await Self.perform(
                lookups, client: client, clock: clock, deadline: deadline, concurrency: maxConcurrentLookups)
            var fetched: [EnrichmentLookup: EnrichmentOutcome] = [:]
            for lookup in lookups { fetched[lookup] = done[lookup] ?? .skipped(.deadline) }
            remember(fetched)
            outcomes.merge(fetched) { _, new in new }
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

    /// Runs `lookups` (at most `concurrency` at once) until all are done or `deadline` passes,
    /// then cancels what is left and returns without waiting for it to wind down.
    private static func perform(
        _ lookups: [EnrichmentLookup], client: BoxClient, clock: any SchedulerClock, deadline: Duration, concurrency: Int
    ) async -> [EnrichmentLookup: EnrichmentOutcome] {
        guard clock.now() < deadline, !Task.isCancelled else { return [:] }
        enum Message: Sendable {
            case done(EnrichmentLookup, EnrichmentOutcome)
            case deadline
        }
        let (stream, continuation) = AsyncStream.makeStream(of: Message.self)
        // Unstructured on purpose: at the deadline they are cancelled and left to finish on their
        // own, so a request slow to notice cancellation cannot hold the stream.
        let worker = Task {
            await withTaskGroup(of: Void.self) { group in
                var next = lookups.startIndex
                func start() {
                    let lookup = lookups[next]
                    next += 1
                    group.addTask { continuation.yield(.done(lookup, await fetch(lookup, client: client))) }
                }
                while next < lookups.endIndex, next < concurrency { start() }
                while await group.next() != nil {
                    if next < lookups.endIndex, !Task.isCancelled { start() }
                }
            }
        }
        let timer = Task {
            try? await clock.sleep(until: deadline)
            continuation.yield(.deadline)
        }
        var outcomes: [EnrichmentLookup: EnrichmentOutcome] = [:]
        for await message in stream {
            guard case .done(let lookup, let outcome) = message else { break }
            outcomes[lookup] = outcome
            if outcomes.count == lookups.count { break }
        }
        worker.cancel()
        timer.cancel()
        continuation.finish()
        return outcomes
    }

    /// One lookup through the scheduler at `.enrichment` priority; every failure becomes an outcome.
    static func fetch(_ lookup: EnrichmentLookup, client: BoxClient) async -> EnrichmentOutcome {
        do {
            switch lookup {
            case .folderPath(let id):
                let folder = try await client.folder(BoxID(id), fields: ["name", "path_collection"], priority: .enrichment)
                return .folderPath(path(of: folder.pathCollection, appending: folder.name ?? id))
            case .item(let id, let isFolder):
                let fields = ["name", "parent", "path_collection", "shared_link"]
                if isFolder {
                    let folder = try await client.folder(BoxID(id), fields: fields, priority: .enrichment)
                    return .item(facts(name: folder.name, parent: folder.parent, paths: folder.pathCollection, link: folder.sharedLink))
                }
                let file = try await client.file(BoxID(id), fields: fields, priority: .enrichment)
                return .item(facts(name: file.name, parent: file.parent, paths: file.pathCollection, link: file.sharedLink))
            }
        } catch is CancellationError {
            return .skipped(.deadline)
        } catch is SchedulerShedError {
            return .skipped(.shed)
        } catch let error as BoxAPIError {
            if error.status == 429 { return .skipped(.rateLimited) }
            var reason = error.status.map { "status \($0)" } ?? error.kind.rawValue
            if let code = error.code { reason += " \(code)" }
            return .failed(reason: reason)
        } catch {
            return .failed(reason: "\(type(of: error))")
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
