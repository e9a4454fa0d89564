/// Box's per-user request budget as a sliding one-minute window: at most `limit` calls in any 60 s.
///
/// A value type taking `now` on every call, so it is tested in simulated time. A sliding log (not a
/// token bucket) is used because it enforces exactly `limit` calls in every minute, including the
/// first, which is what Box's "1000 requests/min per user" promises clients.
public struct SlidingWindowLimiter: Sendable {
    public enum Decision: Equatable, Sendable {
        case allowed
        /// Refused; `retryAfter` is whole seconds until a call would be accepted (at least 1).
        case limited(retryAfter: Int)
    }

    public let limit: Int
    public let window: Double
    /// Times of accepted calls, oldest first from `head`; grows only with real calls, so a huge
    /// configured limit costs nothing until it is used.
    private var stamps: [Double] = []
    private var head = 0

    public init(limit: Int, window: Double = 60) {
        self.limit = max(1, limit)
        self.window = window
    }

    /// Records a call at `now` if the budget allows it.
    public mutating func attempt(now: Double) -> Decision {
        while head < stamps.count, stamps[head] <= now - window { head += 1 }
        if head > 1_024, head * 2 > stamps.count {
            stamps.removeFirst(head)
            head = 0
        }
        if stamps.count - head < limit {
            stamps.append(now)
            return .allowed
        }
        let wait = stamps[head] + window - now
        return .limited(retryAfter: max(1, Int(wait.rounded(.up))))
    }
}
