public import BoxBridgeProtocol
import Metrics

/// An enricher's running totals, for stats, health and tests.
public struct EnricherStats: Sendable, Hashable {
    /// Parent-folder paths served from the cache.
    public var cacheHits: UInt64 = 0
    /// Parent-folder paths that needed `GET /folders/{id}` (one per folder per batch).
    public var cacheMisses: UInt64 = 0
    /// Folder paths held now, and pushed out to stay within `[collector].enrichment_cache_entries`.
    public var cacheEntries = 0
    public var cacheEvictions: UInt64 = 0
    /// Lookups started (Box calls asked of the scheduler).
    public var lookups: UInt64 = 0
    /// Lookups Box refused (404, 403, …).
    public var lookupFailures: UInt64 = 0
    /// Lookups given up, by reason (`deadline`, `shed`, `rate_limited`, `too_many`).
    public var lookupsSkipped: [String: UInt64] = [:]
    /// Required lookups started: shared-link access, at `.scope` priority, waited for (also in `lookups`).
    public var requiredLookups: UInt64 = 0
    /// Required lookups asked again after the scheduler gave up on a transient failure.
    public var requiredRetries: UInt64 = 0
    /// Required lookups abandoned at the enricher's `requiredBudget` (their events SKIPPED_BUDGET).
    public var requiredTimedOut: UInt64 = 0
    /// Batches held past their best-effort deadline for required lookups, and the longest such wait
    /// (from the call's start to its last required answer).
    public var requiredHolds: UInt64 = 0
    public var longestRequiredWait: Duration = .zero
    /// Events by the status they went out with.
    public var notNeeded: UInt64 = 0
    public var complete: UInt64 = 0
    public var skippedBudget: UInt64 = 0
    public var failed: UInt64 = 0

    public init() {}

    /// Share of path lookups the cache answered, 0 when none were asked.
    public var cacheHitRatio: Double {
        let total = cacheHits + cacheMisses
        return total == 0 ? 0 : Double(cacheHits) / Double(total)
    }

    mutating func record(_ status: Boxbridge_V1_EnrichmentStatus) {
        switch status {
        case .notNeeded: notNeeded += 1
        case .complete: complete += 1
        case .skippedBudget: skippedBudget += 1
        case .failed: failed += 1
        default: break
        }
    }
}

/// `boxbridge_collector_enrichment_*` metrics of one connection.
struct EnricherMetrics: Sendable {
    private let hits: Counter
    private let misses: Counter
    private let events: [Boxbridge_V1_EnrichmentStatus: Counter]
    private let required: [RequiredResult: Counter]

    /// How a required (shared-link access) lookup ended.
    enum RequiredResult: String, CaseIterable {
        case complete
        case failed
        case timedOut = "timed_out"
    }

    init(connection: String, factory: any MetricsFactory) {
        func counter(_ label: String, _ dimensions: [(String, String)]) -> Counter {
            Counter(label: label, dimensions: [("connection", connection)] + dimensions, factory: factory)
        }
        hits = counter("boxbridge_collector_enrichment_cache_total", [("result", "hit")])
        misses = counter("boxbridge_collector_enrichment_cache_total", [("result", "miss")])
        let statuses: [(Boxbridge_V1_EnrichmentStatus, String)] = [
            (.notNeeded, "not_needed"), (.complete, "complete"), (.skippedBudget, "skipped_budget"), (.failed, "failed"),
        ]
        var events: [Boxbridge_V1_EnrichmentStatus: Counter] = [:]
        for (status, label) in statuses {
            events[status] = counter("boxbridge_collector_enrichment_events_total", [("status", label)])
        }
        self.events = events
        var required: [RequiredResult: Counter] = [:]
        for result in RequiredResult.allCases {
            required[result] = counter("boxbridge_collector_enrichment_required_total", [("result", result.rawValue)])
        }
        self.required = required
    }

    func cache(hit: Bool) { (hit ? hits : misses).increment() }
    func event(_ status: Boxbridge_V1_EnrichmentStatus) { events[status]?.increment() }
    func required(_ result: RequiredResult) { required[result]?.increment() }
}
