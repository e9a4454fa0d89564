/// A token bucket in simulated time: one token per call, refilled continuously at a given rate.
///
/// The rate is passed on every refill rather than stored, because the scheduler's AIMD changes it
/// and the bucket must account for the time before the change at the old rate.
public struct TokenBucket: Sendable, Equatable {
    public private(set) var capacity: Double
    public private(set) var tokens: Double
    public private(set) var lastRefill: Duration

    /// A full bucket at `now`.
    public init(capacity: Double, now: Duration) {
        self.capacity = max(1, capacity)
        self.tokens = self.capacity
        self.lastRefill = now
    }

    /// Adds the tokens earned between the last refill and `now` at `ratePerSecond`.
    public mutating func refill(now: Duration, ratePerSecond: Double) {
        guard now > lastRefill else { return }
        tokens = min(capacity, tokens + (now - lastRefill).secondsDouble * ratePerSecond)
        lastRefill = now
    }

    /// Takes one token if there is one.
    public mutating func tryTake() -> Bool {
        // The epsilon absorbs floating-point dust from refills computed in nanoseconds.
        guard tokens >= 1 - 1e-9 else { return false }
        tokens = max(0, tokens - 1)
        return true
    }

    /// Empties the bucket, so a call after a 429 pause starts slowly rather than in a burst.
    public mutating func drain() { tokens = 0 }

    /// When the next whole token will be there at `ratePerSecond`, assuming a refill at `now`.
    public func nextTokenTime(now: Duration, ratePerSecond: Double) -> Duration {
        if tokens >= 1 - 1e-9 { return now }
        let seconds = min((1 - tokens) / max(ratePerSecond, 1e-9), 9e9)
        return now + .nanoseconds(Int64((seconds * 1e9).rounded(.up)) + 1)
    }

    /// Changes the capacity (rate reconfigured), keeping the tokens within it.
    public mutating func resize(capacity newCapacity: Double) {
        capacity = max(1, newCapacity)
        tokens = min(tokens, capacity)
    }
}
