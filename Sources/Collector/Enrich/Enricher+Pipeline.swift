public import BoxBridgeProtocol

extension Enricher: EventEnriching {
    /// The pipeline's hook: enriches within `budget`, answering a little early.
    ///
    /// The pipeline races this call against its own `budget` timer; finishing a tenth of the
    /// budget (at most 100 ms) early means the partly enriched batch wins that race instead of
    /// the whole batch going out SKIPPED_BUDGET.
    public func enrich(_ events: [Boxbridge_V1_FileEvent], budget: Duration) async -> [Boxbridge_V1_FileEvent] {
        let margin = min(budget / 10, .milliseconds(100))
        return await enrich(events, deadline: clock.now() + budget - margin)
    }
}
