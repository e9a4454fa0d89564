/// How a supervisor paces the restarts of a child that keeps exiting.
///
/// The delay before restart n (counting consecutive failures from 0) is
/// `min(initialDelay × 2^n, maxDelay)`; with the defaults: 1 s, 2 s, 4 s, 8 s, 16 s, 30 s, 30 s, …
/// A child that stayed up at least `resetAfter` before exiting counts as healthy again: its next
/// restart waits `initialDelay`.
public struct RestartPolicy: Sendable, Equatable {
    public var initialDelay: Duration
    public var maxDelay: Duration
    public var resetAfter: Duration

    public init(initialDelay: Duration = .seconds(1), maxDelay: Duration = .seconds(30), resetAfter: Duration = .seconds(60)) {
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.resetAfter = resetAfter
    }

    /// The wait before the restart that follows `consecutiveFailures` earlier failures.
    public func delay(afterConsecutiveFailures consecutiveFailures: Int) -> Duration {
        var delay = initialDelay
        // Doubling stops at the cap; the loop bound keeps a huge count from overflowing.
        for _ in 0..<min(consecutiveFailures, 64) {
            delay = delay * 2
            if delay >= maxDelay { return maxDelay }
        }
        return min(delay, maxDelay)
    }
}
