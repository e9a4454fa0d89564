public import BoxBridgeProtocol

extension Enricher: EventEnriching {
    /// The pipeline's hook: path lookups within `budget`, link access within `requiredBudget`,
    /// answering a little early.
    ///
    /// The pipeline races this call against its own timer (`budget`, or `requiredBudget` when
    /// longer); finishing a tenth of it (at most 100 ms) early means the partly enriched batch
    /// wins that race instead of the whole batch going out SKIPPED_BUDGET.
    public func enrich(_ events: [Boxbridge_V1_FileEvent], budget: Duration) async -> [Boxbridge_V1_FileEvent] {
        func margin(_ limit: Duration) -> Duration { min(limit / 10, .milliseconds(100)) }
        let now = clock.now()
        let required = max(budget, requiredBudget)
        return await enrich(events, deadline: now + budget - margin(budget), requiredDeadline: now + required - margin(required))
    }

    /// The pipeline waits up to `requiredBudget` when a batch has shared-link access to learn.
    public nonisolated var maximumHold: Duration? { requiredBudget }
}
