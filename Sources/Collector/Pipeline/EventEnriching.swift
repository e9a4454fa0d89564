public import BoxBridgeProtocol

/// Adds what Box lookups can tell to file events (parent path, shared-link access) before they are published.
///
/// The pipeline calls it with the events a page released, in order. Enrichment never holds the
/// stream: the pipeline stops waiting after `budget` and publishes the events unenriched, marked
/// `ENRICHMENT_STATUS_SKIPPED_BUDGET`, so an implementation should watch the budget itself (and
/// task cancellation) and return what it has.
public protocol EventEnriching: Sendable {
    /// Returns `events` enriched, same count and same order, each with its `enrichment` status set.
    ///
    /// - Parameter budget: how long the pipeline will wait for the answer.
    func enrich(_ events: [Boxbridge_V1_FileEvent], budget: Duration) async -> [Boxbridge_V1_FileEvent]
}
