public import BoxBridgeProtocol

/// Adds what Box lookups can tell to file events (parent path, shared-link access) before they are published.
///
/// The pipeline calls it with the events a page released, in order. Best-effort enrichment
/// (paths) never holds the stream: an implementation should watch `budget` itself (and task
/// cancellation) and return what it has. Exposure-critical lookups (a shared link's access) may
/// hold the batch longer, up to `maximumHold`; past that the pipeline stops waiting and publishes
/// the events unenriched, marked `ENRICHMENT_STATUS_SKIPPED_BUDGET`.
public protocol EventEnriching: Sendable {
    /// Returns `events` enriched, same count and same order, each with its `enrichment` status set.
    ///
    /// - Parameter budget: how long best-effort lookups may take.
    func enrich(_ events: [Boxbridge_V1_FileEvent], budget: Duration) async -> [Boxbridge_V1_FileEvent]

    /// How long the pipeline waits for `enrich` at most, when longer than the budget (nil: the budget).
    var maximumHold: Duration? { get }
}

extension EventEnriching {
    public var maximumHold: Duration? { nil }
}
