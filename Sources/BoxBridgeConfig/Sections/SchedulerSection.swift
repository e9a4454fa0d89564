/// `[scheduler]`: the Box call budget of each credential (API-NOTES §6 defaults).
public struct SchedulerSection: Sendable, Equatable {
    /// Box's limit per user token; the scheduler aims at `callsPerMinute × (1 − safetyMargin)`.
    public var callsPerMinute = 1000
    /// Share of the limit kept in reserve, 0 ..< 1.
    public var safetyMargin = 0.05
    /// Attempts per call on 429, 5xx and 202 with Retry-After, first included.
    public var maxAttempts = 5
    /// Backoff `2^attempt × base × U(0.5, 1.5)`, capped.
    public var backoffBase: Duration = .seconds(1)
    public var backoffCap: Duration = .seconds(60)
    /// Largest share of the budget enrichment may take, 0 ... 1 (event polling always comes first).
    public var enrichmentMaxShare = 0.2
    /// An enrichment call waiting longer than this is shed and the event goes out unenriched.
    public var enrichmentShedAfter: Duration = .seconds(2)
    /// Extra attempts after a network error (connection reset, timeout).
    public var networkRetries = 2

    public init() {}
}
