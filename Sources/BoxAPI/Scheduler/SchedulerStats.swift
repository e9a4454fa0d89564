/// A credential's scheduler at a glance: what `boxbridge status` shows and tests assert on.
public struct SchedulerStats: Sendable, Equatable, Codable {
    public var credential: String
    /// Calls by class (`events`, `scope`, `enrichment`), then status (`2xx`, `429`, `503`, `network`, …).
    public var calls: [String: [String: Int]]
    /// Calls per minute the scheduler paces at now (target × AIMD fraction).
    public var currentCallsPerMinute: Double
    /// Calls per minute aimed for without 429s (the limit less the safety margin).
    public var targetCallsPerMinute: Double
    /// 429 responses seen.
    public var rateLimited: Int
    /// Times the rate was lowered after a 429.
    public var rateDecreases: Int
    /// Requests shed, by class.
    public var shed: [String: Int]
    /// Seconds requests spent waiting (queued for a token or a pause, plus retry backoff), by class.
    public var waitSeconds: [String: Double]
    /// Requests queued now, by class.
    public var queueDepth: [String: Int]
    /// Seconds left in the current 429 pause, 0 when not paused.
    public var pausedSeconds: Double

    /// Calls of one class, all statuses.
    public func calls(_ priority: PriorityClass) -> Int {
        calls[priority.description, default: [:]].values.reduce(0, +)
    }

    /// Every call made.
    public var totalCalls: Int { calls.values.flatMap(\.values).reduce(0, +) }
}
