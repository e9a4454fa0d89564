/// How long the webhook waits before attempt `n + 1` after `n` failed attempts: exponential with
/// full jitter, capped.
///
/// | failed attempts | base 500 ms, cap 60 s: delay before the next |
/// |---|---|
/// | 1 | 0.25 s … 0.5 s |
/// | 2 | 0.5 s … 1 s |
/// | 3 | 1 s … 2 s |
/// | 8+ | 30 s … 60 s |
///
/// Half the delay is fixed and half is jitter, so many bridges hitting one receiver spread out
/// without any retry coming sooner than half the exponential step.
public struct WebhookBackoff: Sendable, Equatable {
    public var base: Duration
    public var cap: Duration

    public init(base: Duration = .milliseconds(500), cap: Duration = .seconds(60)) {
        self.base = base
        self.cap = cap
    }

    /// The delay after `failedAttempts` (≥ 1) failures; `jitter` in 0...1 (random in production).
    public func delay(afterFailedAttempts failedAttempts: Int, jitter: Double) -> Duration {
        let exponent = min(max(failedAttempts - 1, 0), 30)
        let step = min(base * (1 << exponent), cap)
        let clamped = min(max(jitter, 0), 1)
        return step / 2 + (step / 2) * clamped
    }
}
